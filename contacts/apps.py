from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    """The organisation's respondents as an audience: lists, segments, consent, the suppression list,
    contact imports, one-click unsubscribe, and the privacy tools (erasure and export of one contact).

    The ``Contact`` row itself stays in ``feedback`` (every channel's ingestion resolves it there); this
    app owns everything about reaching contacts and about their rights.
    """

    name = "contacts"
    verbose_name = _("Contacts")
