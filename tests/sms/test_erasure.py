from __future__ import annotations

import pytest

from accounts.models import Organization
from contacts.privacy import contact_erase, contact_export
from sms.models import SmsDirection, SmsMessage, SmsStatus
from tests import factories

pytestmark = pytest.mark.django_db

NUMBER = "+4917012345678"


def test_erasure_clears_numbers_and_text(
    organization: Organization, other_organization: Organization
) -> None:
    owner = factories.MembershipFactory(organization=organization, user=factories.UserFactory(), role="owner")
    contact = factories.ContactFactory(organization=organization, phone=NUMBER)
    linked = SmsMessage.all_orgs.create(
        organization=organization,
        direction=SmsDirection.OUTBOUND,
        to_number=NUMBER,
        from_number="+15005550006",
        body="Hi Alex",
        backend="twilio",
        status=SmsStatus.DELIVERED,
        contact=contact,
    )
    reply = SmsMessage.all_orgs.create(
        organization=organization,
        direction=SmsDirection.INBOUND,
        to_number="+15005550006",
        from_number=NUMBER,
        body="STOP",
        backend="twilio",
        status=SmsStatus.RECEIVED,
    )
    elsewhere = SmsMessage.all_orgs.create(
        organization=other_organization,
        direction=SmsDirection.OUTBOUND,
        to_number=NUMBER,
        body="Globex",
        backend="twilio",
    )

    exported = contact_export(organization_id=organization.pk, contact_id=contact.pk)
    assert [(m["direction"], m["body"]) for m in exported["sms"]] == [("out", "Hi Alex"), ("in", "STOP")]

    contact_erase(organization_id=organization.pk, contact_id=contact.pk, actor=owner)

    for erased in (linked, reply):
        erased.refresh_from_db()
        assert (erased.to_number, erased.from_number, erased.body, erased.contact_id) == ("", "", "", None)
    assert SmsMessage.all_orgs.get(pk=linked.pk).status == SmsStatus.DELIVERED
    elsewhere.refresh_from_db()
    assert (elsewhere.to_number, elsewhere.body) == (NUMBER, "Globex")
