from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services import access_group_save
from core.tenancy import organization_context
from dashboards.selectors import nps_of
from feedback.models import Channel
from tests.factories import ResponseFactory, SurveyFactory, TeamFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def _url(organization):
    return reverse("org_home", kwargs={"org_slug": organization.slug})


@pytest.fixture
def survey(organization):
    return SurveyFactory(organization=organization, name="Relationship NPS")


def _answer(survey, days_ago, **fields):
    return ResponseFactory(
        organization=survey.organization,
        survey=survey,
        received_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def test_overview_shows_the_exact_nps_of_the_last_30_days(organization, owner, survey, client_for):
    # 5 promoters, 3 passives, 2 detractors: (5 - 2) / 10 = 30.
    for score in (9, 9, 10, 10, 9, 7, 8, 8, 3, 6):
        _answer(survey, 2, nps=score)
    # The previous 30 days: one promoter, one detractor = 0.
    _answer(survey, 40, nps=10)
    _answer(survey, 45, nps=2)
    # Older than 60 days: not counted anywhere.
    _answer(survey, 70, nps=0)

    response = client_for(owner).get(_url(organization))

    assert response.status_code == 200
    overview = response.context["overview"]
    assert (overview.current.responses, overview.current.nps, overview.current.nps_answers) == (10, 30, 10)
    assert (overview.previous.responses, overview.previous.nps, overview.previous.nps_answers) == (2, 0, 2)
    assert overview.nps_change == 30
    html = response.content.decode()
    assert 'id="nps-current">30<' in html
    assert 'id="responses-current">10<' in html


def test_overview_shows_csat_share_and_ces_mean(organization, owner, survey, client_for):
    for score in (5, 4, 3, 1):
        _answer(survey, 1, nps=None, csat=score)
    for score in (7, 6, 6):
        _answer(survey, 3, nps=None, ces=score)
    _answer(survey, 35, nps=None, csat=5)

    response = client_for(owner).get(_url(organization))

    overview = response.context["overview"]
    assert (overview.current.csat, overview.current.csat_answers) == (50, 4)
    assert (overview.previous.csat, overview.previous.csat_answers) == (100, 1)
    assert str(overview.current.ces) == "6.3"
    assert overview.previous.ces is None
    assert overview.current.nps is None
    html = response.content.decode()
    assert 'id="csat-current">50%<' in html
    assert 'id="ces-current">6.3<' in html
    assert 'id="nps-current">—<' in html


def test_overview_without_feedback_shows_dashes(organization, owner, client_for):
    response = client_for(owner).get(_url(organization))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="nps-current">—<' in html
    assert 'id="csat-current">—<' in html
    assert 'id="ces-current">—<' in html
    assert 'id="responses-current">0<' in html


def test_overview_breaks_numbers_down_per_channel(organization, owner, survey, client_for):
    for score in (9, 10, 6, 7):
        _answer(survey, 1, nps=score, channel=Channel.EMAIL)
    for score in (10, 10):
        _answer(survey, 1, nps=score, channel=Channel.SMS)
    _answer(survey, 1, nps=None, csat=4, channel=Channel.KIOSK)
    _answer(survey, 40, nps=0, channel=Channel.KIOSK)

    response = client_for(owner).get(_url(organization))

    rows = [(c.channel, c.responses, c.nps) for c in response.context["overview"].channels]
    assert rows == [("email", 4, 25), ("sms", 2, 100), ("kiosk", 1, None)]
    html = response.content.decode()
    assert (
        '<tr id="channel-email">\n          <th scope="row">Email</th>\n          <td>4</td>\n          <td>25</td>'
        in html
    )
    assert '<th scope="row">Kiosk</th>\n          <td>1</td>\n          <td>—</td>' in html


def test_latest_comments_are_escaped_and_newest_first(organization, owner, survey, client_for):
    _answer(survey, 3, nps=2, comment="Older comment")
    _answer(survey, 1, nps=9, comment='<script>alert("x")</script> & more', language="ru")
    _answer(survey, 0, nps=8, comment="")

    response = client_for(owner).get(_url(organization))

    comments = [r.comment for r in response.context["overview"].latest_comments]
    assert comments == ['<script>alert("x")</script> & more', "Older comment"]
    html = response.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert '<script>alert("x")' not in html
    assert '<td lang="ru">' in html
    assert "NPS 9" in html


def test_latest_comments_show_the_time_in_the_users_time_zone(organization, make_member, survey, client_for):
    member = make_member(organization, Role.VIEWER, email="jakarta@acme.test", timezone="Asia/Jakarta")
    received = (timezone.now() - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    ResponseFactory(organization=organization, survey=survey, nps=9, comment="Bagus", received_at=received)

    html = client_for(member).get(_url(organization)).content.decode()

    local = received.astimezone(ZoneInfo("Asia/Jakarta"))
    assert f'<time datetime="{local.isoformat()}">' in html
    assert local.isoformat().endswith("T17:00:00+07:00")


def test_latest_comments_are_limited_to_ten(organization, owner, survey, client_for):
    for minute in range(12):
        _answer(survey, 1, nps=9, comment=f"Comment {minute}")

    response = client_for(owner).get(_url(organization))

    assert len(response.context["overview"].latest_comments) == 10


def test_outsider_gets_404(organization, outsider, client_for):
    assert client_for(outsider).get(_url(organization)).status_code == 404


def test_anonymous_is_sent_to_sign_in(organization, client):
    response = client.get(_url(organization))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_other_organisations_feedback_is_not_counted(organization, other_organization, owner, client_for):
    ResponseFactory(organization=other_organization, nps=0, received_at=timezone.now())

    overview = client_for(owner).get(_url(organization)).context["overview"]

    assert (overview.current.responses, overview.current.nps) == (0, None)


def test_restricted_member_sees_only_their_touchpoints_numbers(organization, owner, make_member, client_for):
    mine = TouchpointFactory(organization=organization, name="Delivery")
    other = TouchpointFactory(organization=organization, name="Checkout")
    delivery_survey = SurveyFactory(organization=organization, touchpoint=mine)
    checkout_survey = SurveyFactory(organization=organization, touchpoint=other)
    for score in (10, 9):
        _answer(delivery_survey, 1, nps=score, comment="Fast delivery")
    for score in (0, 1):
        _answer(checkout_survey, 1, nps=score, comment="Checkout broke")
    # Feedback without a survey counts through its touchpoint.
    ResponseFactory(
        organization=organization,
        survey=None,
        touchpoint=mine,
        nps=None,
        csat=5,
        channel=Channel.APP_REVIEW,
        received_at=timezone.now() - timedelta(days=1),
    )
    manager = make_member(organization, Role.CX_MANAGER, email="emea@acme.test")
    with organization_context(organization):
        access_group_save(
            organization=organization,
            actor=owner,
            name="EMEA",
            member_ids=[manager.pk],
            survey_ids=[],
            touchpoint_ids=[mine.pk],
            team_ids=[],
        )

    restricted = client_for(manager).get(_url(organization))
    everyone = client_for(owner).get(_url(organization))

    limited = restricted.context["overview"]
    assert (limited.current.responses, limited.current.nps, limited.current.csat) == (3, 100, 100)
    assert [c.comment for c in limited.latest_comments] == ["Fast delivery", "Fast delivery"]
    assert "Checkout broke" not in restricted.content.decode()
    full = everyone.context["overview"]
    assert (full.current.responses, full.current.nps) == (5, 0)


def test_number_of_queries_does_not_grow_with_the_data(
    organization, owner, make_member, survey, client_for, django_assert_max_num_queries
):
    manager = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    with organization_context(organization):
        access_group_save(
            organization=organization,
            actor=owner,
            name="Limited",
            member_ids=[manager.pk],
            survey_ids=[survey.pk],
            touchpoint_ids=[survey.touchpoint_id],
            team_ids=[],
        )
    for index, channel in enumerate([Channel.WEB, Channel.EMAIL, Channel.SMS, Channel.KIOSK] * 10):
        _answer(survey, index % 50, nps=index % 11, channel=channel, comment=f"Comment {index}")
    owner_client, manager_client = client_for(owner), client_for(manager)

    with django_assert_max_num_queries(9):
        assert owner_client.get(_url(organization)).status_code == 200
    with django_assert_max_num_queries(13):
        assert manager_client.get(_url(organization)).status_code == 200


def test_member_limited_to_teams_only_sees_no_feedback(organization, owner, make_member, survey, client_for):
    _answer(survey, 1, nps=10, comment="Visible to everyone else")
    agent = make_member(organization, Role.AGENT, email="agent@acme.test")
    team = TeamFactory(organization=organization)
    with organization_context(organization):
        access_group_save(
            organization=organization,
            actor=owner,
            name="Team only",
            member_ids=[agent.pk],
            survey_ids=[],
            touchpoint_ids=[],
            team_ids=[team.pk],
        )

    response = client_for(agent).get(_url(organization))

    overview = response.context["overview"]
    assert (overview.current.responses, overview.current.nps) == (0, None)
    assert (overview.channels, overview.latest_comments) == ([], [])
    assert "Visible to everyone else" not in response.content.decode()


@pytest.mark.parametrize(
    ("promoters", "detractors", "answers", "expected"),
    [(1, 0, 8, 13), (0, 1, 8, -13), (2, 1, 3, 33), (0, 0, 0, None), (3, 3, 7, 0)],
)
def test_nps_is_rounded_half_away_from_zero(promoters, detractors, answers, expected):
    assert nps_of(promoters=promoters, detractors=detractors, answers=answers) == expected
