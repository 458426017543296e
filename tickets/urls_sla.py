"""SLA policies, business-hours calendars and team queues: ``/o/<org_slug>/settings/sla/...``."""

from django.urls import URLPattern, path

from tickets.sla import views

app_name = "sla"

urlpatterns: list[URLPattern] = [
    path("", views.PolicyListView.as_view(), name="policy_list"),
    path("policies/new/", views.PolicyFormView.as_view(), name="policy_create"),
    path("policies/<int:policy_id>/edit/", views.PolicyFormView.as_view(), name="policy_edit"),
    path("calendars/", views.CalendarListView.as_view(), name="calendar_list"),
    path("calendars/new/", views.CalendarFormView.as_view(), name="calendar_create"),
    path("calendars/<int:calendar_id>/", views.CalendarFormView.as_view(), name="calendar_edit"),
    path("calendars/<int:calendar_id>/holidays/", views.HolidayAddView.as_view(), name="holiday_add"),
    path(
        "calendars/<int:calendar_id>/holidays/<int:holiday_id>/delete/",
        views.HolidayRemoveView.as_view(),
        name="holiday_remove",
    ),
    path("teams/<int:team_id>/", views.TeamQueueFormView.as_view(), name="team_queue_edit"),
]
