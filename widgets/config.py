"""What ``GET /api/v1/public/{site_key}/config`` answers: the surveys a site shows, their targeting and
the widget's texts in every language those surveys offer (docs/widget.md, tests/widgets/test_config.py).

A read: no writes here (the install check is ``widgets.services.site_seen``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

from surveys.definition.answers import OTHER_TEXT_LIMIT
from surveys.definition.types import TEXT_HARD_LIMIT
from widgets.models import Site
from widgets.selectors import InterceptState, intercept_states

CONFIG_VERSION: Final = 1
DEFINITION_KEYS: Final = (
    "base_language",
    "languages",
    "hidden_fields",
    "questions",
    "endings",
    "theme",
    "settings",
)

# The very msgids of the link survey pages (surveys/templates/surveys/public, surveys/views/public) and of
# the server's answer validation (surveys/definition/answers.py, feedback/services/submit.py), so that the
# widget says exactly what the link survey and the server say, in the same translations.
MESSAGES: Final[dict[str, str]] = {
    "close": gettext_noop("Close"),
    "next": gettext_noop("Next"),
    "submit": gettext_noop("Submit"),
    "back": gettext_noop("Back"),
    "other": gettext_noop("Other"),
    "other_label": gettext_noop("If other, please specify"),
    "yes": gettext_noop("Yes"),
    "no": gettext_noop("No"),
    "feedback": gettext_noop("Feedback"),
    "survey": gettext_noop("Survey"),
    "progress": gettext_noop("Question %(current)s of %(total)s"),
    "thanks": gettext_noop("Thank you!"),
    "required": gettext_noop("Please answer this question."),
    "scale": gettext_noop("Please choose a number from %(low)d to %(high)d."),
    "choose_one": gettext_noop("Please choose one of the options."),
    "choose_many": gettext_noop("Please choose one or more options."),
    "other_text": gettext_noop("Please tell us what “other” means for you."),
    "type": gettext_noop("Please type your answer."),
    "email": gettext_noop("Please enter a valid email address."),
    "number": gettext_noop("Please enter a number."),
    "phone": gettext_noop("Please enter a valid phone number."),
    "yes_no": gettext_noop("Please answer yes or no."),
}
# The widget's placeholder names where they differ from the msgid's.
RENAMED_PLACEHOLDERS: Final = {"progress": {"current": "n"}}
# key prefix -> (singular, plural, placeholder), as in surveys/definition/answers.py.
PLURALS: Final[dict[str, tuple[str, str, str]]] = {
    "max_chars": (
        "Please keep it under %(limit)d character.",
        "Please keep it under %(limit)d characters.",
        "limit",
    ),
    "min_chars": (
        "Please write at least %(n)d character.",
        "Please write at least %(n)d characters.",
        "n",
    ),
    "min_selected": ("Please choose at least %(n)d option.", "Please choose at least %(n)d options.", "n"),
    "max_selected": ("Please choose at most %(n)d option.", "Please choose at most %(n)d options.", "n"),
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _js_placeholders(text: str, renamed: Mapping[str, str]) -> str:
    """``%(low)d`` -> ``{low}`` (the widget's placeholders), ``%%`` -> ``%``."""
    return _PLACEHOLDER.sub(lambda m: "{" + renamed.get(m.group(1), m.group(1)) + "}", text).replace(
        "%%", "%"
    )


def _plural_numbers(questions: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """Every (plural key, number) the widget may need to say for these questions."""
    needed: set[tuple[str, int]] = set()
    for question in questions:
        options = question.get("options") or {}
        kind = question.get("type")
        if kind == "text":
            max_length = options.get("max_length")
            limit = min(max_length, TEXT_HARD_LIMIT) if isinstance(max_length, int) else TEXT_HARD_LIMIT
            needed.add(("max_chars", limit))
            if isinstance(options.get("min_length"), int):
                needed.add(("min_chars", options["min_length"]))
        if kind in ("single_choice", "multiple_choice") and options.get("allow_other"):
            needed.add(("max_chars", OTHER_TEXT_LIMIT))
        if kind == "multiple_choice":
            for name in ("min_selected", "max_selected"):
                if isinstance(options.get(name), int):
                    needed.add((name, options[name]))
    return needed


def widget_strings(
    languages: Iterable[str], questions: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """The widget's texts in each of ``languages``, rendered by the server's own translations."""
    numbers = sorted(_plural_numbers(questions))
    strings: dict[str, dict[str, str]] = {}
    for language in languages:
        with translation.override(language):
            texts = {
                key: _js_placeholders(gettext(msgid), RENAMED_PLACEHOLDERS.get(key, {}))
                for key, msgid in MESSAGES.items()
            }
            for prefix, number in numbers:
                singular, plural, name = PLURALS[prefix]
                texts[f"{prefix}.{number}"] = ngettext(singular, plural, number) % {name: number}
        strings[language] = texts
    return strings


def _survey_entry(state: InterceptState) -> dict[str, Any]:
    survey = state.intercept.survey
    return {
        "id": survey.public_id,
        "definition": {key: state.definition.get(key) for key in DEFINITION_KEYS},
        "sampling": survey.sampling_percent,
        "recontact_days": survey.recontact_days,
        "targeting": state.targeting,
    }


def site_config(*, site: Site) -> dict[str, Any]:
    """The config body for ``site``: only the surveys that take responses now and that the widget can
    show; the button only when its survey is one of them."""
    listed = [state for state in intercept_states(organization=site.organization, site=site) if state.shown]
    languages: list[str] = []
    for state in listed:
        for language in state.definition.get("languages") or [state.definition.get("base_language", "en")]:
            if language not in languages:
                languages.append(language)
    opened = next(
        (s.intercept.survey for s in listed if s.intercept.survey_id == site.button_survey_id), None
    )
    button = (
        None
        if opened is None
        else {"survey": opened.public_id, "label": site.button_label or None, "side": site.button_side}
    )
    return {
        "v": CONFIG_VERSION,
        "cooldown_days": site.cooldown_days,
        "button": button,
        "surveys": [_survey_entry(state) for state in listed],
        "strings": widget_strings(
            languages, [q for state in listed for q in state.definition.get("questions") or []]
        ),
    }
