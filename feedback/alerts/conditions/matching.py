"""Whether one condition holds for a response's facts: comparisons and keyword matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from feedback.alerts.conditions.facts import ResponseFacts
from feedback.alerts.conditions.fields import SCALES
from feedback.alerts.conditions.validation import _empty, _parse_number

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
