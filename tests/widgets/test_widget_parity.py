"""The widget's answer validation, piping and language choice (frontend/widget/) give the server's results:
surveys/definition/answers.py validate_answer, surveys/definition/piping.py pipe and
feedback.services.submit.choose_language, over shared tables of cases and random values.

The widget reports an error as a message key of the config's `strings` plus its placeholders; here the keys
are rendered with the English texts of the contract and compared with the server's English message. Where
the widget cannot be exact it is stricter (it refuses what the server would accept), never looser: an answer
the server refuses would cost the whole response (a 400 drops it from the queue).
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from feedback.services.submit import choose_language
from surveys.definition.answers import AnswerError, validate_answer
from surveys.definition.logic import Context
from surveys.definition.piping import pipe
from widgets.config import PLURALS, widget_strings

ROOT = Path(__file__).resolve().parents[2]

# The config's strings in English, as the server renders them for the widget.
EN = widget_strings(["en"], [])["en"]
# Server messages for states the widget's inputs cannot produce; it shows the generic one for them.
GENERIC = {
    "Please choose each option once.": EN["choose_many"],
    "Please choose from the options shown.": EN["choose_many"],
}


def run_widget(**cases: list[dict[str, Any]]) -> dict[str, list[Any]]:
    completed = subprocess.run(
        ["node", "scripts/widget_cases.mjs"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout)


def widget_message(result: dict[str, Any]) -> str:
    key, params = result["e"], result.get("p") or {}
    head, _, number = key.partition(".")
    if head in PLURALS:
        assert params == {"n": int(number)}
        singular, plural, name = PLURALS[head]
        with translation.override("en"):
            return ngettext(singular, plural, int(number)) % {name: int(number)}
    return EN[key].format(**params)


def server(question: dict[str, Any], value: Any) -> dict[str, Any]:
    with translation.override("en"):
        try:
            return {"v": validate_answer(question, value)}
        except AnswerError as exc:
            message = str(exc.message)
            return {"e": GENERIC.get(message, message)}


def widget(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"e": widget_message(r)} if "e" in r else {"v": r["v"]} for r in results]


def check(question: dict[str, Any], values: list[Any]) -> None:
    cases = [{"question": question, "value": value} for value in values]
    got = widget(run_widget(validate=cases)["validate"])
    expected = [server(question, value) for value in values]
    assert dict(zip(map(repr, values), got, strict=True)) == dict(
        zip(map(repr, values), expected, strict=True)
    )


EMPTY: list[Any] = [None, "", "   ", "\t\n", [], {}]
NUMBERS = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2.5, 3.0, 1e9, True, False, "5", "x", [5], {"v": 5}]

SCALES = [
    {"key": "q", "type": "nps"},
    {"key": "q", "type": "csat", "options": {"style": "stars"}},
    {"key": "q", "type": "ces"},
    {"key": "q", "type": "rating"},
    {"key": "q", "type": "rating", "options": {"points": 3}},
    {"key": "q", "type": "rating", "options": {"points": 7, "style": "faces"}},
    {"key": "q", "type": "rating", "options": {"points": 10}},
    {"key": "q", "type": "rating", "options": {"style": "thumbs", "points": 10}},
    {"key": "q", "type": "rating", "options": {"points": "7"}},
    {"key": "q", "type": "rating", "options": None},
]


@pytest.mark.parametrize("question", SCALES, ids=lambda q: f"{q['type']}-{q.get('options')}")
def test_scales(question: dict[str, Any]) -> None:
    check(question, EMPTY + NUMBERS)


CHOICES = [
    {"key": "a", "label": {"en": "A"}},
    {"key": "b", "label": {"en": "B"}},
    {"key": "c", "label": {"en": "C"}},
]
CHOICE_VALUES = [
    "a",
    "c",
    "z",
    "A",
    " a",
    5,
    True,
    {"other": "Team"},
    {"other": "  Team  "},
    {"other": ""},
    {"other": "   "},
    {"other": 5},
    {"other": None},
    {"other": "x" * 500},
    {"other": "x" * 501},
    {"other": "😀" * 500},
    {"other": "a\x00b"},
    {"other": "Team", "extra": 1},
    {"others": "Team"},
    ["a"],
]


@pytest.mark.parametrize("allow_other", [False, True])
def test_single_choice(allow_other: bool) -> None:
    question = {
        "key": "q",
        "type": "single_choice",
        "choices": CHOICES,
        "options": {"allow_other": allow_other},
    }
    check(question, EMPTY + CHOICE_VALUES)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"allow_other": True},
        {"min_selected": 2},
        {"max_selected": 1},
        {"min_selected": 2, "max_selected": 2, "allow_other": True},
        {"min_selected": 1, "max_selected": 3},
    ],
)
def test_multiple_choice(options: dict[str, Any]) -> None:
    question = {"key": "q", "type": "multiple_choice", "choices": CHOICES, "options": options}
    values = [
        ["a"],
        ["a", "b"],
        ["b", "a", "c"],
        ["a", "a"],
        ["a", "z"],
        ["a", 1],
        [{"other": "x"}],
        ["a", {"other": "x"}],
        ["a", {"other": ""}],
        [{"other": "x"}, {"other": "y"}],
        ["a", "b", {"other": "x"}],
        ["a", None],
        ["a", ["b"]],
        "a",
        {"other": "x"},
        5,
    ]
    check(question, EMPTY + values)


TEXTS = [
    "hello",
    "  padded  ",
    "\u3000ideographic space\u3000",
    "\x1cfile separator\x1f",
    "\x85next line\xa0",
    "\ufeffbom",
    "a\x00b",
    "\x00",
    "ab",
    "abc",
    "x" * 20,
    "x" * 21,
    "😀" * 20,
    "😀" * 21,
    "é" * 21,
    "line one\nline two",
    5,
    True,
    ["x"],
    {"x": 1},
]
EMAILS = [
    "ann@example.com",
    "Ann.Lee+tag@Example.CO.uk",
    "a@b.co",
    "a@b.c",
    "ann@пример.рф",
    "ann@xn--e1afmkfd.xn--p1ai",
    "ann@sub-domain.example.org",
    "ann@-example.com",
    "ann@example-.com",
    "ann@example..com",
    "ann..lee@example.com",
    ".ann@example.com",
    "ann.@example.com",
    "ann@example",
    "ann example@example.com",
    "ann@exa mple.com",
    "@example.com",
    "ann@",
    "ann",
    "ann@@example.com",
    "a@b@example.com",
    "o'brien@example.ie",
    "{weird}|~#@example.com",
    "ann(comment)@example.com",
    "ann@example.com.",
    "ann@example.co-op",
    "ann@example.-coop",
    "ann@example.coop-",
    "ann@" + "a" * 63 + ".com",
    "ann@" + "a" * 64 + ".com",
    "a" * 310 + "@example.com",
    "a" * 300 + "@example.com",
    "ann@exa_mple.com",
    "ſtrange@example.com",
    "ann@1.2.3.4",
]
NUMBER_TEXTS = [
    "1",
    "-2",
    "+3.5",
    "3,5",
    "1e3",
    "1E-3",
    ".5",
    "5.",
    "1_000",
    "1__0",
    "_1",
    "1_",
    "0x10",
    "inf",
    "nan",
    "Infinity",
    "1e999",
    "1.2.3",
    "12abc",
    "",
    "٣",
    "1 000",
    "−5",
    "١٢",
]
PHONES = [
    "+44 20 7946 0958",
    "(020) 7946-0958",
    "12345",
    "123456",
    "+" + "1" * 24,
    "1" * 25,
    "555-CALL",
    "+1.202/555",
]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_length": 20},
        {"max_length": 6000},
        {"min_length": 3},
        {"min_length": 1, "max_length": 1},
        {"validation": "none"},
        {"validation": None},
    ],
)
def test_text(options: dict[str, Any]) -> None:
    check({"key": "q", "type": "text", "options": options}, EMPTY + TEXTS)


def test_text_over_the_hard_limit() -> None:
    check({"key": "q", "type": "text"}, ["x" * 5000, "x" * 5001, "😀" * 5000, " " + "x" * 5000 + " "])


def test_email_addresses() -> None:
    check({"key": "q", "type": "text", "options": {"validation": "email"}}, EMAILS)


def test_numbers() -> None:
    # Non-ASCII digits ("٣") are numbers for Python's float(): the widget refuses them (stricter).
    values = [v for v in NUMBER_TEXTS if v.isascii()]
    check({"key": "q", "type": "text", "options": {"validation": "number", "min_length": 2}}, values)


def test_phones() -> None:
    check({"key": "q", "type": "text", "options": {"validation": "phone"}}, PHONES)


def test_yes_no() -> None:
    check({"key": "q", "type": "yes_no"}, [*EMPTY, True, False, "true", 1, 0, "yes", [True]])


# Valid for the server, refused by the widget (see the comments in frontend/widget/answers.ts).
STRICTER = [
    ({"validation": "email"}, '"q@x"@example.com'),
    ({"validation": "email"}, "ann@[1.2.3.4]"),
    ({"validation": "email"}, "ann@[::1]"),
    ({"validation": "email"}, "ann@localhost"),
    ({"validation": "email"}, "ıİ@example.com"),
    ({"validation": "number"}, "٣"),
    ({"validation": "number"}, "١٢"),
]


def test_the_widget_is_stricter_only_where_documented() -> None:
    cases: list[dict[str, Any]] = [
        {"question": {"key": "q", "type": "text", "options": o}, "value": v} for o, v in STRICTER
    ]
    got = run_widget(validate=cases)["validate"]

    assert [("e" in r) for r in got] == [True] * len(STRICTER)
    assert [server(c["question"], c["value"]) for c in cases] == [{"v": v} for _o, v in STRICTER]


LOCALS = ["ann", "o'k", "a+b", "x_y", "ıx", "ſs", "é", "-", "", "1", "a b", '"q"', "{}|~"]
LABELS = [
    "example",
    "пример",
    "sub-domain",
    "-bad",
    "bad-",
    "a" * 63,
    "a" * 64,
    "1",
    "xn--p1ai",
    "рф",
    "co",
    "c",
    "",
    "exa_mple",
    "co-op",
    "localhost",
    "[1.2.3.4]",
    "世界",
]
NOISE = "aZ09.-_+@  \"'()[]:,;<>\\ёя世ıſ\x00"


def random_email(rng: random.Random) -> str:
    local = ".".join(rng.choice(LOCALS) for _ in range(rng.randint(1, 3)))
    domain = ".".join(rng.choice(LABELS) for _ in range(rng.randint(1, 3)))
    value = f"{local}@{domain}"
    if rng.random() < 0.3:
        at = rng.randrange(len(value) + 1)
        value = value[:at] + rng.choice(NOISE) + value[at:]
    return value


def test_the_widget_never_accepts_an_email_the_server_refuses() -> None:
    rng = random.Random(20261123)
    values = [random_email(rng) for _ in range(3000)]
    question = {"key": "q", "type": "text", "options": {"validation": "email"}}
    got = run_widget(validate=[{"question": question, "value": v} for v in values])["validate"]
    expected = [server(question, v) for v in values]

    looser = [v for v, g, e in zip(values, got, expected, strict=True) if "v" in g and "e" in e]
    stricter = [v for v, g, e in zip(values, got, expected, strict=True) if "e" in g and "v" in e]
    assert looser == []
    # Enough valid addresses to mean something, and the narrowing stays narrow.
    assert sum("v" in e for e in expected) > 250  # enough valid addresses to mean something
    assert [
        v for v in stricter if not any(mark in v.replace("\x00", "") for mark in ('"', "[", "localhost", "ı"))
    ] == []


def test_random_text_and_numbers_agree() -> None:
    rng = random.Random(7)
    pool = "0123456789.,_+-eE xa\t\n\x00 \u3000"
    values = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(1500)]
    for options in ({"validation": "number"}, {"min_length": 2, "max_length": 5}):
        check({"key": "q", "type": "text", "options": options}, values)


# -- piping ---------------------------------------------------------------------------------------------------

DEFINITION: dict[str, Any] = {
    "base_language": "en",
    "questions": [
        {
            "key": "plan",
            "type": "single_choice",
            "choices": [
                {"key": "pro", "label": {"en": "Pro", "ru": "Про"}},
                {"key": "free", "label": {"en": "Free", "ru": "  "}},
                {"key": "team", "label": {"ru": "Команда"}},
                {"key": "blank", "label": {"en": " "}},
            ],
        },
        {
            "key": "uses",
            "type": "multiple_choice",
            "choices": [{"key": "a", "label": "Alpha"}, {"key": "b", "label": {"en": "Beta"}}],
        },
        {"key": "nps", "type": "nps"},
        {"key": "ok", "type": "yes_no"},
        {"key": "name", "type": "text"},
    ],
}
TEMPLATES = [
    "Hi {{answer.name}}!",
    "Hi {{answer.name|there}}!",
    "Hi {{ answer.name | there }}!",
    "Hi {{\u3000answer.name\u3000|\u3000there\u3000}}!",
    "Plan: {{answer.plan}} / {{answer.uses}} / {{answer.nps}} / {{answer.ok}}",
    "{{hidden.source|web}} {{meta.device}} {{meta.count}} {{meta.flag}} {{meta.none|-}}",
    "{{answer.missing|fallback}}{{answer.missing}}",
    "{{answer.Name}} {{answer.1x}} {{other.name}} {{answer.name|" + "x" * 61 + "}}",
    "{{answer.name|" + "y" * 60 + "}}",
    "{{answer.name|a}b}} {{{answer.name}}} {{answer.name}",
    "{{answer.constructor|none}} {{hidden.tostring|none}}",
    "{{answer." + "a" * 40 + "|long}} {{answer." + "a" * 41 + "|longer}}",
    "No placeholders, just {braces} and }} {{",
    "Ünïcödé {{answer.name|😀}} {{answer.name|日本}}",
]
ANSWER_SETS = [
    {},
    {"name": "Ann", "plan": "pro", "uses": ["a", "b"], "nps": 9, "ok": True},
    {"name": "", "plan": "free", "uses": [], "nps": 0, "ok": False},
    {"name": "  ", "plan": "team", "uses": ["b", {"other": "Gamma"}], "nps": 10},
    {"plan": {"other": "Custom"}, "uses": ["zzz"], "name": ["x", "y"]},
    {"plan": "blank", "name": {"first": "Ann", "last": "Lee"}},
    {"name": None, "plan": "unknown"},
]


def test_piping() -> None:
    cases: list[dict[str, Any]] = []
    for language in ("en", "ru"):
        for answers in ANSWER_SETS:
            for text in TEMPLATES:
                cases.append(
                    {
                        "text": text,
                        "definition": DEFINITION,
                        "answers": answers,
                        "hidden": {"source": "ads"} if answers else {},
                        "meta": {"device": "mobile", "count": 3, "flag": False, "none": None}
                        if answers
                        else {},
                        "language": language,
                    }
                )
    expected = [
        pipe(c["text"], c["definition"], Context(c["answers"], c["hidden"], c["meta"]), c["language"])
        for c in cases
    ]

    assert run_widget(pipe=cases)["pipe"] == expected


def test_piping_without_a_base_language() -> None:
    case: dict[str, Any] = {
        "text": "{{answer.plan}}",
        "definition": {"questions": DEFINITION["questions"]},
        "answers": {"plan": "team"},
        "language": "id",
    }
    expected = pipe(case["text"], case["definition"], Context(case["answers"]), "id")

    assert run_widget(pipe=[case])["pipe"] == [expected] == ["Команда"]


# -- language -------------------------------------------------------------------------------------------------


def test_language_choice() -> None:
    definitions = [
        {"base_language": "en", "languages": ["en", "ru", "zh-hans", "id"]},
        {"base_language": "ru", "languages": ["ru"]},
        {"base_language": "id", "languages": []},
        {"languages": ["en"]},
    ]
    candidate_lists = [
        [],
        ["ru-RU"],
        ["RU"],
        ["zh-CN"],
        ["zh_TW", "en"],
        ["zh"],
        ["fr-FR", "id-ID"],
        ["de", "pt-BR"],
        ["en-GB", "ru"],
        [""],
    ]
    cases: list[dict[str, Any]] = [
        {"definition": d, "candidates": c} for d in definitions for c in candidate_lists
    ]

    assert run_widget(language=cases)["language"] == [
        choose_language(c["definition"], *c["candidates"]) for c in cases
    ]
