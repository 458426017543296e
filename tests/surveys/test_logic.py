import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.definition.logic import OPERATORS, Context, evaluate, next_step, walk

CASES = json.loads((Path(__file__).parent / "logic_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_logic_cases(case):
    ctx = Context(case.get("answers", {}), case.get("hidden", {}), case.get("meta", {}))

    assert evaluate(case["condition"], ctx) is case["expected"]


def q(key, jumps=None, visible_if=None, qtype="nps"):
    question = {"key": key, "type": qtype, "text": {"en": key}}
    if jumps is not None:
        question["jumps"] = jumps
    if visible_if is not None:
        question["visible_if"] = visible_if
    return question


DETRACTOR = {"source": "answer", "key": "nps", "op": "lte", "value": 6}
SURVEY = {
    "questions": [
        q(
            "nps",
            jumps=[{"if": {"source": "answer", "key": "nps", "op": "gte", "value": 9}, "goto": "review"}],
        ),
        q("why", qtype="text"),
        q("callback", qtype="yes_no", visible_if=DETRACTOR),
        q(
            "review",
            qtype="yes_no",
            jumps=[{"if": {"source": "answer", "key": "review", "op": "eq", "value": False}, "end": "bye"}],
        ),
        q("email", qtype="text"),
    ],
    "endings": [{"key": "thanks"}, {"key": "bye"}],
}


def test_walk_promoter_jumps_over_the_why_question():
    path = walk(SURVEY, Context({"nps": 10, "review": True}))

    assert (path.questions, path.ending) == (["nps", "review", "email"], "thanks")


def test_walk_detractor_sees_the_callback_question():
    path = walk(SURVEY, Context({"nps": 3}))

    assert path.questions == ["nps", "why", "callback", "review", "email"]


def test_walk_passive_skips_the_hidden_callback_question():
    path = walk(SURVEY, Context({"nps": 7}))

    assert path.questions == ["nps", "why", "review", "email"]


def test_walk_ends_with_the_chosen_ending():
    path = walk(SURVEY, Context({"nps": 9, "review": False}))

    assert (path.questions, path.ending) == (["nps", "review"], "bye")


def test_next_step_follows_the_path():
    ctx = Context({"nps": 10})

    steps = [next_step(SURVEY, ctx, None), next_step(SURVEY, ctx, "nps"), next_step(SURVEY, ctx, "email")]

    assert steps == ["nps", "review", None]


def test_walk_never_jumps_backwards_even_in_a_bad_stored_definition():
    looping = {"questions": [q("a"), q("b", jumps=[{"if": {"all": []}, "goto": "a"}])], "endings": []}

    assert walk(looping, Context({})).questions == ["a", "b"]


json_scalars = (
    st.none() | st.booleans() | st.integers(-20, 20) | st.floats(allow_nan=True) | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
leaves = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["answer", "hidden", "meta", "nope"]),
        "key": st.sampled_from(["a", "b", "a.x", "missing"]),
        "op": st.sampled_from([*OPERATORS, "bogus"]),
        "value": json_values,
    }
)
conditions = st.recursive(
    leaves,
    lambda inner: st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3))
    | st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3))
    | st.builds(lambda x: {"not": x}, inner),
    max_leaves=6,
)
contexts = st.builds(
    Context,
    st.dictionaries(st.sampled_from(["a", "b"]), json_values, max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), json_values, max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), json_values, max_size=2),
)


@settings(max_examples=300)
@given(conditions, contexts)
def test_evaluate_is_total_and_boolean(condition, ctx):
    assert evaluate(condition, ctx) in (True, False)


@given(conditions, contexts)
def test_not_inverts(condition, ctx):
    assert evaluate({"not": condition}, ctx) is (not evaluate(condition, ctx))


@given(conditions, conditions, contexts)
def test_de_morgan(first, second, ctx):
    assert evaluate({"any": [first, second]}, ctx) is (
        not evaluate({"all": [{"not": first}, {"not": second}]}, ctx)
    )


@given(leaves.filter(lambda c: c["op"] != "not_answered"), contexts)
def test_a_condition_about_a_missing_value_is_false(condition, ctx):
    assert evaluate({**condition, "key": "missing"}, ctx) is False


@st.composite
def forward_surveys(draw):
    size = draw(st.integers(1, 8))
    keys = [f"q{i}" for i in range(size)]
    questions = []
    for i, key in enumerate(keys):
        jumps = []
        for _ in range(draw(st.integers(0, 2))):
            condition = draw(st.sampled_from([{"all": []}, {"any": []}, DETRACTOR | {"key": "q0"}]))
            if i + 1 < size and draw(st.booleans()):
                jumps.append({"if": condition, "goto": keys[draw(st.integers(i + 1, size - 1))]})
            else:
                jumps.append({"if": condition, "end": "done"})
        visible = draw(st.sampled_from([None, {"any": []}, DETRACTOR | {"key": "q0"}])) if i else None
        questions.append(q(key, jumps=jumps, visible_if=visible))
    return {"questions": questions, "endings": [{"key": "thanks"}, {"key": "done"}]}


@given(forward_surveys(), st.integers(0, 10))
def test_walk_visits_questions_in_order_without_repeats(survey, score):
    path = walk(survey, Context({"q0": score}))
    order = [question["key"] for question in survey["questions"]]
    positions = [order.index(key) for key in path.questions]

    assert positions == sorted(set(positions))
    assert path.questions[0] == "q0"
    assert path.ending in ("thanks", "done")
