import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessGroupMembership, AuditEvent
from accounts.roles import Role
from surveys.library import TEMPLATES, template_definition
from surveys.models import JourneyStage, Survey, SurveyStatus, SurveyVersion, Touchpoint
from surveys.services import survey_create, survey_publish
from surveys.views.manage import reverse_or_none
from tests.factories import (
    AccessGroupFactory,
    JourneyStageFactory,
    ResponseFactory,
    SurveyFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


def db_snapshot():
    """Every row a survey management page could change: equal before and after a refused request."""
    return {
        "surveys": list(Survey.all_orgs.order_by("pk").values()),
        "versions": list(SurveyVersion.all_orgs.order_by("pk").values("pk", "survey_id", "number")),
        "touchpoints": list(Touchpoint.all_orgs.order_by("pk").values()),
        "stages": list(JourneyStage.all_orgs.order_by("pk").values()),
        "audit": AuditEvent.all_orgs.count(),
    }


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def url(name, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"org_slug": "acme", **kwargs})


@pytest.fixture
def objects(organization, manager):
    stage = JourneyStageFactory(organization=organization, name="Buy", position=0)
    touchpoint = TouchpointFactory(organization=organization, name="Checkout", stage=stage)
    survey = survey_create(
        organization=organization,
        name="Checkout effort",
        touchpoint=touchpoint,
        created_by=manager.user,
        definition=template_definition("checkout_ces", "en"),
    )
    survey_publish(survey=survey, actor=manager)
    draft = survey_create(organization=organization, name="Draft idea", touchpoint=touchpoint)
    empty = TouchpointFactory(organization=organization, name="Store visit", stage=stage)
    return SimpleNamespace(stage=stage, touchpoint=touchpoint, survey=survey, draft=draft, empty=empty)


# (url name, {kwarg: attribute of `objects`})
VIEW_PAGES = [
    ("survey_list", {}),
    ("survey_detail", {"survey_id": "survey"}),
    ("touchpoint_list", {}),
]
EDIT_PAGES = [
    ("survey_create", {}),
    ("survey_settings", {"survey_id": "survey"}),
    ("touchpoint_create", {}),
    ("touchpoint_edit", {"touchpoint_id": "touchpoint"}),
    ("stage_create", {}),
    ("stage_edit", {"stage_id": "stage"}),
]
PAGES = VIEW_PAGES + EDIT_PAGES
SETTINGS = {"name": "Renamed", "touchpoint": "", "sampling_percent": "50"}
ACTIONS = [
    (
        "survey_create",
        {},
        {"name": "New", "new_touchpoint": "Somewhere", "base_language": "en", "start_from": "blank"},
    ),
    ("survey_settings", {"survey_id": "survey"}, SETTINGS),
    ("survey_status", {"survey_id": "survey"}, {"status": "paused"}),
    ("survey_duplicate", {"survey_id": "survey"}, {}),
    ("survey_delete", {"survey_id": "draft"}, {}),
    ("touchpoint_create", {}, {"name": "Returns desk"}),
    ("touchpoint_edit", {"touchpoint_id": "touchpoint"}, {"name": "Renamed"}),
    ("touchpoint_delete", {"touchpoint_id": "empty"}, {}),
    ("stage_create", {}, {"name": "Discover", "position": "0"}),
    ("stage_edit", {"stage_id": "stage"}, {"name": "Renamed", "position": "3"}),
    ("stage_delete", {"stage_id": "stage"}, {}),
    ("stage_move", {"stage_id": "stage"}, {"direction": "down"}),
]


def resolve(objects, name, kwargs):
    return url(name, **{key: getattr(objects, attr).pk for key, attr in kwargs.items()})


def with_touchpoint(objects, data):
    return {**data, "touchpoint": str(objects.touchpoint.pk)} if "touchpoint" in data else data


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_renders_for_an_owner_and_a_manager(client_for, owner, manager, objects, name, kwargs):
    statuses = [client_for(who).get(resolve(objects, name, kwargs)).status_code for who in (owner, manager)]

    assert statuses == [200, 200]


@pytest.mark.parametrize(("name", "kwargs"), VIEW_PAGES, ids=[p[0] for p in VIEW_PAGES])
def test_a_viewer_reads_the_survey_pages(client_for, viewer, objects, name, kwargs):
    response = client_for(viewer).get(resolve(objects, name, kwargs))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), EDIT_PAGES, ids=[p[0] for p in EDIT_PAGES])
