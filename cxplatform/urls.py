from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from core import health
from core.apidocs import ApiDocsView
from dashboards.views import OrgHomeView

api_v1: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("feedback.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("sms.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
]

org_patterns: list[URLPattern | URLResolver] = [
    path("", OrgHomeView.as_view(), name="org_home"),
    path("", include("accounts.urls")),
    path("sites/", include("widgets.urls")),
    path("surveys/", include("surveys.urls")),
    path("feedback/", include("feedback.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("tickets/", include("tickets.urls")),
    path("settings/sla/", include("tickets.urls_sla")),
    path("insights/text/", include("textanalysis.urls")),
    path("insights/", include("dashboards.urls")),
    path("exports/", include("exports.urls")),
    path("contacts/", include("contacts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("sms/", include("sms.urls")),
]

handler429 = "accounts.adapters.too_many_requests"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls_user")),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("s/", include("surveys.urls_public")),
    path("board/", include("dashboards.urls_public")),
    path("u/", include("contacts.urls_public")),
    path("i/", include("campaigns.urls_public")),
]

# The development mailbox (make run): every email sent, and "reply as the customer".
if settings.DEV_MAILBOX_DIR:
    urlpatterns.append(path("dev/mail/", include("core.urls_devmail")))
