from django.urls import path

from feedback.api.public import PublicResponseView
from feedback.api.views import FeedbackBatchView, FeedbackCreateView, ResponseListView
from widgets.api import PublicConfigView

urlpatterns = [
    path("public/<str:site_key>/responses", PublicResponseView.as_view(), name="api_public_responses"),
    path("public/<str:site_key>/config", PublicConfigView.as_view(), name="api_public_config"),
    path("feedback", FeedbackCreateView.as_view(), name="api_feedback"),
    path("feedback/batch", FeedbackBatchView.as_view(), name="api_feedback_batch"),
    path("responses", ResponseListView.as_view(), name="api_responses"),
]