def test_a_viewer_gets_403_on_every_editing_page(client_for, viewer, objects, name, kwargs):
    response = client_for(viewer).get(resolve(objects, name, kwargs))

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_an_outsider_gets_404_on_every_page(client_for, outsider, objects, name, kwargs):
    response = client_for(outsider).get(resolve(objects, name, kwargs))

    assert response.status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_is_sent_to_sign_in(client, objects, name, kwargs):
    response = client.get(resolve(objects, name, kwargs))

    assert (response.status_code, response.url.split("?")[0]) == (302, reverse("account_login"))


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_an_outsider_gets_404_on_every_post_and_changes_nothing(
    client_for, outsider, objects, name, kwargs, data
):
    before = db_snapshot()

    response = client_for(outsider).post(resolve(objects, name, kwargs), with_touchpoint(objects, data))

    assert (response.status_code, db_snapshot()) == (404, before)


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_viewer_gets_403_on_every_post_and_changes_nothing(client_for, viewer, objects, name, kwargs, data):
    before = db_snapshot()

    response = client_for(viewer).post(resolve(objects, name, kwargs), with_touchpoint(objects, data))

    assert (response.status_code, db_snapshot()) == (403, before)


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_manager_may_do_every_action(client_for, manager, objects, name, kwargs, data):
    response = client_for(manager).post(resolve(objects, name, kwargs), with_touchpoint(objects, data))

    assert response.status_code == 302


FOREIGN = [
    ("get", "survey_detail", "survey"),
    ("get", "survey_settings", "survey"),
    ("post", "survey_settings", "survey"),
    ("post", "survey_status", "survey"),
    ("post", "survey_duplicate", "survey"),
    ("post", "survey_delete", "survey"),
    ("get", "touchpoint_edit", "touchpoint"),
    ("post", "touchpoint_edit", "touchpoint"),
    ("post", "touchpoint_delete", "touchpoint"),
    ("get", "stage_edit", "stage"),
    ("post", "stage_edit", "stage"),
    ("post", "stage_delete", "stage"),
    ("post", "stage_move", "stage"),
]


@pytest.mark.parametrize(("method", "name", "kind"), FOREIGN)
def test_another_organisations_objects_are_404_for_an_owner(
    client_for, owner, other_organization, method, name, kind
):
    foreign = SimpleNamespace(survey=SurveyFactory(organization=other_organization))
    foreign.touchpoint = foreign.survey.touchpoint
    foreign.stage = foreign.touchpoint.stage
    before = db_snapshot()
    target = url(name, **{f"{kind}_id": getattr(foreign, kind).pk})

    response = getattr(client_for(owner), method)(
        target, {"status": "paused", "direction": "up", "name": "X"}
    )

    assert (response.status_code, db_snapshot()) == (404, before)


# --- the list ----------------------------------------------------------------------------------------


def test_list_shows_surveys_with_touchpoint_status_version_and_response_counts(client_for, viewer, objects):
    ResponseFactory(
        organization=objects.survey.organization, survey=objects.survey, finished_at=dt.datetime.now(dt.UTC)
    )
    ResponseFactory(
        organization=objects.survey.organization, survey=objects.survey, finished_at=dt.datetime.now(dt.UTC)
    )
    ResponseFactory(organization=objects.survey.organization, survey=objects.survey, finished_at=None)

    response = client_for(viewer).get(url("survey_list"))

    rows = {
        s.name: (
            s.touchpoint.name,
            s.status,
            s.current_version and s.current_version.number,
            s.response_finished,
            s.response_total,
        )
        for s in response.context["surveys"]
    }
    assert rows == {
        "Draft idea": ("Checkout", "draft", None, 0, 0),
        "Checkout effort": ("Checkout", "live", 1, 2, 3),
    }
    assert [s.name for s in response.context["surveys"]] == ["Draft idea", "Checkout effort"]
    assert "2 finished of 3" in response.content.decode()
    assert "New survey" not in response.content.decode()


def test_list_offers_new_survey_to_a_manager(client_for, manager, objects):
    response = client_for(manager).get(url("survey_list"))

    assert url("survey_create") in response.content.decode()


