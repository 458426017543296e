"""The public responses endpoint's optional "contact" (the widget's cx("identify", ...)): it attaches the
response to a contact and, being unauthenticated, only ever adds to what the contact already has."""

import json
import uuid

import pytest
from django.test import Client

from feedback.models import Contact, Response
from tests.factories import ContactFactory, InterceptFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(live_survey):
    site = SiteFactory(organization=live_survey.organization, origins=["https://shop.example"])
    InterceptFactory(site=site, survey=live_survey)
    return site


def post(site, survey, contact, **fields):
    body = {
        "id": str(uuid.uuid4()),
        "survey": survey.public_id,
        "answers": {"nps": 9},
        "contact": contact,
        **fields,
    }
    response = Client().post(
        f"/api/v1/public/{site.public_key}/responses", data=json.dumps(body), content_type="text/plain"
    )
    return response, body["id"]


def test_an_identified_visitor_gets_a_contact_and_the_response_is_attached(site, live_survey):
    response, client_id = post(
        site,
        live_survey,
        {"external_id": "user-8812", "email": "Ana@Example.com", "attributes": {"plan": "pro", "seats": 5}},
    )

    contact = Contact.all_orgs.get()
    assert response.status_code == 201
    assert (contact.organization_id, contact.external_id, contact.email, contact.attributes) == (
        live_survey.organization_id,
        "user-8812",
        "ana@example.com",
        {"plan": "pro", "seats": 5},
    )
    assert Response.all_orgs.get(client_id=client_id).contact_id == contact.pk


def test_attributes_are_added_but_never_overwritten(site, live_survey, organization):
    contact = ContactFactory(
        organization=organization, email="ana@example.com", external_id="", attributes={"plan": "free"}
    )

    response, client_id = post(
        site,
        live_survey,
        {
            "external_id": "user-8812",
            "email": "ana@example.com",
            "attributes": {"plan": "pro", "country": "DE"},
        },
    )

    contact.refresh_from_db()
    assert response.status_code == 201
    assert (contact.external_id, contact.attributes) == ("user-8812", {"plan": "free", "country": "DE"})
    assert Response.all_orgs.get(client_id=client_id).contact_id == contact.pk


def test_identifiers_of_an_existing_contact_are_never_replaced(site, live_survey, organization):
    contact = ContactFactory(organization=organization, email="ana@example.com", external_id="user-8812")

    post(site, live_survey, {"external_id": "user-8812", "email": "mallory@example.com"})

    contact.refresh_from_db()
    assert (Contact.all_orgs.count(), contact.email) == (1, "ana@example.com")


def test_an_anonymous_caller_cannot_grow_a_contact_past_the_attribute_limit(site, live_survey, organization):
    full = {f"a{n}": n for n in range(50)}
    contact = ContactFactory(organization=organization, external_id="user-1", attributes=full)

    post(site, live_survey, {"external_id": "user-1", "attributes": {"extra": "x"}})

    contact.refresh_from_db()
    assert contact.attributes == full


def test_null_attributes_are_ignored(site, live_survey):
    response, _client_id = post(
        site, live_survey, {"external_id": "user-2", "attributes": {"plan": None, "beta": True}}
    )

    assert (response.status_code, Contact.all_orgs.get().attributes) == (201, {"beta": True})


def test_a_contact_without_identifiers_leaves_the_response_anonymous(site, live_survey):
    response, client_id = post(site, live_survey, {"attributes": {"plan": "pro"}})

    assert response.status_code == 201
    assert (Contact.all_orgs.count(), Response.all_orgs.get(client_id=client_id).contact_id) == (0, None)


@pytest.mark.parametrize(
    ("contact", "errors"),
    [
        ({"email": "not-an-email"}, {"contact.email": ["Enter a valid email address."]}),
        (
            {"external_id": "x" * 129},
            {"contact.external_id": ["Ensure this field has no more than 128 characters."]},
        ),
        (
            {"external_id": "u", "attributes": {"address": {"city": "Berlin"}}},
            {"contact.attributes": ["The attribute “address” must be text, a number or true/false."]},
        ),
        (
            {"external_id": "u", "attributes": {"tags": ["a"]}},
            {"contact.attributes": ["The attribute “tags” must be text, a number or true/false."]},
        ),
        (
            {"external_id": "u", "attributes": {"bio": "x" * 501}},
            {"contact.attributes": ["The attribute “bio” is longer than 500 characters."]},
        ),
        (
            {"external_id": "u", "attributes": {"n" * 65: 1}},
            {"contact.attributes": ["Attribute names have 1 to 64 characters."]},
        ),
        (
            {"external_id": "u", "attributes": {f"a{n}": n for n in range(51)}},
            {"contact.attributes": ["Send at most 50 attributes."]},
        ),
        ("user-8812", {"contact.non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
    ],
)
def test_invalid_contact_data_is_refused_with_field_errors(site, live_survey, contact, errors):
    response, _client_id = post(site, live_survey, contact)

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The request is not valid.", "errors": errors},
    )
    assert (Contact.all_orgs.count(), Response.all_orgs.count()) == (0, 0)


def test_refused_answers_leave_no_new_contact_behind(site, live_survey):
    response, _client_id = post(site, live_survey, {"external_id": "user-3"}, answers={"nps": 42})

    assert response.status_code == 400
    assert (Contact.all_orgs.count(), Response.all_orgs.count()) == (0, 0)
