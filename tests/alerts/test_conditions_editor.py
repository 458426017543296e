from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.utils.datastructures import MultiValueDict
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Organization
from feedback.alerts.editor import ConditionsField
from tests import factories


class RuleForm(forms.Form):
    def __init__(
        self, *args: Any, organization: Organization | None = None, required: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["conditions"] = ConditionsField(organization=organization, required=required)


class _Controls(HTMLParser):
    """What a browser without JavaScript would submit: text and hidden inputs, selected options;
    nothing inside <template>."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self.names: list[str] = []
        self.labels_for: set[str] = set()
        self.ids: list[str] = []
        self.template_depth = 0
        self.select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if "id" in a and tag in ("input", "select"):
            self.ids.append(a["id"])
        if tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        if tag == "input" and a.get("type") in ("text", "hidden"):
            self.data.append((a["name"], a.get("value", "")))
            self.names.append(a["name"])
        elif tag == "select":
            self.select = {"name": a["name"], "multiple": "multiple" in a, "options": [], "selected": []}
            self.names.append(a["name"])
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a["value"])
            if "selected" in a:
                self.select["selected"].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.template_depth -= 1
        elif tag == "select" and self.select is not None and not self.template_depth:
            chosen = self.select["selected"] or (
                [] if self.select["multiple"] else self.select["options"][:1]
            )
            self.data += [(self.select["name"], value) for value in chosen]
            self.select = None


def controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


def submitted(html: str, **changes: str | list[str]) -> MultiValueDict[str, str]:
    data: MultiValueDict[str, str] = MultiValueDict()
    for name, value in controls(html).data:
        data.appendlist(name, value)
    for name, value in changes.items():
        data.setlist(name.replace("__", "-"), value if isinstance(value, list) else [value])
    return data


def rendered(tree: dict[str, Any] | None, organization: Organization | None = None) -> str:
    return str(RuleForm(initial={"conditions": tree}, organization=organization)["conditions"])


def clean(data: Any, organization: Organization | None = None, *, required: bool = False) -> RuleForm:
    form = RuleForm(data, organization=organization, required=required)
    form.is_valid()
    return form


TREE = {
    "match": "any",
    "conditions": [
        {"field": "nps", "op": "lte", "value": 6},
        {"field": "channel", "op": "in", "value": ["email", "sms"]},
        {"field": "score", "op": "between", "key": "q_rating", "value": [1, 2.5]},
        {"field": "answer", "op": "keywords", "key": "why", "value": ["refund", "cancel"]},
        {"field": "answer", "op": "is_not_answered", "key": "why"},
        {"field": "contact", "op": "is_identified"},
        {
            "match": "all",
            "conditions": [
                {"field": "hidden", "op": "in", "key": "plan", "value": ["gold", "silver"]},
                {"field": "text", "op": "contains", "value": "late"},
            ],
        },
        {"match": "any", "conditions": [{"field": "language", "op": "in", "value": ["ru"]}]},
    ],
}


def test_rendered_rows_submit_back_to_the_same_conditions_without_javascript() -> None:
    form = clean(submitted(rendered(TREE)))
    assert form.errors == {}
    assert form.cleaned_data["conditions"] == TREE


def test_an_empty_editor_submits_the_empty_group() -> None:
    form = clean(submitted(rendered(None)))
    assert form.cleaned_data["conditions"] == {"match": "all", "conditions": []}


def test_required_asks_for_a_condition() -> None:
    form = clean(submitted(rendered(None)), required=True)
    assert form.errors == {"conditions": ["Add at least one condition."]}


def test_blank_rows_filled_in_without_javascript() -> None:
    html = rendered({"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]})
    data = submitted(
        html,
        conditions__r1__field="channel",
        conditions__r1__op="in",
        conditions__r1__value="Email, sms",
        conditions__r2__field="nps",
        conditions__r2__op="between",
        conditions__r2__value="0 – 6",
        # The blank nested group (group 2): its rows belong to it.
        conditions__r3__field="text",
        conditions__r3__op="keywords",
        conditions__r3__value="refund, money back",
        conditions__r4__field="nps_group",
        conditions__r4__op="in",
        conditions__r4__value="Detractor",
    )
    form = clean(data)
    assert form.errors == {}
    assert form.cleaned_data["conditions"] == {
        "match": "all",
        "conditions": [
            {"field": "nps", "op": "lte", "value": 6},
            {"field": "channel", "op": "in", "value": ["email", "sms"]},
            {"field": "nps", "op": "between", "value": [0, 6]},
            {
                "match": "any",
                "conditions": [
                    {"field": "text", "op": "keywords", "value": ["refund", "money back"]},
                    {"field": "nps_group", "op": "in", "value": ["detractor"]},
                ],
            },
        ],
    }


def test_keys_typed_for_fields_without_keys_are_ignored() -> None:
    data = submitted(
        rendered(None),
        conditions__r0__field="nps",
        conditions__r0__op="gte",
        conditions__r0__key="x",
        conditions__r0__value="9",
    )
    assert clean(data).cleaned_data["conditions"] == {
        "match": "all",
        "conditions": [{"field": "nps", "op": "gte", "value": 9}],
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"conditions__r0__field": "nps"}, ["Condition 1 in group 1: choose an operator."]),
        (
            {"conditions__r0__op": "eq", "conditions__r0__value": "3"},
            ["Condition 1 in group 1: choose a field."],
        ),
        (
            {"conditions__r0__field": "nps", "conditions__r0__op": "lte", "conditions__r0__value": "six"},
            ["Condition 1 in group 1: enter a whole number from 0 to 10."],
        ),
        (
            {"conditions__r0__field": "answer", "conditions__r0__op": "eq", "conditions__r0__value": "x"},
            ["Condition 1 in group 1: enter the question key."],
        ),
        (
            {"conditions__r0__field": "channel", "conditions__r0__op": "in", "conditions__r0__value": "fax"},
            ["Condition 1 in group 1: “fax” is not one of the options."],
        ),
        (
            {"conditions__r0__field": "nps", "conditions__r0__op": "contains", "conditions__r0__value": "1"},
            ["Condition 1 in group 1: “contains” does not apply to NPS."],
        ),
        (
            {
                "conditions__r2__field": "csat",
                "conditions__r2__op": "between",
                "conditions__r2__value": "5 – 1",
            },
            ["Condition 1 in group 2: the first number must not be above the second."],
        ),
        ({"conditions__match": "most"}, ["Group 1: choose “all” or “any”."]),
    ],
)
def test_bad_rows_are_form_errors(changes: dict[str, str], errors: list[str]) -> None:
    form = clean(submitted(rendered(None), **changes))
    assert form.errors == {"conditions": errors}


def test_a_bad_row_is_rendered_again_with_what_was_typed() -> None:
    data = submitted(
        rendered(None), conditions__r0__field="nps", conditions__r0__op="lte", conditions__r0__value="eleven"
    )
    form = clean(data)
    html = str(form["conditions"])
    assert form.errors == {"conditions": ["Condition 1 in group 1: enter a whole number from 0 to 10."]}
    assert 'name="conditions-r0-value" id="id_conditions-r0-value" value="eleven"' in html
    assert '<option value="nps" selected>NPS</option>' in html


def test_touchpoints_and_surveys_come_from_the_organisation(organization: Organization) -> None:
    other = factories.OrganizationFactory(slug="other")
    ours = factories.TouchpointFactory(organization=organization, name="Checkout")
    theirs = factories.TouchpointFactory(organization=other, name="Elsewhere")
    survey = factories.SurveyFactory(organization=organization, name="Delivery survey", touchpoint=ours)
    html = rendered(
        {"match": "all", "conditions": [{"field": "touchpoint", "op": "in", "value": [ours.pk]}]},
        organization,
    )
    assert f'<option value="{ours.pk}" selected>Checkout</option>' in html
    assert "Elsewhere" not in html

    form = clean(submitted(html), organization)
    assert form.cleaned_data["conditions"] == {
        "match": "all",
        "conditions": [{"field": "touchpoint", "op": "in", "value": [ours.pk]}],
    }
    typed = clean(
        submitted(
            html,
            conditions__r1__field="survey",
            conditions__r1__op="in",
            conditions__r1__value="delivery survey",
        ),
        organization,
    )
    assert typed.cleaned_data["conditions"]["conditions"][1] == {
        "field": "survey",
        "op": "in",
        "value": [survey.pk],
    }

    foreign = clean(submitted(html, conditions__r0__choices=[str(theirs.pk)]), organization)
    assert foreign.errors == {"conditions": ["Condition 1 in group 1: choose from the list."]}


def test_groups_nested_deeper_than_the_editor_are_kept() -> None:
    deep = {
        "match": "all",
        "conditions": [
            {
                "match": "any",
                "conditions": [
                    {"field": "nps", "op": "eq", "value": 0},
                    {"match": "all", "conditions": [{"field": "ces", "op": "gte", "value": 6}]},
                ],
            }
        ],
    }
    form = clean(submitted(rendered(deep)))
    assert form.cleaned_data["conditions"] == deep


def test_every_control_has_a_label_and_a_unique_id() -> None:
    parsed = controls(rendered(TREE))
    visible = parsed.ids
    assert len(visible) == len(set(visible))
    assert set(visible) <= parsed.labels_for


post_names = st.sampled_from(
    [
        "conditions-match",
        "conditions-g1-match",
        "conditions-g9-kept",
        "conditions-r0-field",
        "conditions-r0-op",
        "conditions-r0-key",
        "conditions-r0-value",
        "conditions-r0-choices",
        "conditions-r0-group",
        "conditions-r123456789-field",
        "conditions-r7-group",
        "conditions-r7-field",
        "conditions-r7-op",
        "conditions-r7-value",
    ]
)
post_values = st.sampled_from(
    [
        "",
        "nps",
        "in",
        "between",
        "lte",
        "channel",
        "touchpoint",
        "1",
        "x",
        "[",
        "[{}]",
        "0-6",
        "all",
        "any",
        "answer",
        "99999999999999999999",
    ]
) | st.text(max_size=8)


@given(pairs=st.lists(st.tuples(post_names, post_values), max_size=12))
@settings(max_examples=200, deadline=None)
def test_any_post_gives_a_result_or_form_errors(pairs: list[tuple[str, str]]) -> None:
    data: MultiValueDict[str, str] = MultiValueDict()
    for name, value in pairs:
        data.appendlist(name, value)
    form = RuleForm(data)
    valid = form.is_valid()
    assert valid is (not form.errors)
    str(form["conditions"])  # the page renders again, whatever was posted
