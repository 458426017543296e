from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.alerts.conditions import (
    FIELDS,
    ResponseFacts,
    condition_label,
    describe,
    evaluate,
    facts_for,
    format_trace_line,
    keyword_hits,
    validate_conditions,
)
from feedback.models import Channel, Response
from surveys.models import SurveyVersion
from tests import factories


def group(*conditions: dict[str, Any], match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": list(conditions)}


def cond(field: str, op: str, value: Any = None, key: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"field": field, "op": op}
    if value is not None:
        data["value"] = value
    if key is not None:
        data["key"] = key
    return data


def errors_of(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_conditions(data)
    return caught.value.messages


def holds(condition: dict[str, Any], facts: ResponseFacts) -> bool:
    result, _trace = evaluate(validate_conditions(group(condition)), facts)
    return result


# -- validation -------------------------------------------------------------------------------------


def test_empty_conditions_normalise_to_the_empty_all_group() -> None:
    assert validate_conditions(None) == {"match": "all", "conditions": []}
    assert validate_conditions({}) == {"match": "all", "conditions": []}
    assert validate_conditions({"match": "any", "conditions": []}) == {"match": "any", "conditions": []}


def test_validate_normalises_values() -> None:
    data = group(
        cond("nps", "lte", "6"),
        cond("score", "between", ["1.5", 4], key=" q_rating "),
        cond("answer", "keywords", "refund, cancel ,refund", key="why"),
        cond("channel", "in", ["email", "sms", "email"]),
        cond("touchpoint", "in", ["3", 5]),
        cond("contact", "is_anonymous", ""),
        group(cond("hidden", "is_set", key="plan"), cond("language", "in", "ru"), match="any"),
    )
    assert validate_conditions(data) == {
        "match": "all",
        "conditions": [
            {"field": "nps", "op": "lte", "value": 6},
            {"field": "score", "op": "between", "key": "q_rating", "value": [1.5, 4]},
            {"field": "answer", "op": "keywords", "key": "why", "value": ["refund", "cancel"]},
            {"field": "channel", "op": "in", "value": ["email", "sms"]},
            {"field": "touchpoint", "op": "in", "value": [3, 5]},
            {"field": "contact", "op": "is_anonymous"},
            {
                "match": "any",
                "conditions": [
                    {"field": "hidden", "op": "is_set", "key": "plan"},
                    {"field": "language", "op": "in", "value": ["ru"]},
                ],
            },
        ],
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'Conditions must be a group: {"match": "all", "conditions": […]}.'),
        (group(cond("nps", "lte", 6), {"field": "nps"}), "Condition 2 in group 1: choose an operator."),
        (group({"op": "eq"}), "Condition 1 in group 1: choose a field."),
        (group(cond("mood", "eq", "x")), "Condition 1 in group 1: unknown field “mood”."),
        (group(cond("nps", "contains", 6)), "Condition 1 in group 1: “contains” does not apply to NPS."),
        (group(cond("nps", "lte", 11)), "Condition 1 in group 1: enter a whole number from 0 to 10."),
        (group(cond("csat", "gte", 4.5)), "Condition 1 in group 1: enter a whole number from 1 to 5."),
        (
            group(cond("nps", "between", [8, 3])),
            "Condition 1 in group 1: the first number must not be above the second.",
        ),
        (
            group(cond("nps", "between", 3)),
            "Condition 1 in group 1: enter two numbers, the lowest and the highest.",
        ),
        (group(cond("score", "gt", "abc", key="q")), "Condition 1 in group 1: enter a number."),
        (group(cond("score", "gt", 3)), "Condition 1 in group 1: enter the question key."),
        (group(cond("answer", "eq", "  ", key="q")), "Condition 1 in group 1: enter a value."),
        (
            group(cond("answer", "is_answered", "x", key="q")),
            "Condition 1 in group 1: “is answered” takes no value.",
        ),
        (group(cond("nps", "eq", 3, key="q")), "Condition 1 in group 1: NPS takes no key."),
        (group(cond("channel", "in", ["fax"])), "Condition 1 in group 1: “fax” is not one of the options."),
        (group(cond("channel", "in", [])), "Condition 1 in group 1: choose at least one option."),
        (group(cond("survey", "in", ["x"])), "Condition 1 in group 1: choose from the list."),
        (
            group(cond("text", "keywords", ", ,")),
            "Condition 1 in group 1: enter one or more values, separated by commas.",
        ),
        (group({**cond("nps", "eq", 3), "extra": 1}), "Condition 1 in group 1: unexpected “extra”."),
        (group("nps"), "Condition 1 in group 1: must be a condition."),
        ({"match": "most", "conditions": []}, "Group 1: choose “all” or “any”."),
        ({"match": "all", "conditions": {}}, "Group 1: conditions must be a list."),
        (
            group(cond("nps", "eq", 3), group(cond("nps", "eq", 4), cond("csat", "eq", 9))),
            "Condition 2 in group 2: enter a whole number from 1 to 5.",
        ),
        (
            group(group(group(group(cond("nps", "eq", 1))))),
            "Condition 1 in group 3: groups nest at most 3 levels deep.",
        ),
    ],
)
def test_validate_names_the_place(data: object, message: str) -> None:
    assert errors_of(data) == [message]


