"""What an export holds: its header row and its rows, read in chunks from a server-side cursor.

Nothing here holds more than one chunk of rows: the querysets are read with ``.iterator(chunk_size=…)``,
and what every row needs besides its own joins (the survey versions' questions, theme names) is read
once, bounded by the number of versions and themes, not of responses. Tags are read per chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import islice
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.selectors import AccessScope
from exports.selectors import (
    export_json_keys,
    export_responses,
    export_tag_names,
    export_theme_names,
    export_tickets,
    export_versions,
)
from exports.writers import Cell, Row
from feedback.models import Channel, Response
from feedback.selectors import ResponseFilters
from feedback.views.responses import answer_lines
from tickets.models import Outcome, Priority, Ticket, TicketStatus
from tickets.selectors import TicketFilters
from tickets.views.common import queue_clock

CHUNK_SIZE = 2000
T = TypeVar("T")


@dataclass(frozen=True)
class ExportTable:
    headers: list[str]
    total: int
    # Each call reads the rows again from the start, one chunk (a list of rows) at a time.
    chunks: Callable[[], Iterator[list[Row]]]


def organization_zone(organization: Organization) -> tzinfo:
    try:
        return ZoneInfo(organization.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _labels(choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


def _chunked(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _when(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else ""


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- responses ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    number: int
    base: str
    questions: Mapping[str, Mapping[str, Any]]


def _questions(definition: Any) -> dict[str, Mapping[str, Any]]:
    items = definition.get("questions", []) if isinstance(definition, Mapping) else []
    return {str(q.get("key")): q for q in items if isinstance(q, Mapping) and q.get("key")}


def response_table(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: ResponseFilters,
    language: str,
    chunk_size: int | None = None,
) -> ExportTable:
    """Responses: fixed columns, then one per question key of the surveys in the export (answers
    labelled as on the response page, in ``language``), then hidden fields, then metadata keys."""
    responses = export_responses(organization=organization, scope=scope, filters=filters)
    zone = organization_zone(organization)
    versions: dict[int, _Version] = {}
    question_keys: list[str] = []
    for version in export_versions(responses):
        definition = version.definition if isinstance(version.definition, Mapping) else {}
        questions = _questions(definition)
        versions[version.pk] = _Version(version.number, str(definition.get("base_language", "en")), questions)
        question_keys.extend(key for key in questions if key not in question_keys)
    hidden_keys = export_json_keys(responses, "hidden_fields")
    meta_keys = export_json_keys(responses, "meta")
    themes = export_theme_names(organization=organization)
    # Translated once: get_FOO_display() translates every choice on every call.
    channels = _labels(Channel.choices)
    headers = [
        _("Id"),
        _("Received"),
        _("Finished"),
        _("Channel"),
        _("Survey"),
        _("Survey version"),
        _("Touchpoint"),
        _("Journey stage"),
        _("Language"),
        _("Contact email"),
        _("Contact external id"),
        "NPS",
        "CSAT",
        "CES",
        _("Sentiment"),
        _("Themes"),
        _("Tags"),
        _("Comment"),
        *(f"q.{key}" for key in question_keys),
        *(f"hidden.{key}" for key in hidden_keys),
        *(f"meta.{key}" for key in meta_keys),
    ]

    def answer(response: Response, version: _Version | None, key: str) -> str:
        answers = response.answers if isinstance(response.answers, Mapping) else {}
        if key not in answers:
            return ""
        question = version.questions.get(key) if version is not None else None
        if question is None:
            return _plain(answers[key])
        base = version.base if version is not None else "en"
        return "; ".join(answer_lines(question, answers[key], language, base))

    def row(response: Response, tags: list[str]) -> list[Cell]:
        version = versions.get(response.survey_version_id) if response.survey_version_id else None
        touchpoint, contact = response.touchpoint, response.contact
        hidden = response.hidden_fields if isinstance(response.hidden_fields, Mapping) else {}
        meta = response.meta if isinstance(response.meta, Mapping) else {}
        return [
            response.pk,
            _when(response.received_at, zone),
            _when(response.finished_at, zone),
            channels.get(response.channel, response.channel),
            response.survey.name if response.survey is not None else "",
            version.number if version is not None else None,
            touchpoint.name if touchpoint is not None else "",
            touchpoint.stage.name if touchpoint is not None and touchpoint.stage is not None else "",
            response.language,
            contact.email if contact is not None else "",
            contact.external_id if contact is not None else "",
            response.nps,
            response.csat,
            response.ces,
            response.sentiment,
            "; ".join(themes[i] for i in response.theme_ids or [] if i in themes),
            "; ".join(tags),
            response.comment,
            *(answer(response, version, key) for key in question_keys),
            *(_plain(hidden.get(key)) for key in hidden_keys),
            *(_plain(meta.get(key)) for key in meta_keys),
        ]

    size = chunk_size or CHUNK_SIZE

    def chunks() -> Iterator[list[Row]]:
        for chunk in _chunked(responses.iterator(chunk_size=size), size):
            tags = export_tag_names(organization=organization, response_ids=[r.pk for r in chunk])
            yield [row(response, tags.get(response.pk, [])) for response in chunk]

    return ExportTable(headers=headers, total=responses.count(), chunks=chunks)


# --- tickets -----------------------------------------------------------------------------------------


def _ticket_contact(ticket: Ticket) -> str:
    contact = ticket.contact
    if contact is None:
        return ""
    return contact.email or contact.name or contact.external_id or contact.phone


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("Yes") if value else _("No"))


def ticket_table(
    *,
    organization: Organization,
    membership: Membership,
    filters: TicketFilters,
    chunk_size: int | None = None,
) -> ExportTable:
    tickets = export_tickets(organization=organization, membership=membership, filters=filters)
    zone = organization_zone(organization)
    statuses, priorities, outcomes = (
        _labels(TicketStatus.choices),
        _labels(Priority.choices),
        _labels(Outcome.choices),
    )
    headers = [
        _("Id"),
        _("Subject"),
        _("Status"),
        _("Priority"),
        _("Team"),
        _("Assignee"),
        _("Created"),
        _("First contact"),
        _("Resolved"),
        _("Clocks"),
        _("Root cause"),
        _("Outcome"),
        _("Recovered"),
        _("Response id"),
        _("Contact"),
    ]

    def row(ticket: Ticket, now: datetime) -> Sequence[Cell]:
        assignee = ticket.assignee
        return [
            ticket.pk,
            ticket.subject,
            statuses.get(ticket.status, ticket.status),
            priorities.get(ticket.priority, ticket.priority),
            ticket.team.name if ticket.team is not None else "",
            (assignee.user.name or assignee.user.email) if assignee is not None else "",
            _when(ticket.created_at, zone),
            _when(ticket.first_responded_at, zone),
            _when(ticket.resolved_at, zone),
            queue_clock(ticket, now).text,
            str(ticket.root_cause) if ticket.root_cause is not None else "",
            outcomes.get(ticket.outcome, ticket.outcome),
            _yes_no(ticket.recovered),
            ticket.response_id,
            _ticket_contact(ticket),
        ]

    size = chunk_size or CHUNK_SIZE

    def chunks() -> Iterator[list[Row]]:
        now = timezone.now()
        for chunk in _chunked(tickets.iterator(chunk_size=size), size):
            yield [row(ticket, now) for ticket in chunk]

    return ExportTable(headers=headers, total=tickets.count(), chunks=chunks)
