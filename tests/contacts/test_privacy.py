"""Erasure and export of one contact: nothing identifying is left anywhere in the database."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from django.db import connection

from accounts.models import AuditEvent
from contacts.models import ContactList, ContactListMember, Suppression
from contacts.selectors import suppression_reason
from contacts.services import contact_erase, contact_export, contact_unsubscribe
from feedback.models import Contact, Response
from feedback.services.submit import response_submit
from tests.factories import ContactFactory
from tickets.models import MessageKind, TicketEvent, TicketMessage
from tickets.services.opening import ticket_open_for_response

EMAIL = "zebulon.quixote@example.org"
PHONE = "+4917099887766"
NAME = "Zebulon Quixote"


@pytest.fixture
def person(organization):
    return ContactFactory(
        organization=organization,
        email=EMAIL,
        phone=PHONE,
        name=NAME,
        external_id="CRM-77",
        attributes={"plan": "pro"},
    )


def _history(organization, live_survey, person, owner):
    vip = ContactList.all_orgs.create(organization=organization, name="VIP")
    ContactListMember.all_orgs.create(organization=organization, contact_list=vip, contact=person)
    response = response_submit(
        survey=live_survey,
        client_id=uuid.uuid4(),
        answers={"nps": 3, "why": f"I am {NAME}, write to {EMAIL} or call {PHONE}", "email": EMAIL},
        finished=True,
        channel="link",
        hidden_fields={"plan": EMAIL},
        meta={"url": f"https://shop.example/?who={EMAIL}"},
        contact=person,
    ).response
    ticket, _created = ticket_open_for_response(response=response, actor=owner)
    TicketMessage.all_orgs.create(
        organization=organization,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        body=f"Hello, this is {NAME} ({PHONE})",
        from_email=EMAIL,
    )
    TicketMessage.all_orgs.create(
        organization=organization,
        ticket=ticket,
        kind=MessageKind.REPLY,
        body="Dear Zebulon, sorry!",
        to_email=EMAIL,
    )
    TicketEvent.all_orgs.create(
        organization=organization, ticket=ticket, kind="replied", actor_label=EMAIL, data={"to": EMAIL}
    )
    return response, ticket


def _dump() -> str:
    settings = connection.settings_dict
    command = [
        shutil.which("pg_dump") or "pg_dump",
        "--data-only",
        "--no-owner",
        "-h",
        settings["HOST"] or "127.0.0.1",
        "-p",
        str(settings["PORT"] or 5432),
        "-U",
        settings["USER"],
        settings["NAME"],
    ]
    env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(command, capture_output=True, check=True, env=env, text=True).stdout


@pytest.mark.django_db(transaction=True)
def test_after_erasure_no_table_holds_the_contacts_email_phone_or_name(
    organization, owner, live_survey, person
):
    response, ticket = _history(organization, live_survey, person, owner)
    contact_unsubscribe(organization_id=organization.pk, contact_id=person.pk, source="link")
    before = _dump()
    assert EMAIL in before
    assert PHONE in before
    assert NAME in before

    report = contact_erase(organization_id=organization.pk, contact_id=person.pk, actor=owner)

    # Other apps (campaigns, sms) register their own erasers; these three are the contacts helper's.
    mine = {name: report.changed[name] for name in ("contact_lists", "tickets", "responses")}
    assert mine == {"contact_lists": 1, "tickets": 1, "responses": 1}
    dump = _dump().lower()
    for needle in (EMAIL, PHONE, PHONE.removeprefix("+"), NAME, "zebulon", "quixote"):
        assert needle.lower() not in dump, needle
    assert not Contact.all_orgs.filter(pk=person.pk).exists()
    response.refresh_from_db()
    assert (response.contact_id, response.nps, response.answers, response.comment) == (
        None,
        3,
        {"nps": 3},
        "",
    )
    assert (response.hidden_fields, response.meta) == ({}, {})
    ticket.refresh_from_db()
    assert (ticket.contact_id, ticket.subject) == (None, "NPS 3 from [erased] · Relationship NPS")
    bodies = sorted(TicketMessage.all_orgs.filter(ticket=ticket).values_list("body", flat=True))
    assert bodies == ["Dear [erased], sorry!", "[erased]"]
    # Still unsubscribed: the suppression list keeps the keyed hash only.
    assert suppression_reason(organization.pk, "email", EMAIL) == "unsubscribed"
    assert Suppression.all_orgs.filter(organization=organization).count() == 2
    erased = AuditEvent.all_orgs.get(organization=organization, action="contact.erased")
    assert (erased.actor_id, erased.target_label) == (owner.user_id, str(person.pk))


@pytest.mark.django_db
def test_the_export_holds_the_contacts_data(organization, owner, live_survey, person):
    response, ticket = _history(organization, live_survey, person, owner)
    document = contact_export(organization_id=organization.pk, contact_id=person.pk)
    assert document["contact"] == {
        "id": person.pk,
        "email": EMAIL,
        "phone": PHONE,
        "external_id": "CRM-77",
        "name": NAME,
        "language": "",
        "attributes": {"plan": "pro"},
        "consent": "unknown",
        "consent_updated_at": None,
        "created_at": person.created_at.isoformat(),
        "suppressed": {"email": None, "sms": None},
    }
    assert [entry["list"] for entry in document["contact_lists"]] == ["VIP"]
    assert [(r["id"], r["nps"], r["answers"]["email"]) for r in document["responses"]] == [
        (response.pk, 3, EMAIL)
    ]
    assert [t["id"] for t in document["tickets"]] == [ticket.pk]
    assert [m["kind"] for m in document["tickets"][0]["messages"]] == ["inbound", "reply"]


@pytest.mark.django_db
def test_erasure_by_a_member_of_another_organisation_is_refused(organization, person, outsider):
    with pytest.raises(Contact.DoesNotExist):
        contact_erase(organization_id=organization.pk, contact_id=person.pk, actor=outsider)
    assert Contact.all_orgs.filter(pk=person.pk).exists()
    assert Response.all_orgs.count() == 0
