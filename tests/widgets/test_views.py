import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from tests.factories import SiteFactory
from widgets.models import Site
from widgets.services import site_revoke, site_rotate_key

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"widgets:{name}", kwargs={"org_slug": "acme", **kwargs})


def db_snapshot():
    return {"sites": list(Site.all_orgs.order_by("pk").values()), "audit": AuditEvent.all_orgs.count()}


@pytest.fixture
def site(organization):
    return SiteFactory(organization=organization, name="Shop", origins=["https://shop.example.com"])


PAGES = [("site_list", False), ("site_create", False), ("site_detail", True), ("site_edit", True)]
ACTIONS = [
    ("site_create", False, {"name": "X", "origins": "https://x.example"}),
    ("site_edit", True, {"name": "X", "origins": "https://x.example"}),
    ("site_rotate", True, {}),
    ("site_revoke", True, {}),
]


def page_url(name, with_site, site):
    return url(name, site_id=site.pk) if with_site else url(name)


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_every_page_renders_for_an_owner(client_for, owner, site, name, with_site):
    assert client_for(owner).get(page_url(name, with_site, site)).status_code == 200


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_a_cx_manager_may_manage_sites(client_for, organization, make_member, site, name, with_site):
    manager = make_member(organization, Role.CX_MANAGER)

    assert client_for(manager).get(page_url(name, with_site, site)).status_code == 200


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_an_outsider_gets_404_on_every_page(client_for, outsider, site, name, with_site):
    assert client_for(outsider).get(page_url(name, with_site, site)).status_code == 404


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_a_viewer_gets_403_on_every_page(client_for, viewer, site, name, with_site):
    assert client_for(viewer).get(page_url(name, with_site, site)).status_code == 403


@pytest.mark.parametrize(("name", "with_site", "data"), ACTIONS)
def test_an_outsider_gets_404_on_every_post_and_changes_nothing(
    client_for, outsider, site, name, with_site, data
):
    before = db_snapshot()

    assert client_for(outsider).post(page_url(name, with_site, site), data).status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize(("name", "with_site", "data"), ACTIONS)
def test_a_viewer_gets_403_on_every_post_and_changes_nothing(client_for, viewer, site, name, with_site, data):
    before = db_snapshot()

    assert client_for(viewer).post(page_url(name, with_site, site), data).status_code == 403
    assert db_snapshot() == before


def test_another_organisations_site_is_404(client_for, owner, other_organization):
    foreign = SiteFactory(organization=other_organization)
    before = db_snapshot()

    assert client_for(owner).get(url("site_detail", site_id=foreign.pk)).status_code == 404
    assert client_for(owner).post(url("site_rotate", site_id=foreign.pk)).status_code == 404
    assert db_snapshot() == before


def test_site_create_shows_the_snippet_and_csp(client_for, owner, organization):
    client = client_for(owner)

    response = client.post(
        url("site_create"),
        {"name": "Main", "origins": "https://WWW.Example.com:443/path\n\nhttp://localhost:3000\n"},
    )

    site = Site.all_orgs.get(name="Main")
    assert response["Location"] == url("site_detail", site_id=site.pk)
    assert site.origins == ["https://www.example.com", "http://localhost:3000"]
    assert site.public_key.startswith("cx_pk_")
    detail = client.get(url("site_detail", site_id=site.pk)).content.decode()
    assert (
        "&lt;script async src=&quot;http://localhost:8000/static/widgets/cx.js&quot; "
        f"data-site-key=&quot;{site.public_key}&quot;&gt;&lt;/script&gt;"
    ) in detail
    assert "script-src http://localhost:8000; connect-src http://localhost:8000" in detail
    assert 'data-copy="#site-snippet"' in detail
    assert "Last seen: never" in detail


def test_site_create_with_a_bad_origin_shows_the_error(client_for, owner):
    before = db_snapshot()

    response = client_for(owner).post(
        url("site_create"), {"name": "Bad", "origins": "example.com\nftp://x.example"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "origins": [
            "“example.com” is not an origin such as https://www.example.com.",
            "“ftp://x.example” is not an origin such as https://www.example.com.",
        ]
    }
    assert db_snapshot() == before


def test_site_edit_changes_name_and_origins(client_for, owner, site):
    response = client_for(owner).post(
        url("site_edit", site_id=site.pk), {"name": "Shop EU", "origins": "https://shop.example.eu"}
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.origins) == ("Shop EU", ["https://shop.example.eu"])


def test_site_edit_form_starts_with_one_origin_per_line(client_for, owner, organization):
    site = SiteFactory(organization=organization, origins=["https://a.example", "https://b.example"])

    response = client_for(owner).get(url("site_edit", site_id=site.pk))

    assert response.context["form"].initial == {
        "name": site.name,
        "origins": "https://a.example\nhttps://b.example",
    }


def test_rotate_changes_the_key(client_for, owner, site):
    old_key = site.public_key

    response = client_for(owner).post(url("site_rotate", site_id=site.pk))

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.public_key != old_key
    assert site.public_key.startswith("cx_pk_")
    assert AuditEvent.all_orgs.get(action="site.key_rotated").before == {"public_key": old_key}


def test_revoke_hides_the_snippet_and_blocks_rotation(client_for, owner, site):
    client = client_for(owner)

    client.post(url("site_revoke", site_id=site.pk))
    site.refresh_from_db()
    key = site.public_key
    detail = client.get(url("site_detail", site_id=site.pk))
    rotate = client.post(url("site_rotate", site_id=site.pk), follow=True)

    assert site.revoked_at is not None
    assert b"site-snippet" not in detail.content
    assert [str(m) for m in rotate.context["messages"]] == [
        "This website's key is revoked; create a new website instead."
    ]
    site.refresh_from_db()
    assert site.public_key == key


def test_last_seen_is_shown(client_for, owner, site):
    Site.all_orgs.filter(pk=site.pk).update(last_seen_at=dt.datetime(2024, 5, 6, 12, 0, tzinfo=dt.UTC))

    response = client_for(owner).get(url("site_detail", site_id=site.pk))

    assert '<time datetime="2024-05-06T12:00:00+00:00">05/06/2024 noon</time>' in response.content.decode()


def test_rotating_a_revoked_site_is_refused_by_the_service(owner, site):
    site_revoke(site=site, actor=owner)

    with pytest.raises(ValidationError):
        site_rotate_key(site=site, actor=owner)
