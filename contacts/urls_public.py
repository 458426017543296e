"""Public pages reached from emails and SMS: ``/u/<token>/`` (one-click unsubscribe)."""

from django.urls import URLPattern, URLResolver, path

from contacts.views import public

app_name = "unsubscribe"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>/", public.UnsubscribeView.as_view(), name="page"),
    path("<str:token>/subscribe/", public.ResubscribeView.as_view(), name="resubscribe"),
]
