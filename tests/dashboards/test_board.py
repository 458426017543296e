"""The board dashboard page: headline metrics with intervals, significance marks, breakdowns,
closed-loop KPIs, themes, the period selector, empty organisations, access scope and query count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import AccessScope
from accounts.services import access_group_save
from analytics.selectors import period_starts
from analytics.services import rollups_rebuild
from core.tenancy import organization_context
from dashboards.board.context import board_context, parse_period
from feedback.models import Channel, Response
from surveys.models import Survey
from tests.factories import JourneyStageFactory, ResponseFactory, SurveyFactory, TouchpointFactory
from textanalysis.models import Theme
from tickets.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db

THEME_NAME = 'Delivery <script>alert("x")</script>'
# 5 promoters, 3 passives, 2 detractors: (5 − 2) / 10 = 30.
LINK_SCORES = (9, 9, 10, 10, 9, 7, 8, 8, 3, 6)


@dataclass
class Board:
    organization: Organization
    buy: Survey
    support: Survey
    theme: Theme
    tickets: list[Ticket]


def answer(survey: Survey, days_ago: float, **fields: object) -> Response:
    return ResponseFactory(
        organization=survey.organization,
        survey=survey,
        received_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def ticket(organization: Organization, response: Response, **fields: object) -> Ticket:
    return Ticket.all_orgs.create(
        organization=organization,
        subject="Follow up",
        response=response,
        reply_token=f"board-{response.pk}",
        **fields,
    )


def build_board(organization: Organization) -> Board:
    """Ten link answers at the Buy stage (NPS 30), two email answers at the Support stage (NPS −100),
    one of which mentions a theme; two tickets: one answered after 5 h, one after 60 h and still open."""
    buy_stage = JourneyStageFactory(organization=organization, name="Buy", position=1)
    support_stage = JourneyStageFactory(organization=organization, name="Support", position=2)
    buy = SurveyFactory(
        organization=organization,
        name="Checkout",
        touchpoint=TouchpointFactory(organization=organization, name="Checkout", stage=buy_stage),
    )
    support = SurveyFactory(
        organization=organization,
        name="Help desk",
        touchpoint=TouchpointFactory(organization=organization, name="Help desk", stage=support_stage),
    )
    theme = Theme.all_orgs.create(organization=organization, name=THEME_NAME, keywords={"en": ["late"]})
    for score in LINK_SCORES:
        answer(buy, 2, nps=score, channel=Channel.LINK)
    detractor = answer(
        support,
        3,
        nps=2,
        channel=Channel.EMAIL,
        comment="<script>alert('late')</script> late again",
        sentiment="negative",
        theme_ids=[theme.pk],
    )
    other = answer(support, 3, nps=5, channel=Channel.EMAIL)
    # The previous 90 days: one promoter and one detractor (NPS 0).
    answer(buy, 100, nps=10, channel=Channel.LINK)
    answer(buy, 120, nps=1, channel=Channel.LINK)
    now = timezone.now()
    fast = ticket(
        organization,
        detractor,
        status=TicketStatus.RESOLVED,
        feedback_at=now - timedelta(days=3),
        first_responded_at=now - timedelta(days=3) + timedelta(hours=5),
        recovered=True,
    )
    slow = ticket(
        organization,
        other,
        status=TicketStatus.OPEN,
        feedback_at=now - timedelta(days=3),
        first_responded_at=now - timedelta(days=3) + timedelta(hours=60),
    )
    rollups_rebuild(organization=organization)
    return Board(organization=organization, buy=buy, support=support, theme=theme, tickets=[fast, slow])


def board_url(organization: Organization, **query: object) -> str:
    url = reverse("dashboards:board", kwargs={"org_slug": organization.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.fixture
def board(organization: Organization) -> Board:
    return build_board(organization)


def test_the_board_shows_headline_nps_with_interval_and_n(board, owner, client_for):
    response = client_for(owner).get(board_url(board.organization, period=90))

    assert response.status_code == 200
    context = response.context["board"]
    nps = context.headline_for("nps")
    # 5 + 0 promoters, 3 passives, 2 + 2 detractors of 12 answers: (5 − 4) / 12 = 8.3 → "8".
    assert (nps.current.value, nps.current.n) == ("8", 12)
    # Wald: var = 9/12 − (1/12)² = 0.743; 1.96 × √(0.743 / 12) = 0.488 → 8.3 ± 48.8.
    assert nps.current.ci == "-40 – 57"
    assert (nps.previous.value, nps.previous.n) == ("0", 2)
    assert nps.marked is False
    html = response.content.decode()
    assert 'id="metric-nps"' in html
    assert "No significant change" in html
    assert context.responses == 12
    assert context.period_days == 90


def test_a_significant_change_is_marked_and_a_small_one_is_not(organization, owner, client_for):
    survey = SurveyFactory(organization=organization)
    for score in (10,) * 16 + (0,) * 4:
        answer(survey, 5, nps=score)
    for score in (10,) * 4 + (0,) * 16:
        answer(survey, 40, nps=score)
    answer(survey, 5, nps=None, csat=5)
    answer(survey, 40, nps=None, csat=4)
    rollups_rebuild(organization=organization)

    response = client_for(owner).get(board_url(organization, period=30))

    board = response.context["board"]
    nps = board.headline_for("nps")
    assert (nps.current.value, nps.previous.value, nps.delta) == ("60", "-60", "+120")
    assert (nps.marked, nps.change.direction) == (True, "up")
    assert board.headline_for("csat").marked is False
    html = response.content.decode()
    assert "+120, a significant rise" in html
    assert html.count("No significant change") == 2  # CSAT (one answer each side) and CES (none)


def test_breakdowns_by_channel_and_journey_stage(board, owner, client_for):
    context = client_for(owner).get(board_url(board.organization)).context["board"]

    channels = {row.label: (row.responses, row.nps.value, row.nps.n) for row in context.channels.rows}
    assert channels == {"Link survey": (10, "30", 10), "Email": (2, "-100", 2)}
    stages = {row.label: (row.responses, row.nps.value) for row in context.stages.rows}
    assert stages == {"Buy": (10, "30"), "Support": (2, "-100")}
    assert context.channels.chart.table == [("", "NPS"), ("Link survey", "30"), ("Email", "-100")]
    assert context.channels.chart.svg_data_uri.startswith("data:image/svg+xml;base64,")


def test_closed_loop_kpis(board, owner, client_for):
    loop = client_for(owner).get(board_url(board.organization)).context["board"].loop

    assert (loop.kpis.actionable, loop.kpis.followed_up_48h, loop.share_48h) == (2, 1, "50 %")
    assert loop.median_hours == "32.5 h"
    assert loop.backlog_total == 1
    assert dict(loop.kpis.backlog) == {"lt24h": 0, "24to48h": 0, "2to7d": 1, "gt7d": 0}
    # Both tickets come from detractors (2 and 5); only the first one's follow-up answered.
    assert (loop.kpis.detractor_tickets, loop.kpis.recovered, loop.recovered_share) == (2, 1, "100 %")


def test_top_themes_are_escaped(board, owner, client_for):
    response = client_for(owner).get(board_url(board.organization))

    themes = response.context["board"].themes
    assert [(t.name, t.count, t.negative) for t in themes.top] == [(THEME_NAME, 1, 1)]
    assert themes.trend is not None
    html = response.content.decode()
    assert "Delivery &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")' not in html


@pytest.mark.parametrize(
    ("param", "days", "interval"),
    [("30", 30, "day"), ("365", 365, "month"), ("90", 90, "week"), ("bogus", 30, "day")],
)
def test_the_period_selector_picks_the_interval(board, owner, client_for, param, days, interval):
    response = client_for(owner).get(board_url(board.organization, period=param))

    context = response.context["board"]
    assert (context.period_days, context.interval) == (days, interval)
    assert (context.end - context.start).days == days - 1
    points = period_starts(context.start, context.end, interval)
    assert len(context.headline_for("nps").trend.body) == len(points)
    assert f'href="?period={days}" aria-current="page"' in response.content.decode()


def test_parse_period():
    assert [parse_period(v) for v in ("30", 90, "365", "7", None, "x")] == [30, 90, 365, 30, 30, 30]


def test_an_empty_organisation_gets_a_friendly_board(organization, owner, client_for):
    response = client_for(owner).get(board_url(organization))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="board-empty"' in html
    board = response.context["board"]
    assert [h.current.value for h in board.headline] == ["—", "—", "—"]
    assert (board.channels.rows, board.themes.top, board.loop.share_48h) == ([], [], "—")


def test_access_groups_limit_the_board(board, organization, owner, make_member, client_for):
    member = make_member(organization, Role.CX_MANAGER, email="buyer@acme.test")
    access_group_save(
        organization=organization,
        actor=owner,
        group=None,
        name="Checkout only",
        survey_ids=[board.buy.pk],
        touchpoint_ids=[],
        team_ids=[],
        member_ids=[member.pk],
    )

    response = client_for(member).get(board_url(organization))

    context = response.context["board"]
    assert (context.headline_for("nps").current.value, context.responses) == ("30", 10)
    assert [row.label for row in context.channels.rows] == ["Link survey"]
    assert context.themes.top == []
    assert context.loop.kpis.actionable == 0
    assert "Your access groups limit these numbers" in response.content.decode()


def test_the_board_needs_membership(board, outsider, client_for, client):
    assert client_for(outsider).get(board_url(board.organization)).status_code == 404
    assert client.get(board_url(board.organization)).status_code == 302


def test_the_context_uses_a_bounded_number_of_queries(board, django_assert_max_num_queries):
    with organization_context(board.organization), django_assert_max_num_queries(16):
        context = board_context(
            organization=board.organization, scope=AccessScope(unrestricted=True), period_days=90
        )
    assert context.responses == 12


def test_the_query_count_does_not_grow_with_the_data(board, django_assert_max_num_queries):
    for day in range(0, 80, 3):
        answer(board.support, day, nps=day % 11, channel=Channel.SMS)
    rollups_rebuild(organization=board.organization)
    with organization_context(board.organization), django_assert_max_num_queries(16):
        context = board_context(
            organization=board.organization, scope=AccessScope(unrestricted=True), period_days=90
        )
    assert context.responses == 12 + 27