def test_validate_reports_every_bad_place() -> None:
    data = group(cond("nps", "lte", 6), {"field": "nps"}, group({"field": "csat", "op": "gt"}))
    assert errors_of(data) == [
        "Condition 2 in group 1: choose an operator.",
        "Condition 1 in group 2: enter a whole number from 1 to 5.",
    ]


def test_validate_limits_the_size() -> None:
    assert errors_of(group(*[cond("nps", "eq", 1)] * 51)) == ["Group 1: use at most 50 conditions."]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from([*FIELDS, "bogus", ""])
ops = st.sampled_from(
    [
        *("eq", "neq", "lt", "lte", "gt", "gte", "between", "in", "contains", "not_contains", "keywords"),
        *("is_answered", "is_not_answered", "is_set", "is_identified", "is_anonymous", "nope"),
    ]
)
plausible_values = (
    json_values
    | st.integers(-2, 12)
    | st.lists(st.integers(-2, 12), max_size=3)
    | st.lists(st.sampled_from(["email", "sms", "promoter", "ru", "negative", "refund"]), max_size=3)
)
conditions = st.builds(
    lambda f, o, v, k: {"field": f, "op": o, "value": v, "key": k},
    field_names,
    ops,
    plausible_values,
    st.none() | st.sampled_from(["q", "plan", "nps", ""]),
)
trees = st.recursive(
    conditions,
    lambda children: st.builds(
        lambda m, c: {"match": m, "conditions": c},
        st.sampled_from(["all", "any", "either"]),
        st.lists(children, max_size=4),
    ),
    max_leaves=12,
)
facts_strategy = st.builds(
    ResponseFacts,
    channel=st.sampled_from(["email", "link", ""]),
    language=st.sampled_from(["en", "ru"]),
    nps=st.none() | st.integers(0, 10),
    csat=st.none() | st.integers(1, 5),
    ces=st.none() | st.integers(1, 7),
    answers=st.dictionaries(st.sampled_from(["q", "nps", "plan"]), json_values, max_size=3),
    text=st.text(max_size=30),
    sentiment=st.none() | st.sampled_from(["negative", "neutral", "positive"]),
    touchpoint_id=st.none() | st.integers(1, 6),
    survey_id=st.none() | st.integers(1, 6),
    hidden=st.dictionaries(st.sampled_from(["plan", "q"]), json_values, max_size=2),
    identified=st.booleans(),
    contact_attributes=st.dictionaries(st.sampled_from(["plan", "q"]), json_values, max_size=2),
)


@given(data=json_values | trees)
@settings(max_examples=300, deadline=None)
def test_validate_raises_only_validation_error_on_any_json(data: object) -> None:
    messages: list[str] = []
    try:
        cleaned = validate_conditions(data)
    except ValidationError as error:
        messages = error.messages
    else:
        assert validate_conditions(cleaned) == cleaned
    assert all(isinstance(message, str) and message for message in messages)


@given(data=trees, facts=facts_strategy)
@settings(max_examples=300, deadline=None)
def test_evaluate_and_describe_never_raise_on_a_validated_tree(data: object, facts: ResponseFacts) -> None:
    try:
        cleaned = validate_conditions(data)
    except ValidationError:
        return
    result, trace = evaluate(cleaned, facts)
    assert isinstance(result, bool)
    assert all(isinstance(line["label"], str) and line["label"] for line in trace)
    assert isinstance(describe(cleaned), str)


