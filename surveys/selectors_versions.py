"""Published survey versions, read on the hot path of every response."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from surveys.models import SurveyVersion


@lru_cache(maxsize=512)
def version_definition(version_id: int) -> dict[str, Any]:
    """The frozen definition of a version, parsed once per process.

    Safe to cache without invalidation: a published version never changes (editing a live survey
    publishes a new version). Callers must not mutate the result.
    """
    definition = SurveyVersion.all_orgs.filter(pk=version_id).values_list("definition", flat=True).first()
    return definition if isinstance(definition, dict) else {}
