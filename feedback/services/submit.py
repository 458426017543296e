"""Recording a survey response, question by question, from any channel (link page, widget, API).

The one write path for survey answers. The server is the authority: it re-walks the survey's logic,
validates every answer against the version the response started on, drops answers that fell off the
path, and refuses a finished response that misses a required answer. The same client id never makes a
second response: a finished response is returned unchanged, an unfinished one is continued.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import prepared
from core.outbox import outbox_record_many
from feedback.models import Contact, Response
from feedback.services.contacts import ContactRef, contact_resolve
from surveys.definition import AnswerError, Context, validate_answer, walk
from surveys.definition.types import QUESTION_TYPES
from surveys.models import Survey, SurveyStatus, Touchpoint
from surveys.selectors import version_definition

HIDDEN_VALUE_LIMIT = 500
META_KEYS_LIMIT = 30
META_VALUE_LIMIT = 1000

UNAVAILABLE_MESSAGES = {
    "draft": gettext_lazy("This survey has not been published yet."),
    "paused": gettext_lazy("This survey is paused. Please come back later."),
    "not_started": gettext_lazy("This survey is not open yet."),
    "closed": gettext_lazy("This survey is closed. Thank you for your interest."),
    "full": gettext_lazy("This survey has received all the responses it needs. Thank you!"),
}


class SurveyUnavailable(Exception):
    """The survey does not take new responses; ``reason`` is a key of UNAVAILABLE_MESSAGES."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(UNAVAILABLE_MESSAGES[self.reason])


class SubmissionInvalid(ValidationError):
    """Answers that do not fit the survey; ``errors`` maps question keys to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SubmitResult:
    response: Response
    created: bool
    changed: bool


def survey_unavailable_reason(survey: Survey, *, now: datetime | None = None) -> str | None:
    """Why a survey takes no new responses now, or None when it is open."""
    now = now or timezone.now()
    if survey.current_version_id is None or survey.status == SurveyStatus.DRAFT:
        return "draft"
    if survey.status == SurveyStatus.PAUSED:
        return "paused"
    if survey.status == SurveyStatus.CLOSED or (survey.ends_at is not None and survey.ends_at <= now):
        return "closed"
    if survey.starts_at is not None and survey.starts_at > now:
        return "not_started"
    if survey.response_limit is not None:
        finished = Response.all_orgs.filter(
            organization_id=survey.organization_id, survey=survey, finished_at__isnull=False
        ).count()
        if finished >= survey.response_limit:
            return "full"
    return None


def choose_language(definition: Mapping[str, Any], *candidates: str | None) -> str:
    """The first candidate the survey is translated into, else its base language."""
    offered = definition.get("languages") or [definition.get("base_language", "en")]
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.lower().replace("_", "-")
        options = [code, code.split("-")[0]] + (["zh-hans"] if code.startswith("zh") else [])
        for option in options:
            if option in offered:
                return option
    return str(definition.get("base_language", "en"))


def _clean_bag(values: Mapping[str, Any] | None, allowed: set[str] | None, limit: int) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in (values or {}).items():
        if not isinstance(key, str) or (allowed is not None and key not in allowed):
            continue
        if len(cleaned) >= META_KEYS_LIMIT or value is None or isinstance(value, dict | list):
            continue
        # PostgreSQL cannot store NUL in text.
        cleaned[key[:40].replace("\x00", "")] = str(value).replace("\x00", "")[:limit]
    return cleaned


def _scores(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Copy the first NPS, CSAT and CES answers, and the open texts, out for metrics and alerts."""
    scores: dict[str, Any] = {"nps": None, "csat": None, "ces": None}
    texts: list[str] = []
    for question in definition.get("questions", []):
        value = answers.get(question["key"])
        if value is None:
            continue
        qtype = question["type"]
        if qtype in scores and scores[qtype] is None:
            scores[qtype] = value
        elif qtype == "text" and (question.get("options") or {}).get("validation", "none") == "none":
            texts.append(value)
    scores["comment"] = "\n\n".join(texts)
    return scores


