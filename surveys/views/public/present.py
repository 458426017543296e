"""Presenting questions for the templates: every type as accessible, semantic fields."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from surveys.definition import pipe
from surveys.definition.piping import localized
from surveys.definition.types import CONTACT_FIELDS, TEXT_HARD_LIMIT, scale_of
from surveys.views.public.reading import _answerable
from surveys.views.public.visit import Visit

DEFAULT_BRAND = "#0b5cad"
SCALE_TYPES = ("nps", "csat", "ces", "rating")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FACES = ("😠", "🙁", "😐", "🙂", "😀")


def _scale_points(question: Mapping[str, Any], value: Any) -> tuple[str, list[dict[str, Any]]]:
    low, high = scale_of(question) or (0, 10)
    style = str((question.get("options") or {}).get("style", "numbers"))
    key = question["key"]
    points = []
    for n in range(low, high + 1):
        glyph, label = str(n), ""
        if style == "stars":
            glyph, label = "★", ngettext("%(n)d star", "%(n)d stars", n) % {"n": n}
        elif style == "thumbs":
            glyph, label = ("👍", _("Thumbs up")) if n else ("👎", _("Thumbs down"))
        elif style == "faces":
            glyph = FACES[round((n - low) * (len(FACES) - 1) / max(high - low, 1))]
            label = _("%(n)d of %(high)d") % {"n": n, "high": high}
        checked = isinstance(value, int) and not isinstance(value, bool) and value == n
        points.append({"value": n, "id": f"p-{key}-{n}", "glyph": glyph, "label": label, "checked": checked})
    return style, points


def _choices(
    visit: Visit, question: Mapping[str, Any], items: list[dict[str, Any]], *, shuffle: bool
) -> list[dict[str, str]]:
    base = str(visit.definition.get("base_language", "en"))
    choices = [{"key": c["key"], "label": localized(c.get("label"), visit.language, base)} for c in items]
    if shuffle and (question.get("options") or {}).get("randomize"):
        # Seeded by the response, so a reload or the Back link shows the same order. Not for secrecy.
        random.Random(f"{visit.client_id}:{question['key']}").shuffle(choices)  # noqa: S311
    return choices


def _present(
    visit: Visit, question: Mapping[str, Any], value: Any, error: str | None, level: int
) -> dict[str, Any]:
    """Everything a question's template needs, with the answer (saved or just sent) filled in."""
    key, qtype = question["key"], question["type"]
    ctx = visit.ctx()

    def text(texts: Any) -> str:
        return pipe(visit.text(texts), visit.definition, ctx, visit.language)

    q: dict[str, Any] = {
        "key": key,
        "type": qtype,
        "id": f"q-{key}",
        "level": level,
        "template": f"surveys/public/questions/{'scale' if qtype in SCALE_TYPES else qtype}.html",
        "text": text(question.get("text")),
        "description": text(question.get("description")),
        "required": bool(question.get("required")) and _answerable(question),
        "error": error,
        "first_input": f"q-{key}-input",
        "options": question.get("options") or {},
    }
    described = [f"q-{key}-desc"] * bool(q["description"]) + [f"q-{key}-error"] * bool(error)
    presenter = _PRESENTERS.get(qtype)
    if presenter is not None:
        presenter(visit, question, value, q)
    if q.get("low_label") or q.get("high_label"):
        described.insert(0, f"q-{key}-ends")
    if q.get("hint"):
        described.insert(0, f"q-{key}-hint")
    q["describedby"] = " ".join(described)
    return q


