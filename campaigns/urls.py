"""Campaign pages: ``/o/<org_slug>/campaigns/...``."""

from django.urls import URLPattern, URLResolver, path

from campaigns.views import messages, pages

app_name = "campaigns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.CampaignListView.as_view(), name="campaign_list"),
    path("new/", pages.CampaignFormView.as_view(), name="campaign_create"),
    path("settings/fatigue/", pages.FatigueSettingsView.as_view(), name="fatigue_settings"),
    path("<int:campaign_id>/", pages.CampaignDetailView.as_view(), name="campaign_detail"),
    path("<int:campaign_id>/edit/", pages.CampaignFormView.as_view(), name="campaign_edit"),
    path("<int:campaign_id>/schedule/", pages.CampaignScheduleView.as_view(), name="campaign_schedule"),
    path("<int:campaign_id>/cancel/", pages.CampaignCancelView.as_view(), name="campaign_cancel"),
    path("<int:campaign_id>/messages/", messages.CampaignMessagesView.as_view(), name="campaign_messages"),
    path(
        "<int:campaign_id>/messages/preview/",
        messages.CampaignMessagePreviewView.as_view(),
        name="campaign_message_preview",
    ),
    path(
        "<int:campaign_id>/messages/delete/",
        messages.CampaignMessageDeleteView.as_view(),
        name="campaign_message_delete",
    ),
]
