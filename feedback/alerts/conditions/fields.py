"""The condition language's vocabulary: limits, fields and their operators, value kinds, labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feedback.models import Channel

MAX_DEPTH = 3
MAX_ITEMS = 50
MAX_TOTAL = 200
MAX_TEXT = 200
MAX_LIST = 100
MAX_KEY = 100

ALL, ANY = "all", "any"
MATCHES = (ALL, ANY)

NPS_GROUPS = ("detractor", "passive", "promoter")
SENTIMENTS = ("negative", "neutral", "positive")
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

NUMERIC_OPS = ("eq", "neq", "lt", "lte", "gt", "gte", "between")
VALUE_OPS = ("eq", "neq", "contains", "in", "is_set")
UNARY_OPS = ("is_answered", "is_not_answered", "is_set", "is_identified", "is_anonymous")

# Value kinds: what the value of a (field, op) looks like.
NONE, INT, NUMBER, PAIR, TEXT, WORDS, STRINGS, CHOICES, IDS = (
    "none",
    "int",
    "number",
    "pair",
    "text",
    "words",
    "strings",
    "choices",
    "ids",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str | Promise
    ops: tuple[str, ...]
    needs_key: bool = False
    key_label: str | Promise = ""
    # Fixed choices for "in" (value, label); touchpoint/survey choices come from the organisation.
    choices: Callable[[], list[tuple[str, str]]] | None = None


def _channel_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Channel.choices]


def _language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _nps_group_choices() -> list[tuple[str, str]]:
    return [
        ("detractor", gettext("Detractor")),
        ("passive", gettext("Passive")),
        ("promoter", gettext("Promoter")),
    ]


def _sentiment_choices() -> list[tuple[str, str]]:
    return [
        ("negative", gettext("Negative")),
        ("neutral", gettext("Neutral")),
        ("positive", gettext("Positive")),
    ]


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("nps", _("NPS"), NUMERIC_OPS),
        FieldSpec("csat", _("CSAT"), NUMERIC_OPS),
        FieldSpec("ces", _("CES"), NUMERIC_OPS),
        FieldSpec("nps_group", _("NPS group"), ("in",), choices=_nps_group_choices),
        FieldSpec(
            "score", _("Score of a question"), NUMERIC_OPS, needs_key=True, key_label=_("question key")
        ),
        FieldSpec(
            "answer",
            _("Answer to a question"),
            ("eq", "neq", "contains", "not_contains", "keywords", "in", "is_answered", "is_not_answered"),
            needs_key=True,
            key_label=_("question key"),
        ),
        FieldSpec("text", _("Any text"), ("contains", "not_contains", "keywords")),
        FieldSpec("sentiment", _("Sentiment"), ("in",), choices=_sentiment_choices),
        FieldSpec("channel", _("Channel"), ("in",), choices=_channel_choices),
        FieldSpec("touchpoint", _("Touchpoint"), ("in",)),
        FieldSpec("survey", _("Survey"), ("in",)),
        FieldSpec("language", _("Language"), ("in",), choices=_language_choices),
        FieldSpec("hidden", _("Hidden field"), VALUE_OPS, needs_key=True, key_label=_("hidden field name")),
        FieldSpec("contact", _("Contact"), ("is_identified", "is_anonymous")),
        FieldSpec(
            "contact_attribute",
            _("Contact attribute"),
            VALUE_OPS,
            needs_key=True,
            key_label=_("attribute name"),
        ),
    )
}

OPERATOR_LABELS: dict[str, str | Promise] = {
    "eq": _("is"),
    "neq": _("is not"),
    "lt": _("is less than"),
    "lte": _("is at most"),
    "gt": _("is more than"),
    "gte": _("is at least"),
    "between": _("is between"),
    "in": _("is one of"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "keywords": _("mentions any of the words"),
    "is_answered": _("is answered"),
    "is_not_answered": _("is not answered"),
    "is_set": _("is set"),
    "is_identified": _("is identified"),
    "is_anonymous": _("is anonymous"),
}

_SYMBOLS = {"eq": "=", "neq": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


_FIXED_KINDS = {
    **dict.fromkeys(("touchpoint", "survey"), IDS),
    **dict.fromkeys(("nps_group", "sentiment", "channel", "language"), CHOICES),
}


def value_kind(field_name: str, op: str) -> str:
    """What the value of a condition with this field and operator looks like."""
    if op in UNARY_OPS:
        kind = NONE
    elif field_name in SCALES or field_name == "score":
        kind = PAIR if op == "between" else INT if field_name in SCALES else NUMBER
    elif field_name in _FIXED_KINDS:
        kind = _FIXED_KINDS[field_name]
    else:
        kind = {"keywords": WORDS, "in": STRINGS}.get(op, TEXT)
    return kind
