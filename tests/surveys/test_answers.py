import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.definition.answers import AnswerError, validate_answer

CHOICES = [
    {"key": "a", "label": {"en": "A"}},
    {"key": "b", "label": {"en": "B"}},
    {"key": "c", "label": {"en": "C"}},
]
QUESTIONS = {
    "nps": {"type": "nps"},
    "csat": {"type": "csat"},
    "ces": {"type": "ces"},
    "rating7": {"type": "rating", "options": {"points": 7}},
    "thumbs": {"type": "rating", "options": {"style": "thumbs"}},
    "single": {"type": "single_choice", "choices": CHOICES, "options": {"allow_other": True}},
    "dropdown": {"type": "dropdown", "choices": CHOICES},
    "multi": {
        "type": "multiple_choice",
        "choices": CHOICES,
        "options": {"min_selected": 1, "max_selected": 2},
    },
    "text": {"type": "text", "options": {"max_length": 20}},
    "email": {"type": "text", "options": {"validation": "email"}},
    "number": {"type": "text", "options": {"validation": "number"}},
    "phone": {"type": "text", "options": {"validation": "phone"}},
    "yes_no": {"type": "yes_no"},
    "matrix": {
        "type": "matrix",
        "required": True,
        "rows": [{"key": "speed"}, {"key": "price"}],
        "columns": [{"key": "agree"}, {"key": "disagree"}],
    },
    "ranking": {"type": "ranking", "choices": CHOICES},
    "consent": {"type": "consent", "required": True},
    "contact": {"type": "contact", "options": {"fields": {"name": {"required": True}, "email": {}}}},
}
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating7": (1, 7), "thumbs": (0, 1)}


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        ("nps", 10, 10),
        ("nps", 7.0, 7),
        ("single", "b", "b"),
        ("single", {"other": "  my own  "}, {"other": "my own"}),
        ("dropdown", "c", "c"),
        ("multi", ["a", "c"], ["a", "c"]),
        ("text", "  fine  ", "fine"),
        ("text", "   ", None),
        ("email", "a@example.com", "a@example.com"),
        ("number", "12,5", "12,5"),
        ("phone", "+49 30 123456", "+49 30 123456"),
        ("yes_no", False, False),
        ("matrix", {"price": "agree", "speed": "disagree"}, {"speed": "disagree", "price": "agree"}),
        ("ranking", ["c", "a", "b"], ["c", "a", "b"]),
        ("consent", True, True),
        ("contact", {"name": "Ana", "email": "ana@example.com"}, {"name": "Ana", "email": "ana@example.com"}),
        ("nps", None, None),
    ],
)
def test_valid_answers_are_normalised(question, value, expected):
    assert validate_answer(QUESTIONS[question], value) == expected


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("nps", 11, "Please choose a number from 0 to 10."),
        ("nps", True, "Please choose a number from 0 to 10."),
        ("nps", 7.5, "Please choose a number from 0 to 10."),
        ("csat", 0, "Please choose a number from 1 to 5."),
        ("single", "z", "Please choose one of the options."),
        ("dropdown", {"other": "x"}, "Please choose one of the options."),
        ("multi", ["a", "b", "c"], "Please choose at most 2 options."),
        ("multi", ["a", "a"], "Please choose each option once."),
        ("text", "x" * 21, "Please keep it under 20 characters."),
        ("email", "not-an-email", "Please enter a valid email address."),
        ("number", "twelve", "Please enter a number."),
        ("phone", "call me", "Please enter a valid phone number."),
        ("yes_no", "yes", "Please answer yes or no."),
        ("matrix", {"speed": "agree"}, "Please answer each row."),
        ("ranking", ["a", "b"], "Please put every option in order."),
        ("consent", False, "Please tick the box to give your consent."),
        ("contact", {"email": "ana@example.com"}, "Please fill in the required fields."),
    ],
)
def test_invalid_answers_are_refused_with_a_clear_message(question, value, message):
    with pytest.raises(AnswerError) as caught:
        validate_answer(QUESTIONS[question], value)

    assert str(caught.value.message) == message


@pytest.mark.parametrize("name", sorted(SCALES))
@given(st.data())
def test_scales_accept_every_value_in_their_range(name, data):
    low, high = SCALES[name]
    value = data.draw(st.integers(low, high))

    assert validate_answer(QUESTIONS[name], value) == value


@pytest.mark.parametrize("name", sorted(SCALES))
@given(st.data())
def test_scales_refuse_every_value_outside_their_range(name, data):
    low, high = SCALES[name]
    value = data.draw(st.integers(-1000, low - 1) | st.integers(high + 1, 1000))

    with pytest.raises(AnswerError):
        validate_answer(QUESTIONS[name], value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10,
)


@pytest.mark.parametrize("name", sorted(QUESTIONS))
@given(json_values)
def test_any_json_value_is_either_accepted_or_refused_cleanly(name, value):
    with contextlib.suppress(AnswerError):
        validate_answer(QUESTIONS[name], value)


def test_nul_characters_are_removed_from_text_answers():
    assert validate_answer(QUESTIONS["text"], "a\x00b") == "ab"


def message_in(language):
    from django.utils import translation

    with pytest.raises(AnswerError) as caught:
        validate_answer(QUESTIONS["yes_no"], "ja")
    with translation.override(language):
        return str(caught.value.message)


def test_the_message_is_in_english_for_an_english_respondent():
    assert message_in("en") == "Please answer yes or no."


@pytest.mark.parametrize("language", ["ru", "zh-hans", "id"])
def test_the_message_is_translated_for_other_respondents(language):
    assert message_in(language) not in ("", "Please answer yes or no.")
