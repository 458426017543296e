from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/members/", views.MemberListView.as_view(), name="member_list"),
]
