"""Pages about the signed-in person rather than one organisation."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("organizations/new/", views.OrganizationCreateView.as_view(), name="organization_create"),
    path("organizations/switch/", views.OrganizationSwitchView.as_view(), name="organization_switch"),
    path("me/preferences/", views.PreferencesView.as_view(), name="user_preferences"),
    path("me/language/", views.LanguageSetView.as_view(), name="language_set"),
    # Opened from the invitation email, signed in or not.
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