@given(facts=facts_strategy)
def test_all_of_nothing_is_true_and_any_of_nothing_is_false(facts: ResponseFacts) -> None:
    assert evaluate(group(), facts)[0] is True
    assert evaluate(group(match="any"), facts)[0] is False


@given(
    facts=facts_strategy,
    field=st.sampled_from(["nps", "csat", "ces", "answer", "hidden", "contact_attribute"]),
    value=st.integers(0, 7) | st.sampled_from(["gold", "free", "Gold"]),
)
def test_eq_and_neq_are_opposites_on_present_values(facts: ResponseFacts, field: str, value: Any) -> None:
    numeric = field in ("nps", "csat", "ces")
    if numeric and not isinstance(value, int):
        value = 3
    key = None if numeric else "plan"
    present = {
        "nps": facts.nps,
        "csat": facts.csat,
        "ces": facts.ces,
        "answer": facts.answers.get("plan"),
        "hidden": facts.hidden.get("plan"),
        "contact_attribute": facts.contact_attributes.get("plan"),
    }[field]
    try:
        eq = validate_conditions(group(cond(field, "eq", value, key)))
        neq = validate_conditions(group(cond(field, "neq", value, key)))
    except ValidationError:
        return  # e.g. a CSAT of 0
    if present is None or present in ("", [], {}):
        assert (evaluate(eq, facts)[0], evaluate(neq, facts)[0]) == (False, False)
    else:
        assert evaluate(eq, facts)[0] is not evaluate(neq, facts)[0]


# -- evaluation -------------------------------------------------------------------------------------


def test_numeric_operators() -> None:
    facts = ResponseFacts(nps=6, csat=None, answers={"q_rating": 4, "q_num": "12.5", "q_yes": True})
    assert holds(cond("nps", "lte", 6), facts) is True
    assert holds(cond("nps", "lt", 6), facts) is False
    assert holds(cond("nps", "between", [0, 6]), facts) is True
    assert holds(cond("nps", "gte", 7), facts) is False
    assert holds(cond("csat", "lte", 5), facts) is False
    assert holds(cond("csat", "neq", 5), facts) is False
    assert holds(cond("score", "gte", 4, key="q_rating"), facts) is True
    assert holds(cond("score", "gt", 12, key="q_num"), facts) is True
    assert holds(cond("score", "gt", 0, key="q_yes"), facts) is False
    assert holds(cond("score", "gt", 0, key="missing"), facts) is False


def test_nps_group() -> None:
    detractors = cond("nps_group", "in", ["detractor"])
    assert [holds(detractors, ResponseFacts(nps=n)) for n in (0, 6, 7, 10)] == [True, True, False, False]
    assert holds(cond("nps_group", "in", ["passive", "promoter"]), ResponseFacts(nps=8)) is True
    assert holds(detractors, ResponseFacts(nps=None)) is False


def test_answer_operators_on_text_choices_and_lists() -> None:
    facts = ResponseFacts(
        answers={
            "why": "The Delivery was LATE",
            "plan": "gold",
            "topics": ["price", {"other": "Packaging"}],
            "ok": False,
            "empty": "",
        }
    )
    assert holds(cond("answer", "eq", "GOLD", key="plan"), facts) is True
    assert holds(cond("answer", "neq", "gold", key="plan"), facts) is False
    assert holds(cond("answer", "eq", "price", key="topics"), facts) is True
    assert holds(cond("answer", "eq", "packaging", key="topics"), facts) is True
    assert holds(cond("answer", "in", ["silver", "price"], key="topics"), facts) is True
    assert holds(cond("answer", "contains", "deliver", key="why"), facts) is True
    assert holds(cond("answer", "not_contains", "deliver", key="why"), facts) is False
    assert holds(cond("answer", "keywords", ["deliver"], key="why"), facts) is False
    assert holds(cond("answer", "keywords", ["late", "slow"], key="why"), facts) is True
    assert holds(cond("answer", "eq", "no", key="ok"), facts) is True
    assert holds(cond("answer", "is_answered", key="empty"), facts) is False
    assert holds(cond("answer", "is_not_answered", key="empty"), facts) is True
    assert holds(cond("answer", "is_not_answered", key="missing"), facts) is True
    assert holds(cond("answer", "not_contains", "x", key="missing"), facts) is False


