"""Condition trees and single conditions in words, for rule lists and evaluation traces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from feedback.alerts.conditions.facts import ResponseFacts
from feedback.alerts.conditions.fields import _SYMBOLS, ALL, FIELDS, OPERATOR_LABELS, SCALES
from feedback.alerts.conditions.matching import _actual, _elements, _holds, _present, keyword_hits


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
