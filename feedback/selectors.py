"""Reads about responses and contacts. Every read takes the organisation first and the member's access
scope: a restricted member sees only responses to the surveys or touchpoints of their access groups."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from accounts.models import Membership, Organization
from accounts.selectors import AccessScope, access_scope_for
from feedback.models import Contact, Response
from surveys.models import Survey, Touchpoint

RESPONSE_RELATED = ("survey", "touchpoint", "contact")


def response_scope_q(scope: AccessScope) -> Q:
    """The responses a member may see: all of them, or those whose survey or touchpoint is listed."""
    if scope.unrestricted:
        return Q()
    return Q(survey_id__in=scope.survey_ids) | Q(touchpoint_id__in=scope.touchpoint_ids)


def response_visible_to(*, membership: Membership, response: Response) -> bool:
    """Whether the member's access groups let them see this response (alert emails and digests ask)."""
    scope = access_scope_for(membership=membership)
    return (
        scope.unrestricted
        or response.survey_id in scope.survey_ids
        or response.touchpoint_id in scope.touchpoint_ids
    )


@dataclass(frozen=True)
class ResponseFilters:
    survey_id: int | None = None
    channel: str = ""
    touchpoint_id: int | None = None
    language: str = ""
    finished: bool | None = None
    received_from: datetime | None = None  # inclusive
    received_before: datetime | None = None  # exclusive
    search: str = ""


def _responses(organization: Organization, scope: AccessScope) -> QuerySet[Response]:
    return (
        Response.all_orgs.filter(organization=organization)
        .filter(response_scope_q(scope))
        .select_related(*RESPONSE_RELATED)
    )


def response_filtered(
    *, organization: Organization, scope: AccessScope, filters: ResponseFilters
) -> QuerySet[Response]:
    responses = _responses(organization, scope)
    if filters.survey_id is not None:
        responses = responses.filter(survey_id=filters.survey_id)
    if filters.touchpoint_id is not None:
        responses = responses.filter(touchpoint_id=filters.touchpoint_id)
    if filters.channel:
        responses = responses.filter(channel=filters.channel)
    if filters.language:
        responses = responses.filter(language=filters.language)
    if filters.finished is not None:
        responses = responses.filter(finished_at__isnull=not filters.finished)
    if filters.received_from is not None:
        responses = responses.filter(received_at__gte=filters.received_from)
    if filters.received_before is not None:
        responses = responses.filter(received_at__lt=filters.received_before)
    if filters.search.strip():
        responses = responses.filter(comment__icontains=filters.search.strip())
    return responses


# --- keyset pagination: newest first, by (received_at, id); never OFFSET ---------------------------


@dataclass(frozen=True)
class Cursor:
    received_at: datetime
    pk: int

    def encode(self) -> str:
        raw = f"{self.received_at.isoformat()}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor in ``token``, or None for anything that does not parse (the first page then)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, pk = raw.split("|")
            received_at = parse_datetime(stamp)
            number = int(pk)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if received_at is None or received_at.tzinfo is None or not 0 < number < 2**63:
            return None
        return cls(received_at, number)

    @classmethod
    def of(cls, response: Response) -> Cursor:
        return cls(response.received_at, response.pk)


@dataclass(frozen=True)
class ResponsePage:
    responses: list[Response]
    next_cursor: str | None  # older responses
    previous_cursor: str | None  # newer responses


def response_page(
    *,
    organization: Organization,
    scope: AccessScope,
    filters: ResponseFilters,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 50,
) -> ResponsePage:
    """One page of responses, newest first: those older than ``after`` (or newer than ``before``)."""
    responses = response_filtered(organization=organization, scope=scope, filters=filters)
    if before is not None:
        newer = Q(received_at__gt=before.received_at) | Q(received_at=before.received_at, pk__gt=before.pk)
        rows = list(responses.filter(newer).order_by("received_at", "pk")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return ResponsePage(
            responses=rows,
            next_cursor=Cursor.of(rows[-1]).encode() if rows else None,
            previous_cursor=Cursor.of(rows[0]).encode() if rows and more_newer else None,
        )
    if after is not None:
        older = Q(received_at__lt=after.received_at) | Q(received_at=after.received_at, pk__lt=after.pk)
        responses = responses.filter(older)
    rows = list(responses.order_by("-received_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return ResponsePage(
        responses=rows,
        next_cursor=Cursor.of(rows[-1]).encode() if rows and more_older else None,
        previous_cursor=Cursor.of(rows[0]).encode() if rows and after is not None else None,
    )


def response_get(*, organization: Organization, scope: AccessScope, response_id: int) -> Response:
    """One response with its survey version and contact; Response.DoesNotExist when it is missing,
    another organisation's or outside the member's scope (all three read the same)."""
    return (
        _responses(organization, scope)
        .select_related("survey_version", "survey__touchpoint__stage", "touchpoint__stage")
        .get(pk=response_id)
    )


def contact_responses(
    *, organization: Organization, scope: AccessScope, contact: Contact, exclude_id: int, limit: int = 20
) -> list[Response]:
    """The contact's other responses the member may see, newest first."""
    return list(
        _responses(organization, scope)
        .filter(contact=contact)
        .exclude(pk=exclude_id)
        .order_by("-received_at", "-pk")[:limit]
    )


def survey_filter_choices(*, organization: Organization, scope: AccessScope) -> QuerySet[Survey]:
    surveys = Survey.all_orgs.filter(organization=organization)
    if not scope.unrestricted:
        surveys = surveys.filter(Q(pk__in=scope.survey_ids) | Q(touchpoint_id__in=scope.touchpoint_ids))
    return surveys.order_by("name", "pk")


def touchpoint_filter_choices(*, organization: Organization, scope: AccessScope) -> QuerySet[Touchpoint]:
    touchpoints = Touchpoint.all_orgs.filter(organization=organization)
    if not scope.unrestricted:
        visible = Touchpoint.all_orgs.filter(organization=organization).filter(
            Q(pk__in=scope.touchpoint_ids) | Q(surveys__pk__in=scope.survey_ids)
        )
        touchpoints = touchpoints.filter(pk__in=visible.values("pk"))
    return touchpoints.order_by("name", "pk")
