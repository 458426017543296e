"""Alert pages, included by ``feedback/urls.py`` under ``alerts/`` (names in the ``feedback`` namespace)."""

from django.urls import URLPattern, path

from feedback.alerts import views

urlpatterns: list[URLPattern] = [
    path("", views.AlertRuleListView.as_view(), name="alert_rule_list"),
    path("new/", views.AlertRuleFormView.as_view(), name="alert_rule_create"),
    path("<int:rule_id>/edit/", views.AlertRuleFormView.as_view(), name="alert_rule_edit"),
    path("<int:rule_id>/delete/", views.AlertRuleDeleteView.as_view(), name="alert_rule_delete"),
    path("<int:rule_id>/toggle/", views.AlertRuleToggleView.as_view(), name="alert_rule_toggle"),
    path("deliveries/", views.AlertDeliveryListView.as_view(), name="alert_delivery_list"),
    path(
        "deliveries/<int:alert_delivery_id>/retry/",
        views.AlertDeliveryRetryView.as_view(),
        name="alert_delivery_retry",
    ),
]