def test_list_takes_the_same_number_of_queries_for_two_or_eight_surveys(client_for, owner, objects):
    client = client_for(owner)
    client.get(url("survey_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("survey_list"))
    for _ in range(6):
        survey = SurveyFactory(organization=objects.survey.organization, touchpoint=objects.empty)
        ResponseFactory(organization=survey.organization, survey=survey)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("survey_list"))

    assert (len(response.context["surveys"]), len(many)) == (8, len(few))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "live"}, ["Checkout effort"]),
        ({"status": "draft"}, ["Draft idea"]),
        ({"q": "EFFORT"}, ["Checkout effort"]),
        ({"touchpoint": "empty"}, ["Elsewhere"]),
        (
            {"status": "nonsense", "touchpoint": "abc", "q": "x" * 500},
            ["Elsewhere", "Draft idea", "Checkout effort"],
        ),
    ],
)
def test_list_filters_by_status_touchpoint_and_name_and_ignores_garbage(
    client_for, owner, objects, query, expected
):
    SurveyFactory(
        organization=objects.survey.organization,
        name="Elsewhere",
        touchpoint=objects.empty,
        status=SurveyStatus.CLOSED,
    )
    params = {key: str(objects.empty.pk) if value == "empty" else value for key, value in query.items()}

    response = client_for(owner).get(url("survey_list"), params)

    assert (response.status_code, [s.name for s in response.context["surveys"]]) == (200, expected)


def test_list_pages_by_fifty_and_keeps_the_filters(client_for, owner, objects):
    SurveyFactory.create_batch(
        50, organization=objects.survey.organization, touchpoint=objects.empty, status=SurveyStatus.LIVE
    )

    response = client_for(owner).get(url("survey_list"), {"status": "live"})

    assert (len(response.context["surveys"]), response.context["paginator"].count) == (50, 51)
    assert 'href="?status=live&amp;page=2"' in response.content.decode()


