"""Validation of a whole survey definition, with errors that point at the question and field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from surveys.definition.logic import NUMERIC_OPERATORS, OPERATORS, SOURCES, UNARY_OPERATORS
from surveys.definition.types import (
    CONTACT_FIELDS,
    CSAT_STYLES,
    ENDING_TYPES,
    KEY_PATTERN,
    LAYOUTS,
    QUESTION_TYPES,
    RATING_POINTS,
    RATING_STYLES,
    TEXT_HARD_LIMIT,
    TEXT_VALIDATIONS,
    TEXT_VARIANTS,
    THEME_MODES,
    scale_of,
)

SCHEMA_VERSION = 1
MAX_QUESTIONS = 200
MAX_CHOICES = 200
MAX_CONDITION_DEPTH = 6
_KEY = re.compile(KEY_PATTERN)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
META_KEYS = ("url", "referrer", "device", "locale", "channel", "source", "language")


@dataclass(frozen=True)
class Issue:
    path: str
    message: str | Promise
    question: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "question": self.question, "message": str(self.message)}


class DefinitionError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.path}: {i.message}" for i in issues))
        self.issues = issues


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


class _Checker:
    def __init__(self, definition: Any, *, for_publish: bool) -> None:
        self.d = definition
        self.for_publish = for_publish
        self.issues: list[Issue] = []
        self.base = "en"

    def add(self, path: str, message: str | Promise, question: str | None = None) -> None:
        self.issues.append(Issue(path, message, question))

    # -- helpers ------------------------------------------------------------------------------------
    def text(self, value: Any, path: str, question: str | None, *, required: bool = True) -> None:
        if value is None and not required:
            return
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            self.add(path, _('Must be texts by language, e.g. {"en": "…"}.'), question)
            return
        unknown = set(value) - _languages()
        if unknown:
            self.add(
                path, _("Unknown language: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}, question
            )
        if required and not str(value.get(self.base, "")).strip():
            self.add(
                path, _("Write this text in the base language (%(lang)s).") % {"lang": self.base}, question
            )
        if any(len(v) > TEXT_HARD_LIMIT for v in value.values()):
            self.add(path, _("This text is too long."), question)

    def key(self, value: Any, path: str, question: str | None) -> bool:
        if not isinstance(value, str) or not _KEY.match(value):
            self.add(
                path,
                _("Use a key of lower-case letters, digits and underscores, starting with a letter."),
                question,
            )
            return False
        return True

    def choices(self, items: Any, path: str, question: str) -> None:
        if not isinstance(items, list) or not items:
            self.add(path, _("Add at least one choice."), question)
            return
        if len(items) > MAX_CHOICES:
            self.add(path, _("Too many choices."), question)
        seen: set[str] = set()
        for n, item in enumerate(items):
            if not isinstance(item, Mapping):
                self.add(f"{path}[{n}]", _("Each choice needs a key and a label."), question)
                continue
            if self.key(item.get("key"), f"{path}[{n}].key", question):
                if item["key"] in seen:
                    self.add(f"{path}[{n}].key", _("Two choices share the key “%(key)s”.") % item, question)
                seen.add(item["key"])
                if item["key"] == "other":
                    self.add(
                        f"{path}[{n}].key", _("“other” is reserved: turn on “allow other” instead."), question
                    )
            self.text(item.get("label"), f"{path}[{n}].label", question)

    # -- the definition -----------------------------------------------------------------------------
    def run(self) -> list[Issue]:
        d = self.d
        if not isinstance(d, Mapping):
            self.add("", _("The definition must be a JSON object."))
            return self.issues
        if d.get("schema") != SCHEMA_VERSION:
            self.add("schema", _("Unsupported definition version; expected %(v)d.") % {"v": SCHEMA_VERSION})
        base = d.get("base_language")
        if not isinstance(base, str) or base not in _languages():
            self.add("base_language", _("Choose a supported base language."))
        else:
            self.base = base
        languages = d.get("languages", [self.base])
        if (
            not isinstance(languages, list)
            or not all(isinstance(code, str) for code in languages)
            or not set(languages) <= _languages()
            or self.base not in languages
        ):
            self.add("languages", _("List supported languages, including the base language."))
        self.hidden_fields = self._hidden_fields(d.get("hidden_fields", []))
        self.endings = self._endings(d.get("endings"))
        self._questions(d.get("questions"))
        self._theme(d.get("theme", {}))
        self._settings(d.get("settings", {}))
        return self.issues

    def _hidden_fields(self, fields: Any) -> set[str]:
        if not isinstance(fields, list):
            self.add("hidden_fields", _("Hidden fields must be a list of names."))
            return set()
        names: set[str] = set()
        for n, name in enumerate(fields):
            if self.key(name, f"hidden_fields[{n}]", None):
                if name in names:
                    self.add(f"hidden_fields[{n}]", _("This hidden field is listed twice."))
                names.add(name)
        return names

    def _endings(self, endings: Any) -> set[str]:
        if not isinstance(endings, list) or not endings:
            self.add("endings", _("Add at least one ending."))
            return set()
        keys: set[str] = set()
        for n, ending in enumerate(endings):
            path = f"endings[{n}]"
            if not isinstance(ending, Mapping):
                self.add(path, _("Each ending must be an object."))
                continue
            if self.key(ending.get("key"), f"{path}.key", None):
                if ending["key"] in keys:
                    self.add(f"{path}.key", _("Two endings share the key “%(key)s”.") % ending)
                keys.add(ending["key"])
            kind = ending.get("type")
            if kind not in ENDING_TYPES:
                self.add(f"{path}.type", _("An ending shows a message or redirects."))
            elif kind == "message":
                self.text(ending.get("title"), f"{path}.title", None)
                self.text(ending.get("text"), f"{path}.text", None, required=False)
            else:
                url = ending.get("url")
                parts = urlsplit(url) if isinstance(url, str) else None
                if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                    self.add(f"{path}.url", _("Enter a full web address starting with https://."))
        return keys

    def _questions(self, questions: Any) -> None:
        if not isinstance(questions, list):
            self.add("questions", _("Questions must be a list."))
            return
        if self.for_publish and not questions:
            self.add("questions", _("Add at least one question before publishing."))
        if len(questions) > MAX_QUESTIONS:
            self.add("questions", _("A survey can have at most %(n)d questions.") % {"n": MAX_QUESTIONS})
        self.order: dict[str, int] = {}
        self.types: dict[str, str] = {}
        for n, q in enumerate(questions):
            if isinstance(q, Mapping) and isinstance(q.get("key"), str):
                if q["key"] in self.order:
                    self.add(f"questions[{n}].key", _("Two questions share the key “%(key)s”.") % q, q["key"])
                else:
                    self.order[q["key"]] = n
                    self.types[q["key"]] = str(q.get("type"))
        for n, q in enumerate(questions):
            self._question(n, q)

    def _question(self, n: int, q: Any) -> None:
        path = f"questions[{n}]"
        if not isinstance(q, Mapping):
            self.add(path, _("Each question must be an object."))
            return
        key = q.get("key") if isinstance(q.get("key"), str) else None
        self.key(q.get("key"), f"{path}.key", key)
        qtype = QUESTION_TYPES.get(str(q.get("type")))
        if qtype is None:
            self.add(f"{path}.type", _("Unknown question type “%(type)s”.") % {"type": q.get("type")}, key)
            return
        self.text(q.get("text"), f"{path}.text", key)
        self.text(q.get("description"), f"{path}.description", key, required=False)
        if "required" in q and not isinstance(q["required"], bool):
            self.add(f"{path}.required", _("Must be true or false."), key)
        options = q.get("options", {})
        if not isinstance(options, Mapping):
            self.add(f"{path}.options", _("Options must be an object."), key)
            options = {}
        if qtype.has_choices:
            self.choices(q.get("choices"), f"{path}.choices", key or "")
        self._options(q, qtype.key, options, path, key)
        if q.get("visible_if") is not None:
            self._condition(q["visible_if"], f"{path}.visible_if", key, n, 0)
        jumps = q.get("jumps", [])
        if not isinstance(jumps, list):
            self.add(f"{path}.jumps", _("Jumps must be a list."), key)
            return
        for j, jump in enumerate(jumps):
            self._jump(jump, f"{path}.jumps[{j}]", key, n)

    def _options(
        self, q: Mapping[str, Any], qtype: str, o: Mapping[str, Any], path: str, key: str | None
    ) -> None:
        checker = getattr(self, f"_options_{qtype}", None)
        if checker is not None:
            checker(q, o, f"{path}.options", key)

    def _scale_labels(self, o: Mapping[str, Any], p: str, key: str | None) -> None:
        for label in ("low_label", "high_label"):
            self.text(o.get(label), f"{p}.{label}", key, required=False)

    def _options_nps(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        self._scale_labels(o, p, key)

    _options_ces = _options_nps

    def _options_rating(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        self._scale_labels(o, p, key)
        if o.get("style", "numbers") not in RATING_STYLES:
            self.add(f"{p}.style", _("Choose numbers, stars, faces or thumbs."), key)
        if o.get("style") != "thumbs" and o.get("points", 5) not in RATING_POINTS:
            self.add(f"{p}.points", _("A rating has 3, 5, 7 or 10 points."), key)

    def _options_csat(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        if o.get("style", "numbers") not in CSAT_STYLES:
            self.add(f"{p}.style", _("Choose numbers, stars or faces."), key)

    def _options_single_choice(
        self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None
    ) -> None:
        for flag in ("allow_other", "randomize"):
            if flag in o and not isinstance(o[flag], bool):
                self.add(f"{p}.{flag}", _("Must be true or false."), key)

    _options_dropdown = _options_single_choice
    _options_ranking = _options_single_choice

    def _whole_number(self, value: Any, minimum: int, maximum: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum

    def _options_multiple_choice(
        self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None
    ) -> None:
        self._options_single_choice(q, o, p, key)
        choices = q.get("choices")
        count = (len(choices) if isinstance(choices, list) else 0) + (1 if o.get("allow_other") else 0)
        low, high = o.get("min_selected"), o.get("max_selected")
        for name, value in (("min_selected", low), ("max_selected", high)):
            if value is not None and not self._whole_number(value, 1, MAX_CHOICES):
                self.add(f"{p}.{name}", _("Must be a whole number of at least 1."), key)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(f"{p}.min_selected", _("The minimum is above the maximum."), key)
        if isinstance(low, int) and low > count:
            self.add(f"{p}.min_selected", _("The minimum is above the number of choices."), key)

    def _options_text(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        if o.get("variant", "short") not in TEXT_VARIANTS:
            self.add(f"{p}.variant", _("Choose short or long text."), key)
        if o.get("validation", "none") not in TEXT_VALIDATIONS:
            self.add(f"{p}.validation", _("Choose none, email, number or phone."), key)
        low, high = o.get("min_length"), o.get("max_length")
        for name, value in (("min_length", low), ("max_length", high)):
            if value is not None and not self._whole_number(value, 0, TEXT_HARD_LIMIT):
                self.add(
                    f"{p}.{name}", _("Must be a whole number from 0 to %(n)d.") % {"n": TEXT_HARD_LIMIT}, key
                )
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(f"{p}.min_length", _("The minimum length is above the maximum."), key)
        self.text(o.get("placeholder"), f"{p}.placeholder", key, required=False)

    def _options_matrix(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        path = p.rsplit(".", 1)[0]
        for part in ("rows", "columns"):
            self.choices(q.get(part), f"{path}.{part}", key or "")

    def _options_consent(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        self.text(o.get("label"), f"{p}.label", key)

    def _options_contact(self, q: Mapping[str, Any], o: Mapping[str, Any], p: str, key: str | None) -> None:
        fields = o.get("fields")
        if not isinstance(fields, Mapping) or not fields or not set(fields) <= set(CONTACT_FIELDS):
            self.add(f"{p}.fields", _("Choose which of name, email, phone and company to ask for."), key)
        elif not all(isinstance(spec, Mapping) for spec in fields.values()):
            self.add(f"{p}.fields", _('Each field needs its settings, e.g. {"required": true}.'), key)

    def _condition(self, c: Any, path: str, key: str | None, position: int, depth: int) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.add(path, _("Conditions are nested too deeply."), key)
        elif not isinstance(c, Mapping):
            self.add(path, _("A condition must be an object."), key)
        elif "all" in c or "any" in c:
            group = "all" if "all" in c else "any"
            parts = c[group]
            if not isinstance(parts, list):
                self.add(f"{path}.{group}", _("A condition group must be a list."), key)
                return
            for n, part in enumerate(parts):
                self._condition(part, f"{path}.{group}[{n}]", key, position, depth + 1)
        elif "not" in c:
            self._condition(c["not"], f"{path}.not", key, position, depth + 1)
        else:
            self._leaf(c, path, key, position)

    def _leaf(self, c: Mapping[str, Any], path: str, key: str | None, position: int) -> None:
        source, ref, op = c.get("source", "answer"), c.get("key"), c.get("op")
        if source not in SOURCES:
            self.add(f"{path}.source", _("A condition looks at an answer, a hidden field or metadata."), key)
        elif op not in OPERATORS:
            self.add(f"{path}.op", _("Unknown operator “%(op)s”.") % {"op": op}, key)
        elif not isinstance(ref, str) or not ref:
            self.add(f"{path}.key", _("Choose what the condition looks at."), key)
        elif self._reference(source, ref.partition(".")[0], f"{path}.key", key, position):
            self._value(c, source, ref.partition(".")[0], op, path, key)

    def _reference(self, source: str, head: str, path: str, key: str | None, position: int) -> bool:
        problem: str | Promise | None = None
        if source == "answer":
            if head not in self.order:
                problem = _("The condition refers to a missing question “%(ref)s”.") % {"ref": head}
            elif self.order[head] >= position:
                problem = _("A condition can only look at earlier questions (“%(ref)s” comes later).") % {
                    "ref": head
                }
            elif not QUESTION_TYPES[self.types[head]].answerable:
                problem = _("“%(ref)s” takes no answer.") % {"ref": head}
        elif source == "hidden" and head not in self.hidden_fields:
            problem = _("Declare the hidden field “%(ref)s” first.") % {"ref": head}
        elif source == "meta" and not _KEY.match(head):
            problem = _("Unknown metadata “%(ref)s”.") % {"ref": head}
        if problem is not None:
            self.add(path, problem, key)
        return problem is None

    def _value(
        self, c: Mapping[str, Any], source: str, head: str, op: str, path: str, key: str | None
    ) -> None:
        value = c.get("value")
        if op in UNARY_OPERATORS:
            return
        if op in NUMERIC_OPERATORS:
            numbers = value if op == "between" else [value]
            ok = (
                isinstance(numbers, list)
                and len(numbers) == (2 if op == "between" else 1)
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers)
            )
            if not ok:
                self.add(f"{path}.value", _("Compare with a number (two numbers for “between”)."), key)
            elif (
                source == "answer"
                and scale_of({"type": self.types[head]}) is None
                and self.types[head] != "text"
            ):
                self.add(f"{path}.op", _("This question's answers are not numbers."), key)
        elif op in ("in", "not_in", "contains_any"):
            if not isinstance(value, list) or not value:
                self.add(f"{path}.value", _("Give a list of values."), key)
        elif value is None or isinstance(value, Mapping):
            self.add(f"{path}.value", _("Give a value to compare with."), key)

    def _jump(self, jump: Any, path: str, key: str | None, position: int) -> None:
        if not isinstance(jump, Mapping):
            self.add(path, _("A jump must be an object."), key)
            return
        self._condition(jump.get("if"), f"{path}.if", key, position + 1, 0)
        if "end" in jump:
            if not isinstance(jump["end"], str) or jump["end"] not in self.endings:
                self.add(
                    f"{path}.end",
                    _("The jump ends with a missing ending “%(ref)s”.") % {"ref": jump["end"]},
                    key,
                )
            return
        target = jump.get("goto")
        if not isinstance(target, str) or target not in self.order:
            self.add(
                f"{path}.goto", _("The jump points to a missing question “%(ref)s”.") % {"ref": target}, key
            )
        elif self.order[target] <= position:
            self.add(
                f"{path}.goto",
                _("A jump can only go forward; jumping back to “%(ref)s” would make a cycle.")
                % {"ref": target},
                key,
            )

    def _theme(self, theme: Any) -> None:
        if not isinstance(theme, Mapping):
            self.add("theme", _("The theme must be an object."))
            return
        colour = theme.get("brand_color", "#0b5cad")
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            self.add("theme.brand_color", _("Use a colour like #0b5cad."))
        if theme.get("mode", "auto") not in THEME_MODES:
            self.add("theme.mode", _("Choose light, dark or auto."))
        logo = theme.get("logo_url", "")
        if logo:
            parts = urlsplit(logo) if isinstance(logo, str) else None
            if parts is None or parts.scheme != "https" or not parts.netloc:
                self.add("theme.logo_url", _("The logo must be an https:// address."))

    def _settings(self, options: Any) -> None:
        if not isinstance(options, Mapping):
            self.add("settings", _("Settings must be an object."))
            return
        if options.get("layout", "one_per_screen") not in LAYOUTS:
            self.add("settings.layout", _("Choose one question per screen or all on one page."))
        if "progress" in options and not isinstance(options["progress"], bool):
            self.add("settings.progress", _("Must be true or false."))


def validate_definition(definition: Any, *, for_publish: bool = False) -> None:
    """Raise DefinitionError listing every problem; return None when the definition is valid."""
    issues = _Checker(definition, for_publish=for_publish).run()
    if issues:
        raise DefinitionError(issues)


def missing_translations(definition: Mapping[str, Any]) -> list[dict[str, str]]:
    """Texts present in the base language but missing in another listed language (builder warnings)."""
    base = definition.get("base_language", "en")
    languages = [lang for lang in definition.get("languages", []) if lang != base]
    missing: list[dict[str, str]] = []

    def check(texts: Any, where: str, question: str) -> None:
        if not isinstance(texts, Mapping) or not str(texts.get(base, "")).strip():
            return
        for lang in languages:
            if not str(texts.get(lang, "")).strip():
                missing.append({"question": question, "field": where, "language": lang})

    for q in definition.get("questions", []):
        key = q.get("key", "")
        check(q.get("text"), "text", key)
        check(q.get("description"), "description", key)
        for part in ("choices", "rows", "columns"):
            for item in q.get(part) or []:
                check(item.get("label"), f"{part}.{item.get('key')}", key)
        for label in ("low_label", "high_label", "label", "placeholder"):
            check((q.get("options") or {}).get(label), f"options.{label}", key)
    for ending in definition.get("endings", []):
        check(ending.get("title"), "title", f"ending:{ending.get('key')}")
        check(ending.get("text"), "text", f"ending:{ending.get('key')}")
    return missing
