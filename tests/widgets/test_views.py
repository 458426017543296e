import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccessGroupMembership, AuditEvent
from accounts.roles import Role
from surveys.models import SurveyStatus
from tests.factories import AccessGroupFactory, InterceptFactory, SiteFactory, SurveyFactory
from widgets.models import Intercept, Site
from widgets.services import site_revoke, site_rotate_key, site_set_button
from widgets.targeting import default_targeting

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"widgets:{name}", kwargs={"org_slug": "acme", **kwargs})


def db_snapshot():
    return {
        "sites": list(Site.all_orgs.order_by("pk").values()),
        "intercepts": list(Intercept.all_orgs.order_by("pk").values()),
        "audit": AuditEvent.all_orgs.count(),
    }


@pytest.fixture
def site(organization):
    return SiteFactory(organization=organization, name="Shop", origins=["https://shop.example.com"])


@pytest.fixture
def intercept(site):
    survey = SurveyFactory(organization=site.organization, name="Checkout exit")
    return InterceptFactory(site=site, survey=survey)


PAGES = [
    ("site_list", False),
    ("site_create", False),
    ("site_detail", True),
    ("site_edit", True),
    ("site_button", True),
    ("intercept_create", True),
    ("intercept_edit", "intercept"),
]
# What a browser sends for the three empty URL rule rows of a new intercept.
RULES_EMPTY = {
    "urls-TOTAL_FORMS": "3",
    "urls-INITIAL_FORMS": "0",
    "urls-MIN_NUM_FORMS": "0",
    "urls-MAX_NUM_FORMS": "20",
    **{
        f"urls-{n}-{name}": value
        for n in range(3)
        for name, value in (("mode", "include"), ("op", "contains"))
    },
    **{f"urls-{n}-value": "" for n in range(3)},
}
TARGETING_FORM = {
    "trigger_type": "exit_intent",
    "delay_seconds": "0",
    "frequency": "once",
    "placement": "center",
}
ACTIONS = [
    ("site_create", False, {"name": "X", "origins": "https://x.example", "cooldown_days": "7"}),
    ("site_edit", True, {"name": "X", "origins": "https://x.example", "cooldown_days": "7"}),
    ("site_rotate", True, {}),
    ("site_revoke", True, {}),
    ("site_button", True, {"survey": "", "label": "", "side": "left"}),
    ("intercept_create", True, {**TARGETING_FORM, **RULES_EMPTY}),
    ("intercept_edit", "intercept", {**TARGETING_FORM, **RULES_EMPTY}),
    ("intercept_delete", "intercept", {}),
]


def page_url(name, with_site, site):
    if with_site == "intercept":
        return url(name, site_id=site.pk, intercept_id=Intercept.all_orgs.get(site=site).pk)
    return url(name, site_id=site.pk) if with_site else url(name)


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_every_page_renders_for_an_owner(client_for, owner, site, intercept, name, with_site):
    assert client_for(owner).get(page_url(name, with_site, site)).status_code == 200


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_a_cx_manager_may_manage_sites(
    client_for, organization, make_member, site, intercept, name, with_site
):
    manager = make_member(organization, Role.CX_MANAGER)

    assert client_for(manager).get(page_url(name, with_site, site)).status_code == 200


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_an_outsider_gets_404_on_every_page(client_for, outsider, site, intercept, name, with_site):
    assert client_for(outsider).get(page_url(name, with_site, site)).status_code == 404


@pytest.mark.parametrize(("name", "with_site"), PAGES)
def test_a_viewer_gets_403_on_every_page(client_for, viewer, site, intercept, name, with_site):
    assert client_for(viewer).get(page_url(name, with_site, site)).status_code == 403


@pytest.mark.parametrize(("name", "with_site", "data"), ACTIONS)
def test_an_outsider_gets_404_on_every_post_and_changes_nothing(
    client_for, outsider, site, intercept, name, with_site, data
):
    before = db_snapshot()

    assert client_for(outsider).post(page_url(name, with_site, site), data).status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize(("name", "with_site", "data"), ACTIONS)
