"""The read layer: groups and labels, series, question statistics, themes, the comment feed,
closed-loop KPIs, and a bounded number of queries."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import AccessScope
from analytics import selectors, services
from analytics.filters import MetricFilters
from analytics.metrics import Tally
from analytics.selectors import LoopKpis
from feedback.models import Response
from surveys.models import Survey
from tests import factories

UNRESTRICTED = AccessScope(unrestricted=True)
MAY = MetricFilters(start=date(2024, 5, 1), end=date(2024, 5, 31))


@pytest.fixture(params=["rollups", "raw"])
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _read(source: str, func: Callable[..., Any], **kwargs: Any) -> Any:
    if source == "raw":
        with selectors.raw_reads():
            return func(**kwargs)
    return func(**kwargs)


def test_tally_by_channel_labels_and_order(
    organization: Organization, make_response: Callable[..., Response], source: str
) -> None:
    survey = factories.SurveyFactory(organization=organization)
    for _ in range(3):
        make_response(at="2024-05-03 10:00", survey=survey, nps=10, channel="web")
    make_response(at="2024-05-04 10:00", survey=survey, nps=0, channel="email", language="ru")
    services.rollups_rebuild(organization=organization)

    groups = _read(
        source,
        selectors.tally_by,
        organization=organization,
        scope=UNRESTRICTED,
        filters=MAY,
        group_by="channel",
    )
    languages = _read(
        source,
        selectors.tally_by,
        organization=organization,
        scope=UNRESTRICTED,
        filters=MAY,
        group_by="language",
    )

    assert [(g.key, g.label, g.tally.responses, g.tally.promoters) for g in groups] == [
        ("web", "Website widget", 3, 3),
        ("email", "Email", 1, 0),
    ]
    assert [(g.key, g.label) for g in languages] == [("en", "English"), ("ru", "Russian")]


def test_stage_groups_and_filter(
    organization: Organization, make_response: Callable[..., Response], source: str
) -> None:
    buy = factories.JourneyStageFactory(organization=organization, name="Buy")
    checkout = factories.TouchpointFactory(organization=organization, name="Checkout", stage=buy)
    loose = factories.TouchpointFactory(organization=organization, name="Loose", stage=None)
    make_response(at="2024-05-03 10:00", touchpoint=checkout, nps=10)
    make_response(at="2024-05-03 11:00", touchpoint=checkout, nps=9)
    make_response(at="2024-05-03 12:00", touchpoint=loose, nps=1)
    services.rollups_rebuild(organization=organization)
    kw = {"organization": organization, "scope": UNRESTRICTED}

    groups = _read(source, selectors.tally_by, **kw, filters=MAY, group_by="stage")
    only_buy = _read(
        source,
        selectors.tally,
        **kw,
        filters=MetricFilters(start=MAY.start, end=MAY.end, stage_ids=(buy.pk,)),
    )

    assert [(g.key, g.label, g.tally.responses) for g in groups] == [(str(buy.pk), "Buy", 2), ("", "—", 1)]
    assert (only_buy.responses, only_buy.promoters) == (2, 2)


def test_series_include_empty_periods(
    organization: Organization, make_response: Callable[..., Response], source: str
) -> None:
    make_response(at="2024-05-01 10:00", nps=10)  # Wednesday
    make_response(at="2024-05-13 10:00", nps=0)  # Monday
    services.rollups_rebuild(organization=organization)
    filters = MetricFilters(start=date(2024, 5, 1), end=date(2024, 5, 14))

    weeks = _read(
        source,
        selectors.tally_series,
        organization=organization,
        scope=UNRESTRICTED,
        filters=filters,
        interval="week",
    )
    months = _read(
        source,
        selectors.tally_series,
        organization=organization,
        scope=UNRESTRICTED,
        filters=filters,
        interval="month",
    )
    days = _read(
        source,
        selectors.tally_series,
        organization=organization,
        scope=UNRESTRICTED,
        filters=filters,
        interval="day",
    )

    assert [(start, t.responses) for start, t in weeks] == [
        (date(2024, 4, 29), 1),
        (date(2024, 5, 6), 0),
        (date(2024, 5, 13), 1),
    ]
    assert months == [(date(2024, 5, 1), Tally(responses=2, nps_n=2, promoters=1, detractors=1))]
    assert len(days) == 14
    assert sum(t.responses for _day, t in days) == 2


def test_crosstab_cells_and_totals(
    organization: Organization, make_response: Callable[..., Response], source: str
) -> None:
    make_response(at="2024-05-03 10:00", nps=10, channel="web", language="en")
    make_response(at="2024-05-03 10:00", nps=10, channel="web", language="ru")
    make_response(at="2024-05-03 10:00", nps=3, channel="sms", language="ru")
    services.rollups_rebuild(organization=organization)

    rows, columns, cells = _read(
        source,
        selectors.crosstab,
        organization=organization,
        scope=UNRESTRICTED,
        filters=MAY,
        rows="channel",
        columns="language",
    )

    assert [(g.key, g.tally.responses) for g in rows] == [("web", 2), ("sms", 1)]
    assert [(g.key, g.tally.responses) for g in columns] == [("ru", 2), ("en", 1)]
    assert {k: t.responses for k, t in cells.items()} == {
        ("web", "en"): 1,
        ("web", "ru"): 1,
        ("sms", "ru"): 1,
    }


def test_question_stats(
    organization: Organization, live_survey: Survey, make_response: Callable[..., Response], source: str
) -> None:
    # live_survey: nps (jumps to "email" when ≥ 9), why (text), email (text).
    make_response(
        at="2024-05-03 10:00",
        survey=live_survey,
        nps=10,
        answers={"nps": 10, "email": "a@b.test"},
        finished_at=timezone.now(),
    )
    make_response(at="2024-05-03 11:00", survey=live_survey, nps=3, answers={"nps": 3, "why": "slow"})
    make_response(at="2024-05-03 12:00", survey=live_survey, nps=3, answers={"nps": 3})
    services.rollups_rebuild(organization=organization)

    stats = _read(
        source,
        selectors.question_stats,
        organization=organization,
        scope=UNRESTRICTED,
        filters=MAY,
        survey=live_survey,
        language="ru",
    )

    assert [(s.key, s.type, s.title, s.answered, s.reached) for s in stats] == [
        ("nps", "nps", "Порекомендуете ли вы нас?", 3, 3),
        ("why", "text", "Что пошло не так?", 1, 1),
        ("email", "text", "Your email", 1, 1),
    ]
    assert stats[0].distribution == [(str(v), str(v), {3: 2, 10: 1}.get(v, 0)) for v in range(11)]
    assert stats[1].distribution == []  # free text is counted as answered, never by value


def test_theme_counts_and_series(
    organization: Organization, make_response: Callable[..., Response], source: str
) -> None:
    from textanalysis.models import Theme

    delivery = Theme.all_orgs.create(organization=organization, name="Delivery")
    price = Theme.all_orgs.create(organization=organization, name="Price")
    make_response(at="2024-05-03 10:00", theme_ids=[delivery.pk], sentiment="negative", comment="late")
    make_response(
        at="2024-05-10 10:00", theme_ids=[delivery.pk, price.pk], sentiment="positive", comment="ok"
    )
    make_response(at="2024-05-10 11:00", theme_ids=[delivery.pk, 987654], sentiment="neutral", comment="meh")
    services.rollups_rebuild(organization=organization)
    kw = {"organization": organization, "scope": UNRESTRICTED, "filters": MAY}

    counts = _read(source, selectors.theme_counts, **kw)
    series = _read(source, selectors.theme_series, **kw, interval="week", theme_ids=[price.pk])
    negative_only = _read(
        source,
        selectors.theme_counts,
        organization=organization,
        scope=UNRESTRICTED,
        filters=MetricFilters(sentiment="negative"),
    )

    assert [(t.name, t.count, t.positive, t.negative) for t in counts] == [
        ("Delivery", 3, 1, 1),
        ("Price", 1, 1, 0),
    ]
    assert series == {
        price.pk: [
            (date(2024, 4, 29), 0),
            (date(2024, 5, 6), 1),
            (date(2024, 5, 13), 0),
            (date(2024, 5, 20), 0),
            (date(2024, 5, 27), 0),
        ]
    }
    assert [(t.name, t.count) for t in negative_only] == [("Delivery", 1)]


def test_raw_only_filters(organization: Organization, make_response: Callable[..., Response]) -> None:
    from textanalysis.models import ResponseTag, Tag

    tagged = make_response(at="2024-05-03 10:00", nps=8, hidden_fields={"plan": "pro"})
    make_response(at="2024-05-03 10:00", nps=8, hidden_fields={"plan": "free"})
    make_response(at="2024-05-03 10:00", nps=10, hidden_fields={"plan": "pro"})
    tag = Tag.all_orgs.create(organization=organization, name="VIP")
    ResponseTag.all_orgs.create(organization=organization, response=tagged, tag=tag)
    kw: dict[str, Any] = {"organization": organization, "scope": UNRESTRICTED}

    passives_pro = selectors.tally(
        **kw, filters=MetricFilters(score_group="passive", hidden=(("plan", "pro"),))
    )
    by_tag = selectors.tally(**kw, filters=MetricFilters(tag_ids=(tag.pk,)))

    assert passives_pro.responses == 1
    assert by_tag.responses == 1


def test_comment_feed_pages_newest_first(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    first = make_response(at="2024-05-03 10:00", comment="one")
    make_response(at="2024-05-03 11:00", comment="")
    second = make_response(at="2024-05-03 12:00", comment="two")
    third = make_response(at="2024-05-03 12:00", comment="three")
    kw: dict[str, Any] = {"organization": organization, "scope": UNRESTRICTED, "filters": MAY}

    page = selectors.comment_feed(**kw, limit=2)
    rest = selectors.comment_feed(**kw, limit=2, before_id=page[-1].pk)

    assert [r.pk for r in page] == [third.pk, second.pk]
    assert [r.pk for r in rest] == [first.pk]


def test_every_selector_runs_a_bounded_number_of_queries(
    organization: Organization,
    live_survey: Survey,
    make_response: Callable[..., Response],
    django_assert_max_num_queries: Any,
) -> None:
    for day in range(1, 29):
        for channel in ("web", "sms", "email"):
            make_response(
                at=f"2024-05-{day:02d} 10:00", survey=live_survey, nps=day % 11, channel=channel, comment="x"
            )
    services.rollups_rebuild(organization=organization)
    kw: dict[str, Any] = {"organization": organization, "scope": UNRESTRICTED, "filters": MAY}

    for reads in (False, True):
        with selectors.raw_reads() if reads else nullcontext():
            with django_assert_max_num_queries(1):
                selectors.tally(**kw)
            with django_assert_max_num_queries(2):
                selectors.tally_by(**kw, group_by="survey")
            with django_assert_max_num_queries(1):
                selectors.tally_series(**kw, interval="week")
            # The tallies, the touchpoints' stages (rollups only) and the two dimensions' labels.
            with django_assert_max_num_queries(4):
                selectors.crosstab(**kw, rows="stage", columns="touchpoint")
            with django_assert_max_num_queries(3):
                selectors.question_stats(**kw, survey=live_survey, language="en")
            with django_assert_max_num_queries(2):
                selectors.theme_counts(**kw)
            with django_assert_max_num_queries(1):
                selectors.theme_series(**kw, interval="day", theme_ids=[1])
            with django_assert_max_num_queries(2):
                selectors.comment_feed(**kw, before_id=10**6)
    with django_assert_max_num_queries(3):
        selectors.loop_kpis(
            organization=organization, scope=UNRESTRICTED, start=date(2024, 5, 1), end=date(2024, 5, 31)
        )


def test_loop_kpis_against_hand_built_tickets(
    organization: Organization, make_response: Callable[..., Response]
) -> None:
    from tickets.models import Ticket, TicketResponse
    from tickets.services.opening import ticket_open_for_response

    team = factories.TeamFactory(organization=organization)
    seen_survey = factories.SurveyFactory(organization=organization)
    now = timezone.now()
    start = now - timedelta(days=10)

    def ticket(
        nps: int, *, age: timedelta, first_contact: timedelta | None, status: str, recovered: bool | None
    ) -> Ticket:
        response = make_response(at=now - age, survey=seen_survey, nps=nps)
        opened, _created = ticket_open_for_response(response=response)
        Ticket.all_orgs.filter(pk=opened.pk).update(
            feedback_at=now - age,
            first_responded_at=None if first_contact is None else now - age + first_contact,
            status=status,
            recovered=recovered,
            team=team,
        )
        return opened

    # Four tickets with feedback in the period:
    a = ticket(2, age=timedelta(hours=3), first_contact=None, status="new", recovered=None)  # backlog <24 h
    ticket(
        5, age=timedelta(hours=30), first_contact=timedelta(hours=2), status="open", recovered=True
    )  # 24–48 h
    ticket(
        9, age=timedelta(days=3), first_contact=timedelta(hours=50), status="pending", recovered=None
    )  # 2–7 d
    ticket(0, age=timedelta(days=8), first_contact=timedelta(hours=10), status="resolved", recovered=False)
    # And one before the period, still open (>7 d backlog).
    ticket(1, age=timedelta(days=20), first_contact=None, status="open", recovered=None)
    # A later response of the first ticket's contact, appended to it.
    TicketResponse.all_orgs.create(
        organization=organization,
        ticket=a,
        response=make_response(at=now - timedelta(hours=1), survey=seen_survey, nps=4),
    )

    kpis = selectors.loop_kpis(
        organization=organization,
        scope=UNRESTRICTED,
        start=selectors.org_today(organization) - timedelta(days=10),
        end=selectors.org_today(organization),
    )

    assert start < now
    # Actionable: 4 opening responses + 1 appended = 5 (an opening response is also linked: counted once).
    # Followed up within 48 h: the tickets contacted after 2 h and 10 h (one response each) = 2.
    # Times to first contact: 2 h, 50 h, 10 h → median 10 h. Detractor tickets: nps 2, 5, 0 = 3;
    # answered follow-ups among them: True and False → 1 recovered of 2 = 50 %.
    assert kpis == LoopKpis(
        actionable=5,
        followed_up_48h=2,
        share_48h=40.0,
        median_first_contact_hours=pytest.approx(10.0),  # type: ignore[arg-type]
        backlog=[("lt24h", 1), ("24to48h", 1), ("2to7d", 1), ("gt7d", 1)],
        detractor_tickets=3,
        recovery_known=2,
        recovered=1,
        recovered_share=50.0,
    )
    hidden = AccessScope(unrestricted=False)
    assert (
        selectors.loop_kpis(
            organization=organization,
            scope=hidden,
            start=date(2000, 1, 1),
            end=selectors.org_today(organization),
        ).actionable
        == 0
    )
    by_team = AccessScope(unrestricted=False, team_ids=frozenset({team.pk}))
    assert (
        selectors.loop_kpis(
            organization=organization,
            scope=by_team,
            start=date(2000, 1, 1),
            end=selectors.org_today(organization),
        ).actionable
        == 6
    )