def test_list_answers_htmx_with_only_the_results(client_for, owner, objects):
    response = client_for(owner).get(url("survey_list"), {"status": "live"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert ("<html" in body, "Checkout effort" in body, "Draft idea" in body) == (False, True, False)


def test_list_of_an_organisation_without_surveys_invites_to_create_one(client_for, owner):
    response = client_for(owner).get(url("survey_list"))

    assert "Create your first survey" in response.content.decode()


# --- creating ----------------------------------------------------------------------------------------


CREATE_CASES = [
    ("relationship_nps", "en"),
    ("support_csat", "ru"),
    ("checkout_ces", "zh-hans"),
    ("website_feedback", "id"),
    ("exit_intent", "en"),
]


def test_create_page_offers_blank_and_every_template(client_for, manager, objects):
    response = client_for(manager).get(url("survey_create"))

    body = response.content.decode()
    assert [option.key for option in response.context["start_options"]] == ["blank", *TEMPLATES]
    assert all(f'value="{key}"' in body for key in ["blank", *TEMPLATES])
    assert "Relationship NPS" in body


def test_create_page_preselects_a_template_from_the_link(client_for, manager, objects):
    response = client_for(manager).get(url("survey_create"), {"template": "exit_intent"})

    assert 'id="start-exit_intent" value="exit_intent" checked' in response.content.decode()


@pytest.mark.parametrize(("key", "language"), CREATE_CASES)
def test_create_from_a_template_makes_a_draft_equal_to_the_template(
    client_for, manager, objects, key, language
):
    response = client_for(manager).post(
        url("survey_create"),
        {
            "name": "From a template",
            "touchpoint": objects.touchpoint.pk,
            "base_language": language,
            "start_from": key,
        },
    )

    survey = Survey.all_orgs.get(name="From a template")
    expected_url = reverse_or_none("surveys:builder", org_slug="acme", survey_id=survey.pk) or url(
        "survey_detail", survey_id=survey.pk
    )
    assert (response.status_code, response.url) == (302, expected_url)
    assert (survey.status, survey.base_language, survey.touchpoint, survey.created_by, survey.draft) == (
        SurveyStatus.DRAFT,
        language,
        objects.touchpoint,
        manager.user,
        template_definition(key, language),
    )


def test_create_blank_makes_an_empty_draft_in_the_base_language(client_for, manager, objects):
    client_for(manager).post(
        url("survey_create"),
        {"name": "Blank", "touchpoint": objects.touchpoint.pk, "base_language": "id", "start_from": "blank"},
    )

    survey = Survey.all_orgs.get(name="Blank")
    assert (survey.draft["questions"], survey.draft["languages"], survey.base_language) == ([], ["id"], "id")


def test_create_with_a_new_touchpoint_makes_it_too(client_for, manager, organization, objects):
    client_for(manager).post(
        url("survey_create"),
        {
            "name": "Returns",
            "touchpoint": "",
            "new_touchpoint": "Returns desk",
            "base_language": "en",
            "start_from": "support_csat",
        },
    )

    survey = Survey.all_orgs.select_related("touchpoint").get(name="Returns")
    assert (survey.touchpoint.name, survey.touchpoint.organization, survey.touchpoint.stage) == (
        "Returns desk",
        organization,
        None,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"touchpoint": ""}, "touchpoint", "Choose a touchpoint, or name a new one."),
        (
            {"touchpoint": "", "new_touchpoint": "checkout"},
            "new_touchpoint",
            "A touchpoint with this name already exists.",
        ),
        ({"name": "   "}, "name", "This field is required."),
        (
            {"start_from": "nonsense"},
            "start_from",
            "Select a valid choice. nonsense is not one of the available choices.",
        ),
        (
            {"base_language": "xx"},
            "base_language",
            "Select a valid choice. xx is not one of the available choices.",
        ),
        (
            {"touchpoint": "abc"},
            "touchpoint",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_create_shows_errors_and_creates_nothing(client_for, manager, objects, data, field, message):
    before = db_snapshot()
    payload = {
        "name": "New",
        "touchpoint": objects.touchpoint.pk,
        "base_language": "en",
        "start_from": "blank",
        **data,
    }

    response = client_for(manager).post(url("survey_create"), payload)

    assert (response.status_code, response.context["form"].errors[field], db_snapshot()) == (
        200,
        [message],
        before,
    )


def test_create_refuses_another_organisations_touchpoint(client_for, manager, objects, other_organization):
    foreign = TouchpointFactory(organization=other_organization)
    before = db_snapshot()

    response = client_for(manager).post(
        url("survey_create"),
        {"name": "Sneaky", "touchpoint": foreign.pk, "base_language": "en", "start_from": "blank"},
    )

    assert (response.status_code, db_snapshot()) == (200, before)
    assert "touchpoint" in response.context["form"].errors


# --- the overview ------------------------------------------------------------------------------------


def test_detail_shows_status_version_public_link_and_counts(client_for, viewer, objects):
    ResponseFactory(organization=objects.survey.organization, survey=objects.survey, finished_at=None)

    response = client_for(viewer).get(url("survey_detail", survey_id=objects.survey.pk))

    body = response.content.decode()
    survey = response.context["survey"]
    assert (survey.response_total, survey.response_finished) == (1, 0)
    assert f"/s/{objects.survey.public_id}/" in body
    assert "QR codes, source tags and kiosk mode" in body
    assert "Live version: 1" in body
    # Viewers read; they get no buttons that change anything.
    assert url("survey_status", survey_id=objects.survey.pk) not in body


def test_detail_links_viewers_only_to_pages_they_may_open(client_for, viewer, manager, objects):
    target = url("survey_detail", survey_id=objects.survey.pk)

    tabs = [[tab.url for tab in client_for(who).get(target).context["tabs"]] for who in (viewer, manager)]

    assert url("survey_settings", survey_id=objects.survey.pk) not in tabs[0]
    assert tabs[1][0] == target
    assert tabs[1][-1] == url("survey_settings", survey_id=objects.survey.pk)


def test_detail_tells_when_the_draft_has_unpublished_changes(client_for, manager, objects):
    Survey.all_orgs.filter(pk=objects.survey.pk).update(draft={**objects.survey.draft, "languages": ["en"]})

    response = client_for(manager).get(url("survey_detail", survey_id=objects.survey.pk))

    assert "The draft has changes that are not published yet." in response.content.decode()


def test_detail_offers_pause_and_close_for_a_live_survey(client_for, manager, objects):
    response = client_for(manager).get(url("survey_detail", survey_id=objects.survey.pk))

    assert [a.status for a in response.context["status_actions"]] == ["paused", "closed"]
    assert url("survey_delete", survey_id=objects.survey.pk) in response.content.decode()


def test_detail_explains_why_a_survey_with_responses_cannot_be_deleted(client_for, manager, objects):
    ResponseFactory(organization=objects.survey.organization, survey=objects.survey)

    response = client_for(manager).get(url("survey_detail", survey_id=objects.survey.pk))

    body = response.content.decode()
    assert url("survey_delete", survey_id=objects.survey.pk) not in body
    assert "This survey has responses, so it cannot be deleted: close it instead." in body


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (["paused"], "paused"),
        (["paused", "live"], "live"),
        (["closed"], "closed"),
        (["closed", "live"], "live"),
        (["paused", "closed", "live"], "live"),
    ],
)
def test_status_transitions(client_for, manager, objects, steps, expected):
    client = client_for(manager)

    for status in steps:
        client.post(url("survey_status", survey_id=objects.survey.pk), {"status": status})

    objects.survey.refresh_from_db()
    assert objects.survey.status == expected
    assert AuditEvent.all_orgs.filter(action="survey.status_changed").count() == len(steps)