def test_a_viewer_gets_403_on_every_post_and_changes_nothing(
    client_for, viewer, site, intercept, name, with_site, data
):
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
        {
            "name": "Main",
            "origins": "https://WWW.Example.com:443/path\n\nhttp://localhost:3000\n",
            "cooldown_days": "3",
        },
    )

    site = Site.all_orgs.get(name="Main")
    assert response["Location"] == url("site_detail", site_id=site.pk)
    assert (site.origins, site.cooldown_days) == (["https://www.example.com", "http://localhost:3000"], 3)
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
        url("site_create"), {"name": "Bad", "origins": "example.com\nftp://x.example", "cooldown_days": "7"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "origins": [
            "“example.com” is not an origin such as https://www.example.com.",
            "“ftp://x.example” is not an origin such as https://www.example.com.",
        ]
    }
    assert db_snapshot() == before


def test_site_edit_changes_name_origins_and_cooldown(client_for, owner, site):
    response = client_for(owner).post(
        url("site_edit", site_id=site.pk),
        {"name": "Shop EU", "origins": "https://shop.example.eu", "cooldown_days": "0"},
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.origins, site.cooldown_days) == ("Shop EU", ["https://shop.example.eu"], 0)


def test_a_cooldown_out_of_range_is_refused_by_the_form(client_for, owner, site):
    before = db_snapshot()

    response = client_for(owner).post(
        url("site_edit", site_id=site.pk),
        {"name": "Shop", "origins": "https://shop.example.eu", "cooldown_days": "400"},
    )

    assert response.context["form"].errors == {
        "cooldown_days": ["Ensure this value is less than or equal to 365."]
    }
    assert db_snapshot() == before