def _present_scale(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["style"], q["points"] = _scale_points(question, value)
    q["first_input"] = q["points"][0]["id"]
    q["low_label"] = visit.text(q["options"].get("low_label"))
    q["high_label"] = visit.text(q["options"].get("high_label"))


def _present_choice(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    chosen = value if isinstance(value, list) else [value]
    others = [v["other"] for v in chosen if isinstance(v, Mapping) and isinstance(v.get("other"), str)]
    q["choices"] = [
        {**c, "id": f"c-{q['key']}-{c['key']}", "checked": c["key"] in chosen}
        for c in _choices(visit, question, question.get("choices") or [], shuffle=True)
    ]
    q["allow_other"] = bool(q["options"].get("allow_other"))
    q["other_checked"] = bool(others)
    q["other_text"] = others[0] if others else ""
    if q["type"] != "dropdown" and q["choices"]:
        q["first_input"] = q["choices"][0]["id"]
    if q["type"] == "multiple_choice":
        q["hint"] = _selection_hint(q["options"].get("min_selected"), q["options"].get("max_selected"))


def _present_text(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    kind = q["options"].get("validation", "none")
    q["long"] = q["options"].get("variant") == "long"
    q["input_type"] = {"email": "email", "phone": "tel"}.get(kind, "text")
    q["inputmode"] = {"number": "decimal"}.get(kind, "")
    q["autocomplete"] = {"email": "email", "phone": "tel"}.get(kind, "off")
    q["maxlength"] = q["options"].get("max_length") or TEXT_HARD_LIMIT
    q["placeholder"] = visit.text(q["options"].get("placeholder"))
    q["value"] = value if isinstance(value, str) else ""


def _present_yes_no(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    key = q["key"]
    q["answers"] = [
        {"value": "true", "label": _("Yes"), "id": f"y-{key}-yes", "checked": value is True},
        {"value": "false", "label": _("No"), "id": f"y-{key}-no", "checked": value is False},
    ]
    q["first_input"] = f"y-{key}-yes"


def _present_matrix(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    key = q["key"]
    picked = value if isinstance(value, Mapping) else {}
    q["columns"] = columns = _choices(visit, question, question.get("columns") or [], shuffle=False)
    q["rows"] = [
        {
            **row,
            "id": f"m-{key}-{row['key']}",
            "cells": [
                {
                    **col,
                    "id": f"m-{key}-{row['key']}-{col['key']}",
                    "checked": picked.get(row["key"]) == col["key"],
                }
                for col in columns
            ],
        }
        for row in _choices(visit, question, question.get("rows") or [], shuffle=False)
    ]
    if q["rows"] and columns:
        q["first_input"] = q["rows"][0]["cells"][0]["id"]


def _present_ranking(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    choices = _choices(visit, question, question.get("choices") or [], shuffle=True)
    keys = [c["key"] for c in choices]
    order = value if isinstance(value, list) and len(value) == len(keys) else keys
    q["positions"] = [
        {
            "n": n,
            "id": f"r-{q['key']}-{n}",
            "options": [{**c, "selected": c["key"] == picked} for c in choices],
        }
        for n, picked in enumerate(order, start=1)
    ]
    q["first_input"] = f"r-{q['key']}-1"
    q["hint"] = _("Choose an option for each place, the most important first.")


def _present_consent(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["label"] = visit.text(q["options"].get("label"))
    q["checked"] = value is True


def _present_contact(visit: Visit, question: Mapping[str, Any], value: Any, q: dict[str, Any]) -> None:
    q["fields"] = _contact_fields(q["key"], q["options"].get("fields") or {}, value)
    if q["fields"]:
        q["first_input"] = q["fields"][0]["id"]


_PRESENTERS = {
    **dict.fromkeys(SCALE_TYPES, _present_scale),
    **dict.fromkeys(("single_choice", "dropdown", "multiple_choice"), _present_choice),
    "text": _present_text,
    "yes_no": _present_yes_no,
    "matrix": _present_matrix,
    "ranking": _present_ranking,
    "consent": _present_consent,
    "contact": _present_contact,
}


def _selection_hint(low: Any, high: Any) -> str:
    if isinstance(low, int) and isinstance(high, int):
        return _("Choose from %(low)d to %(high)d options.") % {"low": low, "high": high}
    if isinstance(low, int):
        return ngettext("Choose at least %(n)d option.", "Choose at least %(n)d options.", low) % {"n": low}
    if isinstance(high, int):
        return ngettext("Choose at most %(n)d option.", "Choose at most %(n)d options.", high) % {"n": high}
    return ""


def _contact_fields(key: str, fields: Mapping[str, Any], value: Any) -> list[dict[str, Any]]:
    labels = {"name": _("Name"), "email": _("Email"), "phone": _("Phone"), "company": _("Company")}
    kinds = {"email": "email", "phone": "tel"}
    autocomplete = {"name": "name", "email": "email", "phone": "tel", "company": "organization"}
    given = value if isinstance(value, Mapping) else {}
    return [
        {
            "name": name,
            "id": f"f-{key}-{name}",
            "label": labels[name],
            "type": kinds.get(name, "text"),
            "autocomplete": autocomplete[name],
            "required": bool(isinstance(fields[name], Mapping) and fields[name].get("required")),
            "value": given.get(name, "") if isinstance(given.get(name), str) else "",
        }
        for name in CONTACT_FIELDS
        if name in fields
    ]


# -- rendering ------------------------------------------------------------------------------------------


def _theme(definition: Mapping[str, Any]) -> dict[str, str]:
    theme = definition.get("theme") or {}
    brand = theme.get("brand_color")
    mode = theme.get("mode")
    logo = theme.get("logo_url")
    return {
        "brand": brand if isinstance(brand, str) and _COLOUR.match(brand) else DEFAULT_BRAND,
        "mode": mode if mode in ("light", "dark", "auto") else "auto",
        "logo": logo if isinstance(logo, str) and logo.startswith("https://") else "",
    }


def _switcher(
    definition: Mapping[str, Any], language: str, url: str, query: Mapping[str, str]
) -> list[dict[str, Any]]:
    offered = [code for code in definition.get("languages") or [] if isinstance(code, str)]
    links = []
    for code in offered if len(offered) > 1 else []:
        try:
            name = get_language_info(code)["name_local"]
        except KeyError:
            continue
        links.append(
            {
                "code": code,
                "name": name,
                "url": f"{url}?{urlencode({**query, 'lang': code})}",
                "current": code == language,
            }
        )
    return links
