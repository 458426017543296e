"""The browser's evaluator (frontend/survey/logic.ts) gives the same results as the server's."""

import json
import random
import subprocess
from pathlib import Path

from surveys.definition.logic import OPERATORS, Context, evaluate, walk

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests/surveys/logic_cases.json").read_text())["cases"]


def run_in_node(cases):
    completed = subprocess.run(
        ["node", "scripts/logic_cases.mjs"],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return json.loads(completed.stdout)


def test_the_browser_evaluator_passes_the_shared_cases():
    assert run_in_node(CASES) == [case["expected"] for case in CASES]


# Values the two languages treat alike: integers, plain text (ASCII, Cyrillic, CJK), booleans, lists.
WORDS = ["", " ", "Price", "price ", "доставка", "配送", "9", " 12 ", "1e1", "abc", "other", "1_000", "-3"]


def random_value(rng, depth=0):
    makers = [
        lambda: rng.randint(-3, 12),
        lambda: rng.choice(WORDS),
        lambda: rng.choice([True, False, None]),
        lambda: rng.choice(WORDS) + rng.choice(WORDS),
        lambda: [random_value(rng, depth + 1) for _ in range(rng.randrange(4))],
        lambda: {"other": rng.choice(WORDS)},
        lambda: {rng.choice(["x", "y"]): random_value(rng, depth + 1)},
    ]
    return makers[rng.randrange(len(makers) if depth < 2 else 4)]()


def random_condition(rng, depth=0):
    if depth < 3 and rng.random() < 0.35:
        group = rng.choice(["all", "any", "not"])
        if group == "not":
            return {"not": random_condition(rng, depth + 1)}
        return {group: [random_condition(rng, depth + 1) for _ in range(rng.randrange(3))]}
    return {
        "source": rng.choice(["answer", "hidden", "meta"]),
        "key": rng.choice(["a", "b", "a.x", "nope"]),
        "op": rng.choice([*OPERATORS, "bogus"]),
        "value": random_value(rng),
    }


def random_bag(rng):
    return {key: random_value(rng) for key in ("a", "b") if rng.random() < 0.8}


def test_the_browser_evaluator_agrees_on_random_conditions():
    rng = random.Random(20261122)
    cases = [
        {
            "condition": random_condition(rng),
            "answers": random_bag(rng),
            "hidden": random_bag(rng),
            "meta": random_bag(rng),
        }
        for _ in range(3000)
    ]
    expected = [evaluate(c["condition"], Context(c["answers"], c["hidden"], c["meta"])) for c in cases]

    assert run_in_node(cases) == expected


def test_the_browser_walks_the_same_path():
    rng = random.Random(7)
    cases = []
    for _ in range(300):
        size = rng.randint(1, 7)
        keys = [f"q{i}" for i in range(size)]
        questions = []
        for i, key in enumerate(keys):
            question = {"key": key}
            if i and rng.random() < 0.4:
                question["visible_if"] = {
                    "source": "answer",
                    "key": f"q{rng.randrange(i)}",
                    "op": "lte",
                    "value": 6,
                }
            question["jumps"] = [
                {"if": random_condition(rng), "goto": rng.choice(keys)}
                if rng.random() < 0.7
                else {"if": random_condition(rng), "end": "b"}
                for _ in range(rng.randrange(3))
            ]
            questions.append(question)
        answers = {key: rng.randint(0, 10) for key in keys if rng.random() < 0.8}
        cases.append(
            {"walk": {"questions": questions, "endings": [{"key": "a"}, {"key": "b"}]}, "answers": answers}
        )
    expected = []
    for case in cases:
        path = walk(case["walk"], Context(case["answers"]))
        expected.append({"questions": path.questions, "ending": path.ending})

    assert run_in_node(cases) == expected
