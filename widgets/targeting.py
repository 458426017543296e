"""Who sees a survey on a website and when: the targeting JSON of an intercept (docs/widget.md).

Pure functions over plain dicts, no database. ``validate_targeting`` is the one gate for what is stored:
it refuses unknown keys, fills the defaults and answers field errors keyed by their path
(``trigger.seconds``, ``urls.0.value``) so that forms can show each next to its input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from surveys.definition.types import QUESTION_TYPES

# The question types the widget renders; a survey with any other type is not offered by the widget.
WIDGET_QUESTION_TYPES: Final = frozenset(
    {"nps", "csat", "ces", "rating", "single_choice", "multiple_choice", "text", "yes_no", "info"}
)

TRIGGER_TYPES: Final = (
    "page_view",
    "time_on_page",
    "scroll",
    "exit_intent",
    "click",
    "rage_click",
    "event",
    "manual",
)
URL_OPS: Final = ("exact", "contains", "starts_with", "ends_with", "regex")
DEVICES: Final = ("desktop", "tablet", "mobile")
FREQUENCIES: Final = ("once", "until_answered", "every_days")
PLACEMENTS: Final = ("bottom_right", "bottom_left", "center")

MAX_URL_RULES: Final = 20
URL_VALUE_LIMIT: Final = 500
SELECTOR_LIMIT: Final = 200
EVENT_NAME: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

TOP_LEVEL_KEYS: Final = (
    "trigger",
    "delay_seconds",
    "urls",
    "devices",
    "languages",
    "frequency",
    "every_days",
    "placement",
)
RULE_KEYS: Final = ("op", "value", "exclude")

# Parameters of each trigger: (name, low, high, default or None when required). Integers only;
# "selector" and "name" are strings checked on their own.
_INT_PARAMS: Final[dict[str, tuple[tuple[str, int, int, int | None], ...]]] = {
    "time_on_page": (("seconds", 1, 3600, None),),
    "scroll": (("percent", 1, 100, None),),
    "rage_click": (("clicks", 3, 10, 3), ("within_ms", 300, 5000, 1000)),
}
_STR_PARAMS: Final[dict[str, str]] = {"click": "selector", "event": "name"}
_REQUIRED: Final[dict[str, Promise]] = {
    "seconds": _("Enter after how many seconds on the page the survey appears."),
    "percent": _("Enter how far down the page, in percent, the visitor must scroll."),
}

# Python regular expression features that JavaScript's RegExp lacks (or reads differently).
_PY_ONLY_GROUPS: Final = ("(?P", "(?#", "(?>", "(?(")
_PY_FLAG_GROUP: Final = re.compile(r"\(\?[aiLmsux]+[):-]")

UNAVAILABLE_REASONS: Final[dict[str, Promise]] = {
    "draft": _("the survey is not published yet"),
    "paused": _("the survey is paused"),
    "not_started": _("the survey is not open yet"),
    "closed": _("the survey is closed"),
    "full": _("the survey has all the responses it needs"),
}


def default_targeting() -> dict[str, Any]:
    """Every visitor, on any page, when the page loads, until they answer."""
    return {
        "trigger": {"type": "page_view"},
        "delay_seconds": 0,
        "urls": [],
        "devices": [],
        "languages": [],
        "frequency": "until_answered",
        "placement": "bottom_right",
    }


def language_codes() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


class _Errors:
    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str | Promise) -> None:
        self.by_path.setdefault(path, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.by_path:
            raise ValidationError(self.by_path)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_in_range(errors: _Errors, path: str, value: Any, low: int, high: int) -> int | None:
    if not _is_int(value) or not low <= value <= high:
        errors.add(path, _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return None
    return int(value)


def _trigger(errors: _Errors, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        errors.add("trigger.type", _("Choose when the survey appears."))
        return {}
    kind = raw.get("type")
    if kind not in TRIGGER_TYPES:
        errors.add("trigger.type", _("Choose when the survey appears."))
        return {}
    int_params = _INT_PARAMS.get(kind, ())
    str_param = _STR_PARAMS.get(kind)
    known = {"type", *(name for name, *_rest in int_params), *([str_param] if str_param else [])}
    for key in raw:
        if key not in known:
            errors.add(f"trigger.{key}", _("This trigger has no setting “%(key)s”.") % {"key": key})
    trigger: dict[str, Any] = {"type": kind}
    for name, low, high, default in int_params:
        value = raw.get(name, default)
        if value is None:
            errors.add(f"trigger.{name}", _REQUIRED.get(name, _("This field is required.")))
            continue
        checked = _int_in_range(errors, f"trigger.{name}", value, low, high)
        if checked is not None:
            trigger[name] = checked
    if str_param is not None:
        value = _string_param(errors, str_param, raw.get(str_param))
        if value is not None:
            trigger[str_param] = value
    return trigger


def _string_param(errors: _Errors, name: str, raw: Any) -> str | None:
    """The CSS selector of a click trigger or the name of an event trigger, or None with an error."""
    if name == "selector":
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            errors.add("trigger.selector", _("Enter the CSS selector of the element, such as #buy or .help."))
            return None
        if len(text) > SELECTOR_LIMIT or any(ch in text for ch in "\x00\r\n"):
            errors.add(
                "trigger.selector",
                _("Keep the selector on one line, at most %(limit)d characters.") % {"limit": SELECTOR_LIMIT},
            )
            return None
        return text
    if not isinstance(raw, str) or not EVENT_NAME.match(raw):
        errors.add("trigger.name", _("Use 1 to 64 letters, digits and the signs _ . : - for the event name."))
        return None
    return raw


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used by the widget's JavaScript RegExp, or None when it can."""
    try:
        re.compile(pattern)
    except re.error:
        return str(_("This is not a valid regular expression."))
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if not in_class and pattern[index + 1 : index + 2] in ("A", "Z"):
                return str(
                    _("Use ^ and $ instead of \\A and \\Z: the widget runs JavaScript regular expressions.")
                )
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a literal member of the class.
            if pattern[index + 1 : index + 2] == "^":
                index += 1
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(" and (
            pattern.startswith(_PY_ONLY_GROUPS, index) or _PY_FLAG_GROUP.match(pattern, index)
        ):
            return str(
                _(
                    "Named groups written (?P…), comments, atomic groups, conditionals and inline flags are "
                    "Python-only: the widget runs JavaScript regular expressions."
                )
            )
        elif char in "*+?}" and pattern[index + 1 : index + 2] == "+":
            return str(
                _("Possessive quantifiers are Python-only: the widget runs JavaScript regular expressions.")
            )
        index += 1
    return None


