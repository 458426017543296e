"""Personal links: ``SITE_URL/i/<token>`` (email and SMS), the one-click answer and the open pixel."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Invitation
from surveys.definition.types import scale_of

TOKEN_BYTES = 9  # 12 url-safe characters: short enough for an SMS, 72 bits to guess
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,24}$")
_VALUE = re.compile(r"^[0-9]{1,2}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def invitation_url(invitation: Invitation | str) -> str:
    """The absolute personal link of an invitation (or of a token)."""
    token = invitation if isinstance(invitation, str) else invitation.token
    return f"{settings.SITE_URL}{reverse('invite:open', args=[token])}"


def answer_url(invitation: Invitation | str, value: int) -> str:
    """The link of one button of the embedded first question: records that answer in one click."""
    return f"{invitation_url(invitation)}?{urlencode({'v': value})}"


def pixel_url(invitation: Invitation | str) -> str:
    token = invitation if isinstance(invitation, str) else invitation.token
    return f"{settings.SITE_URL}{reverse('invite:pixel', args=[token])}"


def embeddable_question(definition: dict[str, Any]) -> dict[str, Any] | None:
    """The first question when it is a score (NPS, CSAT, CES, rating) that an email can show as buttons."""
    questions = definition.get("questions") or []
    if not questions:
        return None
    first = questions[0]
    if first.get("visible_if"):
        return None
    return first if scale_of(first) is not None else None


def invitation_by_token(token: str) -> Invitation | None:
    if not TOKEN_PATTERN.match(token):
        return None
    return (
        Invitation.all_orgs.select_related("survey", "survey__organization", "survey__current_version")
        .filter(token=token)
        .first()
    )


def survey_redirect(invitation: Invitation, value: str | None) -> str:
    """Where the personal link leads: the survey with the invitation, and the one-click answer if any."""
    query = {"i": invitation.token}
    version = invitation.survey.current_version
    first = embeddable_question(version.definition) if version is not None else None
    if value is not None and _VALUE.match(value) and first is not None:
        query[str(first["key"])] = value
    path = reverse("public_survey:start", args=[invitation.survey.public_id])
    return f"{path}?{urlencode(query)}"


@transaction.atomic
def invitation_click(*, invitation_id: int, now: datetime | None = None) -> None:
    """The contact followed their link: clicked (and so opened) it, the first time only."""
    now = now or timezone.now()
    Invitation.all_orgs.filter(pk=invitation_id, clicked_at__isnull=True).update(clicked_at=now)
    Invitation.all_orgs.filter(pk=invitation_id, opened_at__isnull=True).update(opened_at=now)


@transaction.atomic
def invitation_open(*, token: str, now: datetime | None = None) -> bool:
    """The open pixel was loaded (where the mail client loads images). True the first time."""
    if not TOKEN_PATTERN.match(token):
        return False
    now = now or timezone.now()
    return bool(Invitation.all_orgs.filter(Q(token=token), opened_at__isnull=True).update(opened_at=now))
