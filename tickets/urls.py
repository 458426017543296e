"""The ticket queue and its settings: ``/o/<org_slug>/tickets/...``."""

from django.urls import URLPattern, path

from tickets.views import notifications, queue, settings, ticket

app_name = "tickets"

urlpatterns: list[URLPattern] = [
    path("", queue.QueueView.as_view(), name="queue"),
    path("bulk/", queue.BulkActionView.as_view(), name="bulk"),
    path("views/", queue.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("views/<int:view_id>/delete/", queue.SavedViewDeleteView.as_view(), name="saved_view_delete"),
    path("<int:ticket_id>/", ticket.TicketDetailView.as_view(), name="ticket_detail"),
    path("<int:ticket_id>/canned/<int:canned_id>/", ticket.CannedRenderView.as_view(), name="canned_render"),
    path("<int:ticket_id>/<slug:action>/", ticket.TicketActionView.as_view(), name="ticket_action"),
    path(
        "from-response/<int:response_id>/",
        ticket.TicketFromResponseView.as_view(),
        name="ticket_create_from_response",
    ),
    path("notifications/", notifications.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/read/", notifications.NotificationMarkReadView.as_view(), name="notification_mark_read"
    ),
    path(
        "notifications/preferences/",
        notifications.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
    path("settings/root-causes/", settings.RootCauseListView.as_view(), name="root_cause_list"),
    path("settings/root-causes/new/", settings.RootCauseFormView.as_view(), name="root_cause_create"),
    path(
        "settings/root-causes/<int:root_cause_id>/edit/",
        settings.RootCauseFormView.as_view(),
        name="root_cause_edit",
    ),
    path(
        "settings/root-causes/<int:root_cause_id>/delete/",
        settings.RootCauseDeleteView.as_view(),
        name="root_cause_delete",
    ),
    path("settings/canned/", settings.CannedListView.as_view(), name="canned_list"),
    path("settings/canned/new/", settings.CannedFormView.as_view(), name="canned_create"),
    path("settings/canned/<int:canned_id>/edit/", settings.CannedFormView.as_view(), name="canned_edit"),
    path(
        "settings/canned/<int:canned_id>/delete/", settings.CannedDeleteView.as_view(), name="canned_delete"
    ),
    path("settings/routing/", settings.RoutingRuleListView.as_view(), name="routing_rule_list"),
    path("settings/routing/new/", settings.RoutingRuleFormView.as_view(), name="routing_rule_create"),
    path(
        "settings/routing/<int:routing_rule_id>/edit/",
        settings.RoutingRuleFormView.as_view(),
        name="routing_rule_edit",
    ),
    path(
        "settings/routing/<int:routing_rule_id>/delete/",
        settings.RoutingRuleDeleteView.as_view(),
        name="routing_rule_delete",
    ),
    path(
        "settings/routing/<int:routing_rule_id>/move/",
        settings.RoutingRuleMoveView.as_view(),
        name="routing_rule_move",
    ),
]
