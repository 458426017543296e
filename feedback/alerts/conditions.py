"""The condition language of alert rules and routing rules: validation, evaluation with a trace, text.

Shape (stored in ``AlertRule.conditions`` and ``RoutingRule.conditions``)::

    Group     = {"match": "all" | "any", "conditions": [Condition | Group, ...]}   # depth <= 3
    Condition = {"field": str, "op": str, "value": <json>, "key": str}

Semantics:

- ``all`` of nothing is true (an empty rule matches every response); ``any`` of nothing is false.
- A condition about a value that is missing (no NPS, question not answered, hidden field not passed,
  no sentiment) is false whatever its operator, except ``is_not_answered``. So ``eq`` and ``neq`` are
  opposites on present values, and both false on a missing one. ``text`` is always present (maybe
  empty), so ``not_contains`` holds on a response without any text.
- Text compares trimmed and case-insensitively (``casefold``). A list answer (multiple choice) matches
  ``eq``/``in``/``contains`` when any of its elements does. ``keywords`` matches any of the words: as a
  whole word in scripts that separate words with spaces, as a substring in CJK text.
- Numbers compare as numbers; an ASCII numeric string answer counts as a number.

Each group's children are all evaluated (no short-circuit) so that the trace is complete.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feedback.models import Channel

if TYPE_CHECKING:
    from feedback.models import Response

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


# -- facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFacts:
    """Everything evaluation needs about one response, gathered once."""

    channel: str = ""
    language: str = ""
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    # The comment and every free-text answer, joined by newlines (not yet case-folded).
    text: str = ""
    sentiment: str | None = None
    touchpoint_id: int | None = None
    survey_id: int | None = None
    hidden: Mapping[str, Any] = field(default_factory=dict)
    identified: bool = False
    contact_attributes: Mapping[str, Any] = field(default_factory=dict)
    # Display names for the trace, when the caller had them loaded.
    touchpoint_name: str = ""
    survey_name: str = ""


def _free_texts(answers: Mapping[str, Any], text_keys: set[str] | None) -> list[str]:
    texts: list[str] = []
    for key, value in answers.items():
        if isinstance(value, str) and (text_keys is None or key in text_keys):
            texts.append(value)
        elif isinstance(value, Mapping) and isinstance(value.get("other"), str):
            texts.append(value["other"])
        elif isinstance(value, list):
            texts.extend(
                v["other"] for v in value if isinstance(v, Mapping) and isinstance(v.get("other"), str)
            )
    return texts


def _sentiment_of(meta: Any) -> str | None:
    raw = meta.get("sentiment") if isinstance(meta, Mapping) else None
    if isinstance(raw, Mapping):
        raw = raw.get("label")
    return raw if isinstance(raw, str) and raw in SENTIMENTS else None


def facts_for(response: Response) -> ResponseFacts:
    """The facts of a response. Reads its contact (select it with the response to save a query) and
    the published version's definition (cached per process) to know which answers are free text."""
    from surveys.selectors import version_definition

    answers = response.answers if isinstance(response.answers, Mapping) else {}
    text_keys: set[str] | None = None
    if response.survey_version_id is not None:
        definition = version_definition(response.survey_version_id)
        questions = definition.get("questions")
        if isinstance(questions, list):
            text_keys = {
                q["key"]
                for q in questions
                if isinstance(q, Mapping) and q.get("type") == "text" and "key" in q
            }
    texts = [response.comment] if response.comment else []
    texts += _free_texts(answers, text_keys)
    contact = response.contact if response.contact_id is not None else None
    attributes = contact.attributes if contact is not None and isinstance(contact.attributes, Mapping) else {}
    # Names only when the caller already loaded them: the trace must not cost queries.
    survey = response.survey if type(response).survey.is_cached(response) else None
    touchpoint = response.touchpoint if type(response).touchpoint.is_cached(response) else None
    return ResponseFacts(
        channel=response.channel,
        language=response.language,
        nps=response.nps,
        csat=response.csat,
        ces=response.ces,
        answers=answers,
        text="\n".join(texts),
        sentiment=_sentiment_of(response.meta),
        touchpoint_id=response.touchpoint_id,
        survey_id=response.survey_id,
        hidden=response.hidden_fields if isinstance(response.hidden_fields, Mapping) else {},
        identified=response.contact_id is not None,
        contact_attributes=attributes,
        touchpoint_name=touchpoint.name if touchpoint is not None else "",
        survey_name=survey.name if survey is not None else "",
    )


