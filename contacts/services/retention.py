"""What contacts deletes past an organisation's retention period (``core.retention``).

``contact_imports``: contact import jobs last touched before the cut-off and their uploaded files
(their reports quote rows of the file). Contacts themselves stay: they are the organisation's customer
list, not feedback, and are removed one by one through erasure (``contacts.privacy``). Suppression
entries stay too: they are keyed hashes, and an unsubscribe must outlive any retention period.
"""

from __future__ import annotations

from contacts.models import ContactImport
from core.retention import RetentionScope, register_purger
from feedback.services.retention import file_imports_purge


def contact_imports_purge(scope: RetentionScope) -> int:
    return file_imports_purge(ContactImport, scope)


def register_purgers() -> None:
    """Called from ``ContactsConfig.ready``."""
    register_purger("contact_imports", contact_imports_purge)