def test_site_edit_form_starts_with_one_origin_per_line(client_for, owner, organization):
    site = SiteFactory(organization=organization, origins=["https://a.example", "https://b.example"])

    response = client_for(owner).get(url("site_edit", site_id=site.pk))

    assert response.context["form"].initial == {
        "name": site.name,
        "origins": "https://a.example\nhttps://b.example",
        "cooldown_days": 7,
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


# --- surveys on a website ----------------------------------------------------------------------------


def targeting_form(**fields):
    return {
        "trigger_type": "page_view",
        "seconds": "",
        "percent": "",
        "selector": "",
        "clicks": "",
        "within_ms": "",
        "event_name": "",
        "delay_seconds": "0",
        "frequency": "until_answered",
        "every_days": "",
        "placement": "bottom_right",
        **RULES_EMPTY,
        **fields,
    }


def test_adding_a_survey_stores_its_targeting_and_lists_it_on_the_site_page(
    client_for, owner, site, live_survey
):
    client = client_for(owner)

    response = client.post(
        url("intercept_create", site_id=site.pk),
        targeting_form(
            survey=str(live_survey.pk),
            trigger_type="rage_click",
            clicks="4",
            seconds="99",  # belongs to another trigger: ignored
            delay_seconds="2",
            devices=["mobile", "desktop"],
            languages=["ru"],
            frequency="every_days",
            every_days="14",
            placement="bottom_left",
            **{
                "urls-0-mode": "include",
                "urls-0-op": "starts_with",
                "urls-0-value": "/checkout",
                "urls-1-mode": "exclude",
                "urls-1-op": "contains",
                "urls-1-value": "",
                "urls-2-mode": "exclude",
                "urls-2-op": "regex",
                "urls-2-value": r"preview=\d",
            },
        ),
    )
    detail = client.get(url("site_detail", site_id=site.pk)).content.decode()

    intercept = Intercept.all_orgs.get(site=site)
    assert response["Location"] == url("site_detail", site_id=site.pk)
    assert (intercept.survey_id, intercept.targeting) == (
        live_survey.pk,
        {
            "trigger": {"type": "rage_click", "clicks": 4, "within_ms": 1000},
            "delay_seconds": 2,
            "urls": [
                {"op": "starts_with", "value": "/checkout", "exclude": False},
                {"op": "regex", "value": r"preview=\d", "exclude": True},
            ],
            "devices": ["desktop", "mobile"],
            "languages": ["ru"],
            "frequency": "every_days",
            "every_days": 14,
            "placement": "bottom_left",
        },
    )
    assert list(AuditEvent.all_orgs.filter(action__startswith="site.").values_list("action", flat=True)) == [
        "site.intercept_added"
    ]
    assert "After 4 clicks within 1000 ms on one element, shown 2 seconds later" in detail
    assert "2 URL rules" in detail
    assert "At most every 14 days" in detail
    assert '<span class="badge badge-success">Shown</span>' in detail


def test_errors_show_next_to_their_fields_and_keep_what_was_typed(client_for, owner, site, live_survey):
    before = db_snapshot()

    response = client_for(owner).post(
        url("intercept_create", site_id=site.pk),
        targeting_form(
            survey=str(live_survey.pk),
            trigger_type="event",
            event_name="add to cart",
            delay_seconds="4000",
            frequency="every_days",
            devices=["tablet"],
            **{"urls-1-op": "regex", "urls-1-value": "(?P<id>\\d+)"},
        ),
    )

    form, rules = response.context_data["form"], response.context_data["rules"]
    page = response.content.decode()
    assert response.status_code == 200
    assert form.errors == {
        "event_name": ["Use 1 to 64 letters, digits and the signs _ . : - for the event name."],
        "delay_seconds": ["Enter a whole number from 0 to 3600."],
        "every_days": ["Enter after how many days the survey may appear again."],
    }
    assert [row.errors for row in rules] == [
        {},
        {
            "value": [
                "Named groups written (?P…), comments, atomic groups, conditionals and inline flags are "
                "Python-only: the widget runs JavaScript regular expressions."
            ]
        },
        {},
    ]
    assert 'value="add to cart"' in page
    assert 'value="4000"' in page
    assert 'value="(?P&lt;id&gt;\\d+)"' in page
    assert 'value="tablet" id="id_devices_1" checked' in page
    assert f'<option value="{live_survey.pk}" selected>' in page
    assert db_snapshot() == before


def test_a_trigger_setting_left_empty_is_asked_for(client_for, owner, site, live_survey):
    response = client_for(owner).post(
        url("intercept_create", site_id=site.pk),
        targeting_form(survey=str(live_survey.pk), trigger_type="scroll", percent=""),
    )

    assert response.context_data["form"].errors == {
        "percent": ["Enter how far down the page, in percent, the visitor must scroll."]
    }


def test_the_survey_list_has_every_status_and_leaves_out_surveys_already_on_the_site(
    client_for, owner, site, intercept, organization, other_organization
):
    SurveyFactory(organization=organization, name="Draft one", status=SurveyStatus.DRAFT)
    SurveyFactory(organization=organization, name="Paused one", status=SurveyStatus.PAUSED)
    SurveyFactory(organization=other_organization, name="Foreign")

    response = client_for(owner).get(url("intercept_create", site_id=site.pk))

    choices = [label for _value, label in response.context_data["form"].fields["survey"].choices]
    assert choices == ["---------", "Draft one (Draft)", "Paused one (Paused)"]


def test_a_restricted_manager_only_lists_the_surveys_of_their_access_groups(
    client_for, organization, make_member, site
):
    manager = make_member(organization, Role.CX_MANAGER)
    listed = SurveyFactory(organization=organization, name="Listed")
    SurveyFactory(organization=organization, name="Hidden")
    group = AccessGroupFactory(organization=organization)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=manager)
    group.surveys.add(listed)

    response = client_for(manager).get(url("intercept_create", site_id=site.pk))

    assert [label for _value, label in response.context_data["form"].fields["survey"].choices] == [
        "---------",
        "Listed (Live)",
    ]


