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

The package splits by responsibility: ``fields`` (the vocabulary), ``facts`` (what a response offers),
``validation``, ``matching`` (one condition against the facts), ``evaluation`` (a tree, with a trace)
and ``wording`` (conditions in words). Import from the package, not from its modules.
"""

from __future__ import annotations

from feedback.alerts.conditions.evaluation import TraceLine, evaluate, format_trace_line
from feedback.alerts.conditions.facts import ResponseFacts, facts_for
from feedback.alerts.conditions.fields import (
    ALL,
    ANY,
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
    NPS_GROUPS,
    NUMBER,
    NUMERIC_OPS,
    OPERATOR_LABELS,
    PAIR,
    SCALES,
    SENTIMENTS,
    STRINGS,
    TEXT,
    UNARY_OPS,
    VALUE_OPS,
    WORDS,
    FieldSpec,
    value_kind,
)
from feedback.alerts.conditions.matching import keyword_hits
from feedback.alerts.conditions.validation import validate_conditions
from feedback.alerts.conditions.wording import condition_label, describe

__all__ = [
    "ALL",
    "ANY",
    "CHOICES",
    "FIELDS",
    "IDS",
    "INT",
    "MATCHES",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_KEY",
    "MAX_LIST",
    "MAX_TEXT",
    "MAX_TOTAL",
    "NONE",
    "NPS_GROUPS",
    "NUMBER",
    "NUMERIC_OPS",
    "OPERATOR_LABELS",
    "PAIR",
    "SCALES",
    "SENTIMENTS",
    "STRINGS",
    "TEXT",
    "UNARY_OPS",
    "VALUE_OPS",
    "WORDS",
    "FieldSpec",
    "ResponseFacts",
    "TraceLine",
    "condition_label",
    "describe",
    "evaluate",
    "facts_for",
    "format_trace_line",
    "keyword_hits",
    "validate_conditions",
    "value_kind",
]
