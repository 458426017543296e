"""The contacts pages: what members see and do, and that outsiders see nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from contacts.models import ContactImport, ContactList, ContactListMember, Segment, Suppression
from contacts.services import suppression_add
from feedback.models import Consent, Contact, ImportStatus
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def ana(organization):
    return ContactFactory(
        organization=organization, email="ana@example.com", name="Ana Lima", attributes={"plan": "pro"}
    )


def url(name, organization, **kwargs):
    return reverse(f"contacts:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def test_the_list_searches_and_filters(organization, viewer, client_for, ana):
    ContactFactory(organization=organization, email="bo@example.com", name="Bo", consent=Consent.GRANTED)
    suppression_add(
        organization_id=organization.pk, channel="email", address="bo@example.com", reason="bounced"
    )
    client = client_for(viewer)
    page = client.get(url("contact_list", organization), {"q": "lima"})
    assert page.status_code == 200
    assert [c.pk for c in page.context["contacts"]] == [ana.pk]
    suppressed = client.get(url("contact_list", organization), {"suppressed": "yes"})
    assert [c.email for c in suppressed.context["contacts"]] == ["bo@example.com"]
    granted = client.get(url("contact_list", organization), {"consent": "granted"})
    assert [c.email for c in granted.context["contacts"]] == ["bo@example.com"]


def test_the_detail_page_shows_suppression_per_channel(organization, viewer, client_for, ana):
    suppression_add(organization_id=organization.pk, channel="email", address=ana.email, reason="complained")
    page = client_for(viewer).get(url("contact_detail", organization, contact_id=ana.pk))
    assert page.status_code == 200
    assert page.context["suppression"] == {"email": "complained", "sms": None}
    assert "Export data" not in page.content.decode()


def test_create_shows_a_taken_email_as_a_field_error(organization, manager, client_for, ana):
    client = client_for(manager)
    page = client.post(url("contact_create", organization), {"email": "ANA@example.com", "name": "Other"})
    assert page.status_code == 200
    assert page.context["form"].errors == {"email": ["Another contact has this email address."]}
    created = client.post(
        url("contact_create", organization),
        {"email": "new@example.com", "phone": "+49 170 5555555", "attributes": "plan = free\nseats = 3"},
    )
    new = Contact.all_orgs.get(organization=organization, email="new@example.com")
    assert created.status_code == 302
    assert (new.phone, new.attributes) == ("+491705555555", {"plan": "free", "seats": 3})


def test_a_viewer_cannot_edit_and_only_admins_erase(organization, viewer, manager, client_for, ana):
    assert client_for(viewer).get(url("contact_edit", organization, contact_id=ana.pk)).status_code == 403
    assert (
        client_for(viewer).post(url("contact_unsubscribe", organization, contact_id=ana.pk)).status_code
        == 403
    )
    assert client_for(manager).get(url("contact_erase", organization, contact_id=ana.pk)).status_code == 403
    assert client_for(manager).get(url("contact_export", organization, contact_id=ana.pk)).status_code == 403


def test_unsubscribe_and_consent_actions(organization, manager, client_for, ana):
    client = client_for(manager)
    client.post(url("contact_consent", organization, contact_id=ana.pk), {"consent": "granted"})
    assert Contact.all_orgs.get(pk=ana.pk).consent == Consent.GRANTED
    client.post(url("contact_unsubscribe", organization, contact_id=ana.pk))
    assert Contact.all_orgs.get(pk=ana.pk).consent == Consent.WITHDRAWN
    assert Suppression.all_orgs.filter(organization=organization, reason="unsubscribed").count() == 1


def test_export_and_erase_pages(organization, owner, client_for, ana):
    client = client_for(owner)
    export = client.get(url("contact_export", organization, contact_id=ana.pk))
    assert export["Content-Disposition"] == f'attachment; filename="contact-{ana.pk}.json"'
    assert json.loads(export.content)["contact"]["email"] == "ana@example.com"
    wrong = client.post(url("contact_erase", organization, contact_id=ana.pk), {"confirm": "someone@else"})
    assert wrong.context["form"].errors == {"confirm": ["This does not match; nothing was erased."]}
    assert Contact.all_orgs.filter(pk=ana.pk).exists()
    done = client.post(url("contact_erase", organization, contact_id=ana.pk), {"confirm": "ana@example.com"})
    assert done.status_code == 302
    assert not Contact.all_orgs.filter(pk=ana.pk).exists()


def test_lists_segments_and_suppressions(organization, manager, client_for, ana):
    client = client_for(manager)
    client.post(url("list_create", organization), {"name": "VIP", "description": ""})
    vip = ContactList.all_orgs.get(organization=organization, name="VIP")
    duplicate = client.post(url("list_create", organization), {"name": "vip"})
    assert duplicate.context["form"].errors == {"name": ["This name is already used."]}
    client.post(
        url("list_members_add", organization, list_id=vip.pk), {"addresses": "ana@example.com\nnobody@x.test"}
    )
    assert list(ContactListMember.all_orgs.filter(contact_list=vip).values_list("contact_id", flat=True)) == [
        ana.pk
    ]

    form = {
        "name": "Pro in VIP",
        "match": "all",
        "c0_field": "attribute",
        "c0_attribute": "plan",
        "c0_op": "eq",
        "c0_value": "pro",
        "c1_field": "list",
        "c1_op": "eq",
        "c1_value": "VIP",
    }
    preview = client.post(url("segment_preview", organization), form)
    assert 'data-count="1"' in preview.content.decode()
    client.post(url("segment_create", organization), form)
    segment = Segment.all_orgs.get(organization=organization)
    assert segment.rules == {
        "match": "all",
        "conditions": [
            {"field": "attributes.plan", "op": "eq", "value": "pro"},
            {"field": "list", "op": "eq", "value": vip.pk},
        ],
    }
    bad = client.post(
        url("segment_create", organization), {**form, "name": "Bad", "c0_op": "gt", "c0_value": "x"}
    )
    assert bad.context["form"].errors == {"__all__": ["Condition 1: compare with a number."]}

    client.post(
        url("suppression_add", organization),
        {"channel": "sms", "address": "+44 7700 900123", "detail": "asked by phone"},
    )
    entry = Suppression.all_orgs.get(organization=organization)
    assert (entry.hint, entry.reason, entry.detail) == ("+44•••••23", "manual", "asked by phone")
    client.post(url("suppression_delete", organization, suppression_id=entry.pk))
    assert Suppression.all_orgs.filter(organization=organization).count() == 0


def test_import_pages_and_live_progress(organization, manager, client_for, media):
    client = client_for(manager)
    data = b"email,name,plan\nana@example.com,Ana,pro\nbad,Bad,free\n"
    page = client.post(url("import_upload", organization), {"file": SimpleUploadedFile("c.csv", data)})
    job = ContactImport.all_orgs.get(organization=organization)
    assert page.url == url("import_mapping", organization, contact_import_id=job.pk)
    mapping = client.get(page.url)
    assert [f.value() for f in mapping.context["form"].column_fields] == ["email", "name", "attribute"]
    client.post(page.url, {"column_0": "email", "column_1": "name", "column_2": "attribute"})
    detail = client.get(url("import_detail", organization, contact_import_id=job.pk))
    assert (detail.context["job"].valid_rows, detail.context["job"].invalid_rows) == (1, 1)
    assert "Invalid email address “bad”." in detail.content.decode()
    client.post(url("import_start", organization, contact_import_id=job.pk))
    progress = client.get(url("import_progress", organization, contact_import_id=job.pk))
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    assert ContactImport.all_orgs.get(pk=job.pk).status == ImportStatus.QUEUED


def test_outsiders_get_404_everywhere(organization, outsider, client_for, ana, media):
    vip = ContactList.all_orgs.create(organization=organization, name="VIP")
    segment = Segment.all_orgs.create(
        organization=organization, name="S", rules={"conditions": [{"field": "email", "op": "exists"}]}
    )
    suppression_add(
        organization_id=organization.pk, channel="email", address="x@example.com", reason="manual"
    )
    entry = Suppression.all_orgs.get(organization=organization)
    client = client_for(outsider)
    gets = [
        url("contact_list", organization),
        url("contact_detail", organization, contact_id=ana.pk),
        url("contact_export", organization, contact_id=ana.pk),
        url("list_detail", organization, list_id=vip.pk),
        url("segment_edit", organization, segment_id=segment.pk),
        url("suppression_list", organization),
        url("import_list", organization),
    ]
    for address in gets:
        assert client.get(address).status_code == 404, address
    posts = [
        url("contact_erase", organization, contact_id=ana.pk),
        url("contact_unsubscribe", organization, contact_id=ana.pk),
        url("list_delete", organization, list_id=vip.pk),
        url("suppression_delete", organization, suppression_id=entry.pk),
    ]
    for address in posts:
        assert client.post(address, {"confirm": "ERASE"}).status_code == 404, address
    # Their own organisation in the URL with our ids: still 404.
    other = outsider.organization
    assert client.get(url("contact_detail", other, contact_id=ana.pk)).status_code == 404
    assert (
        client.post(url("contact_erase", other, contact_id=ana.pk), {"confirm": "ERASE"}).status_code == 404
    )
    assert client.post(url("list_delete", other, list_id=vip.pk)).status_code == 404
    assert Contact.all_orgs.filter(pk=ana.pk).exists()
    assert ContactList.all_orgs.filter(pk=vip.pk).exists()
    assert Suppression.all_orgs.filter(pk=entry.pk).exists()
    assert outsider.role == Role.OWNER


def test_a_search_with_a_nul_character_finds_without_an_error(organization, viewer, client_for, ana):
    page = client_for(viewer).get(url("contact_list", organization), {"q": "li\x00ma"})

    assert page.status_code == 200
    assert [c.pk for c in page.context["contacts"]] == [ana.pk]
