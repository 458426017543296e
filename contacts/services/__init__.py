"""Every write about contacts as an audience. Import from here: ``from contacts.services import …``."""

from contacts.privacy import ErasureReport, contact_erase, contact_export
from contacts.services.contacts import (
    ContactData,
    contact_consent_set,
    contact_create,
    contact_list_add,
    contact_list_delete,
    contact_list_remove,
    contact_list_save,
    contact_update,
    segment_delete,
    segment_save,
)
from contacts.services.imports import (
    contact_import_check,
    contact_import_create,
    contact_import_run,
    contact_import_start,
)
from contacts.services.suppression import (
    contact_resubscribe,
    contact_unsubscribe,
    suppression_add,
    suppression_delete,
    suppression_remove,
    unsubscribe_url,
)

__all__ = [
    "ContactData",
    "ErasureReport",
    "contact_consent_set",
    "contact_create",
    "contact_erase",
    "contact_export",
    "contact_import_check",
    "contact_import_create",
    "contact_import_run",
    "contact_import_start",
    "contact_list_add",
    "contact_list_delete",
    "contact_list_remove",
    "contact_list_save",
    "contact_resubscribe",
    "contact_unsubscribe",
    "contact_update",
    "segment_delete",
    "segment_save",
    "suppression_add",
    "suppression_delete",
    "suppression_remove",
    "unsubscribe_url",
]