@pytest.mark.parametrize(
    ("survey", "status", "message"),
    [
        ("draft", "paused", "A Draft survey cannot become Paused."),
        ("survey", "live", "A Live survey cannot become Live."),
        ("survey", "draft", "A Live survey cannot become Draft."),
        ("survey", "💥", "Choose a status from the list."),
    ],
)
def test_refused_status_changes_are_messages(client_for, manager, objects, survey, status, message):
    target = getattr(objects, survey)
    before = db_snapshot()

    response = client_for(manager).post(
        url("survey_status", survey_id=target.pk), {"status": status}, follow=True
    )

    assert (messages_of(response), db_snapshot()) == ([message], before)


def test_delete_is_refused_for_a_survey_with_responses(client_for, manager, objects):
    ResponseFactory(organization=objects.survey.organization, survey=objects.survey)

    response = client_for(manager).post(url("survey_delete", survey_id=objects.survey.pk), follow=True)

    assert messages_of(response) == ["This survey has responses: close it instead of deleting it."]
    assert Survey.all_orgs.filter(pk=objects.survey.pk).exists()


def test_delete_removes_a_survey_without_responses(client_for, manager, objects):
    response = client_for(manager).post(url("survey_delete", survey_id=objects.survey.pk))

    assert (response.url, Survey.all_orgs.filter(pk=objects.survey.pk).exists()) == (
        url("survey_list"),
        False,
    )


def test_duplicate_makes_a_draft_copy(client_for, manager, objects):
    response = client_for(manager).post(url("survey_duplicate", survey_id=objects.survey.pk))

    copy = Survey.all_orgs.get(name="Copy of Checkout effort")
    assert (response.url, copy.status, copy.draft, copy.current_version) == (
        url("survey_detail", survey_id=copy.pk),
        SurveyStatus.DRAFT,
        objects.survey.draft,
        None,
    )


# --- settings ----------------------------------------------------------------------------------------


def settings_payload(objects, **changes):
    return {
        "name": "Checkout effort",
        "touchpoint": objects.touchpoint.pk,
        "starts_at": "",
        "ends_at": "",
        "response_limit": "",
        "sampling_percent": "100",
        "recontact_days": "",
        **changes,
    }


def test_settings_are_saved_in_the_users_time_zone(client_for, organization, make_member, objects):
    member = make_member(organization, Role.CX_MANAGER, timezone="Europe/Berlin")

    response = client_for(member).post(
        url("survey_settings", survey_id=objects.survey.pk),
        settings_payload(
            objects,
            name="Checkout ease",
            touchpoint=objects.empty.pk,
            starts_at="2030-01-15T10:00",
            ends_at="2030-07-01T18:30",
            response_limit="500",
            sampling_percent="25",
            recontact_days="30",
        ),
    )

    survey = Survey.all_orgs.get(pk=objects.survey.pk)
    assert response.status_code == 302
    assert (
        survey.name,
        survey.touchpoint,
        survey.starts_at,
        survey.ends_at,
        survey.response_limit,
        survey.sampling_percent,
        survey.recontact_days,
    ) == (
        "Checkout ease",
        objects.empty,
        dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2030, 7, 1, 16, 30, tzinfo=dt.UTC),
        500,
        25,
        30,
    )


