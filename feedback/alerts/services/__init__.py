"""Writes about alerts: rules, their evaluation on finished responses, deliveries and digests."""

from feedback.alerts.services.delivery import (
    alert_deliveries_sweep,
    alert_delivery_attempt,
    alert_delivery_retry,
)
from feedback.alerts.services.digests import alert_digest_send, alert_digests_send
from feedback.alerts.services.engine import (
    alert_rules_evaluate,
    digest_due_at,
    handle_response_finished,
    quiet_hours_end,
)
from feedback.alerts.services.rules import (
    alert_rule_create,
    alert_rule_delete,
    alert_rule_set_active,
    alert_rule_update,
)

__all__ = [
    "alert_deliveries_sweep",
    "alert_delivery_attempt",
    "alert_delivery_retry",
    "alert_digest_send",
    "alert_digests_send",
    "alert_rule_create",
    "alert_rule_delete",
    "alert_rule_set_active",
    "alert_rule_update",
    "alert_rules_evaluate",
    "digest_due_at",
    "handle_response_finished",
    "quiet_hours_end",
]