# -- validation -------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, problem: str | Promise) -> None:
        super().__init__(str(problem))
        self.problem = problem


_LARGEST = 10**15


def _is_number(value: Any) -> bool:
    """A JSON number we can compare safely: finite, not a boolean, not absurdly large."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return abs(value) <= _LARGEST
    return math.isfinite(value) and abs(value) <= _LARGEST


def _parse_number(value: Any) -> float | int | None:
    """A number from JSON or from a form's text; integral values come back as int."""
    if isinstance(value, str):
        text = value.strip().replace(",", ".") if value.strip().count(",") == 1 else value.strip()
        if not text or not text.isascii() or text.lower() in {"nan", "inf", "+inf", "-inf", "infinity"}:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if not _is_number(value):
        return None
    if float(value).is_integer():
        return int(value)
    return float(value)


def _clean_int(field_name: str, value: Any) -> int:
    low, high = SCALES[field_name]
    number = _parse_number(value)
    if not isinstance(number, int) or not low <= number <= high:
        raise _Invalid(_("enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return number


def _clean_number(value: Any) -> float | int:
    number = _parse_number(value)
    if number is None:
        raise _Invalid(_("enter a number."))
    return number


def _clean_text(value: Any) -> str:
    if _is_number(value):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(_("enter a value."))
    text = value.replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise _Invalid(_("keep the value under %(n)d characters.") % {"n": MAX_TEXT})
    return text


def _clean_strings(value: Any, *, split_spaces: bool = False) -> list[str]:
    """A list of texts; a single text is split on commas (and newlines)."""
    if isinstance(value, str):
        value = re.split(r"[,\n]", value)
    if not isinstance(value, list):
        raise _Invalid(_("enter one or more values, separated by commas."))
    items: list[str] = []
    for item in value:
        text = str(item) if _is_number(item) else item
        if not isinstance(text, str):
            raise _Invalid(_("enter one or more values, separated by commas."))
        text = text.replace("\x00", "").strip()
        if len(text) > MAX_TEXT:
            raise _Invalid(_("keep each value under %(n)d characters.") % {"n": MAX_TEXT})
        if text and text not in items:
            items.append(text)
    if not items:
        raise _Invalid(_("enter one or more values, separated by commas."))
    if len(items) > MAX_LIST:
        raise _Invalid(_("use at most %(n)d values.") % {"n": MAX_LIST})
    return items


def _clean_choices(field_name: str, value: Any) -> list[str]:
    spec = FIELDS[field_name]
    assert spec.choices is not None
    allowed = [choice for choice, _label in spec.choices()]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _Invalid(_("choose at least one option."))
    chosen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise _Invalid(_("“%(value)s” is not one of the options.") % {"value": str(item)[:40]})
        if item not in chosen:
            chosen.append(item)
    return chosen


def _clean_ids(value: Any) -> list[int]:
    if isinstance(value, int | str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _Invalid(_("choose at least one option."))
    ids: list[int] = []
    for item in value:
        number = _parse_number(item)
        if not isinstance(number, int) or not 0 < number < 2**63:
            raise _Invalid(_("choose from the list."))
        if number not in ids:
            ids.append(number)
    if len(ids) > MAX_LIST:
        raise _Invalid(_("use at most %(n)d values.") % {"n": MAX_LIST})
    return ids


def _clean_pair(field_name: str, value: Any) -> list[float | int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _Invalid(_("enter two numbers, the lowest and the highest."))
    if field_name in SCALES:
        low: float | int = _clean_int(field_name, value[0])
        high: float | int = _clean_int(field_name, value[1])
    else:
        low, high = _clean_number(value[0]), _clean_number(value[1])
    if low > high:
        raise _Invalid(_("the first number must not be above the second."))
    return [low, high]


def _clean_value(field_name: str, op: str, value: Any) -> Any:
    cleaners: dict[str, Callable[[], Any]] = {
        INT: lambda: _clean_int(field_name, value),
        NUMBER: lambda: _clean_number(value),
        PAIR: lambda: _clean_pair(field_name, value),
        TEXT: lambda: _clean_text(value),
        WORDS: lambda: _clean_strings(value),
        STRINGS: lambda: _clean_strings(value),
        CHOICES: lambda: _clean_choices(field_name, value),
        IDS: lambda: _clean_ids(value),
    }
    return cleaners[value_kind(field_name, op)]()


_CONDITION_KEYS = {"field", "op", "value", "key"}


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _clean_condition(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(str(k) for k in data if k not in _CONDITION_KEYS)
    if unknown:
        raise _Invalid(_("unexpected “%(name)s”.") % {"name": unknown[0][:40]})
    field_name = data.get("field")
    if _empty(field_name):
        raise _Invalid(_("choose a field."))
    spec = FIELDS.get(field_name) if isinstance(field_name, str) else None
    if spec is None or not isinstance(field_name, str):
        raise _Invalid(_("unknown field “%(name)s”.") % {"name": str(field_name)[:40]})
    op = data.get("op")
    if _empty(op):
        raise _Invalid(_("choose an operator."))
    if not isinstance(op, str) or op not in spec.ops:
        raise _Invalid(_("“%(op)s” does not apply to %(field)s.") % {"op": str(op)[:40], "field": spec.label})
    cleaned: dict[str, Any] = {"field": field_name, "op": op}
    key = data.get("key")
    if spec.needs_key:
        if not isinstance(key, str) or not key.strip():
            raise _Invalid(_("enter the %(what)s.") % {"what": spec.key_label})
        key = key.strip()
        if len(key) > MAX_KEY or "\x00" in key:
            raise _Invalid(
                _("keep the %(what)s under %(n)d characters.") % {"what": spec.key_label, "n": MAX_KEY}
            )
        cleaned["key"] = key
    elif not _empty(key):
        raise _Invalid(_("%(field)s takes no key.") % {"field": spec.label})
    value = data.get("value")
    if value_kind(field_name, op) == NONE:
        if not _empty(value):
            raise _Invalid(_("“%(op)s” takes no value.") % {"op": OPERATOR_LABELS[op]})
    else:
        cleaned["value"] = _clean_value(field_name, op, value)
    return cleaned


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.groups = 0
        self.total = 0

    def group(self, data: Any, depth: int) -> dict[str, Any]:
        self.groups += 1
        number = self.groups
        if not isinstance(data, Mapping):
            self.errors.append(gettext("Group %(g)d: must be a group of conditions.") % {"g": number})
            return {"match": ALL, "conditions": []}
        unknown = sorted(str(k) for k in data if k not in ("match", "conditions"))
        if unknown:
            self.errors.append(
                gettext("Group %(g)d: unexpected “%(name)s”.") % {"g": number, "name": unknown[0][:40]}
            )
        match = data.get("match", ALL)
        if match not in MATCHES:
            self.errors.append(gettext("Group %(g)d: choose “all” or “any”.") % {"g": number})
            match = ALL
        items = data.get("conditions", [])
        if not isinstance(items, list):
            self.errors.append(gettext("Group %(g)d: conditions must be a list.") % {"g": number})
            items = []
        if len(items) > MAX_ITEMS:
            self.errors.append(
                gettext("Group %(g)d: use at most %(n)d conditions.") % {"g": number, "n": MAX_ITEMS}
            )
            items = items[:MAX_ITEMS]
        cleaned: list[dict[str, Any]] = []
        for position, item in enumerate(items, start=1):
            if (
                isinstance(item, Mapping)
                and ("conditions" in item or "match" in item)
                and "field" not in item
            ):
                if depth >= MAX_DEPTH:
                    self.errors.append(
                        gettext("Condition %(n)d in group %(g)d: groups nest at most %(d)d levels deep.")
                        % {"n": position, "g": number, "d": MAX_DEPTH}
                    )
                    continue
                cleaned.append(self.group(item, depth + 1))
                continue
            self.total += 1
            if self.total > MAX_TOTAL:
                if self.total == MAX_TOTAL + 1:
                    self.errors.append(gettext("Use at most %(n)d conditions in a rule.") % {"n": MAX_TOTAL})
                continue
            try:
                if not isinstance(item, Mapping):
                    raise _Invalid(_("must be a condition."))
                cleaned.append(_clean_condition(item))
            except _Invalid as invalid:
                self.errors.append(
                    gettext("Condition %(n)d in group %(g)d: %(problem)s")
                    % {"n": position, "g": number, "problem": invalid.problem}
                )
        return {"match": match, "conditions": cleaned}


def validate_conditions(data: object) -> dict[str, Any]:
    """A normalised copy of a condition tree; raises ``ValidationError`` naming each bad place.

    ``None`` and ``{}`` stand for the empty group (every response matches). Groups are numbered in
    reading order, the outermost being group 1; conditions by their position in their group.
    """
    if data is None or data == {}:
        return {"match": ALL, "conditions": []}
    if not isinstance(data, Mapping):
        raise ValidationError(gettext('Conditions must be a group: {"match": "all", "conditions": […]}.'))
    validator = _Validator()
    cleaned = validator.group(data, 1)
    if validator.errors:
        raise ValidationError(validator.errors)
    return cleaned


# -- evaluation -------------------------------------------------------------------------------------


class TraceLine(TypedDict):
    label: str
    result: bool
    depth: int


_MISSING: Any = object()
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")


def _fold(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if set(value) == {"other"}:
            return _fold(value["other"])
        return " ".join(_fold(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(_fold(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold()


def _present(value: Any) -> bool:
    return value is not _MISSING and not _empty(value)


def _elements(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _same(actual: Any, expected: Any) -> bool:
    """One scalar answer equals one expected text/number (case-insensitive; yes/no for booleans)."""
    if isinstance(actual, bool):
        wanted = _fold(expected)
        return wanted in (("true", "yes") if actual else ("false", "no"))
    a, e = _parse_number(actual), _parse_number(expected)
    if a is not None and e is not None:
        return bool(a == e)
    if isinstance(actual, Mapping) and set(actual) == {"other"}:
        return _fold(expected) in ("other", _fold(actual["other"]))
    return _fold(actual) == _fold(expected)


def _eq(actual: Any, expected: Any) -> bool:
    return any(_same(item, expected) for item in _elements(actual))


def _in(actual: Any, expected: Any) -> bool:
    return any(_eq(actual, option) for option in _elements(expected))


def _contains(actual: Any, expected: Any) -> bool:
    needle = _fold(expected)
    return any(needle in _fold(item) for item in _elements(actual))


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")


def keyword_hits(text: str, words: Sequence[str]) -> list[str]:
    """The words found in ``text``: whole words, or substrings for CJK words."""
    haystack = text.casefold()
    hits: list[str] = []
    for word in words:
        needle = word.strip().casefold()
        if not needle:
            continue
        found = needle in haystack if _CJK.search(needle) else bool(_word_pattern(needle).search(haystack))
        if found:
            hits.append(word)
    return hits


def _numeric(op: str, actual: Any, expected: Any) -> bool:
    number = _parse_number(actual) if not isinstance(actual, bool) else None
    if number is None:
        return False
    if op == "between":
        low, high = expected
        return bool(low <= number <= high)
    return {
        "eq": number == expected,
        "neq": number != expected,
        "lt": number < expected,
        "lte": number <= expected,
        "gt": number > expected,
        "gte": number >= expected,
    }[op]


def _nps_group(nps: int | None) -> str | None:
    if nps is None:
        return None
    return "detractor" if nps <= 6 else "passive" if nps <= 8 else "promoter"


def _actual(cond: Mapping[str, Any], facts: ResponseFacts) -> Any:
    name = cond["field"]
    if name in SCALES:
        value = getattr(facts, name)
        return _MISSING if value is None else value
    lookups: dict[str, Callable[[], Any]] = {
        "nps_group": lambda: _nps_group(facts.nps),
        "score": lambda: facts.answers.get(cond.get("key", ""), _MISSING),
        "answer": lambda: facts.answers.get(cond.get("key", ""), _MISSING),
        "text": lambda: facts.text,
        "sentiment": lambda: facts.sentiment,
        "channel": lambda: facts.channel,
        "touchpoint": lambda: facts.touchpoint_id,
        "survey": lambda: facts.survey_id,
        "language": lambda: facts.language,
        "hidden": lambda: facts.hidden.get(cond.get("key", ""), _MISSING),
        "contact": lambda: facts.identified,
        "contact_attribute": lambda: facts.contact_attributes.get(cond.get("key", ""), _MISSING),
    }
    value = lookups[name]()
    return _MISSING if value is None else value


_VALUE_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "neq": lambda a, e: not _eq(a, e),
    "in": _in,
    "contains": _contains,
    "not_contains": lambda a, e: not _contains(a, e),
    "keywords": lambda a, e: bool(keyword_hits(_fold(a), e)),
    "is_answered": lambda a, e: True,
    "is_set": lambda a, e: True,
}


def _text_holds(op: str, text: str, expected: Any) -> bool:
    if op == "keywords":
        return bool(keyword_hits(text, expected))
    found = _fold(expected) in text.casefold()
    return found if op == "contains" else not found


def _holds(cond: Mapping[str, Any], facts: ResponseFacts) -> bool:
    name, op, expected = cond["field"], cond["op"], cond.get("value")
    actual = _actual(cond, facts)
    if name == "contact":
        result = facts.identified == (op == "is_identified")
    elif op == "is_not_answered":
        result = not _present(actual)
    elif name == "text":
        result = _text_holds(op, facts.text, expected)
    elif not _present(actual):
        result = False
    elif name in SCALES or name == "score":
        result = _numeric(op, actual, expected)
    elif name in ("touchpoint", "survey"):
        result = actual in (expected or ())
    else:
        result = _VALUE_OPS[op](actual, expected)
    return result


def _group_label(match: str, count: int) -> str:
    if count == 0:
        return gettext("No conditions: every response matches") if match == ALL else gettext("Any of nothing")
    return gettext("All of the following") if match == ALL else gettext("Any of the following")


def _evaluate(group: Mapping[str, Any], facts: ResponseFacts, depth: int, trace: list[TraceLine]) -> bool:
    results: list[bool] = []
    for item in group.get("conditions", []):
        if "field" in item:
            result = _holds(item, facts)
            trace.append({"label": condition_label(item, facts), "result": result, "depth": depth})
        else:
            header: TraceLine = {
                "label": _group_label(item.get("match", ALL), len(item.get("conditions", []))),
                "result": False,
                "depth": depth,
            }
            trace.append(header)
            result = _evaluate(item, facts, depth + 1, trace)
            header["result"] = result
        results.append(result)
    return all(results) if group.get("match", ALL) == ALL else any(results)


def evaluate(conditions: Mapping[str, Any], facts: ResponseFacts) -> tuple[bool, list[TraceLine]]:
    """Whether a validated condition tree holds for the facts, with one trace line per condition and
    nested group (depth 0 for the outermost group's children)."""
    trace: list[TraceLine] = []
    tree = conditions or {"match": ALL, "conditions": []}
    result = _evaluate(tree, facts, 0, trace)
    if not trace:
        trace.append({"label": _group_label(tree.get("match", ALL), 0), "result": result, "depth": 0})
    return result, trace


def format_trace_line(line: TraceLine) -> str:
    """ "NPS ≤ 6: yes" """
    return gettext("%(label)s: %(result)s") % {
        "label": line["label"],
        "result": gettext("yes") if line["result"] else gettext("no"),
    }


# -- text -------------------------------------------------------------------------------------------


def _quoted(text: Any) -> str:
    return gettext("“%(text)s”") % {"text": text}


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _field_label(cond: Mapping[str, Any]) -> str:
    name = cond["field"]
    key = cond.get("key", "")
    if name == "score":
        return gettext("Score of %(key)s") % {"key": _quoted(key)}
    if name == "answer":
        return gettext("Answer to %(key)s") % {"key": _quoted(key)}
    if name == "hidden":
        return gettext("Hidden field %(key)s") % {"key": _quoted(key)}
    if name == "contact_attribute":
        return gettext("Contact attribute %(key)s") % {"key": _quoted(key)}
    return str(FIELDS[name].label)


def _option_names(cond: Mapping[str, Any], names: Mapping[str, Mapping[Any, str]]) -> list[str]:
    name = cond["field"]
    values = _elements(cond.get("value", []))
    spec = FIELDS[name]
    if spec.choices is not None:
        labels = dict(spec.choices())
        return [labels.get(v, str(v)) for v in values]
    if name in ("touchpoint", "survey"):
        known = names.get(name, {})
        return [known.get(v) or gettext("#%(id)s") % {"id": v} for v in values]
    return [_quoted(v) for v in values]


def _join_options(options: list[str]) -> str:
    return gettext(", ").join(options)


def _describe_numeric(subject: str, op: str, value: Any) -> str:
    if op == "between":
        return gettext("%(field)s between %(low)s and %(high)s") % {
            "field": subject,
            "low": _number_text(value[0]),
            "high": _number_text(value[1]),
        }
    return f"{subject} {_SYMBOLS[op]} {_number_text(value)}"


def _describe_in(subject: str, options: list[str]) -> str:
    if len(options) == 1:
        return gettext("%(field)s is %(value)s") % {"field": subject, "value": options[0]}
    return gettext("%(field)s is one of %(values)s") % {"field": subject, "values": _join_options(options)}


def _describe_condition(cond: Mapping[str, Any], names: Mapping[str, Mapping[Any, str]]) -> str:
    name, op, value = cond["field"], cond["op"], cond.get("value")
    subject = _field_label(cond)
    if name == "contact":
        text = gettext("Contact is identified") if op == "is_identified" else gettext("Contact is anonymous")
    elif op in ("is_answered", "is_not_answered", "is_set"):
        text = gettext("%(field)s %(op)s") % {"field": subject, "op": OPERATOR_LABELS[op]}
    elif name in SCALES or name == "score":
        text = _describe_numeric(subject, op, value)
    elif op == "in":
        text = _describe_in(subject, _option_names(cond, names))
    elif op == "keywords":
        text = gettext("%(field)s mentions %(words)s") % {
            "field": subject,
            "words": gettext(" or ").join(_quoted(w) for w in _elements(value)),
        }
    else:
        text = gettext("%(field)s %(op)s %(value)s") % {
            "field": subject,
            "op": OPERATOR_LABELS[op],
            "value": _quoted(value),
        }
    return text


def _facts_names(facts: ResponseFacts) -> dict[str, dict[Any, str]]:
    names: dict[str, dict[Any, str]] = {"touchpoint": {}, "survey": {}}
    if facts.touchpoint_id is not None and facts.touchpoint_name:
        names["touchpoint"][facts.touchpoint_id] = facts.touchpoint_name
    if facts.survey_id is not None and facts.survey_name:
        names["survey"][facts.survey_id] = facts.survey_name
    return names


_SHOWS_ACTUAL = (*SCALES, "score", "nps_group", "sentiment", "channel", "language", "touchpoint", "survey")


def _shown(name: str, actual: Any, facts: ResponseFacts) -> str:
    spec = FIELDS[name]
    if spec.choices is not None:
        return dict(spec.choices()).get(actual, str(actual))
    if name in ("touchpoint", "survey"):
        known = _facts_names(facts)[name].get(actual)
        return known or gettext("#%(id)s") % {"id": actual}
    return _number_text(actual)


def condition_label(cond: Mapping[str, Any], facts: ResponseFacts | None = None) -> str:
    """A condition in words; with facts, what the response actually had where that helps
    ("NPS ≤ 6 (was 3)", "Any text mentions “refund” (found “refund”)", "CSAT ≥ 4 (no value)")."""
    text = _describe_condition(cond, _facts_names(facts) if facts is not None else {})
    name, op = cond["field"], cond["op"]
    if facts is None or name == "contact" or op in ("is_answered", "is_not_answered", "is_set"):
        return text
    if name == "text":
        hits = keyword_hits(facts.text, cond["value"]) if op == "keywords" else []
        if hits:
            text = gettext("%(condition)s (found %(words)s)") % {
                "condition": text,
                "words": _join_options([_quoted(w) for w in hits]),
            }
        return text
    actual = _actual(cond, facts)
    if not _present(actual):
        text = gettext("%(condition)s (no value)") % {"condition": text}
    elif name in _SHOWS_ACTUAL and not (op == "in" and _holds(cond, facts)):
        # A membership that holds would only repeat itself: "Channel is Email (was Email)".
        text = gettext("%(condition)s (was %(actual)s)") % {
            "condition": text,
            "actual": _shown(name, actual, facts),
        }
    return text


def _describe(group: Mapping[str, Any], names: Mapping[str, Mapping[Any, str]], nested: bool) -> str:
    parts: list[str] = []
    for item in group.get("conditions", []):
        if "field" in item:
            parts.append(_describe_condition(item, names))
        elif item.get("conditions"):
            parts.append(_describe(item, names, nested=True))
    if not parts:
        return gettext("Every response") if group.get("match", ALL) == ALL else gettext("No response")
    joiner = gettext(" and ") if group.get("match", ALL) == ALL else gettext(" or ")
    text = joiner.join(parts)
    return f"({text})" if nested and len(parts) > 1 else text


def describe(
    conditions: Mapping[str, Any],
    *,
    touchpoints: Mapping[int, str] | None = None,
    surveys: Mapping[int, str] | None = None,
) -> str:
    """A validated condition tree in words: "NPS ≤ 6 and Channel is Email". Touchpoints and surveys
    show by name when their names are given, else by id."""
    names = {"touchpoint": dict(touchpoints or {}), "survey": dict(surveys or {})}
    text = _describe(conditions or {"match": ALL, "conditions": []}, names, nested=False)
    return text[:1].upper() + text[1:]
