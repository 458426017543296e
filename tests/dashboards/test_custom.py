from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import access_group_save
from analytics.selectors import org_today
from analytics.services import rollups_rebuild
from core.tenancy import organization_context
from dashboards import services
from dashboards.models import Dashboard, Tile
from feedback.models import Channel
from tests.factories import ResponseFactory, SurveyFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def _url(name, organization, *args):
    return reverse(f"dashboards:{name}", args=[organization.slug, *args])


def _answer(survey, days_ago, **fields):
    today = org_today(survey.organization)
    when = datetime.combine(
        today - timedelta(days=days_ago), time(12), ZoneInfo(survey.organization.timezone)
    )
    nps = fields.pop("nps", None)
    return ResponseFactory(
        organization=survey.organization,
        survey=survey,
        touchpoint=fields.pop("touchpoint", survey.touchpoint),
        received_at=when,
        started_at=when,
        nps=nps,
        answers={"nps": nps} if nps is not None else {},
        **fields,
    )


@pytest.fixture
def survey(organization):
    return SurveyFactory(organization=organization, name="Checkout")


@pytest.fixture
def board(organization, manager):
    with organization_context(organization):
        return services.dashboard_create(organization=organization, actor=manager, name="Weekly", shared=True)


def _tile(board, manager, kind, **config):
    with organization_context(board.organization):
        return services.tile_create(dashboard=board, actor=manager, kind=kind, config=config)


# --- dashboards ---------------------------------------------------------------------------------------


def test_manager_creates_a_dashboard_with_filters(organization, manager, survey, client_for):
    response = client_for(manager).post(
        _url("custom_create", organization),
        {"name": "Checkout health", "period": "90d", "survey": survey.pk, "channel": "web"},
    )

    dashboard = Dashboard.all_orgs.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == _url("custom_detail", organization, dashboard.pk)
    assert (dashboard.name, dashboard.shared, dashboard.owner_id) == (
        "Checkout health",
        False,
        manager.user_id,
    )
    assert dashboard.filters == {"period": "90d", "survey_ids": [survey.pk], "channels": ["web"]}
    event = AuditEvent.all_orgs.get(organization=organization, action="dashboard.created")
    assert (event.actor_id, event.target_id) == (manager.user_id, str(dashboard.pk))


