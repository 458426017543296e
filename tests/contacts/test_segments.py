"""Segment rules: validation messages and the contacts they match."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contacts.models import ContactList, ContactListMember, Segment
from contacts.segments import validate_rules
from contacts.selectors import audience_contacts, segment_matches
from feedback.models import Consent
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(organization, other_organization):
    ContactFactory(
        organization=other_organization, email="x@other.test", attributes={"plan": "pro", "seats": 50}
    )
    return {
        "ana": ContactFactory(
            organization=organization,
            email="ana@a.test",
            language="en",
            consent=Consent.GRANTED,
            attributes={"plan": "pro", "seats": 12, "city": "Berlin"},
        ),
        "bo": ContactFactory(
            organization=organization,
            email="bo@b.test",
            language="ru",
            phone="+4917000001",
            attributes={"plan": "free", "seats": 2},
        ),
        "cy": ContactFactory(
            organization=organization,
            email="",
            phone="+4917000002",
            language="",
            attributes={"plan": "Pro Max", "seats": "many"},
        ),
    }


def names(queryset, people):
    by_pk = {c.pk: n for n, c in people.items()}
    return [by_pk[pk] for pk in queryset.values_list("pk", flat=True)]


def rules(*conditions, match="all"):
    return {"match": match, "conditions": list(conditions)}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "attributes.plan", "op": "eq", "value": "pro"}, ["ana"]),
        ({"field": "attributes.plan", "op": "neq", "value": "pro"}, ["bo", "cy"]),
        ({"field": "attributes.plan", "op": "contains", "value": "PRO"}, ["ana", "cy"]),
        ({"field": "attributes.city", "op": "exists"}, ["ana"]),
        ({"field": "attributes.city", "op": "not_exists"}, ["bo", "cy"]),
        ({"field": "attributes.seats", "op": "gt", "value": 5}, ["ana"]),
        ({"field": "attributes.seats", "op": "lt", "value": 5}, ["bo"]),
        ({"field": "attributes.seats", "op": "eq", "value": "12"}, ["ana"]),
        ({"field": "attributes.plan", "op": "in", "value": ["free", "Pro Max"]}, ["bo", "cy"]),
        ({"field": "language", "op": "eq", "value": "ru"}, ["bo"]),
        ({"field": "language", "op": "not_exists"}, ["cy"]),
        ({"field": "consent", "op": "eq", "value": "granted"}, ["ana"]),
        ({"field": "email", "op": "not_exists"}, ["cy"]),
        ({"field": "phone", "op": "exists"}, ["bo", "cy"]),
    ],
)
def test_each_condition(organization, people, condition, expected):
    assert names(segment_matches(organization.pk, rules(condition)), people) == expected


def test_match_all_and_any(organization, people):
    a = {"field": "attributes.plan", "op": "eq", "value": "pro"}
    b = {"field": "language", "op": "eq", "value": "ru"}
    assert names(segment_matches(organization.pk, rules(a, b)), people) == []
    assert names(segment_matches(organization.pk, rules(a, b, match="any")), people) == ["ana", "bo"]


def test_list_membership_and_audiences(organization, people):
    vip = ContactList.all_orgs.create(organization=organization, name="VIP")
    ContactListMember.all_orgs.create(organization=organization, contact_list=vip, contact=people["cy"])
    ContactListMember.all_orgs.create(organization=organization, contact_list=vip, contact=people["ana"])
    condition = {"field": "list", "op": "eq", "value": vip.pk}
    assert names(segment_matches(organization.pk, rules(condition)), people) == ["ana", "cy"]
    assert names(audience_contacts(organization.pk, contact_list_id=vip.pk, segment_id=None), people) == [
        "ana",
        "cy",
    ]
    segment = Segment.all_orgs.create(
        organization=organization,
        name="Pro",
        rules=rules({"field": "attributes.plan", "op": "eq", "value": "pro"}),
    )
    assert names(audience_contacts(organization.pk, contact_list_id=None, segment_id=segment.pk), people) == [
        "ana"
    ]


def test_another_organisations_list_or_segment_gives_nobody(organization, other_organization, people):
    theirs = ContactList.all_orgs.create(organization=other_organization, name="Theirs")
    segment = Segment.all_orgs.create(
        organization=other_organization, name="All", rules=rules({"field": "email", "op": "exists"})
    )
    assert list(audience_contacts(organization.pk, contact_list_id=theirs.pk, segment_id=None)) == []
    assert list(audience_contacts(organization.pk, contact_list_id=None, segment_id=segment.pk)) == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([], "The rules must be an object with “match” and “conditions”."),
        ({"match": "some", "conditions": []}, "“match” must be “all” or “any”."),
        ({"conditions": []}, "Add at least one condition."),
        ({"conditions": [{"field": "age", "op": "eq", "value": 1}]}, "Condition 1: unknown field “age”."),
        (
            {"conditions": [{"field": "email", "op": "gt", "value": 1}]},
            "Condition 1: “gt” cannot be used with email.",
        ),
        (
            {"conditions": [{"field": "attributes.seats", "op": "gt", "value": "ten"}]},
            "Condition 1: compare with a number.",
        ),
        ({"conditions": [{"field": "attributes.plan", "op": "eq"}]}, "Condition 1: give a value."),
        (
            {"conditions": [{"field": "attributes.plan", "op": "in", "value": "x"}]},
            "Condition 1: give a list of values.",
        ),
        (
            {"conditions": [{"field": "consent", "op": "eq", "value": "maybe"}]},
            "Condition 1: unknown consent status.",
        ),
        (
            {"conditions": [{"field": "attributes.a__b", "op": "exists"}]},
            "Condition 1: the attribute name is not valid.",
        ),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValidationError) as caught:
        validate_rules(bad)
    assert caught.value.messages == [message]
