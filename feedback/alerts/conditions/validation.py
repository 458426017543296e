"""Validation of a condition tree: a normalised copy, or a ``ValidationError`` naming each bad place."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feedback.alerts.conditions.fields import (
    ALL,
    CHOICES,
    FIELDS,
    IDS,
    INT,
    MATCHES,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_KEY,
    MAX_LIST,
    MAX_TEXT,
    MAX_TOTAL,
    NONE,
    NUMBER,
    OPERATOR_LABELS,
    PAIR,
    SCALES,
    STRINGS,
    TEXT,
    WORDS,
    value_kind,
)


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