def _validate(
    definition: Mapping[str, Any], merged: Mapping[str, Any], submitted: Mapping[str, Any], ctx_extra: Context
) -> tuple[dict[str, Any], list[str], dict[str, list[str]]]:
    questions = {q["key"]: q for q in definition.get("questions", [])}
    errors: dict[str, list[str]] = {}
    for key in submitted:
        question = questions.get(key)
        if question is None or not QUESTION_TYPES[question["type"]].answerable:
            errors[key] = [_("This survey has no question “%(key)s”.") % {"key": key}]
    clean: dict[str, Any] = {}
    for key, value in merged.items():
        if key in errors or key not in questions:
            continue
        try:
            normalised = validate_answer(questions[key], value)
        except AnswerError as exc:
            errors[key] = [str(exc.message)]
            continue
        if normalised is not None:
            clean[key] = normalised
    path = walk(definition, Context(clean, ctx_extra.hidden, ctx_extra.meta))
    on_path = {key: clean[key] for key in path.questions if key in clean}
    return on_path, path.questions, errors


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    client_id: uuid.UUID,
    answers: Mapping[str, Any],
    finished: bool,
    channel: str,
    language: str | None = None,
    hidden_fields: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    contact: Contact | None = None,
    touchpoint_id: int | None = None,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> SubmitResult:
    """Create or continue the response ``client_id`` to ``survey``. Raises SurveyUnavailable (only for a
    new response: one already started may be finished after the survey closes) or SubmissionInvalid.

    ``touchpoint_id`` places a new response at another touchpoint of the organisation than the survey's
    (a QR code or a kiosk in one store); an id that is not the organisation's is ignored. ``started_at``
    is when a device that queued the response offline began it (never after ``now``)."""
    return _submit(
        survey=survey,
        client_id=client_id,
        answers=answers,
        finished=finished,
        channel=channel,
        language=language,
        hidden_fields=hidden_fields,
        meta=meta,
        contact=contact,
        touchpoint_id=touchpoint_id,
        started_at=started_at,
        now=now,
    )


@transaction.atomic
def response_ingest(
    *,
    survey: Survey,
    client_id: uuid.UUID,
    answers: Mapping[str, Any],
    finished: bool,
    channel: str,
    language: str | None = None,
    hidden_fields: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    contact_ref: ContactRef | None = None,
) -> SubmitResult:
    """``response_submit`` for an unauthenticated source (the public API): the contact the caller names
    is resolved (attributes only ever added) in the same transaction as the response, so that refused
    answers leave no new contact behind. One transaction and no savepoint: the ingestion hot path."""
    contact = None
    if contact_ref is not None and not contact_ref.is_empty:
        contact = contact_resolve(organization_id=survey.organization_id, ref=contact_ref, add_only=True)
    return _submit(
        survey=survey,
        client_id=client_id,
        answers=answers,
        finished=finished,
        channel=channel,
        language=language,
        hidden_fields=hidden_fields,
        meta=meta,
        contact=contact,
    )


