"""Rollups equal the raw computation; day boundaries, dirty marks, the outbox flow, access scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership, Organization
from accounts.selectors import AccessScope
from analytics import selectors, services
from analytics.filters import MetricFilters
from analytics.metrics import Tally
from analytics.models import DailyFacet, DailyRollup, RollupDirtyDay
from core.models import OutboxEvent
from core.outbox import outbox_process, outbox_record_many
from feedback.models import Response
from surveys.models import Survey
from surveys.services import survey_create, survey_publish
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
UNRESTRICTED = AccessScope(unrestricted=True)

QUESTIONS: list[dict[str, Any]] = [
    {"key": "nps", "type": "nps", "text": {"en": "Recommend us?"}},
    {
        "key": "pick",
        "type": "single_choice",
        "text": {"en": "Pick one"},
        "choices": [{"key": "a", "label": {"en": "A"}}, {"key": "b", "label": {"en": "B"}}],
        "options": {"allow_other": True},
    },
    {
        "key": "many",
        "type": "multiple_choice",
        "text": {"en": "Pick some"},
        "choices": [{"key": "x", "label": {"en": "X"}}, {"key": "y", "label": {"en": "Y"}}],
    },
    {
        "key": "grid",
        "type": "matrix",
        "text": {"en": "Rate"},
        "rows": [{"key": "r1", "label": {"en": "Speed"}}, {"key": "r2", "label": {"en": "Price"}}],
        "columns": [{"key": "good", "label": {"en": "Good"}}, {"key": "bad", "label": {"en": "Bad"}}],
    },
    {"key": "ok", "type": "yes_no", "text": {"en": "OK?"}},
    {"key": "why", "type": "text", "text": {"en": "Why?"}},
]


def _definition() -> dict[str, Any]:
    return {
        "schema": 1,
        "base_language": "en",
        "languages": ["en"],
        "hidden_fields": ["plan"],
        "questions": QUESTIONS,
        "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thanks"}}],
        "theme": {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""},
        "settings": {"layout": "one_per_screen", "progress": True},
    }


def _published(organization: Organization, manager: Membership, name: str, touchpoint: Any) -> Survey:
    survey = survey_create(
        organization=organization,
        name=name,
        touchpoint=touchpoint,
        created_by=manager.user,
        definition=_definition(),
    )
    survey_publish(survey=survey, actor=manager)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def world(organization: Organization, manager: Membership) -> dict[str, Any]:
    organization.timezone = "Europe/Berlin"
    organization.save(update_fields=["timezone"])
    stage = factories.JourneyStageFactory(organization=organization, name="Buy")
    with_stage = factories.TouchpointFactory(organization=organization, name="Checkout", stage=stage)
    no_stage = factories.TouchpointFactory(organization=organization, name="Chat", stage=None)
    lone = factories.TouchpointFactory(organization=organization, name="Store", stage=stage)
    from textanalysis.models import Theme

    themes = [
        Theme.all_orgs.create(organization=organization, name="Delivery"),
        Theme.all_orgs.create(organization=organization, name="Price"),
    ]
    return {
        "surveys": [
            _published(organization, manager, "Checkout NPS", with_stage),
            _published(organization, manager, "Chat NPS", no_stage),
            None,
        ],
        "lone": lone,
        "themes": themes,
    }


START = date(2024, 3, 29)  # the days around the switch to summer time in Berlin (31 March: 23 hours)
END = date(2024, 4, 1)

answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "pick": st.sampled_from(["a", "b", {"other": "something else"}, ""]),
        "many": st.lists(st.sampled_from(["x", "y"]), unique=True, max_size=2),
        "grid": st.dictionaries(st.sampled_from(["r1", "r2"]), st.sampled_from(["good", "bad"]), max_size=2),
        "ok": st.sampled_from([True, False, None]),
        "why": st.sampled_from(["", "fine", "slow delivery"]),
        "stray": st.sampled_from([1, 2.5, "z"]),
    },
)

insert_strategy = st.fixed_dictionaries(
    {
        "day": st.integers(0, 3),
        "minute": st.integers(0, 24 * 60 - 1),
        "survey": st.integers(0, 2),
        "channel": st.sampled_from(["web", "link"]),
        "language": st.sampled_from(["en", "ru"]),
        "nps": st.none() | st.integers(0, 10),
        "csat": st.none() | st.integers(1, 5),
        "ces": st.none() | st.integers(1, 7),
        "finished": st.booleans(),
        "comment": st.sampled_from(["", "great", "<b>bad</b>"]),
        "sentiment": st.sampled_from(["", "positive", "neutral", "negative"]),
        "themes": st.lists(st.integers(0, 1), unique=True, max_size=2),
        "answers": answers_strategy,
    }
)

change_strategy = st.tuples(st.sampled_from(["finish", "delete"]), st.integers(0, 1000), st.integers(0, 10))


def _insert(organization: Organization, world: dict[str, Any], spec: dict[str, Any]) -> Response:
    survey = world["surveys"][spec["survey"]]
    day = START + timedelta(days=spec["day"])
    at = datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(minutes=spec["minute"])
    answers = dict(spec["answers"])
    if spec["nps"] is not None:
        answers["nps"] = spec["nps"]
    return Response.all_orgs.create(
        organization=organization,
        survey=survey,
        survey_version_id=survey.current_version_id if survey else None,
        touchpoint=survey.touchpoint if survey else world["lone"],
        channel=spec["channel"],
        language=spec["language"],
        nps=spec["nps"],
        csat=spec["csat"],
        ces=spec["ces"],
        answers=answers,
        comment=spec["comment"],
        sentiment=spec["sentiment"],
        theme_ids=[world["themes"][i].pk for i in spec["themes"]],
        received_at=at,
        started_at=at,
        finished_at=at if spec["finished"] else None,
    )


def _everything(organization: Organization, scope: AccessScope, world: dict[str, Any]) -> dict[str, Any]:
    filters = MetricFilters(start=START, end=END)
    kw: dict[str, Any] = {"organization": organization, "scope": scope, "filters": filters}
    result: dict[str, Any] = {"tally": selectors.tally(**kw)}
    for group_by in selectors.GROUP_BYS:
        result[f"by_{group_by}"] = selectors.tally_by(**kw, group_by=group_by)
    for interval in selectors.INTERVALS:
        result[f"series_{interval}"] = selectors.tally_series(**kw, interval=interval)
        result[f"themes_{interval}"] = selectors.theme_series(
            **kw, interval=interval, theme_ids=[t.pk for t in world["themes"]]
        )
    result["crosstab_stage_channel"] = selectors.crosstab(**kw, rows="stage", columns="channel")
    result["crosstab_survey_language"] = selectors.crosstab(**kw, rows="survey", columns="language")
    result["crosstab_touchpoint_stage"] = selectors.crosstab(**kw, rows="touchpoint", columns="stage")
    for survey in world["surveys"][:2]:
        result[f"questions_{survey.pk}"] = selectors.question_stats(**kw, survey=survey, language="en")
    result["themes"] = selectors.theme_counts(**kw)
    narrowed = {
        **kw,
        "filters": MetricFilters(start=date(2024, 3, 31), end=date(2024, 3, 31), channels=("web",)),
    }
    result["one_day_web"] = selectors.tally(**narrowed)
    return result


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    inserts=st.lists(insert_strategy, min_size=1, max_size=25),
    changes=st.lists(change_strategy, max_size=10),
)
def test_rollups_equal_raw_after_inserts_changes_and_deletions(
    organization: Organization,
    world: dict[str, Any],
    inserts: list[dict[str, Any]],
    changes: list[tuple[str, int, int]],
) -> None:
    Response.all_orgs.filter(organization=organization).delete()
    services.rollups_rebuild(organization=organization)
    responses = []
    for spec in inserts:
        response = _insert(organization, world, spec)
        services.rollups_mark_response(response=response)
        responses.append(response)
    services.rollups_flush()
    for action, index, score in changes:
        if not responses:
            break
        response = responses.pop(index % len(responses))
        day = response.received_at.astimezone(BERLIN).date()
        if action == "finish":
            response.finished_at = response.received_at + timedelta(minutes=3)
            response.nps = score
            response.csat = score // 2 or None
            response.answers = {**response.answers, "nps": score}
            response.save()
            services.rollups_mark_response(response=response)
            responses.append(response)
        else:
            response.delete()
            services.rollups_mark_dirty(organization_id=organization.pk, days=[day])
    assert services.rollups_flush() >= 0
    restricted = AccessScope(
        unrestricted=False,
        survey_ids=frozenset({world["surveys"][0].pk}),
        touchpoint_ids=frozenset({world["lone"].pk}),
    )

    for scope in (UNRESTRICTED, restricted):
        from_rollups = _everything(organization, scope, world)
        with selectors.raw_reads():
            from_raw = _everything(organization, scope, world)
        assert from_rollups == from_raw
    assert RollupDirtyDay.all_orgs.filter(organization=organization).count() == 0
    assert selectors.tally(
        organization=organization, scope=UNRESTRICTED, filters=MetricFilters(start=START, end=END)
    ).responses == len(responses)


def _hours(organization: Organization, day: date) -> float:
    start, end = services.day_bounds(organization, day)
    return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)


def test_day_boundaries_follow_the_organisation_time_zone(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    organization.timezone = "Europe/Berlin"
    organization.save(update_fields=["timezone"])
    survey = factories.SurveyFactory(organization=organization)
    # 31 March 2024 has 23 hours in Berlin, 27 October 2024 has 25.
    for at in (
        "2024-03-30 23:59",
        "2024-03-31 00:00",
        "2024-03-31 23:59",
        "2024-04-01 00:00",
        "2024-10-27 00:00",
        "2024-10-27 02:30",  # the clock passes 02:30 twice on this day
        "2024-10-27 23:59",
        "2024-10-28 00:00",
    ):
        make_response(at=at, survey=survey, nps=10)
    make_response(at=datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN), survey=survey, nps=0)

    services.rollups_rebuild(organization=organization)
    rows = dict(DailyRollup.all_orgs.filter(organization=organization).values_list("day", "responses"))

    assert rows == {
        date(2024, 3, 30): 1,
        date(2024, 3, 31): 2,
        date(2024, 4, 1): 1,
        date(2024, 10, 27): 4,
        date(2024, 10, 28): 1,
    }
    assert _hours(organization, date(2024, 3, 31)) == 23
    assert _hours(organization, date(2024, 10, 27)) == 25
    services.rollups_rebuild_day(organization=organization, day=date(2024, 10, 27))
    assert DailyRollup.all_orgs.get(organization=organization, day=date(2024, 10, 27)).detractors == 1
    filters = MetricFilters(start=date(2024, 10, 27), end=date(2024, 10, 27))
    assert selectors.tally(organization=organization, scope=UNRESTRICTED, filters=filters).nps_n == 4
    with selectors.raw_reads():
        assert selectors.tally(organization=organization, scope=UNRESTRICTED, filters=filters).nps_n == 4


def test_access_scope_limits_the_numbers(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    seen = factories.SurveyFactory(organization=organization)
    hidden = factories.SurveyFactory(organization=organization)
    via_touchpoint = factories.TouchpointFactory(organization=organization)
    make_response(at="2024-05-02 10:00", survey=seen, nps=10)
    make_response(at="2024-05-02 11:00", survey=hidden, nps=0)
    make_response(at="2024-05-02 12:00", survey=hidden, nps=0)
    make_response(at="2024-05-02 13:00", touchpoint=via_touchpoint, nps=6)
    services.rollups_rebuild(organization=organization)
    scope = AccessScope(
        unrestricted=False, survey_ids=frozenset({seen.pk}), touchpoint_ids=frozenset({via_touchpoint.pk})
    )
    filters = MetricFilters(start=date(2024, 5, 1), end=date(2024, 5, 31))

    restricted = selectors.tally(organization=organization, scope=scope, filters=filters)
    everything = selectors.tally(organization=organization, scope=UNRESTRICTED, filters=filters)
    nothing = selectors.tally(
        organization=organization, scope=AccessScope(unrestricted=False), filters=filters
    )

    assert (restricted.responses, restricted.promoters, restricted.detractors) == (2, 1, 1)
    assert (everything.responses, everything.detractors) == (4, 3)
    assert nothing == Tally()
    by_survey = selectors.tally_by(organization=organization, scope=scope, filters=filters, group_by="survey")
    assert [(g.key, g.tally.responses) for g in by_survey] == [("", 1), (str(seen.pk), 1)] or [
        (g.key, g.tally.responses) for g in by_survey
    ] == [(str(seen.pk), 1), ("", 1)]


def test_a_mark_made_during_a_rebuild_survives(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    response = make_response(at="2024-06-03 09:00", nps=9)
    day = date(2024, 6, 3)
    services.rollups_mark_dirty(organization_id=organization.pk, days=[day])
    mark = RollupDirtyDay.all_orgs.get(organization=organization, day=day)
    assert mark.version == 1

    # The flush lists the mark, then a newer change marks the day again before its rebuild finishes.
    original = services._rebuild_day_locked

    def rebuild_while_marked(org: Organization, rebuilt_day: date) -> None:
        original(org, rebuilt_day)
        services.rollups_mark_response(response=response)

    services._rebuild_day_locked = rebuild_while_marked  # type: ignore[assignment]
    try:
        assert services.rollups_flush() == 1
    finally:
        services._rebuild_day_locked = original  # type: ignore[assignment]

    assert RollupDirtyDay.all_orgs.get(organization=organization, day=day).version == 2
    assert services.rollups_flush() == 1
    assert not RollupDirtyDay.all_orgs.filter(organization=organization).exists()
    assert DailyRollup.all_orgs.get(organization=organization, day=day).promoters == 1


def test_marks_count_versions(organization: Organization) -> None:
    services.rollups_mark_dirty(
        organization_id=organization.pk, days=[date(2024, 1, 2), date(2024, 1, 2), date(2024, 1, 3)]
    )
    services.rollups_mark_dirty(organization_id=organization.pk, days=[date(2024, 1, 2)])

    assert dict(RollupDirtyDay.all_orgs.values_list("day", "version")) == {
        date(2024, 1, 2): 2,
        date(2024, 1, 3): 1,
    }


def test_outbox_events_bring_the_rollups_up_to_date(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    response = make_response(at="2024-07-01 10:00", nps=2, answers={"nps": 2, "ok": True})
    gone = make_response(at="2024-07-02 10:00", nps=10)
    events = outbox_record_many(
        organization_id=organization.pk,
        events=[
            ("response.created", {"response_id": response.pk}),
            ("response.created", {"response_id": 999_999_999}),  # gone already: skipped
        ],
    )
    for event in events:
        assert outbox_process(event.pk) is True
    assert list(RollupDirtyDay.all_orgs.values_list("day", flat=True)) == [date(2024, 7, 1)]

    assert services.rollups_flush() == 1
    filters = MetricFilters(start=date(2024, 7, 1), end=date(2024, 7, 31))
    first = selectors.tally(organization=organization, scope=UNRESTRICTED, filters=filters)
    assert (first.responses, first.detractors) == (1, 1)
    assert set(
        DailyFacet.all_orgs.filter(organization=organization).values_list("kind", "key", "value", "count")
    ) == {
        ("answered", "nps", "", 1),
        ("answered", "ok", "", 1),
        ("answer", "nps", "2", 1),
        ("answer", "ok", "true", 1),
    }

    services.rollups_rebuild_day(organization=organization, day=date(2024, 7, 2))
    gone.delete()
    deleted = outbox_record_many(
        organization_id=organization.pk,
        events=[("response.deleted", {"organization_id": organization.pk, "day": "2024-07-02"})],
    )
    assert outbox_process(deleted[0].pk) is True
    assert services.rollups_flush() == 1

    assert selectors.tally(organization=organization, scope=UNRESTRICTED, filters=filters).responses == 1
    assert OutboxEvent.all_orgs.filter(processed_at__isnull=True).count() == 0
    assert not RollupDirtyDay.all_orgs.exists()


def test_rebuild_command_rebuilds_every_day(
    organization: Organization, make_response: Callable[..., Response], capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    make_response(at="2024-02-01 10:00", nps=10)
    make_response(at="2024-02-03 10:00", nps=10)

    call_command("rebuild_rollups", "--org", organization.slug)

    assert DailyRollup.all_orgs.filter(organization=organization).count() == 2
    assert capsys.readouterr().out.startswith("acme: 2 day(s) rebuilt")
