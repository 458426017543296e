from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessGroup, AccessGroupMembership
from accounts.roles import Role
from tests import factories
from textanalysis.models import ResponseTag, Tag, Theme

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"textanalysis:{name}", args=["acme", *args])


def test_theme_list_counts_the_last_30_days(organization, owner, client_for, delivery_theme):
    now = timezone.now()
    for days in (1, 29, 31):
        factories.ResponseFactory(
            organization=organization, theme_ids=[delivery_theme.pk], received_at=now - timedelta(days=days)
        )

    page = client_for(owner).get(url("theme_list"))

    assert page.status_code == 200
    assert [(t.name, t.recent_count) for t in page.context["themes"]] == [("Delivery", 2)]


def test_restricted_member_counts_only_what_they_may_see(
    organization, client_for, make_member, delivery_theme
):
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    visible = factories.SurveyFactory(organization=organization)
    hidden = factories.SurveyFactory(organization=organization)
    group = AccessGroup.all_orgs.create(organization=organization, name="Limited")
    group.surveys.add(visible)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    for survey in (visible, hidden, hidden):
        factories.ResponseFactory(organization=organization, survey=survey, theme_ids=[delivery_theme.pk])

    page = client_for(member).get(url("theme_list"))

    assert [t.recent_count for t in page.context["themes"]] == [1]


def test_theme_create_edit_delete(organization, owner, client_for):
    client = client_for(owner)

    created = client.post(
        url("theme_create"),
        {
            "name": "Price",
            "keywords_en": "price\nexpensive\n",
            "keywords_zh_hans": "价格",
            "keywords_ru": "",
            "keywords_id": "",
        },
    )
    theme = Theme.all_orgs.get(organization=organization)
    edit_page = client.get(url("theme_edit", theme.pk))
    edited = client.post(url("theme_edit", theme.pk), {"name": "Prices", "keywords_en": "cost"})
    confirm = client.get(url("theme_delete", theme.pk))
    deleted = client.post(url("theme_delete", theme.pk))

    assert created.status_code == 302
    assert edit_page.context["form"].initial["keywords_en"] == "price\nexpensive"
    assert edited.status_code == 302
    assert confirm.status_code == 200
    assert deleted.status_code == 302
    assert not Theme.all_orgs.filter(organization=organization).exists()


def test_theme_form_shows_errors(organization, owner, client_for, delivery_theme):
    page = client_for(owner).post(url("theme_create"), {"name": "delivery", "keywords_en": "box"})

    assert page.status_code == 200
    assert page.context["form"].errors == {"name": ["A theme with this name already exists."]}


def test_install_defaults(organization, owner, client_for):
    client_for(owner).post(url("theme_install_defaults"))

    assert Theme.all_orgs.filter(organization=organization).count() == 7


def test_viewer_reads_themes_but_cannot_manage(organization, viewer, client_for, delivery_theme):
    client = client_for(viewer)

    assert client.get(url("theme_list")).status_code == 200
    assert client.get(url("theme_create")).status_code == 403
    assert client.post(url("theme_delete", delivery_theme.pk)).status_code == 403
    assert client.post(url("tag_list"), {"name": "x"}).status_code == 403


def test_outsider_gets_404(outsider, client_for, delivery_theme):
    client = client_for(outsider)

    assert client.get(url("theme_list")).status_code == 404
    assert client.get(url("tag_list")).status_code == 404


def test_other_tenants_theme_is_404(organization, other_organization, client_for, make_member):
    theirs = Theme.all_orgs.create(organization=other_organization, name="Theirs", keywords={"en": ["x"]})
    owner = make_member(organization, Role.OWNER, email="boss@acme.test")

    assert client_for(owner).get(url("theme_edit", theirs.pk)).status_code == 404
    assert client_for(owner).post(url("theme_delete", theirs.pk)).status_code == 404


def test_tag_list_create_rename_delete(organization, owner, client_for):
    client = client_for(owner)

    client.post(url("tag_list"), {"name": "VIP"})
    duplicate = client.post(url("tag_list"), {"name": "vip"})
    tag = Tag.all_orgs.get(organization=organization)
    client.post(url("tag_edit", tag.pk), {"name": "Key account"})
    listing = client.get(url("tag_list"))
    client.post(url("tag_delete", tag.pk))

    assert duplicate.status_code == 400
    assert [(t.name, t.response_count) for t in listing.context["tags"]] == [("Key account", 0)]
    assert not Tag.all_orgs.filter(organization=organization).exists()


def test_tagging_a_response_without_js_redirects(organization, viewer, client_for):
    response = factories.ResponseFactory(organization=organization)
    client = client_for(viewer)

    added = client.post(url("response_tag_add", response.pk), {"name": "Callback"})
    tag = Tag.all_orgs.get(organization=organization)
    removed = client.post(url("response_tag_remove", response.pk, tag.pk))

    detail = reverse("feedback:response_detail", args=["acme", response.pk])
    assert (added.status_code, added["Location"]) == (302, detail)
    assert (removed.status_code, removed["Location"]) == (302, detail)
    assert not ResponseTag.all_orgs.filter(organization=organization).exists()


def test_tagging_with_htmx_returns_the_panel(organization, viewer, client_for):
    response = factories.ResponseFactory(organization=organization)
    client = client_for(viewer)

    page = client.post(
        url("response_tag_add", response.pk), {"name": "<b>Callback</b>"}, HTTP_HX_REQUEST="true"
    )
    bad = client.post(url("response_tag_add", response.pk), {"name": ""}, HTTP_HX_REQUEST="true")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="response-tags"' in html
    assert "&lt;b&gt;Callback&lt;/b&gt;" in html
    assert "<b>Callback" not in html
    assert bad.status_code == 400
    assert "Give the tag a name" in bad.content.decode()


def test_tagging_a_response_outside_scope_or_tenant_is_404(
    organization, other_organization, client_for, make_member
):
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    group = AccessGroup.all_orgs.create(organization=organization, name="Nothing")
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    mine = factories.ResponseFactory(organization=organization)
    theirs = factories.ResponseFactory(organization=other_organization)

    assert client_for(member).post(url("response_tag_add", mine.pk), {"name": "x"}).status_code == 404
    assert client_for(member).post(url("response_tag_add", theirs.pk), {"name": "x"}).status_code == 404
    assert not Tag.all_orgs.exists()