def _urls(errors: _Errors, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        errors.add("urls", _("URL rules must be a list."))
        return []
    if len(raw) > MAX_URL_RULES:
        errors.add("urls", _("Use at most %(limit)d URL rules.") % {"limit": MAX_URL_RULES})
        return []
    rules: list[dict[str, Any]] = []
    for index, rule in enumerate(raw):
        path = f"urls.{index}"
        if not isinstance(rule, Mapping):
            errors.add(path, _("Each URL rule needs a match and a value."))
            continue
        for key in rule:
            if key not in RULE_KEYS:
                errors.add(f"{path}.{key}", _("A URL rule has no setting “%(key)s”.") % {"key": key})
        op = rule.get("op")
        if op not in URL_OPS:
            errors.add(f"{path}.op", _("Choose how the address is matched."))
        value = rule.get("value")
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            errors.add(f"{path}.value", _("Enter the address or part of it."))
        elif len(text) > URL_VALUE_LIMIT or "\x00" in text:
            errors.add(
                f"{path}.value",
                _("Use at most %(limit)d characters.") % {"limit": URL_VALUE_LIMIT},
            )
        elif op == "regex":
            problem = regex_problem(text)
            if problem:
                errors.add(f"{path}.value", problem)
        exclude = rule.get("exclude", False)
        if not isinstance(exclude, bool):
            errors.add(f"{path}.exclude", _("Choose whether the rule includes or excludes pages."))
        rules.append({"op": op, "value": text, "exclude": exclude is True})
    return rules


def _subset(errors: _Errors, path: str, raw: Any, allowed: Sequence[str]) -> list[str]:
    if not isinstance(raw, list) or any(item not in allowed for item in raw):
        errors.add(path, _("Choose from the options shown."))
        return []
    return [item for item in allowed if item in raw]


def validate_targeting(data: Any) -> dict[str, Any]:
    """The targeting, normalised and with its defaults filled in; ValidationError keyed by field path."""
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise ValidationError({"targeting": [str(_("The targeting must be a JSON object."))]})
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            errors.add(str(key), _("Targeting has no setting “%(key)s”.") % {"key": key})
    defaults = default_targeting()
    targeting: dict[str, Any] = {
        "trigger": _trigger(errors, data.get("trigger", defaults["trigger"])),
        "delay_seconds": _int_in_range(
            errors, "delay_seconds", data.get("delay_seconds", defaults["delay_seconds"]), 0, 3600
        ),
        "urls": _urls(errors, data.get("urls", defaults["urls"])),
        "devices": _subset(errors, "devices", data.get("devices", defaults["devices"]), DEVICES),
        "languages": _subset(
            errors, "languages", data.get("languages", defaults["languages"]), language_codes()
        ),
    }
    frequency = data.get("frequency", defaults["frequency"])
    if frequency not in FREQUENCIES:
        errors.add("frequency", _("Choose how often the survey may appear."))
    targeting["frequency"] = frequency
    if frequency == "every_days":
        every = data.get("every_days")
        if every is None:
            errors.add("every_days", _("Enter after how many days the survey may appear again."))
        else:
            targeting["every_days"] = _int_in_range(errors, "every_days", every, 1, 365)
    placement = data.get("placement", defaults["placement"])
    if placement not in PLACEMENTS:
        errors.add("placement", _("Choose where the survey appears."))
    targeting["placement"] = placement
    errors.raise_if_any()
    return targeting


# --- describing it to people -------------------------------------------------------------------------


def unsupported_question_types(definition: Mapping[str, Any]) -> list[str]:
    """The question types of ``definition`` the widget cannot show, in order of first appearance."""
    found: list[str] = []
    for question in definition.get("questions") or []:
        kind = str(question.get("type"))
        if kind not in WIDGET_QUESTION_TYPES and kind not in found:
            found.append(kind)
    return found


def not_shown_reason(*, unavailable: str | None, definition: Mapping[str, Any]) -> str | None:
    """Why the widget does not offer a survey (a phrase to follow "Not shown:"), or None when it does.

    ``unavailable`` is ``feedback.services.survey_unavailable_reason`` of the survey; ``definition`` is
    its current published version.
    """
    if unavailable is not None:
        return str(UNAVAILABLE_REASONS.get(unavailable, UNAVAILABLE_REASONS["closed"]))
    unsupported = unsupported_question_types(definition)
    if unsupported:
        labels = ", ".join(str(QUESTION_TYPES[k].label) if k in QUESTION_TYPES else k for k in unsupported)
        return str(_("it has question types the widget cannot show (%(types)s)") % {"types": labels})
    return None


def describe_trigger(targeting: Mapping[str, Any]) -> str:
    trigger = targeting.get("trigger") or {}
    kind = trigger.get("type")
    text: str
    if kind == "time_on_page":
        seconds = int(trigger.get("seconds", 0))
        text = ngettext("After %(n)d second on the page", "After %(n)d seconds on the page", seconds) % {
            "n": seconds
        }
    elif kind == "scroll":
        text = str(_("After scrolling %(n)d%% of the page") % {"n": int(trigger.get("percent", 0))})
    elif kind == "exit_intent":
        text = str(_("When the visitor is about to leave"))
    elif kind == "click":
        text = str(_("On a click on %(selector)s") % {"selector": trigger.get("selector", "")})
    elif kind == "rage_click":
        text = str(
            _("After %(clicks)d clicks within %(ms)d ms on one element")
            % {"clicks": int(trigger.get("clicks", 3)), "ms": int(trigger.get("within_ms", 1000))}
        )
    elif kind == "event":
        text = str(_("On the event “%(name)s”") % {"name": trigger.get("name", "")})
    elif kind == "manual":
        text = str(_("Only from the feedback button or the JavaScript API"))
    else:
        text = str(_("When a page loads"))
    delay = int(targeting.get("delay_seconds") or 0)
    if delay and kind != "manual":
        text += ngettext(", shown %(n)d second later", ", shown %(n)d seconds later", delay) % {"n": delay}
    return text


def describe_frequency(targeting: Mapping[str, Any]) -> str:
    frequency = targeting.get("frequency")
    if frequency == "once":
        return str(_("Once per visitor"))
    if frequency == "every_days":
        days = int(targeting.get("every_days") or 1)
        return ngettext("At most every %(n)d day", "At most every %(n)d days", days) % {"n": days}
    return str(_("Until answered"))
