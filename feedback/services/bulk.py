"""Writes about feedback and contacts.

For now this holds only the bulk path for *historical* feedback (the demo seed, later imports): rows that
the caller has already built and validated field by field are stored in batches with ``bulk_create``.
It deliberately skips everything live ingestion does (alerts, tickets, webhooks, the outbox); the
ingestion issue adds ``response_ingest`` for that. Tenancy is still checked here: every survey,
touchpoint and contact id in the rows must belong to the organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from feedback.models import Channel, Contact, Response
from surveys.models import Survey, Touchpoint

BULK_BATCH_SIZE = 1000
T = TypeVar("T")

_SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass(frozen=True, slots=True)
class ContactRow:
    email: str
    name: str = ""
    language: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """One historical piece of feedback. ``touchpoint_id`` defaults to the survey's touchpoint."""

    channel: str
    received_at: datetime
    started_at: datetime
    finished_at: datetime | None
    survey_id: int | None = None
    touchpoint_id: int | None = None
    language: str = "en"
    contact_id: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    comment: str = ""
    hidden_fields: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    client_id: UUID | None = None
    external_id: str | None = None


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _check_owned(
    model: type[models.Model], organization: Organization, ids: set[int], known: set[int], field_name: str
) -> None:
    """Raise unless every id belongs to the organisation; ``known`` caches ids already proven."""
    unknown = ids - known
    if not unknown:
        return
    found = set(
        model._base_manager.filter(organization=organization, pk__in=unknown).values_list("pk", flat=True)
    )
    if found != unknown:
        raise ValidationError({field_name: _("Some ids do not belong to this organisation.")})
    known |= found


def _check_row(index: int, row: ResponseRow, languages: set[str]) -> None:
    errors: dict[str, str] = {}
    if row.channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if row.language not in languages:
        errors["language"] = _("Unknown language.")
    for name, (low, high) in _SCORE_RANGES.items():
        value = getattr(row, name)
        if value is not None and not low <= value <= high:
            errors[name] = _("Out of range.")
    stamps = [row.started_at, row.received_at] + ([row.finished_at] if row.finished_at else [])
    if any(timezone.is_naive(stamp) for stamp in stamps):
        errors["received_at"] = _("Times must carry a time zone.")
    elif row.started_at > row.received_at or (
        row.finished_at is not None and row.finished_at < row.started_at
    ):
        # received_at may precede finished_at: a partial response arrives first and is finished later.
        errors["started_at"] = _("A response cannot arrive or finish before it starts.")
    if errors:
        raise ValidationError({f"rows[{index}].{key}": message for key, message in errors.items()})


@transaction.atomic
def contact_bulk_create(*, organization: Organization, rows: Sequence[ContactRow]) -> list[Contact]:
    """Create identified contacts in one go; an email already known to the organisation is an error."""
    emails = [row.email.strip().lower() for row in rows]
    if len(set(emails)) != len(emails) or "" in emails:
        raise ValidationError({"email": _("Every contact needs its own email address.")})
    if Contact.all_orgs.filter(organization=organization, email__in=emails).exists():
        raise ValidationError({"email": _("Some of these contacts already exist.")})
    return Contact.all_orgs.bulk_create(
        [
            Contact(
                organization=organization,
                email=email,
                name=row.name.strip(),
                language=row.language,
                attributes=row.attributes,
            )
            for email, row in zip(emails, rows, strict=True)
        ],
        batch_size=BULK_BATCH_SIZE,
    )


@transaction.atomic
def response_bulk_create(
    *, organization: Organization, rows: Iterable[ResponseRow], batch_size: int = BULK_BATCH_SIZE
) -> int:
    """Store already-built historical feedback rows in batches; returns how many were stored.

    All or nothing: one bad row (unknown channel, out-of-range score, inconsistent times, another
    tenant's id) raises ``ValidationError`` and nothing is stored. No alerts, tickets or webhooks fire.
    """
    languages = {code for code, _label in settings.LANGUAGES}
    known_surveys: set[int] = set()
    known_touchpoints: set[int] = set()
    known_contacts: set[int] = set()
    survey_touchpoints: dict[int, int] = {}
    stored = 0
    for batch in _batches(rows, batch_size):
        for offset, row in enumerate(batch):
            _check_row(stored + offset, row, languages)
        survey_ids = {r.survey_id for r in batch if r.survey_id is not None}
        _check_owned(Survey, organization, survey_ids, known_surveys, "survey")
        missing = survey_ids - survey_touchpoints.keys()
        if missing:
            survey_touchpoints.update(
                Survey.all_orgs.filter(organization=organization, pk__in=missing).values_list(
                    "pk", "touchpoint_id"
                )
            )
        touchpoint_ids = {r.touchpoint_id for r in batch if r.touchpoint_id is not None}
        _check_owned(Touchpoint, organization, touchpoint_ids, known_touchpoints, "touchpoint")
        contact_ids = {r.contact_id for r in batch if r.contact_id is not None}
        _check_owned(Contact, organization, contact_ids, known_contacts, "contact")
        Response.all_orgs.bulk_create(
            [
                Response(
                    organization=organization,
                    client_id=row.client_id,
                    external_id=row.external_id,
                    survey_id=row.survey_id,
                    touchpoint_id=(
                        row.touchpoint_id
                        if row.touchpoint_id is not None or row.survey_id is None
                        else survey_touchpoints[row.survey_id]
                    ),
                    channel=row.channel,
                    language=row.language,
                    contact_id=row.contact_id,
                    answers=row.answers,
                    nps=row.nps,
                    csat=row.csat,
                    ces=row.ces,
                    comment=row.comment,
                    hidden_fields=row.hidden_fields,
                    meta=row.meta,
                    started_at=row.started_at,
                    finished_at=row.finished_at,
                    received_at=row.received_at,
                )
                for row in batch
            ]
        )
        stored += len(batch)
    return stored
