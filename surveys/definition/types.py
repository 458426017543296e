"""Question types and their fixed facts. One table, read by the validator, the answers and the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class QuestionType:
    key: str
    label: str | Promise
    answerable: bool = True
    has_choices: bool = False
    scale: tuple[int, int] | None = None  # fixed scales; "rating" takes its scale from options


QUESTION_TYPES: dict[str, QuestionType] = {
    t.key: t
    for t in (
        QuestionType("nps", _("Net Promoter Score (0–10)"), scale=(0, 10)),
        QuestionType("csat", _("Customer satisfaction (1–5)"), scale=(1, 5)),
        QuestionType("ces", _("Customer effort (1–7)"), scale=(1, 7)),
        QuestionType("rating", _("Rating")),
        QuestionType("single_choice", _("Single choice"), has_choices=True),
        QuestionType("multiple_choice", _("Multiple choice"), has_choices=True),
        QuestionType("dropdown", _("Dropdown"), has_choices=True),
        QuestionType("text", _("Open text")),
        QuestionType("yes_no", _("Yes / no")),
        QuestionType("matrix", _("Matrix (Likert grid)")),
        QuestionType("ranking", _("Ranking"), has_choices=True),
        QuestionType("consent", _("Consent")),
        QuestionType("contact", _("Contact details")),
        QuestionType("info", _("Information card"), answerable=False),
    )
}

RATING_POINTS = (3, 5, 7, 10)
RATING_STYLES = ("numbers", "stars", "faces", "thumbs")
CSAT_STYLES = ("numbers", "stars", "faces")
TEXT_VARIANTS = ("short", "long")
TEXT_VALIDATIONS = ("none", "email", "number", "phone")
CONTACT_FIELDS = ("name", "email", "phone", "company")
LAYOUTS = ("one_per_screen", "all_on_one")
THEME_MODES = ("light", "dark", "auto")
ENDING_TYPES = ("message", "redirect")

# Text answers longer than this are refused whatever the question says.
TEXT_HARD_LIMIT = 5000
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


def rating_scale(options: Mapping[str, object]) -> tuple[int, int]:
    if options.get("style") == "thumbs":
        return (0, 1)
    points = options.get("points", 5)
    return (1, points if isinstance(points, int) else 5)


def scale_of(question: Mapping[str, object]) -> tuple[int, int] | None:
    qtype = QUESTION_TYPES.get(str(question.get("type")))
    if qtype is None:
        return None
    if qtype.key == "rating":
        options = question.get("options")
        return rating_scale(options if isinstance(options, dict) else {})
    return qtype.scale
