"""Conditions and the respondent's path through a survey.

Semantics (also in docs/survey-definition.md, mirrored by frontend/survey/logic.ts):

- A condition is a group ``{"all": [...]}`` / ``{"any": [...]}`` / ``{"not": condition}`` or a leaf
  ``{"source": "answer"|"hidden"|"meta", "key": ..., "op": ..., "value": ...}``. ``all`` of nothing is
  true, ``any`` of nothing is false.
- A leaf about a value that is missing (not answered, hidden field not passed) is false, whatever its
  operator, except ``not_answered`` which is then true.
- Text compares case-insensitively after trimming; numbers compare as numbers (an ASCII numeric string
  from a hidden field or metadata counts as a number); ``contains`` on a list asks whether the list holds the
  value; an "other" choice (``{"other": "..."}``) compares as the choice key ``other``.
- The path: questions are visited in order. A question whose ``visible_if`` is false is skipped. After a
  visited question its ``jumps`` are tried in order and the first whose ``if`` holds wins: ``goto`` a
  later question (skipping those between) or ``end`` with the named ending. Conditions may only refer to
  earlier questions and jumps may only go forward, so the path never loops and an answer can only
  change what comes after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

OPERATORS = (
    "answered",
    "not_answered",
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "contains_any",
)
UNARY_OPERATORS = ("answered", "not_answered")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte", "between")
SOURCES = ("answer", "hidden", "meta")


@dataclass(frozen=True)
class Context:
    answers: Mapping[str, Any] = field(default_factory=dict)
    hidden: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


_MISSING = object()


def _lookup(ctx: Context, source: str, key: str) -> Any:
    bag: Mapping[str, Any] = {"answer": ctx.answers, "hidden": ctx.hidden, "meta": ctx.meta}.get(source, {})
    head, _, tail = key.partition(".")
    value = bag.get(head, _MISSING)
    if tail and value is not _MISSING:
        value = value.get(tail, _MISSING) if isinstance(value, Mapping) else _MISSING
    if value is None or value in ("", [], {}):
        return _MISSING
    return value


def _norm(value: Any) -> Any:
    """The comparable form: trimmed lower-case text, numbers, lists of those; "other" for other."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, Mapping) and set(value) == {"other"}:
        return "other"
    if isinstance(value, list | tuple):
        return [_norm(item) for item in value]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        return number if text.lower() not in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"} else None
    return None


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return " ".join(_text(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _equal(actual: Any, expected: Any) -> bool:
    a, e = _norm(actual), _norm(expected)
    if isinstance(a, list):
        return isinstance(e, list) and sorted(map(repr, a)) == sorted(map(repr, e))
    if isinstance(a, float) or isinstance(e, float):
        na, ne = _number(actual), _number(expected)
        return na is not None and na == ne
    return bool(a == e)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    a, e = _number(actual), _number(expected)
    if a is None or e is None:
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}[op]


def _between(actual: Any, expected: Any) -> bool:
    a = _number(actual)
    if a is None or not isinstance(expected, list | tuple) or len(expected) != 2:
        return False
    lo, hi = _number(expected[0]), _number(expected[1])
    return lo is not None and hi is not None and lo <= a <= hi


def _in(actual: Any, expected: Any) -> bool:
    options = expected if isinstance(expected, list | tuple) else [expected]
    values = actual if isinstance(actual, list) else [actual]
    return any(_equal(v, o) for v in values for o in options)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    return _text(expected) in _text(actual)


def _contains_any(actual: Any, expected: Any) -> bool:
    words = expected if isinstance(expected, list | tuple) else [expected]
    haystack = _text(actual)
    return any(_text(word) and _text(word) in haystack for word in words)


_OPS: dict[str, Any] = {
    "answered": lambda a, e: True,
    "eq": _equal,
    "neq": lambda a, e: not _equal(a, e),
    "gt": lambda a, e: _compare("gt", a, e),
    "gte": lambda a, e: _compare("gte", a, e),
    "lt": lambda a, e: _compare("lt", a, e),
    "lte": lambda a, e: _compare("lte", a, e),
    "between": _between,
    "in": _in,
    "not_in": lambda a, e: not _in(a, e),
    "contains": _contains,
    "not_contains": lambda a, e: not _contains(a, e),
    "contains_any": _contains_any,
}


def _leaf(cond: Mapping[str, Any], ctx: Context) -> bool:
    op = str(cond.get("op"))
    actual = _lookup(ctx, str(cond.get("source", "answer")), str(cond.get("key", "")))
    if op == "not_answered":
        return actual is _MISSING
    operator = _OPS.get(op)
    if operator is None or actual is _MISSING:
        return False
    return bool(operator(actual, cond.get("value")))


def evaluate(condition: Mapping[str, Any] | None, ctx: Context) -> bool:
    """Evaluate a condition; ``None`` (no condition) is true."""
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return False
    for group, combine in (("all", all), ("any", any)):
        if group in condition:
            parts = condition[group]
            return isinstance(parts, list) and combine(evaluate(part, ctx) for part in parts)
    if "not" in condition:
        return not evaluate(condition["not"], ctx)
    return _leaf(condition, ctx)


@dataclass(frozen=True)
class Path:
    """The questions a respondent sees, in order, and the ending they reach."""

    questions: list[str]
    ending: str | None


def walk(definition: Mapping[str, Any], ctx: Context) -> Path:
    questions: Sequence[Mapping[str, Any]] = definition.get("questions", [])
    index_of = {q["key"]: i for i, q in enumerate(questions)}
    endings = definition.get("endings") or []
    default_ending = endings[0]["key"] if endings else None
    visited: list[str] = []
    i = 0
    while i < len(questions):
        question = questions[i]
        if not evaluate(question.get("visible_if"), ctx):
            i += 1
            continue
        visited.append(question["key"])
        target: int | None = None
        for jump in question.get("jumps") or []:
            if evaluate(jump.get("if"), ctx):
                if "end" in jump:
                    return Path(visited, jump["end"])
                goto = index_of.get(jump.get("goto", ""))
                # The validator only lets jumps go forward; guard anyway so a bad stored definition
                # can never loop.
                if goto is not None and goto > i:
                    target = goto
                break
        i = target if target is not None else i + 1
    return Path(visited, default_ending)


def next_step(definition: Mapping[str, Any], ctx: Context, after: str | None) -> str | None:
    """The question shown after ``after`` (or the first one), or None when the survey ends there."""
    path = walk(definition, ctx)
    if after is None:
        return path.questions[0] if path.questions else None
    if after not in path.questions:
        return None
    position = path.questions.index(after)
    return path.questions[position + 1] if position + 1 < len(path.questions) else None