def test_settings_page_shows_times_in_the_users_time_zone(client_for, organization, make_member, objects):
    member = make_member(organization, Role.CX_MANAGER, timezone="Asia/Jakarta")
    Survey.all_orgs.filter(pk=objects.survey.pk).update(
        starts_at=dt.datetime(2030, 1, 15, 3, 0, tzinfo=dt.UTC)
    )

    response = client_for(member).get(url("survey_settings", survey_id=objects.survey.pk))

    body = response.content.decode()
    assert 'value="2030-01-15T10:00"' in body
    assert "Asia/Jakarta" in body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"starts_at": "2030-02-01T10:00", "ends_at": "2030-01-01T10:00"},
            "ends_at",
            "The survey must close after it opens.",
        ),
        (
            {"starts_at": "2030-02-01T10:00", "ends_at": "2030-02-01T10:00"},
            "ends_at",
            "The survey must close after it opens.",
        ),
        ({"sampling_percent": "0"}, "sampling_percent", "Ensure this value is greater than or equal to 1."),
        ({"sampling_percent": "101"}, "sampling_percent", "Ensure this value is less than or equal to 100."),
        ({"sampling_percent": "abc"}, "sampling_percent", "Enter a whole number."),
        ({"sampling_percent": ""}, "sampling_percent", "This field is required."),
        ({"response_limit": "0"}, "response_limit", "Ensure this value is greater than or equal to 1."),
        ({"response_limit": "1e999"}, "response_limit", "Enter a whole number."),
        ({"recontact_days": "-1"}, "recontact_days", "Ensure this value is greater than or equal to 0."),
        ({"starts_at": "tomorrow"}, "starts_at", "Enter a valid date/time."),
        ({"name": ""}, "name", "This field is required."),
        (
            {"touchpoint": "99999999"},
            "touchpoint",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_settings_errors_are_shown_and_nothing_changes(client_for, manager, objects, changes, field, message):
    before = db_snapshot()

    response = client_for(manager).post(
        url("survey_settings", survey_id=objects.survey.pk), settings_payload(objects, **changes)
    )

    assert (response.status_code, response.context["form"].errors[field], db_snapshot()) == (
        200,
        [message],
        before,
    )
    assert message in response.content.decode()


# --- access groups -----------------------------------------------------------------------------------


@pytest.fixture
def limited(organization, make_member, objects):
    """A CX manager limited to the "Store visit" touchpoint and one survey listed by itself."""
    other = TouchpointFactory(organization=organization, name="Call centre", stage=None)
    on_touchpoint = SurveyFactory(organization=organization, name="Store kiosk", touchpoint=objects.empty)
    listed = SurveyFactory(organization=organization, name="Listed survey", touchpoint=other)
    SurveyFactory(organization=organization, name="Hidden call survey", touchpoint=other)
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    group = AccessGroupFactory(organization=organization, name="Stores")
    group.touchpoints.add(objects.empty)
    group.surveys.add(listed)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    return SimpleNamespace(member=member, on_touchpoint=on_touchpoint, listed=listed, other=other)


def test_a_limited_member_lists_only_surveys_of_their_access_groups(client_for, limited):
    response = client_for(limited.member).get(url("survey_list"))

    assert sorted(s.name for s in response.context["surveys"]) == ["Listed survey", "Store kiosk"]
    assert [t.name for t in response.context["filter_form"].fields["touchpoint"].queryset] == [
        "Call centre",
        "Store visit",
    ]


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "survey_detail"),
        ("get", "survey_settings"),
        ("post", "survey_settings"),
        ("post", "survey_status"),
        ("post", "survey_delete"),
        ("post", "survey_duplicate"),
    ],
)
def test_a_limited_member_gets_404_on_other_surveys(client_for, limited, objects, method, name):
    before = db_snapshot()

    response = getattr(client_for(limited.member), method)(
        url(name, survey_id=objects.survey.pk), {"status": "paused"}
    )

    assert (response.status_code, db_snapshot()) == (404, before)


def test_a_limited_member_opens_their_surveys(client_for, limited):
    client = client_for(limited.member)

    statuses = [
        client.get(url("survey_detail", survey_id=limited.on_touchpoint.pk)).status_code,
        client.get(url("survey_detail", survey_id=limited.listed.pk)).status_code,
    ]

    assert statuses == [200, 200]


def test_a_limited_member_creates_surveys_only_on_their_touchpoints(client_for, limited, objects):
    client = client_for(limited.member)

    page = client.get(url("survey_create"))
    refused = client.post(
        url("survey_create"),
        {
            "name": "Outside",
            "touchpoint": objects.touchpoint.pk,
            "base_language": "en",
            "start_from": "blank",
        },
    )
    client.post(
        url("survey_create"),
        {
            "name": "Inside",
            "touchpoint": objects.empty.pk,
            "new_touchpoint": "Ignored",
            "base_language": "en",
            "start_from": "blank",
        },
    )

    assert "new_touchpoint" not in page.context["form"].fields
    # The touchpoint of a survey listed by itself is visible, but a new survey there would not be.
    assert [t.name for t in page.context["form"].fields["touchpoint"].queryset] == ["Store visit"]
    assert "touchpoint" in refused.context["form"].errors
    assert list(
        Survey.all_orgs.filter(name__in=["Outside", "Inside"]).values_list("name", "touchpoint__name")
    ) == [("Inside", "Store visit")]
    assert not Touchpoint.all_orgs.filter(name="Ignored").exists()


