"""Feedback from other systems (reviews, chat ratings, call-centre notes, server-side surveys) via the API.

Idempotent on ``external_id`` per organisation (a unique constraint decides under concurrency). With a
survey, the item goes through ``response_submit`` and is validated like any survey answer; without one
it is a standalone item with optional scores and a comment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import Response
from feedback.services.contacts import ContactRef, contact_resolve
from feedback.services.submit import (
    META_VALUE_LIMIT,
    SubmissionInvalid,
    _clean_bag,
    choose_language,
    record_response_events,
    response_submit,
)
from surveys.models import Survey, Touchpoint

# One namespace for the client ids derived from external ids, so a resend maps to the same response.
EXTERNAL_ID_NAMESPACE = uuid.UUID("6f1c0a52-2d7e-4a8e-9a57-3c8d2b1f0e11")
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
COMMENT_LIMIT = 20_000
# Standalone feedback may be in any language the product speaks, English when unknown.
ALL_LANGUAGES = {"base_language": "en", "languages": [code for code, _name in settings.LANGUAGES]}


@dataclass(frozen=True)
class FeedbackItem:
    channel: str
    external_id: str | None = None
    survey_public_id: str | None = None
    touchpoint_id: int | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    scores: Mapping[str, int] = field(default_factory=dict)
    comment: str = ""
    language: str | None = None
    contact: ContactRef = field(default_factory=ContactRef)
    hidden_fields: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None
    finished: bool = True


@dataclass(frozen=True)
class IngestResult:
    response: Response
    created: bool


def _check_scores(scores: Mapping[str, int]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in scores.items():
        low, high = SCORE_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[f"scores.{name}"] = [
                _("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            ]
    return errors


@transaction.atomic
def feedback_ingest(*, organization_id: int, item: FeedbackItem) -> IngestResult:
    """Store one feedback item once. Raises SubmissionInvalid with field errors."""
    now = timezone.now()
    if item.received_at is not None and item.received_at > now:
        raise SubmissionInvalid(
            {"received_at": [_("The time feedback was received cannot be in the future.")]}
        )
    if item.external_id:
        existing = Response.all_orgs.filter(
            organization_id=organization_id, external_id=item.external_id
        ).first()
        if existing is not None:
            return IngestResult(response=existing, created=False)
    contact = contact_resolve(organization_id=organization_id, ref=item.contact)
    if item.survey_public_id:
        survey = Survey.all_orgs.filter(
            organization_id=organization_id, public_id=item.survey_public_id
        ).first()
        if survey is None:
            raise SubmissionInvalid({"survey": [_("No survey with this id.")]})
        client_id = (
            uuid.uuid5(EXTERNAL_ID_NAMESPACE, f"{organization_id}:{item.external_id}")
            if item.external_id
            else uuid.uuid4()
        )
        result = response_submit(
            survey=survey,
            client_id=client_id,
            answers=item.answers,
            finished=item.finished,
            channel=item.channel,
            language=item.language,
            hidden_fields=item.hidden_fields,
            meta=item.meta,
            contact=contact,
            now=item.received_at or now,
        )
        if item.external_id and result.response.external_id != item.external_id:
            result.response.external_id = item.external_id
            result.response.save(update_fields=["external_id"])
        return IngestResult(response=result.response, created=result.created)
    return _standalone(organization_id, item, contact, now)


def _standalone(organization_id: int, item: FeedbackItem, contact: Any, now: datetime) -> IngestResult:
    errors = _check_scores(item.scores)
    touchpoint = None
    if item.touchpoint_id is not None:
        touchpoint = Touchpoint.all_orgs.filter(
            organization_id=organization_id, pk=item.touchpoint_id
        ).first()
        if touchpoint is None:
            errors["touchpoint"] = [_("No touchpoint with this id.")]
    if not item.comment.strip() and not item.scores:
        errors["comment"] = [_("Send a comment, a score, or both.")]
    if len(item.comment) > COMMENT_LIMIT:
        errors["comment"] = [_("The comment is too long.")]
    if errors:
        raise SubmissionInvalid(errors)
    received = item.received_at or now
    try:
        with transaction.atomic():
            response = Response.all_orgs.create(
                organization_id=organization_id,
                external_id=item.external_id or None,
                touchpoint=touchpoint,
                channel=item.channel,
                language=choose_language(ALL_LANGUAGES, item.language),
                contact=contact,
                answers=dict(item.scores),
                nps=item.scores.get("nps"),
                csat=item.scores.get("csat"),
                ces=item.scores.get("ces"),
                comment=item.comment.strip(),
                hidden_fields=_clean_bag(item.hidden_fields, None, META_VALUE_LIMIT),
                meta=_clean_bag(item.meta, None, META_VALUE_LIMIT),
                started_at=received,
                finished_at=received,
                received_at=received,
                updated_at=now,
            )
    except IntegrityError:
        # The same external id arrived concurrently: the other request stored it.
        existing = Response.all_orgs.filter(
            organization_id=organization_id, external_id=item.external_id
        ).first()
        if existing is None:
            raise
        return IngestResult(response=existing, created=False)
    record_response_events(response=response, created=True, finished=True)
    return IngestResult(response=response, created=True)
