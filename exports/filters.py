"""An export keeps the filters of the list it was asked from, as JSON on the job.

Responses use the response list's filters (``feedback.selectors.ResponseFilters``), tickets the queue's
(``tickets.selectors.TicketFilters``). Reading is tolerant: a value of the wrong type is dropped, so
that a job written by an older release still runs (with fewer filters, never with someone else's rows:
the access scope is applied separately).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from feedback.selectors import ResponseFilters
from tickets.selectors import SORTS, TicketFilters


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _str(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _strs(value: Any) -> list[str]:
    return [item[:40] for item in value if isinstance(item, str)] if isinstance(value, list) else []


def response_filters_to_json(filters: ResponseFilters) -> dict[str, Any]:
    return {
        "survey_id": filters.survey_id,
        "channel": filters.channel,
        "touchpoint_id": filters.touchpoint_id,
        "language": filters.language,
        "finished": filters.finished,
        "received_from": _iso(filters.received_from),
        "received_before": _iso(filters.received_before),
        "search": filters.search,
    }


def response_filters_from_json(data: Mapping[str, Any]) -> ResponseFilters:
    finished = data.get("finished")
    return ResponseFilters(
        survey_id=_int(data.get("survey_id")),
        channel=_str(data.get("channel"), 20),
        touchpoint_id=_int(data.get("touchpoint_id")),
        language=_str(data.get("language"), 10),
        finished=finished if isinstance(finished, bool) else None,
        received_from=_moment(data.get("received_from")),
        received_before=_moment(data.get("received_before")),
        search=_str(data.get("search")),
    )


def ticket_filters_to_json(filters: TicketFilters) -> dict[str, Any]:
    return {
        "status": list(filters.status),
        "assignee": filters.assignee,
        "team": filters.team,
        "priority": list(filters.priority),
        "sla": filters.sla,
        "q": filters.q,
        "sort": filters.sort,
    }


def ticket_filters_from_json(data: Mapping[str, Any]) -> TicketFilters:
    sort = _str(data.get("sort"))
    return TicketFilters(
        status=_strs(data.get("status")),
        assignee=_str(data.get("assignee"), 40),
        team=_int(data.get("team")),
        priority=_strs(data.get("priority")),
        sla=_str(data.get("sla"), 20),
        q=_str(data.get("q")),
        sort=sort if sort in SORTS else "deadline",
    )
