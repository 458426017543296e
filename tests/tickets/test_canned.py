from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets.models import RootCause, Ticket
from tickets.services.canned import canned_render, canned_response_create, canned_response_update
from tickets.services.opening import ticket_open_for_response
from tickets.services.root_causes import root_cause_create, root_cause_delete
from tickets.services.tickets import ticket_change_status

pytestmark = pytest.mark.django_db


def test_canned_render_fills_placeholders(organization, owner, agents, make_response):
    ticket, _ = ticket_open_for_response(response=make_response())
    canned = canned_response_create(
        organization=organization,
        actor=owner,
        name="Sorry",
        body="Hi {contact_name} ({contact_email}), ticket {ticket_number}. {agent_name}, {organization_name}",
    )

    text = canned_render(canned=canned, ticket=ticket, agent=agents[0])

    contact = ticket.contact
    assert text == f"Hi {contact.name} ({contact.email}), ticket {ticket.pk}. Agent 1, Acme"


def test_canned_unknown_placeholder_and_duplicate_name(organization, owner):
    canned_response_create(organization=organization, actor=owner, name="Sorry", body="Hello")

    with pytest.raises(ValidationError) as unknown:
        canned_response_create(organization=organization, actor=owner, name="Other", body="Hi {customer}")
    with pytest.raises(ValidationError) as duplicate:
        canned_response_create(organization=organization, actor=owner, name="sorry", body="Hello")

    assert unknown.value.message_dict["body"][0].startswith("Unknown placeholder {customer}.")
    assert duplicate.value.message_dict == {"name": ["A canned response with this name already exists."]}


def test_canned_update(organization, owner):
    canned = canned_response_create(organization=organization, actor=owner, name="A", body="x")

    canned_response_update(canned=canned, actor=owner, name="B", body="{agent_name}", language="ru")

    canned.refresh_from_db()
    assert (canned.name, canned.body, canned.language) == ("B", "{agent_name}", "ru")


def test_root_cause_in_use_is_deactivated_not_deleted(organization, owner, make_response):
    parent = root_cause_create(organization=organization, actor=owner, name="Delivery")
    child = root_cause_create(organization=organization, actor=owner, name="Late", parent=parent)
    unused = root_cause_create(organization=organization, actor=owner, name="Price")
    ticket, _ = ticket_open_for_response(response=make_response())
    ticket_change_status(ticket=ticket, actor=owner, status="closed", root_cause=child)

    with pytest.raises(ValidationError) as too_deep:
        root_cause_create(organization=organization, actor=owner, name="Deeper", parent=child)

    assert (
        root_cause_delete(root_cause=parent, actor=owner),
        root_cause_delete(root_cause=unused, actor=owner),
    ) == (
        False,
        True,
    )
    assert list(RootCause.all_orgs.order_by("name").values_list("name", "active")) == [
        ("Delivery", False),
        ("Late", False),
    ]
    assert list(too_deep.value.message_dict) == ["parent"]
    assert Ticket.all_orgs.get().root_cause_id == child.pk
