"""Recall of earlier answers, hidden fields and metadata into later text.

``{{answer.KEY}}``, ``{{hidden.NAME}}`` and ``{{meta.NAME}}``, optionally with a fallback
``{{answer.name|there}}``. Choice answers are recalled as their label in the respondent's language.
Unknown or missing values become the fallback (or nothing). The result is plain text: templates escape it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from surveys.definition.logic import Context

PLACEHOLDER = re.compile(r"\{\{\s*(answer|hidden|meta)\.([a-z][a-z0-9_]{0,39})\s*(?:\|([^}]{0,60}))?\}\}")


def localized(texts: Any, language: str, base_language: str) -> str:
    """The text in ``language``, else in the base language, else any language."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, Mapping):
        return ""
    for candidate in (language, base_language):
        value = texts.get(candidate)
        if isinstance(value, str) and value.strip():
            return value
    return next((v for v in texts.values() if isinstance(v, str) and v.strip()), "")


def _answer_text(question: Mapping[str, Any] | None, value: Any, language: str, base: str) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Mapping):
        if set(value) == {"other"}:
            return str(value["other"])
        return ", ".join(str(v) for v in value.values())
    labels = {}
    if question is not None:
        labels = {c["key"]: localized(c.get("label"), language, base) for c in question.get("choices") or []}
    if isinstance(value, list):
        return ", ".join(_answer_text(question, v, language, base) for v in value)
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def pipe(text: str, definition: Mapping[str, Any], ctx: Context, language: str) -> str:
    base = str(definition.get("base_language", "en"))
    questions = {q["key"]: q for q in definition.get("questions", [])}

    def replace(match: re.Match[str]) -> str:
        source, key, fallback = match.group(1), match.group(2), match.group(3) or ""
        if source == "answer":
            value = ctx.answers.get(key)
            rendered = (
                "" if value in (None, "", [], {}) else _answer_text(questions.get(key), value, language, base)
            )
        else:
            bag = ctx.hidden if source == "hidden" else ctx.meta
            raw = bag.get(key)
            rendered = "" if raw is None else str(raw)
        return rendered or fallback.strip()

    return PLACEHOLDER.sub(replace, text)
