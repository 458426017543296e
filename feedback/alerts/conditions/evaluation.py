"""Evaluation of a condition tree against a response's facts, with one trace line per condition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from django.utils.translation import gettext

from feedback.alerts.conditions.facts import ResponseFacts
from feedback.alerts.conditions.fields import ALL
from feedback.alerts.conditions.matching import _holds
from feedback.alerts.conditions.wording import condition_label


class TraceLine(TypedDict):
    label: str
    result: bool
    depth: int


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