def test_a_limited_member_moves_a_survey_only_to_their_touchpoints(client_for, limited):
    response = client_for(limited.member).get(url("survey_settings", survey_id=limited.listed.pk))

    assert [t.name for t in response.context["form"].fields["touchpoint"].queryset] == [
        "Call centre",
        "Store visit",
    ]


def test_a_limited_member_sees_only_their_part_of_the_journey(client_for, limited):
    response = client_for(limited.member).get(url("touchpoint_list"))

    stages = {
        s.name: [(t.name, t.survey_count) for t in s.visible_touchpoints] for s in response.context["stages"]
    }
    assert stages == {"Buy": [("Store visit", 1)]}
    assert [(t.name, t.survey_count) for t in response.context["unassigned"]] == [("Call centre", 1)]
    assert response.context["can_change_journey"] is False


@pytest.mark.parametrize(
    ("method", "name", "kwargs", "status"),
    [
        ("get", "touchpoint_create", {}, 403),
        ("get", "stage_create", {}, 403),
        ("get", "stage_edit", {"stage_id": "stage"}, 403),
        ("post", "stage_move", {"stage_id": "stage"}, 403),
        ("post", "stage_delete", {"stage_id": "stage"}, 403),
        ("get", "touchpoint_edit", {"touchpoint_id": "touchpoint"}, 404),
        ("post", "touchpoint_delete", {"touchpoint_id": "touchpoint"}, 404),
        ("get", "touchpoint_edit", {"touchpoint_id": "empty"}, 200),
    ],
)
def test_a_limited_member_changes_only_their_touchpoints(
    client_for, limited, objects, method, name, kwargs, status
):
    before = db_snapshot()

    response = getattr(client_for(limited.member), method)(
        resolve(objects, name, kwargs), {"direction": "up"}
    )

    assert (response.status_code, db_snapshot()) == (status, before)


# --- touchpoints and stages --------------------------------------------------------------------------


def test_journey_shows_stages_in_order_with_touchpoints_and_survey_counts(
    client_for, viewer, organization, objects
):
    JourneyStageFactory(organization=organization, name="Discover", position=0)
    JourneyStage.all_orgs.filter(pk=objects.stage.pk).update(position=1)
    TouchpointFactory(organization=organization, name="Loose end", stage=None)

    response = client_for(viewer).get(url("touchpoint_list"))

    stages = [
        (s.name, s.touchpoint_count, [(t.name, t.survey_count) for t in s.visible_touchpoints])
        for s in response.context["stages"]
    ]
    assert stages == [("Discover", 0, []), ("Buy", 2, [("Checkout", 2), ("Store visit", 0)])]
    assert [t.name for t in response.context["unassigned"]] == ["Loose end"]
    assert url("touchpoint_create") not in response.content.decode()


def test_touchpoint_create_edit_delete(client_for, manager, organization, objects):
    client = client_for(manager)

    client.post(
        url("touchpoint_create"),
        {"name": "Returns desk", "description": "In store", "stage": objects.stage.pk},
    )
    created = Touchpoint.all_orgs.get(name="Returns desk")
    client.post(
        url("touchpoint_edit", touchpoint_id=created.pk), {"name": "Returns", "description": "", "stage": ""}
    )
    created.refresh_from_db()
    edited = (created.name, created.description, created.stage)
    response = client.post(url("touchpoint_delete", touchpoint_id=created.pk), follow=True)

    assert edited == ("Returns", "", None)
    assert messages_of(response) == [
        "The touchpoint “Returns desk” is saved.",
        "The touchpoint “Returns” is saved.",
        "The touchpoint “Returns” is deleted.",
    ]
    assert not Touchpoint.all_orgs.filter(pk=created.pk).exists()


def test_touchpoint_create_page_preselects_the_stage(client_for, manager, objects):
    response = client_for(manager).get(url("touchpoint_create"), {"stage": objects.stage.pk})

    assert response.context["form"].initial == {"stage": objects.stage.pk}


def test_deleting_a_touchpoint_with_surveys_is_explained(client_for, manager, objects):
    response = client_for(manager).post(
        url("touchpoint_delete", touchpoint_id=objects.touchpoint.pk), follow=True
    )

    assert messages_of(response) == ["Move this touchpoint's surveys to another touchpoint first."]
    assert Touchpoint.all_orgs.filter(pk=objects.touchpoint.pk).exists()


