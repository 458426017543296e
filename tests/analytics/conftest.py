from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Organization
from accounts.selectors import AccessScope
from feedback.models import Response
from surveys.models import Survey, Touchpoint
from tests import factories

UNRESTRICTED = AccessScope(unrestricted=True)


@pytest.fixture
def scope() -> AccessScope:
    return UNRESTRICTED


@pytest.fixture
def make_response(organization: Organization) -> Callable[..., Response]:
    """A response received at ``at`` (organisation-local wall time unless aware)."""

    def make(
        *,
        at: datetime | str,
        survey: Survey | None = None,
        touchpoint: Touchpoint | None = None,
        nps: int | None = None,
        **fields: Any,
    ) -> Response:
        when = datetime.fromisoformat(at) if isinstance(at, str) else at
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(organization.timezone))
        extra: dict[str, Any] = {"survey": survey}
        if survey is not None:
            extra["touchpoint"] = touchpoint if touchpoint is not None else survey.touchpoint
        else:
            extra["touchpoint"] = touchpoint
        answers = fields.pop("answers", {"nps": nps} if nps is not None else {})
        return factories.ResponseFactory(
            organization=organization,
            received_at=when,
            started_at=when,
            nps=nps,
            answers=answers,
            **extra,
            **fields,
        )

    return make
