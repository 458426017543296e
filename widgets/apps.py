from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WidgetsConfig(AppConfig):
    name = "widgets"
    verbose_name = _("Widgets")

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from widgets.cors import allow_site_origins

        check_request_enabled.connect(allow_site_origins, dispatch_uid="widgets.allow_site_origins")