def test_text_keywords_whole_words_in_latin_and_cyrillic_substrings_in_cjk() -> None:
    assert keyword_hits("I want a REFUND now", ["refund"]) == ["refund"]
    assert keyword_hits("refunded already", ["refund"]) == []
    assert keyword_hits("Верните деньги!", ["деньги", "возврат"]) == ["деньги"]
    assert keyword_hits("деньгами", ["деньги"]) == []
    assert keyword_hits("我要退款谢谢", ["退款"]) == ["退款"]
    assert keyword_hits("Straße", ["STRASSE"]) == ["STRASSE"]
    assert keyword_hits("money back please", ["money back"]) == ["money back"]


def test_text_field_joins_comment_and_text_answers() -> None:
    facts = ResponseFacts(text="Slow delivery\nRefund please")
    assert holds(cond("text", "keywords", ["refund"]), facts) is True
    assert holds(cond("text", "contains", "SLOW"), facts) is True
    assert holds(cond("text", "not_contains", "fast"), facts) is True
    assert holds(cond("text", "not_contains", "fast"), ResponseFacts(text="")) is True
    assert holds(cond("text", "contains", "fast"), ResponseFacts(text="")) is False


def test_membership_fields() -> None:
    facts = ResponseFacts(
        channel="email", language="ru", touchpoint_id=4, survey_id=9, sentiment="negative", identified=False
    )
    assert holds(cond("channel", "in", ["sms", "email"]), facts) is True
    assert holds(cond("language", "in", ["en"]), facts) is False
    assert holds(cond("touchpoint", "in", [4]), facts) is True
    assert holds(cond("survey", "in", [4]), facts) is False
    assert holds(cond("sentiment", "in", ["negative"]), facts) is True
    assert holds(cond("sentiment", "in", ["negative"]), ResponseFacts()) is False
    assert holds(cond("touchpoint", "in", [4]), ResponseFacts()) is False
    assert holds(cond("contact", "is_anonymous"), facts) is True
    assert holds(cond("contact", "is_identified"), facts) is False


def test_hidden_fields_and_contact_attributes() -> None:
    facts = ResponseFacts(
        hidden={"plan": "Gold", "seats": 12, "blank": ""},
        contact_attributes={"tier": ["vip", "beta"], "region": "EMEA"},
        identified=True,
    )
    assert holds(cond("hidden", "eq", "gold", key="plan"), facts) is True
    assert holds(cond("hidden", "eq", "12", key="seats"), facts) is True
    assert holds(cond("hidden", "in", ["silver", "gold"], key="plan"), facts) is True
    assert holds(cond("hidden", "contains", "ol", key="plan"), facts) is True
    assert holds(cond("hidden", "is_set", key="blank"), facts) is False
    assert holds(cond("hidden", "neq", "x", key="missing"), facts) is False
    assert holds(cond("contact_attribute", "eq", "VIP", key="tier"), facts) is True
    assert holds(cond("contact_attribute", "neq", "emea", key="region"), facts) is False
    assert holds(cond("contact_attribute", "is_set", key="region"), facts) is True
    assert holds(cond("contact", "is_identified"), facts) is True


def test_groups_and_the_trace() -> None:
    rule = validate_conditions(
        group(
            cond("nps", "lte", 6),
            group(
                cond("channel", "in", ["email"]), cond("text", "keywords", ["refund", "cancel"]), match="any"
            ),
        )
    )
    facts = ResponseFacts(nps=3, channel="link", text="Please cancel my plan")
    result, trace = evaluate(rule, facts)
    assert result is True
    assert trace == [
        {"label": "NPS ≤ 6 (was 3)", "result": True, "depth": 0},
        {"label": "Any of the following", "result": True, "depth": 0},
        {"label": "Channel is Email (was Link survey)", "result": False, "depth": 1},
        {"label": "Any text mentions “refund” or “cancel” (found “cancel”)", "result": True, "depth": 1},
    ]
    assert format_trace_line(trace[0]) == "NPS ≤ 6 (was 3): yes"
    assert evaluate(rule, ResponseFacts(nps=None, channel="email"))[1][0] == {
        "label": "NPS ≤ 6 (no value)",
        "result": False,
        "depth": 0,
    }


