from __future__ import annotations

import pytest
from django.utils import translation

from tickets.models import TicketEvent
from tickets.views.history import event_text


@pytest.mark.parametrize(
    ("kind", "data", "text"),
    [
        (
            "created",
            {
                "response": 5853,
                "alert_rule": 1,
                "alert_rule_name": "Detractors",
                "routing_rule": 2,
                "routing_rule_name": "Refunds to Billing",
                "team": "Billing",
                "assignee": "Dmitri Ivanov",
                "priority": "high",
            },
            "opened the ticket: by the alert rule “Detractors”, routed to Billing, by “Refunds to Billing”, "
            "assigned to Dmitri Ivanov, priority High",
        ),
        ("created", {}, "opened the ticket"),
        (
            "status_changed",
            {"from": "new", "to": "pending"},
            "changed the status: New → Pending (waiting on the customer)",
        ),
        ("priority_changed", {"from": "normal", "to": "urgent"}, "changed the priority: Normal → Urgent"),
        (
            "sla_breach",
            {"clock": "first_response", "notice": "breach", "level": 1},
            "SLA breached: First contact",
        ),
        (
            "recovered",
            {"response": 9, "nps": 9, "original_nps": 3, "recovered": True},
            "the customer is recovered: NPS 3 → 9",
        ),
        ("replied", {"message": 4, "to": "jane@example.com"}, "replied to the customer: jane@example.com"),
        (
            "merged_from",
            {"source": 7, "messages": 2, "responses": 1},
            "merged another ticket into this one (source: 7)",
        ),
    ],
)
def test_each_history_line_reads_as_words_not_data(kind, data, text):
    with translation.override("en"):
        assert event_text(TicketEvent(kind=kind, data=data)) == text