def test_another_organisations_survey_cannot_be_added(client_for, owner, site, other_organization):
    foreign = SurveyFactory(organization=other_organization)
    before = db_snapshot()

    response = client_for(owner).post(
        url("intercept_create", site_id=site.pk), targeting_form(survey=str(foreign.pk))
    )

    assert response.context_data["form"].errors == {
        "survey": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert db_snapshot() == before


def test_editing_starts_from_the_stored_targeting_and_saves_the_change(client_for, owner, site, intercept):
    intercept.targeting = {
        **default_targeting(),
        "trigger": {"type": "click", "selector": "#help"},
        "urls": [{"op": "exact", "value": "/faq", "exclude": True}],
        "devices": ["mobile"],
    }
    intercept.save()
    client = client_for(owner)

    page = client.get(url("intercept_edit", site_id=site.pk, intercept_id=intercept.pk))
    response = client.post(
        url("intercept_edit", site_id=site.pk, intercept_id=intercept.pk),
        targeting_form(trigger_type="time_on_page", seconds="45", placement="center"),
    )

    intercept.refresh_from_db()
    assert page.context_data["form"].initial["selector"] == "#help"
    assert page.context_data["form"].initial["devices"] == ["mobile"]
    assert [f.initial for f in page.context_data["rules"]] == [
        {"mode": "exclude", "op": "exact", "value": "/faq"},
        {},
        {},
        {},
    ]
    assert "survey" not in page.context_data["form"].fields
    assert response.status_code == 302
    assert intercept.targeting == {
        **default_targeting(),
        "trigger": {"type": "time_on_page", "seconds": 45},
        "placement": "center",
    }
    assert AuditEvent.all_orgs.get().action == "site.intercept_updated"


def test_removing_a_survey_takes_it_off_the_site(client_for, owner, site, intercept):
    response = client_for(owner).post(
        url("intercept_delete", site_id=site.pk, intercept_id=intercept.pk), follow=True
    )

    assert Intercept.all_orgs.count() == 0
    assert [str(m) for m in response.context["messages"]] == ["“Checkout exit” is removed from “Shop”."]
    assert AuditEvent.all_orgs.get().action == "site.intercept_removed"


def test_an_intercept_of_another_site_is_404(client_for, owner, site, intercept, organization):
    other_site = SiteFactory(organization=organization)
    before = db_snapshot()
    client = client_for(owner)

    answers = [
        client.get(url("intercept_edit", site_id=other_site.pk, intercept_id=intercept.pk)).status_code,
        client.post(url("intercept_delete", site_id=other_site.pk, intercept_id=intercept.pk)).status_code,
    ]

    assert (answers, db_snapshot()) == ([404, 404], before)


def test_the_site_page_says_why_a_survey_is_not_shown(client_for, owner, site, organization):
    paused = SurveyFactory(organization=organization, name="Paused NPS", status=SurveyStatus.PAUSED)
    InterceptFactory(site=site, survey=paused)

    page = client_for(owner).get(url("site_detail", site_id=site.pk)).content.decode()

    assert '<span class="badge badge-warning">Not shown: the survey is not published yet</span>' in page
    assert "When a page loads" in page
    assert "Every page" in page
    assert "Until answered" in page


def test_the_site_page_shows_the_javascript_api(client_for, owner, site):
    page = client_for(owner).get(url("site_detail", site_id=site.pk)).content.decode()

    assert (
        "window.cx = window.cx || function () { (window.cx.q = window.cx.q || []).push(arguments); };" in page
    )
    assert "cx(&quot;identify&quot;, { id: &quot;user-8812&quot;" in page


# --- the feedback button -----------------------------------------------------------------------------


def test_the_button_form_adds_the_survey_with_a_manual_trigger(client_for, owner, site, live_survey):
    client = client_for(owner)

    response = client.post(
        url("site_button", site_id=site.pk),
        {"survey": str(live_survey.pk), "label": "Help us", "side": "left"},
    )
    detail = client.get(url("site_detail", site_id=site.pk))

    site.refresh_from_db()
    assert response["Location"] == url("site_detail", site_id=site.pk)
    assert (site.button_survey_id, site.button_label, site.button_side) == (live_survey.pk, "Help us", "left")
    assert Intercept.all_orgs.get(site=site).targeting["trigger"] == {"type": "manual"}
    assert detail.context["button_form"].initial == {
        "survey": live_survey.pk,
        "label": "Help us",
        "side": "left",
    }
    assert "Only from the feedback button or the JavaScript API" in detail.content.decode()


def test_the_button_form_keeps_input_on_error(client_for, owner, site, live_survey):
    before = db_snapshot()

    response = client_for(owner).post(
        url("site_button", site_id=site.pk), {"survey": str(live_survey.pk), "label": "x" * 41, "side": "up"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "label": ["Ensure this value has at most 40 characters (it has 41)."],
        "side": ["Select a valid choice. up is not one of the available choices."],
    }
    assert f'value="{"x" * 41}"' in response.content.decode()
    assert db_snapshot() == before


def test_removing_the_button_survey_from_the_site_removes_the_button(client_for, owner, site, live_survey):
    site_set_button(site=site, survey=live_survey, label="", side="right", actor=owner)
    intercept = Intercept.all_orgs.get(site=site)

    client_for(owner).post(url("intercept_delete", site_id=site.pk, intercept_id=intercept.pk))

    site.refresh_from_db()
    assert (site.button_survey_id, Intercept.all_orgs.count()) == (None, 0)
