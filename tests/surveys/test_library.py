import pytest

from surveys.definition import Context, validate_definition, walk
from surveys.definition.schema import missing_translations
from surveys.library import TEMPLATES, template_definition

LANGUAGES = ["en", "ru", "zh-hans", "id"]
CASES = [(key, language) for key in TEMPLATES for language in LANGUAGES]

# Results line up across surveys and versions by these keys: changing one is a breaking change.
KEYS = {
    "relationship_nps": {
        "hidden_fields": ["plan", "country"],
        "questions": ["nps", "improve", "like_most", "comment", "review"],
        "choices": {
            "improve": ["delivery", "prices", "product_range", "customer_service", "website_app", "returns"],
            "like_most": [
                "delivery",
                "prices",
                "product_range",
                "customer_service",
                "website_app",
                "loyalty",
            ],
        },
        "endings": ["thanks", "review_invite"],
    },
    "support_csat": {
        "hidden_fields": ["ticket_id", "plan", "country"],
        "questions": ["csat", "resolved", "went_wrong", "comment"],
        "choices": {"went_wrong": ["slow", "not_solved", "repeat", "unfriendly", "unclear"]},
        "endings": ["thanks"],
    },
    "checkout_ces": {
        "hidden_fields": ["order_id", "plan", "country"],
        "questions": ["ces", "difficulty", "comment"],
        "choices": {
            "difficulty": ["find_product", "delivery_options", "payment", "discount", "account", "errors"]
        },
        "endings": ["thanks"],
    },
    "website_feedback": {
        "hidden_fields": ["plan", "country"],
        "questions": ["csat", "category", "comment", "email"],
        "choices": {"category": ["bug", "idea", "content", "compliment"]},
        "endings": ["thanks"],
    },
    "exit_intent": {
        "hidden_fields": ["cart_value", "plan", "country"],
        "questions": ["stopped", "comment"],
        "choices": {"stopped": ["just_browsing", "price", "delivery", "not_found", "payment", "compare"]},
        "endings": ["thanks", "browsing"],
    },
}


def test_the_library_holds_the_five_templates_of_the_product():
    assert [(t.key, str(t.name)) for t in TEMPLATES.values()] == [
        ("relationship_nps", "Relationship NPS"),
        ("support_csat", "CSAT after support"),
        ("checkout_ces", "CES after checkout"),
        ("website_feedback", "Website feedback"),
        ("exit_intent", "Exit-intent survey"),
    ]
    assert all(str(t.description) for t in TEMPLATES.values())


@pytest.mark.parametrize(("key", "language"), CASES)
def test_every_template_is_valid_for_publishing_in_every_base_language(key, language):
    definition = template_definition(key, language)

    validate_definition(definition, for_publish=True)
    assert (definition["base_language"], definition["languages"][0], sorted(definition["languages"])) == (
        language,
        language,
        sorted(LANGUAGES),
    )


@pytest.mark.parametrize(("key", "language"), CASES)
def test_no_template_misses_a_translation(key, language):
    assert missing_translations(template_definition(key, language)) == []


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_template_keys_are_stable(key):
    definition = template_definition(key, "en")

    assert {
        "hidden_fields": definition["hidden_fields"],
        "questions": [q["key"] for q in definition["questions"]],
        "choices": {
            q["key"]: [c["key"] for c in q["choices"]] for q in definition["questions"] if "choices" in q
        },
        "endings": [e["key"] for e in definition["endings"]],
    } == KEYS[key]


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_text_is_written_in_each_language_and_differs_from_english_where_it_should(key):
    definition = template_definition(key, "en")
    questions = definition["questions"]

    assert all(set(q["text"]) == set(LANGUAGES) for q in questions)
    # The question texts are real translations, not copies of the English.
    assert all(len({q["text"][lang] for lang in LANGUAGES}) == 4 for q in questions)


def test_a_copy_is_independent_of_the_library():
    first = template_definition("relationship_nps", "ru")
    first["questions"][0]["text"]["ru"] = "changed"

    assert template_definition("relationship_nps", "ru")["questions"][0]["text"]["ru"] != "changed"


def test_unknown_template_or_language_is_refused():
    with pytest.raises(KeyError):
        template_definition("nope", "en")
    with pytest.raises(ValueError, match="unsupported base language"):
        template_definition("exit_intent", "de")


# The logic of each template, walked as a respondent would.
PATHS = [
    (
        "relationship_nps",
        {"nps": 3, "improve": ["delivery"], "comment": "Slow"},
        ["nps", "improve", "comment"],
        "thanks",
    ),
    ("relationship_nps", {"nps": 8}, ["nps", "improve", "comment"], "thanks"),
    (
        "relationship_nps",
        {"nps": 10, "review": True},
        ["nps", "like_most", "comment", "review"],
        "review_invite",
    ),
    ("relationship_nps", {"nps": 9, "review": False}, ["nps", "like_most", "comment", "review"], "thanks"),
    ("support_csat", {"csat": 2}, ["csat", "resolved", "went_wrong", "comment"], "thanks"),
    ("support_csat", {"csat": 5}, ["csat", "resolved", "comment"], "thanks"),
    ("checkout_ces", {"ces": 2}, ["ces", "difficulty", "comment"], "thanks"),
    ("checkout_ces", {"ces": 6}, ["ces", "comment"], "thanks"),
    ("website_feedback", {"csat": 1}, ["csat", "category", "comment", "email"], "thanks"),
    ("exit_intent", {"stopped": "just_browsing"}, ["stopped"], "browsing"),
    ("exit_intent", {"stopped": "price"}, ["stopped", "comment"], "thanks"),
    ("exit_intent", {"stopped": {"other": "No time"}}, ["stopped", "comment"], "thanks"),
]


@pytest.mark.parametrize(("key", "answers", "questions", "ending"), PATHS)
def test_template_logic_follows_the_answers(key, answers, questions, ending):
    path = walk(template_definition(key, "en"), Context(answers))

    assert (path.questions, path.ending) == (questions, ending)