def test_bad_dashboard_form_shows_errors(organization, manager, client_for):
    response = client_for(manager).post(
        _url("custom_create", organization),
        {"name": "", "period": "custom", "start": "2024-05-10", "end": "2024-05-01"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "end"}
    assert not Dashboard.all_orgs.filter(organization=organization).exists()


def test_viewer_cannot_create(organization, viewer, client_for):
    client = client_for(viewer)

    assert client.get(_url("custom_create", organization)).status_code == 403
    assert client.post(_url("custom_create", organization), {"name": "x", "period": "30d"}).status_code == 403


def test_list_shows_mine_and_shared_but_not_others_private(
    organization, manager, make_member, client_for, board
):
    other = make_member(organization, Role.CX_MANAGER, email="other@acme.test")
    with organization_context(organization):
        private = services.dashboard_create(organization=organization, actor=other, name="Secret")
        own = services.dashboard_create(organization=organization, actor=manager, name="Mine")

    response = client_for(manager).get(_url("custom_list", organization))

    assert [d.pk for d in response.context["mine"]] == [own.pk, board.pk]
    assert response.context["shared"] == []
    assert client_for(manager).get(_url("custom_detail", organization, private.pk)).status_code == 404
    assert client_for(other).get(_url("custom_detail", organization, private.pk)).status_code == 200
    other_list = client_for(other).get(_url("custom_list", organization))
    assert [d.pk for d in other_list.context["mine"]] == [private.pk]
    assert [d.pk for d in other_list.context["shared"]] == [board.pk]


def test_shared_dashboard_is_readable_not_editable_by_others(
    organization, board, viewer, owner, make_member, client_for
):
    other_manager = make_member(organization, Role.CX_MANAGER, email="m2@acme.test")
    edit = _url("custom_edit", organization, board.pk)
    data = {"name": "Renamed", "period": "30d", "shared": "on"}

    assert client_for(viewer).get(_url("custom_detail", organization, board.pk)).status_code == 200
    assert client_for(viewer).post(edit, data).status_code == 403
    assert client_for(other_manager).post(edit, data).status_code == 403
    assert client_for(owner).post(edit, data).status_code == 302
    board.refresh_from_db()
    assert board.name == "Renamed"


def test_unsharing_hides_it_from_others(organization, manager, board, viewer, client_for):
    client_for(manager).post(_url("custom_edit", organization, board.pk), {"name": "Weekly", "period": "30d"})

    board.refresh_from_db()
    assert board.shared is False
    assert client_for(viewer).get(_url("custom_detail", organization, board.pk)).status_code == 404
    event = AuditEvent.all_orgs.get(organization=organization, action="dashboard.updated")
    assert (event.before["shared"], event.after["shared"]) == (True, False)


def test_delete(organization, manager, board, client_for):
    _tile(board, manager, "metric", metric="nps")

    response = client_for(manager).post(_url("custom_delete", organization, board.pk))

    assert response.status_code == 302
    assert not Dashboard.all_orgs.filter(pk=board.pk).exists()
    assert not Tile.all_orgs.filter(dashboard_id=board.pk).exists()
    assert AuditEvent.all_orgs.filter(organization=organization, action="dashboard.deleted").count() == 1


def test_outsider_gets_404(organization, board, outsider, client_for):
    client = client_for(outsider)

    assert client.get(_url("custom_detail", organization, board.pk)).status_code == 404
    assert client.post(_url("custom_delete", organization, board.pk)).status_code == 404


def test_another_organisations_dashboard_is_404(
    organization, other_organization, outsider, manager, client_for
):
    with organization_context(other_organization):
        foreign = services.dashboard_create(
            organization=other_organization, actor=outsider, name="Theirs", shared=True
        )

    assert client_for(manager).get(_url("custom_detail", organization, foreign.pk)).status_code == 404


# --- tiles --------------------------------------------------------------------------------------------


def test_add_a_tile_of_each_kind(organization, manager, board, survey, client_for):
    client = client_for(manager)
    add = _url("custom_tile_create", organization, board.pk)
    forms = {
        "metric": {"metric": "csat"},
        "trend": {"metric": "nps", "interval": "month"},
        "breakdown": {"metric": "ces", "group_by": "touchpoint"},
        "crosstab": {"metric": "nps", "rows": "channel", "columns": "language"},
        "themes": {"limit": "5"},
        "feed": {"limit": "3", "f_period": "7d", "f_survey": str(survey.pk), "f_channel": "sms"},
    }

    assert client.get(f"{add}?kind=breakdown").status_code == 200
    for kind, data in forms.items():
        response = client.post(add, {"kind": kind, "title": f"My {kind}", **data})
        assert response.status_code == 302, response.context["form"].errors

    tiles = list(Tile.all_orgs.filter(dashboard=board).order_by("position"))
    assert [(t.kind, t.position, t.title) for t in tiles] == [
        (kind, index, f"My {kind}") for index, kind in enumerate(forms)
    ]
    assert tiles[2].config == {"metric": "ces", "group_by": "touchpoint", "filters": {}}
    assert tiles[5].config == {
        "limit": 3,
        "filters": {"period": "7d", "survey_ids": [survey.pk], "channels": ["sms"]},
    }
    page = client.get(_url("custom_detail", organization, board.pk))
    assert page.status_code == 200
    assert [t.tile.pk for t in page.context["tiles"]] == [t.pk for t in tiles]


def test_tile_form_rejects_bad_config(organization, manager, board, client_for):
    client = client_for(manager)
    add = _url("custom_tile_create", organization, board.pk)

    same = client.post(add, {"kind": "crosstab", "metric": "nps", "rows": "stage", "columns": "stage"})
    bad_metric = client.post(add, {"kind": "metric", "metric": "happiness"})
    bad_period = client.post(
        add, {"kind": "feed", "limit": "5", "f_period": "custom", "f_start": "2024-01-02"}
    )
    unknown_kind = client.post(add, {"kind": "pie"})

    assert same.status_code == 200
    assert same.context["form"].errors["columns"] == ["Choose different dimensions for rows and columns."]
    assert "metric" in bad_metric.context["form"].errors
    assert bad_period.context["form"].errors["f_end"] == ["Choose the last day of the period."]
    assert unknown_kind.status_code == 404
    assert not Tile.all_orgs.filter(dashboard=board).exists()


def test_service_validates_tile_config(organization, other_organization, manager, board):
    foreign = SurveyFactory(organization=other_organization)

    with organization_context(organization):
        with pytest.raises(ValidationError) as limit:
            services.tile_create(dashboard=board, actor=manager, kind="feed", config={"limit": 500})
        with pytest.raises(ValidationError) as survey:
            services.tile_create(
                dashboard=board,
                actor=manager,
                kind="metric",
                config={"filters": {"survey_ids": [foreign.pk]}},
            )
        with pytest.raises(ValidationError) as extra:
            services.tile_create(dashboard=board, actor=manager, kind="metric", config={"sql": "drop"})
        with pytest.raises(ValidationError):
            services.tile_create(dashboard=board, actor=manager, kind="gauge", config={})

    assert limit.value.message_dict == {"limit": ["Enter a number from 1 to 50."]}
    assert survey.value.message_dict == {"f_survey": ["Choose from the list."]}
    assert extra.value.messages == ["Unknown settings: sql."]
    assert not Tile.all_orgs.filter(dashboard=board).exists()


def test_edit_and_remove_a_tile(organization, manager, board, client_for):
    tile = _tile(board, manager, "trend", metric="nps", interval="week")
    client = client_for(manager)

    form = client.get(_url("custom_tile_edit", organization, board.pk, tile.pk))
    edited = client.post(
        _url("custom_tile_edit", organization, board.pk, tile.pk),
        {"title": "CSAT by day", "metric": "csat", "interval": "day", "f_period": "30d"},
    )
    tile.refresh_from_db()
    removed = client.post(_url("custom_tile_delete", organization, board.pk, tile.pk))

    assert form.context["form"].initial["interval"] == "week"
    assert edited.status_code == 302
    assert (tile.title, tile.config) == (
        "CSAT by day",
        {"metric": "csat", "interval": "day", "filters": {"period": "30d"}},
    )
    assert removed.status_code == 302
    assert not Tile.all_orgs.filter(pk=tile.pk).exists()
    actions = list(
        AuditEvent.all_orgs.filter(organization=organization, action__startswith="dashboard.tile")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["dashboard.tile_added", "dashboard.tile_changed", "dashboard.tile_removed"]


def test_reorder_by_drag_and_by_buttons(organization, manager, board, client_for):
    a, b, c = (_tile(board, manager, "metric", metric=m) for m in ("nps", "csat", "ces"))
    client = client_for(manager)

    def order():
        return list(Tile.all_orgs.filter(dashboard=board).order_by("position").values_list("pk", flat=True))

    dragged = client.post(
        _url("custom_tile_order", organization, board.pk),
        {"order": [c.pk, a.pk, b.pk]},
        HTTP_ACCEPT="application/json",
    )
    assert (dragged.status_code, dragged.json()) == (200, {"order": [c.pk, a.pk, b.pk]})
    assert order() == [c.pk, a.pk, b.pk]

    client.post(_url("custom_tile_move", organization, board.pk, b.pk), {"direction": "up"})
    assert order() == [c.pk, b.pk, a.pk]
    client.post(_url("custom_tile_move", organization, board.pk, c.pk), {"direction": "up"})
    assert order() == [c.pk, b.pk, a.pk]
    client.post(_url("custom_tile_move", organization, board.pk, c.pk), {"direction": "down"})
    assert order() == [b.pk, c.pk, a.pk]

    partial = client.post(
        _url("custom_tile_order", organization, board.pk),
        {"order": [a.pk, b.pk]},
        HTTP_ACCEPT="application/json",
    )
    junk = client.post(
        _url("custom_tile_order", organization, board.pk), {"order": ["x"]}, HTTP_ACCEPT="application/json"
    )
    assert (partial.status_code, junk.status_code) == (400, 400)
    assert order() == [b.pk, c.pk, a.pk]


def test_viewer_cannot_change_tiles(organization, manager, board, viewer, client_for):
    tile = _tile(board, manager, "metric", metric="nps")
    client = client_for(viewer)

    assert client.post(_url("custom_tile_delete", organization, board.pk, tile.pk)).status_code == 403
    assert (
        client.post(_url("custom_tile_order", organization, board.pk), {"order": [tile.pk]}).status_code
        == 403
    )
    assert Tile.all_orgs.filter(pk=tile.pk).exists()


# --- what tiles show --------------------------------------------------------------------------------


def test_tiles_use_the_dashboard_filters_overlaid_by_their_own(
    organization, manager, board, survey, client_for
):
    for score, channel in ((10, Channel.WEB), (10, Channel.WEB), (0, Channel.EMAIL)):
        _answer(survey, 1, nps=score, channel=channel)
    _answer(survey, 60, nps=0, channel=Channel.WEB)
    rollups_rebuild(organization=organization)
    everything = _tile(board, manager, "metric", metric="nps")
    web = _tile(board, manager, "metric", metric="nps", filters={"channels": ["web"]})
    year = _tile(board, manager, "metric", metric="nps", filters={"period": "365d"})

    tiles = client_for(manager).get(_url("custom_detail", organization, board.pk)).context["tiles"]

    by_pk = {t.tile.pk: t for t in tiles}
    assert (by_pk[everything.pk].metric.value, by_pk[everything.pk].metric.n) == ("33", 3)
    assert (by_pk[web.pk].metric.value, by_pk[web.pk].metric.n) == ("100", 2)
    assert (by_pk[year.pk].metric.value, by_pk[year.pk].metric.n) == ("0", 4)


def test_restricted_viewer_of_a_shared_dashboard_sees_only_their_data(
    organization, owner, manager, board, survey, viewer, client_for
):
    elsewhere = SurveyFactory(
        organization=organization, touchpoint=TouchpointFactory(organization=organization)
    )
    _answer(survey, 1, nps=10)
    _answer(elsewhere, 1, nps=0)
    _answer(elsewhere, 1, nps=0, comment="Not for you")
    rollups_rebuild(organization=organization)
    metric = _tile(board, manager, "metric", metric="nps")
    feed = _tile(board, manager, "feed", limit=5)
    with organization_context(organization):
        access_group_save(
            organization=organization,
            actor=owner,
            name="Checkout",
            member_ids=[viewer.pk],
            survey_ids=[survey.pk],
            touchpoint_ids=[],
            team_ids=[],
        )

    mine = {
        t.tile.pk: t
        for t in client_for(viewer).get(_url("custom_detail", organization, board.pk)).context["tiles"]
    }
    full = {
        t.tile.pk: t
        for t in client_for(manager).get(_url("custom_detail", organization, board.pk)).context["tiles"]
    }

    assert (mine[metric.pk].metric.value, mine[metric.pk].metric.n) == ("100", 1)
    assert (full[metric.pk].metric.value, full[metric.pk].metric.n) == ("-33", 3)
    assert mine[feed.pk].feed == []
    assert [i.response.comment for i in full[feed.pk].feed] == ["Not for you"]


def test_feed_tile_escapes_comments(organization, manager, board, survey, client_for):
    _answer(survey, 1, nps=1, comment="<script>alert(1)</script><b>x</b>")
    _tile(board, manager, "feed", limit=5)

    html = client_for(manager).get(_url("custom_detail", organization, board.pk)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html


def test_dashboard_with_six_tiles_query_count_is_bounded(
    organization, manager, board, survey, client_for, django_assert_max_num_queries
):
    for index in range(40):
        _answer(
            survey,
            index % 20,
            nps=index % 11,
            channel=Channel.WEB if index % 2 else Channel.SMS,
            comment=f"c{index}",
        )
    rollups_rebuild(organization=organization)
    _tile(board, manager, "metric", metric="nps")
    _tile(board, manager, "trend", metric="csat", interval="day")
    _tile(board, manager, "breakdown", metric="nps", group_by="channel")
    _tile(board, manager, "crosstab", metric="nps", rows="channel", columns="stage")
    _tile(board, manager, "themes", limit=5)
    _tile(board, manager, "feed", limit=5)
    client = client_for(manager)

    with django_assert_max_num_queries(20):
        response = client.get(_url("custom_detail", organization, board.pk))

    assert response.status_code == 200
    assert len(response.context["tiles"]) == 6