def test_empty_rule_trace() -> None:
    assert evaluate(group(), ResponseFacts()) == (
        True,
        [{"label": "No conditions: every response matches", "result": True, "depth": 0}],
    )


def test_describe() -> None:
    rule = validate_conditions(
        group(
            cond("nps", "lte", 6),
            cond("channel", "in", ["email"]),
            group(
                cond("answer", "contains", "late", key="why"),
                cond("touchpoint", "in", [3, 4]),
                cond("contact", "is_identified"),
                match="any",
            ),
            cond("score", "between", [1, 2.5], key="q1"),
            cond("hidden", "is_set", key="plan"),
        )
    )
    assert describe(rule, touchpoints={3: "Checkout"}) == (
        "NPS ≤ 6 and Channel is Email and (Answer to “why” contains “late” or Touchpoint is one of "
        "Checkout, #4 or Contact is identified) and Score of “q1” between 1 and 2.5 and Hidden field “plan” is set"
    )
    assert describe(validate_conditions({})) == "Every response"


def test_describe_uses_the_active_language() -> None:
    rule = validate_conditions(group(cond("channel", "in", ["email"])))
    with translation.override("ru"):
        text = describe(rule)
    assert text.endswith("Эл. почта")


# -- facts from a response --------------------------------------------------------------------------


def test_facts_for_a_response(db: Any) -> None:
    organization = factories.OrganizationFactory()
    contact = factories.ContactFactory(organization=organization, attributes={"tier": "vip"})
    survey = factories.SurveyFactory(organization=organization, name="Checkout survey")
    version = SurveyVersion.all_orgs.create(
        organization=organization,
        survey=survey,
        number=1,
        definition={
            "questions": [
                {"key": "nps", "type": "nps"},
                {"key": "why", "type": "text"},
                {"key": "plan", "type": "single_choice"},
                {"key": "topics", "type": "multiple_choice"},
            ]
        },
    )
    response = factories.ResponseFactory(
        organization=organization,
        survey=survey,
        survey_version=version,
        contact=contact,
        channel=Channel.EMAIL,
        language="ru",
        nps=4,
        csat=2,
        answers={"nps": 4, "why": "Too slow", "plan": "refund_plan", "topics": [{"other": "Parcel lost"}]},
        comment="Refund me",
        hidden_fields={"order": "A-1"},
        meta={"sentiment": {"label": "negative", "score": -0.8}},
    )
    loaded = Response.all_orgs.select_related("contact", "survey").get(pk=response.pk)
    with CaptureQueriesContext(connection) as queries:
        facts = facts_for(loaded)
    assert len(queries) <= 1  # the version's definition, cached afterwards
    assert (
        condition_label(
            validate_conditions(group(cond("survey", "in", [survey.pk + 1])))["conditions"][0], facts
        )
        == f"Survey is #{survey.pk + 1} (was Checkout survey)"
    )
    assert facts == ResponseFacts(
        channel="email",
        language="ru",
        nps=4,
        csat=2,
        ces=None,
        answers={"nps": 4, "why": "Too slow", "plan": "refund_plan", "topics": [{"other": "Parcel lost"}]},
        text="Refund me\nToo slow\nParcel lost",
        sentiment="negative",
        touchpoint_id=survey.touchpoint_id,
        survey_id=survey.pk,
        hidden={"order": "A-1"},
        identified=True,
        contact_attributes={"tier": "vip"},
        touchpoint_name="",
        survey_name="Checkout survey",
    )
    assert condition_label(
        validate_conditions(group(cond("survey", "in", [survey.pk])))["conditions"][0], facts
    ) == ("Survey is Checkout survey")


def test_facts_for_an_anonymous_response_without_a_version(db: Any) -> None:
    response = factories.ResponseFactory(
        answers={"q": "free text", "n": 3}, comment="", meta={"sentiment": "odd"}
    )
    facts = facts_for(response)
    assert (facts.text, facts.identified, facts.sentiment, dict(facts.contact_attributes)) == (
        "free text",
        False,
        None,
        {},
    )
