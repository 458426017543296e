"""Strict JSON bodies for the public API: clear 400s for anything PostgreSQL or clients would choke on."""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _


class BodyError(ValueError):
    """The body is not acceptable JSON; the message says why, for the 400 answer."""


def _reject_constant(name: str) -> Any:
    raise BodyError(_("%(value)s is not valid JSON.") % {"value": name})


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BodyError(_("Text may not contain NUL characters."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(_("Text may not contain unpaired surrogate characters.")) from None


def _check(value: Any, depth: int = 0) -> None:
    if depth > 32:
        raise BodyError(_("The JSON is nested too deeply."))
    if isinstance(value, float) and not math.isfinite(value):
        # 1e999 parses to infinity, which PostgreSQL's JSON cannot store.
        raise BodyError(_("Numbers must be finite."))
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def parse_json_body(raw: bytes) -> Any:
    """Decode UTF-8 JSON; refuse NaN/Infinity and overflowing numbers, NUL characters, lone surrogates
    and deep nesting."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(_("The body must be UTF-8 encoded JSON.")) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise BodyError(_("The JSON is nested too deeply.")) from None
    except json.JSONDecodeError as exc:
        raise BodyError(_("The body is not valid JSON (%(reason)s).") % {"reason": exc.msg}) from None
    _check(value)
    return value
