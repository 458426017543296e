"""Reading answers from the posted form and from the link, checked against their question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from surveys.definition import AnswerError, validate_answer
from surveys.definition.types import QUESTION_TYPES

SCALE_TYPES = ("nps", "csat", "ces", "rating")


def _int_or_text(raw: str) -> int | str:
    try:
        return int(raw.strip())
    except ValueError:
        return raw


def _read_scale(question: Mapping[str, Any], data: QueryDict) -> Any:
    raw = data.get(question["key"], "")
    return _int_or_text(raw) if raw.strip() else None


def _read_single(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    raw = data.get(key, "")
    return {"other": data.get(f"{key}.other", "")} if raw == "other" else raw


def _read_multiple(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    return [{"other": data.get(f"{key}.other", "")} if v == "other" else v for v in data.getlist(key)]


def _read_matrix(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    rows = [r["key"] for r in question.get("rows") or []]
    return {row: data[f"{key}.{row}"] for row in rows if data.get(f"{key}.{row}")}


def _read_ranking(question: Mapping[str, Any], data: QueryDict) -> Any:
    order = data.getlist(question["key"])
    return order if any(order) else None


def _read_contact(question: Mapping[str, Any], data: QueryDict) -> Any:
    key = question["key"]
    fields = (question.get("options") or {}).get("fields") or {}
    return {name: data[f"{key}.{name}"] for name in fields if data.get(f"{key}.{name}")}


_READERS: dict[str, Any] = {
    **dict.fromkeys(SCALE_TYPES, _read_scale),
    "single_choice": _read_single,
    "dropdown": _read_single,
    "multiple_choice": _read_multiple,
    "text": lambda q, data: data.get(q["key"], ""),
    "yes_no": lambda q, data: {"true": True, "false": False}.get(data.get(q["key"], ""), data.get(q["key"])),
    "matrix": _read_matrix,
    "ranking": _read_ranking,
    # An unticked box is a "no", which a required consent refuses with its own message.
    "consent": lambda q, data: data.get(q["key"]) == "true",
    "contact": _read_contact,
}


def _read(question: Mapping[str, Any], data: QueryDict) -> Any:
    """The answer to one question as the form sent it, shaped like an answer but not yet validated."""
    reader = _READERS.get(str(question.get("type")))
    return reader(question, data) if reader is not None else None


def _from_link(question: Mapping[str, Any], raw: str) -> Any:
    """A first answer given in the link, e.g. ``?nps=9``; None when this type cannot be given there."""
    qtype = question["type"]
    if qtype in SCALE_TYPES:
        return _int_or_text(raw)
    if qtype in ("yes_no", "consent"):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            raw.lower()
        )
    if qtype == "multiple_choice":
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw if qtype in ("single_choice", "dropdown", "text") else None


def _check(question: Mapping[str, Any], value: Any) -> tuple[Any, str | None]:
    """The normalised answer and the error to show (in the active language), if any."""
    try:
        normalised = validate_answer(question, value)
    except AnswerError as exc:
        return None, str(exc.message)
    if normalised is None and question.get("required"):
        return None, _("Please answer this question.")
    return normalised, None


def _answerable(question: Mapping[str, Any]) -> bool:
    qtype = QUESTION_TYPES.get(str(question.get("type")))
    return qtype is not None and qtype.answerable


# -- presenting questions ------------------------------------------------------------------------------
