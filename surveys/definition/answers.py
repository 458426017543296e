"""Validation of one answer against its question. Returns the normalised value or raises AnswerError.

Messages are lazy translations: render them inside ``translation.override(respondent_language)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from surveys.definition.types import TEXT_HARD_LIMIT, scale_of

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()./-]{6,24}$")
OTHER_TEXT_LIMIT = 500


class AnswerError(ValueError):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def _choice_keys(question: Mapping[str, Any]) -> list[str]:
    return [c["key"] for c in question.get("choices") or []]


def _clean_text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise AnswerError(_("Please type your answer."))
    # PostgreSQL cannot store NUL in text; no keyboard types it.
    text = value.replace("\x00", "").strip()
    if len(text) > limit:
        raise AnswerError(
            ngettext_lazy(
                "Please keep it under %(limit)d character.",
                "Please keep it under %(limit)d characters.",
                limit,
            )
            % {"limit": limit}
        )
    return text


def _scale(question: Mapping[str, Any], value: Any) -> int:
    low, high = scale_of(question) or (0, 10)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AnswerError(_("Please choose a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    if int(value) != value or not low <= value <= high:
        raise AnswerError(_("Please choose a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return int(value)


def _other(question: Mapping[str, Any], value: Mapping[str, Any]) -> dict[str, str]:
    if not (question.get("options") or {}).get("allow_other"):
        raise AnswerError(_("Please choose one of the options."))
    text = _clean_text(value.get("other"), OTHER_TEXT_LIMIT)
    if not text:
        raise AnswerError(_("Please tell us what “other” means for you."))
    return {"other": text}


def _single(question: Mapping[str, Any], value: Any) -> str | dict[str, str]:
    if isinstance(value, Mapping) and set(value) == {"other"}:
        return _other(question, value)
    if not isinstance(value, str) or value not in _choice_keys(question):
        raise AnswerError(_("Please choose one of the options."))
    return value


def _multiple(question: Mapping[str, Any], value: Any) -> list[str | dict[str, str]]:
    if not isinstance(value, list):
        raise AnswerError(_("Please choose one or more options."))
    keys = _choice_keys(question)
    chosen: list[str | dict[str, str]] = []
    seen: set[str] = set()
    for item in value:
        if isinstance(item, Mapping) and set(item) == {"other"}:
            if "\x00other" in seen:
                raise AnswerError(_("Please choose each option once."))
            seen.add("\x00other")
            chosen.append(_other(question, item))
        elif isinstance(item, str) and item in keys:
            if item in seen:
                raise AnswerError(_("Please choose each option once."))
            seen.add(item)
            chosen.append(item)
        else:
            raise AnswerError(_("Please choose from the options shown."))
    options = question.get("options") or {}
    low, high = options.get("min_selected"), options.get("max_selected")
    if isinstance(low, int) and len(chosen) < low:
        raise AnswerError(
            ngettext_lazy(
                "Please choose at least %(n)d option.", "Please choose at least %(n)d options.", low
            )
            % {"n": low}
        )
    if isinstance(high, int) and len(chosen) > high:
        raise AnswerError(
            ngettext_lazy("Please choose at most %(n)d option.", "Please choose at most %(n)d options.", high)
            % {"n": high}
        )
    return chosen


def _text(question: Mapping[str, Any], value: Any) -> str:
    options = question.get("options") or {}
    max_length = options.get("max_length")
    limit = min(max_length, TEXT_HARD_LIMIT) if isinstance(max_length, int) else TEXT_HARD_LIMIT
    text = _clean_text(value, limit)
    min_length = options.get("min_length")
    if isinstance(min_length, int) and text and len(text) < min_length:
        raise AnswerError(
            ngettext_lazy(
                "Please write at least %(n)d character.",
                "Please write at least %(n)d characters.",
                min_length,
            )
            % {"n": min_length}
        )
    kind = options.get("validation", "none")
    if text and kind == "email":
        try:
            validate_email(text)
        except ValidationError:
            raise AnswerError(_("Please enter a valid email address.")) from None
    elif text and kind == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise AnswerError(_("Please enter a number.")) from None
        if not math.isfinite(number):
            raise AnswerError(_("Please enter a number."))
    elif text and kind == "phone" and not PHONE_PATTERN.match(text):
        raise AnswerError(_("Please enter a valid phone number."))
    return text


def _yes_no(question: Mapping[str, Any], value: Any) -> bool:
    if not isinstance(value, bool):
        raise AnswerError(_("Please answer yes or no."))
    return value


def _matrix(question: Mapping[str, Any], value: Any) -> dict[str, str]:
    rows = [r["key"] for r in question.get("rows") or []]
    columns = [c["key"] for c in question.get("columns") or []]
    if not isinstance(value, Mapping) or not value:
        raise AnswerError(_("Please answer each row."))
    for row, column in value.items():
        if row not in rows or column not in columns:
            raise AnswerError(_("Please choose from the options shown."))
    if question.get("required") and set(value) != set(rows):
        raise AnswerError(_("Please answer each row."))
    return {row: value[row] for row in rows if row in value}


def _ranking(question: Mapping[str, Any], value: Any) -> list[str]:
    keys = _choice_keys(question)
    if (
        not isinstance(value, list)
        or sorted(map(str, value)) != sorted(keys)
        or len(set(value)) != len(value)
    ):
        raise AnswerError(_("Please put every option in order."))
    return [str(v) for v in value]


def _consent(question: Mapping[str, Any], value: Any) -> bool:
    if not isinstance(value, bool):
        raise AnswerError(_("Please tick the box to give your consent."))
    if question.get("required") and value is not True:
        raise AnswerError(_("Please tick the box to give your consent."))
    return value


def _contact(question: Mapping[str, Any], value: Any) -> dict[str, str]:
    fields = (question.get("options") or {}).get("fields") or {}
    if not isinstance(value, Mapping):
        raise AnswerError(_("Please fill in your details."))
    unknown = set(value) - set(fields)
    if unknown:
        raise AnswerError(_("Please fill in only the fields shown."))
    cleaned: dict[str, str] = {}
    for name, spec in fields.items():
        text = _clean_text(value.get(name, ""), 254)
        if spec.get("required") and not text:
            raise AnswerError(_("Please fill in the required fields."))
        if text and name == "email":
            try:
                validate_email(text)
            except ValidationError:
                raise AnswerError(_("Please enter a valid email address.")) from None
        if text and name == "phone" and not PHONE_PATTERN.match(text):
            raise AnswerError(_("Please enter a valid phone number."))
        if text:
            cleaned[name] = text
    return cleaned


_VALIDATORS = {
    "nps": _scale,
    "csat": _scale,
    "ces": _scale,
    "rating": _scale,
    "single_choice": _single,
    "dropdown": _single,
    "multiple_choice": _multiple,
    "text": _text,
    "yes_no": _yes_no,
    "matrix": _matrix,
    "ranking": _ranking,
    "consent": _consent,
    "contact": _contact,
}


def is_empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def validate_answer(question: Mapping[str, Any], value: Any) -> Any:
    """The normalised answer, or AnswerError. An empty answer is None (the caller checks required)."""
    validator = _VALIDATORS.get(str(question.get("type")))
    if validator is None:
        raise AnswerError(_("This question does not take an answer."))
    if is_empty(value) or (isinstance(value, str) and not value.strip()):
        return None
    cleaned = validator(question, value)
    return None if is_empty(cleaned) else cleaned
