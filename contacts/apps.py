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

    def ready(self) -> None:
        from contacts import tasks as _tasks  # noqa: F401 -- so Celery finds the import task
        from contacts.privacy import register_eraser, register_exporter
        from feedback.services.erasure import responses_erase, responses_export
        from tickets.services.erasure import tickets_erase, tickets_export

        # Tickets first: they find the contact's tickets through the responses' contact links, which
        # the responses eraser clears.
        register_eraser("tickets", tickets_erase)
        register_eraser("responses", responses_erase)
        register_exporter("responses", responses_export)
        register_exporter("tickets", tickets_export)

        from contacts.services import retention

        retention.register_purgers()
