import copy

import pytest

from surveys.definition.schema import DefinitionError, missing_translations, validate_definition


def base_definition():
    return {
        "schema": 1,
        "base_language": "en",
        "languages": ["en", "ru"],
        "hidden_fields": ["plan"],
        "questions": [
            {
                "key": "nps",
                "type": "nps",
                "required": True,
                "text": {"en": "How likely…?", "ru": "Насколько…?"},
            },
            {
                "key": "reason",
                "type": "single_choice",
                "text": {"en": "Why?"},
                "choices": [
                    {"key": "price", "label": {"en": "Price"}},
                    {"key": "speed", "label": {"en": "Speed"}},
                ],
                "options": {"allow_other": True},
                "visible_if": {"source": "answer", "key": "nps", "op": "lte", "value": 6},
                "jumps": [
                    {"if": {"source": "answer", "key": "reason", "op": "eq", "value": "price"}, "goto": "why"}
                ],
            },
            {"key": "why", "type": "text", "text": {"en": "Tell us more"}, "options": {"variant": "long"}},
        ],
        "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
        "theme": {"brand_color": "#0b5cad", "mode": "auto"},
        "settings": {"layout": "one_per_screen", "progress": True},
    }


def issues_of(definition, **kwargs):
    with pytest.raises(DefinitionError) as caught:
        validate_definition(definition, **kwargs)
    return [(issue.path, issue.question, str(issue.message)) for issue in caught.value.issues]


def test_a_complete_definition_is_valid():
    assert validate_definition(base_definition(), for_publish=True) is None


def test_unknown_question_type_points_at_the_question():
    definition = base_definition()
    definition["questions"][2]["type"] = "essay"

    assert issues_of(definition) == [("questions[2].type", "why", "Unknown question type “essay”.")]


def test_logic_pointing_to_a_missing_question_is_refused():
    definition = base_definition()
    definition["questions"][1]["jumps"][0]["goto"] = "gone"

    assert issues_of(definition) == [
        ("questions[1].jumps[0].goto", "reason", "The jump points to a missing question “gone”.")
    ]


def test_a_backward_jump_is_refused_as_a_cycle():
    definition = base_definition()
    definition["questions"][2]["jumps"] = [{"if": {"all": []}, "goto": "nps"}]

    assert issues_of(definition) == [
        (
            "questions[2].jumps[0].goto",
            "why",
            "A jump can only go forward; jumping back to “nps” would make a cycle.",
        )
    ]


def test_a_condition_on_a_later_question_is_refused():
    definition = base_definition()
    definition["questions"][1]["visible_if"] = {"source": "answer", "key": "why", "op": "answered"}

    assert issues_of(definition) == [
        (
            "questions[1].visible_if.key",
            "reason",
            "A condition can only look at earlier questions (“why” comes later).",
        )
    ]


def test_an_empty_choice_list_is_refused():
    definition = base_definition()
    definition["questions"][1]["choices"] = []

    assert issues_of(definition) == [("questions[1].choices", "reason", "Add at least one choice.")]


def test_missing_base_language_text_is_refused():
    definition = base_definition()
    definition["questions"][0]["text"] = {"ru": "Только по-русски"}

    assert issues_of(definition) == [
        ("questions[0].text", "nps", "Write this text in the base language (en).")
    ]


def test_undeclared_hidden_field_in_a_condition_is_refused():
    definition = base_definition()
    definition["questions"][2]["visible_if"] = {
        "source": "hidden",
        "key": "country",
        "op": "eq",
        "value": "DE",
    }

    assert issues_of(definition) == [
        ("questions[2].visible_if.key", "why", "Declare the hidden field “country” first.")
    ]


def test_duplicate_keys_and_bad_options_are_all_reported():
    definition = base_definition()
    definition["questions"][2]["key"] = "nps"
    definition["questions"].append(
        {
            "key": "stars",
            "type": "rating",
            "text": {"en": "Rate"},
            "options": {"points": 4, "style": "hearts"},
        }
    )

    assert issues_of(definition) == [
        ("questions[2].key", "nps", "Two questions share the key “nps”."),
        ("questions[1].jumps[0].goto", "reason", "The jump points to a missing question “why”."),
        ("questions[3].options.style", "stars", "Choose numbers, stars, faces or thumbs."),
        ("questions[3].options.points", "stars", "A rating has 3, 5, 7 or 10 points."),
    ]


def test_publishing_needs_a_question_but_a_draft_may_be_empty():
    definition = base_definition()
    definition["questions"] = []

    validate_definition(definition)
    assert issues_of(definition, for_publish=True) == [
        ("questions", None, "Add at least one question before publishing.")
    ]


@pytest.mark.parametrize("garbage", [None, [], "text", 3, {"schema": 1}])
def test_garbage_is_refused_without_crashing(garbage):
    with pytest.raises(DefinitionError):
        validate_definition(garbage)


def test_missing_translations_are_listed_for_the_builder():
    definition = copy.deepcopy(base_definition())

    assert missing_translations(definition) == [
        {"question": "reason", "field": "text", "language": "ru"},
        {"question": "reason", "field": "choices.price", "language": "ru"},
        {"question": "reason", "field": "choices.speed", "language": "ru"},
        {"question": "why", "field": "text", "language": "ru"},
        {"question": "ending:thanks", "field": "title", "language": "ru"},
    ]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(base_language=["en"]),
        lambda d: d.update(languages=[["en"]]),
        lambda d: d["questions"][1].update(
            choices={"a": 1}, options={"min_selected": 1}, type="multiple_choice"
        ),
        lambda d: d["questions"][1]["jumps"].append({"if": {"all": []}, "end": ["thanks"]}),
        lambda d: d["questions"][1]["jumps"].append({"if": {"all": []}, "goto": {"q": 1}}),
    ],
)
def test_wrongly_typed_values_are_refused_without_crashing(mutate):
    definition = base_definition()
    mutate(definition)

    with pytest.raises(DefinitionError):
        validate_definition(definition)
