from django.urls import path

from feedback.api.public import PublicResponseView

urlpatterns = [
    path("public/<str:site_key>/responses", PublicResponseView.as_view(), name="api_public_responses"),
]