def _submit(
    *,
    survey: Survey,
    client_id: uuid.UUID,
    answers: Mapping[str, Any],
    finished: bool,
    channel: str,
    language: str | None = None,
    hidden_fields: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    contact: Contact | None = None,
    touchpoint_id: int | None = None,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> SubmitResult:
    """The body of ``response_submit``; the caller holds the transaction."""
    now = now or timezone.now()
    organization_id = survey.organization_id
    submission = _Submission(answers, finished, language, hidden_fields, meta, contact, now)
    reason = survey_unavailable_reason(survey, now=now)
    invalid: SubmissionInvalid | None = None
    if reason is None:
        # Most submissions start a response: try the INSERT first, one statement, no lookup before it.
        fresh = _new_response(survey, client_id, channel, language, now)
        if touchpoint_id is not None and _touchpoint_of(organization_id, touchpoint_id):
            fresh.touchpoint_id = touchpoint_id
        if started_at is not None:
            fresh.started_at = min(started_at, now)
        try:
            submission.apply_to(fresh, version_definition(fresh.survey_version_id))
        except SubmissionInvalid as exc:
            invalid = exc  # maybe the rest of a response already stored; decided below
        else:
            if _insert_unless_exists(fresh):
                record_response_events(response=fresh, created=True, finished=finished)
                return SubmitResult(response=fresh, created=True, changed=True)
    response = (
        Response.all_orgs.select_for_update()
        .filter(organization_id=organization_id, client_id=client_id)
        .first()
    )
    if response is None:
        if reason is not None:
            raise SurveyUnavailable(reason)
        assert invalid is not None  # a valid new response was inserted above, or exists now
        raise invalid
    if response.survey_id != survey.pk:
        raise SubmissionInvalid({"id": [_("This response id belongs to another survey.")]})
    if response.finished_at is not None:
        return SubmitResult(response=response, created=False, changed=False)
    definition = version_definition(response.survey_version_id) if response.survey_version_id else {}
    submission.apply_to(response, definition)
    response.save()
    record_response_events(response=response, created=False, finished=finished)
    return SubmitResult(response=response, created=False, changed=True)


def _new_response(
    survey: Survey, client_id: uuid.UUID, channel: str, language: str | None, now: datetime
) -> Response:
    version_id = survey.current_version_id
    assert version_id is not None  # survey_unavailable_reason checked it
    return Response(
        organization_id=survey.organization_id,
        client_id=client_id,
        survey=survey,
        survey_version_id=version_id,
        touchpoint_id=survey.touchpoint_id,
        channel=channel,
        language=choose_language(version_definition(version_id), language),
        started_at=now,
        received_at=now,
    )


def _touchpoint_of(organization_id: int, touchpoint_id: int) -> bool:
    return Touchpoint.all_orgs.filter(organization_id=organization_id, pk=touchpoint_id).exists()


def _insert_unless_exists(response: Response) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: True and ``response.pk`` set when it was stored;
    False when a response with its client id (or external id) exists, stored by an earlier or a
    concurrent request. One round trip, and no savepoint: a conflict is not an error. The statement is
    written once (core/prepared.py): building it with the ORM cost more than running it."""
    return bool(prepared.insert([response], ignore_conflicts=True))


@dataclass(frozen=True)
class _Submission:
    answers: Mapping[str, Any]
    finished: bool
    language: str | None
    hidden_fields: Mapping[str, Any] | None
    meta: Mapping[str, Any] | None
    contact: Contact | None
    now: datetime

    def apply_to(self, response: Response, definition: Mapping[str, Any]) -> None:
        """Merge this submission into ``response`` after validating it; raises SubmissionInvalid."""
        respondent_language = choose_language(definition, self.language, response.language)
        declared_hidden = set(definition.get("hidden_fields") or [])
        hidden = {
            **response.hidden_fields,
            **_clean_bag(self.hidden_fields, declared_hidden, HIDDEN_VALUE_LIMIT),
        }
        meta_bag = {**response.meta, **_clean_bag(self.meta, None, META_VALUE_LIMIT)}
        merged = {**response.answers, **self.answers}
        with translation.override(respondent_language):
            clean, path, errors = _validate(definition, merged, self.answers, Context({}, hidden, meta_bag))
            if self.finished:
                questions = {q["key"]: q for q in definition.get("questions", [])}
                for key in path:
                    if questions[key].get("required") and key not in clean and key not in errors:
                        errors[key] = [_("Please answer this question.")]
        if errors:
            raise SubmissionInvalid(errors)
        scores = _scores(definition, clean)
        response.answers = clean
        response.language = respondent_language
        response.hidden_fields = hidden
        response.meta = meta_bag
        response.nps, response.csat, response.ces = scores["nps"], scores["csat"], scores["ces"]
        response.comment = scores["comment"]
        response.updated_at = self.now
        if self.contact is not None and response.contact_id is None:
            response.contact = self.contact
        if self.finished:
            response.finished_at = self.now
            response.ending = walk(definition, Context(clean, hidden, meta_bag)).ending or ""


def record_response_events(*, response: Response, created: bool, finished: bool) -> None:
    """Outbox events for the follow-up work (alerts, rollups, webhooks), in the same transaction."""
    payload = {"response_id": response.pk}
    topics = [topic for topic, due in (("response.created", created), ("response.finished", finished)) if due]
    if topics:
        outbox_record_many(
            organization_id=response.organization_id, events=[(topic, payload) for topic in topics]
        )