def test_a_duplicate_touchpoint_name_is_a_form_error(client_for, manager, objects):
    response = client_for(manager).post(url("touchpoint_create"), {"name": "CHECKOUT"})

    assert response.context["form"].errors["name"] == ["A touchpoint with this name already exists."]


def test_touchpoint_form_refuses_another_organisations_stage(
    client_for, manager, objects, other_organization
):
    foreign = JourneyStageFactory(organization=other_organization)
    before = db_snapshot()

    response = client_for(manager).post(url("touchpoint_create"), {"name": "Sneaky", "stage": foreign.pk})

    assert (response.status_code, db_snapshot()) == (200, before)
    assert "stage" in response.context["form"].errors


def test_stage_create_edit_delete(client_for, manager, organization, objects):
    client = client_for(manager)

    page = client.get(url("stage_create"))
    client.post(url("stage_create"), {"name": "Get help", "position": "5"})
    stage = JourneyStage.all_orgs.get(name="Get help")
    client.post(url("stage_edit", stage_id=stage.pk), {"name": "Support", "position": "2"})
    stage.refresh_from_db()
    edited = (stage.name, stage.position)
    client.post(url("stage_delete", stage_id=objects.stage.pk))

    assert page.context["form"].initial == {"position": 1}
    assert edited == ("Support", 2)
    assert list(JourneyStage.all_orgs.values_list("name", flat=True)) == ["Support"]
    # Its touchpoints and their surveys stay, off the journey.
    assert list(
        Touchpoint.all_orgs.filter(stage__isnull=True).order_by("name").values_list("name", flat=True)
    ) == [
        "Checkout",
        "Store visit",
    ]
    assert Survey.all_orgs.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "buy", "position": "1"}, "name", "A journey stage with this name already exists."),
        ({"name": "Later", "position": "-1"}, "position", "Ensure this value is greater than or equal to 0."),
        (
            {"name": "Later", "position": "99999999"},
            "position",
            "Ensure this value is less than or equal to 32767.",
        ),
        ({"name": "Later", "position": "first"}, "position", "Enter a whole number."),
        ({"name": "", "position": "1"}, "name", "This field is required."),
    ],
)
def test_stage_form_errors_are_shown(client_for, manager, objects, data, field, message):
    before = db_snapshot()

    response = client_for(manager).post(url("stage_create"), data)

    assert (response.context["form"].errors[field], db_snapshot()) == ([message], before)


def test_stages_move_earlier_and_later(client_for, manager, organization, objects):
    JourneyStageFactory(organization=organization, name="Receive", position=0)
    last = JourneyStageFactory(organization=organization, name="Use", position=0)
    client = client_for(manager)

    client.post(url("stage_move", stage_id=last.pk), {"direction": "up"})
    first_move = list(JourneyStage.all_orgs.order_by("position").values_list("name", "position"))
    client.post(url("stage_move", stage_id=objects.stage.pk), {"direction": "down"})
    client.post(url("stage_move", stage_id=objects.stage.pk), {"direction": "down"})

    # Equal positions sort by name, so the starting order is Buy, Receive, Use.
    assert first_move == [("Buy", 0), ("Use", 1), ("Receive", 2)]
    assert list(JourneyStage.all_orgs.order_by("position").values_list("name", "position")) == [
        ("Use", 0),
        ("Receive", 1),
        ("Buy", 2),
    ]


# --- bad input ---------------------------------------------------------------------------------------


GARBAGE = {
    "name": "x" * 5000,
    "touchpoint": "-1",
    "new_touchpoint": "\x00",
    "base_language": "klingon",
    "start_from": "../../etc/passwd",
    "status": "💥",
    "starts_at": "0000-00-00T25:61",
    "ends_at": "9" * 50,
    "response_limit": "99999999999999999999999",
    "sampling_percent": "NaN",
    "recontact_days": "1e6",
    "description": "\x00\u202e",
    "stage": "[]",
    "position": "-0x10",
    "direction": "sideways",
}


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_garbage_posts_never_fail(client_for, owner, objects, name, kwargs, data):
    response = client_for(owner).post(resolve(objects, name, kwargs), GARBAGE)

    assert response.status_code in {200, 302}


def test_garbage_list_parameters_never_fail(client_for, owner, objects):
    response = client_for(owner).get(
        url("survey_list"), {"touchpoint": "1' OR 1=1", "status": "\x00", "page": "-3"}
    )

    assert response.status_code in {200, 404}
