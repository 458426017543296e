"""Suppression keys, the suppression services and selectors, and the one-click unsubscribe page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from contacts.models import Suppression
from contacts.selectors import suppressed_keys, suppression_reason
from contacts.services import (
    contact_resubscribe,
    contact_unsubscribe,
    suppression_add,
    suppression_remove,
    unsubscribe_url,
)
from contacts.suppression import address_key, mask, normalise_address
from feedback.models import Consent, Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_addresses_are_normalised_before_hashing():
    assert normalise_address("email", "  Ana@Example.COM ") == "ana@example.com"
    assert normalise_address("sms", "+49 (170) 123-4567") == "+491701234567"
    assert normalise_address("sms", "0049 170 1234567") == "+491701234567"
    assert address_key("email", "Ana@Example.com") == address_key("email", "ana@example.com ")
    assert address_key("sms", "+49 170 1234567") == address_key("sms", "00491701234567")
    assert address_key("email", "ana@example.com") != address_key("sms", "ana@example.com")
    assert len(address_key("email", "ana@example.com")) == 64
    assert "ana@example.com" not in address_key("email", "ana@example.com")


def test_masks_show_a_hint_only():
    assert mask("email", "Jane@Example.com") == "j•••@example.com"
    assert mask("sms", "+49 170 1234567") == "+49•••••67"


def test_suppression_add_is_idempotent_and_withdraws_consent(organization):
    contact = ContactFactory(organization=organization, email="ana@example.com", consent=Consent.GRANTED)
    first = suppression_add(
        organization_id=organization.pk, channel="email", address="ANA@example.com", reason="unsubscribed"
    )
    again = suppression_add(
        organization_id=organization.pk, channel="email", address="ana@example.com", reason="unsubscribed"
    )
    assert (first, again) == (True, False)
    entry = Suppression.all_orgs.get(organization=organization)
    assert (entry.hint, entry.reason) == ("a•••@example.com", "unsubscribed")
    contact.refresh_from_db()
    assert contact.consent == Consent.WITHDRAWN


def test_a_bounce_does_not_touch_consent(organization):
    contact = ContactFactory(organization=organization, email="ana@example.com", consent=Consent.GRANTED)
    suppression_add(
        organization_id=organization.pk, channel="email", address="ana@example.com", reason="bounced"
    )
    contact.refresh_from_db()
    assert contact.consent == Consent.GRANTED
    assert suppression_reason(organization.pk, "email", "Ana@example.com") == "bounced"


def test_stop_matches_a_phone_written_differently(organization):
    contact = ContactFactory(organization=organization, phone="+49 170 1234567", email="")
    suppression_add(organization_id=organization.pk, channel="sms", address="+491701234567", reason="stop")
    contact.refresh_from_db()
    assert contact.consent == Consent.WITHDRAWN
    assert suppression_reason(organization.pk, "sms", "0049 170 1234567") == "stop"


def test_selectors_honour_the_list_per_organisation_and_channel(organization, other_organization):
    suppression_add(
        organization_id=organization.pk, channel="email", address="a@example.com", reason="manual"
    )
    keys = [address_key("email", "a@example.com"), address_key("email", "b@example.com")]
    assert suppressed_keys(organization.pk, "email", keys) == {keys[0]}
    assert suppressed_keys(organization.pk, "sms", keys) == set()
    assert suppressed_keys(other_organization.pk, "email", keys) == set()
    assert suppression_reason(organization.pk, "email", "b@example.com") is None
    assert suppression_reason(other_organization.pk, "email", "a@example.com") is None
    assert (
        suppression_remove(organization_id=organization.pk, channel="email", address="A@example.com") is True
    )
    assert suppression_reason(organization.pk, "email", "a@example.com") is None


def test_unsubscribe_suppresses_email_and_phone_and_is_audited_without_personal_data(organization):
    contact = ContactFactory(
        organization=organization, email="ana@example.com", phone="+4917012345", name="Ana Lima"
    )
    contact_unsubscribe(organization_id=organization.pk, contact_id=contact.pk, source="link")
    assert suppression_reason(organization.pk, "email", "ana@example.com") == "unsubscribed"
    assert suppression_reason(organization.pk, "sms", "+4917012345") == "unsubscribed"
    contact.refresh_from_db()
    assert contact.consent == Consent.WITHDRAWN
    event = AuditEvent.all_orgs.get(organization=organization, action="contact.unsubscribed")
    assert (event.target_type, event.target_id, event.target_label) == (
        "feedback.contact",
        str(contact.pk),
        str(contact.pk),
    )
    contact_resubscribe(organization_id=organization.pk, contact_id=contact.pk)
    assert suppression_reason(organization.pk, "email", "ana@example.com") is None
    contact.refresh_from_db()
    assert contact.consent == Consent.GRANTED


def test_resubscribing_keeps_bounces(organization):
    contact = ContactFactory(organization=organization, email="ana@example.com")
    suppression_add(
        organization_id=organization.pk, channel="email", address="ana@example.com", reason="bounced"
    )
    contact_resubscribe(organization_id=organization.pk, contact_id=contact.pk)
    assert suppression_reason(organization.pk, "email", "ana@example.com") == "bounced"


def test_the_unsubscribe_link_works_in_one_click(organization, client, settings):
    settings.SITE_URL = "https://cx.example.com"
    contact = ContactFactory(organization=organization, email="ana@example.com")
    url = unsubscribe_url(organization_id=organization.pk, contact_id=contact.pk)
    assert url.startswith("https://cx.example.com/u/")
    path = url.removeprefix("https://cx.example.com")
    page = client.get(path)
    assert page.status_code == 200
    assert "You are unsubscribed" in page.content.decode()
    assert "Subscribe again" in page.content.decode()
    assert suppression_reason(organization.pk, "email", "ana@example.com") == "unsubscribed"
    assert Contact.all_orgs.get(pk=contact.pk).consent == Consent.WITHDRAWN


def test_subscribe_again_from_the_page(organization, client):
    contact = ContactFactory(organization=organization, email="ana@example.com")
    path = unsubscribe_url(organization_id=organization.pk, contact_id=contact.pk).split("/u/", 1)[1]
    client.get(f"/u/{path}")
    token = path.rstrip("/")
    page = client.post(reverse("unsubscribe:resubscribe", kwargs={"token": token}))
    assert page.status_code == 200
    assert suppression_reason(organization.pk, "email", "ana@example.com") is None


def test_list_unsubscribe_post_is_one_click_and_csrf_exempt(organization):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    contact = ContactFactory(organization=organization, email="ana@example.com")
    path = "/u/" + unsubscribe_url(organization_id=organization.pk, contact_id=contact.pk).split("/u/", 1)[1]
    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert suppression_reason(organization.pk, "email", "ana@example.com") == "unsubscribed"
    assert Suppression.all_orgs.get(organization=organization, channel="email").detail == "one-click"


@pytest.mark.parametrize("token", ["nonsense", "WzEsMl0:1abc:forged", "x" * 300])
def test_a_bad_token_is_a_404_page(client, token):
    for response in (
        client.get(f"/u/{token}/"),
        client.post(f"/u/{token}/", {"List-Unsubscribe": "One-Click"}),
    ):
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert Suppression.all_orgs.count() == 0


def test_a_token_for_an_erased_contact_is_a_404(organization, client):
    contact = ContactFactory(organization=organization, email="ana@example.com")
    path = "/u/" + unsubscribe_url(organization_id=organization.pk, contact_id=contact.pk).split("/u/", 1)[1]
    Contact.all_orgs.filter(pk=contact.pk).delete()
    assert client.get(path).status_code == 404
