"""The ticket's history in words: one translated line per event (the audit trail of every change)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.models import Priority, SlaClock, TicketEvent, TicketStatus

EVENT_LABELS: dict[str, Any] = {
    "created": gettext_lazy("opened the ticket"),
    "response_appended": gettext_lazy("new feedback from the contact was added"),
    "status_changed": gettext_lazy("changed the status"),
    "reopened": gettext_lazy("reopened the ticket"),
    "priority_changed": gettext_lazy("changed the priority"),
    "assigned": gettext_lazy("assigned the ticket"),
    "unassigned": gettext_lazy("unassigned the ticket"),
    "claimed": gettext_lazy("claimed the ticket"),
    "team_changed": gettext_lazy("moved the ticket to another team"),
    "merged_into": gettext_lazy("merged this ticket into another"),
    "merged_from": gettext_lazy("merged another ticket into this one"),
    "note_added": gettext_lazy("added a note"),
    "replied": gettext_lazy("replied to the customer"),
    "contact_logged": gettext_lazy("logged a contact with the customer"),
    "customer_replied": gettext_lazy("the customer replied"),
    "followup_sent": gettext_lazy("sent a follow-up survey"),
    "followup_answered": gettext_lazy("the customer answered the follow-up survey"),
    "recovered": gettext_lazy("the customer is recovered"),
    "sla_warning": gettext_lazy("SLA warning"),
    "sla_breach": gettext_lazy("SLA breached"),
    "sla_escalation": gettext_lazy("SLA escalated"),
}


# Ids and bookkeeping in event data that a reader of the history has no use for.
_HIDDEN_DATA = frozenset(
    {
        "response",
        "alert_rule",
        "routing_rule",
        "message",
        "survey",
        "messages",
        "responses",
        "notified",
        "level",
    }
)


def _choice(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value))


def _created_details(data: dict[str, Any]) -> list[str]:
    details = []
    if data.get("alert_rule_name"):
        details.append(_("by the alert rule “%(name)s”") % {"name": data["alert_rule_name"]})
    if data.get("team"):
        details.append(_("routed to %(team)s") % {"team": data["team"]})
    if data.get("routing_rule_name"):
        details.append(_("by “%(name)s”") % {"name": data["routing_rule_name"]})
    if data.get("assignee"):
        details.append(_("assigned to %(name)s") % {"name": data["assignee"]})
    if data.get("priority"):
        details.append(_("priority %(priority)s") % {"priority": _choice(Priority.choices, data["priority"])})
    return details


def _special_detail(kind: str, data: dict[str, Any]) -> str | None:
    """What follows the label for the kinds whose data needs wording, or None."""
    if kind == "created":
        return ", ".join(_created_details(data))
    if kind.startswith("sla_") and data.get("clock"):
        return _choice(SlaClock.choices, data["clock"])
    if "recovered" in data:
        return f"NPS {data.get('original_nps')} → {data.get('nps')}"
    if kind == "followup_sent" and data.get("survey_name"):
        return str(data["survey_name"])
    return None


def event_text(event: TicketEvent) -> str:
    """One line of the history, in the reader's language: what happened, from what to what."""
    label = str(EVENT_LABELS.get(event.kind, event.kind.replace("_", " ")))
    data = event.data if isinstance(event.data, dict) else {}
    special = _special_detail(event.kind, data)
    if special is not None:
        return f"{label}: {special}" if special else label
    choices = {"status_changed": TicketStatus.choices, "reopened": TicketStatus.choices}.get(
        event.kind, Priority.choices if event.kind == "priority_changed" else ()
    )
    before, after = data.get("from"), data.get("to")
    if choices:
        before, after = (_choice(choices, v) if v not in (None, "") else v for v in (before, after))
    if before not in (None, "") and after not in (None, ""):
        return f"{label}: {before} → {after}"
    if after not in (None, ""):
        return f"{label}: {after}"
    details = [
        f"{key}: {value}"
        for key, value in data.items()
        if key not in ("from", "to") and key not in _HIDDEN_DATA and value not in (None, "", [])
    ]
    return f"{label} ({'; '.join(details)})" if details else label
