from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """CSV and XLSX exports of responses and tickets, written by the workers in constant memory."""

    name = "exports"
    verbose_name = _("Exports")
