"""The text analytics engine: pure functions, no database (see docs/text-analytics.md)."""

from textanalysis.engine.analyse import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    Analysis,
    analyse,
    keyword_matches,
    keywords_for,
    match_themes,
)
from textanalysis.engine.languages import LANGUAGES, normalise_language

__all__ = [
    "LANGUAGES",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE",
    "Analysis",
    "analyse",
    "keyword_matches",
    "keywords_for",
    "match_themes",
    "normalise_language",
]
