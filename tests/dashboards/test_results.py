from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.selectors import AccessScope
from accounts.services import access_group_save
from analytics.filters import MetricFilters
from analytics.metrics import estimate
from analytics.selectors import crosstab, org_today, question_stats, tally
from analytics.services import rollups_rebuild
from core.tenancy import organization_context
from dashboards.views.results import format_value
from feedback.models import Channel
from tests.factories import ResponseFactory, SurveyFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

EVERYONE = AccessScope(unrestricted=True)


def _url(organization, survey, **query):
    url = reverse("dashboards:results", args=[organization.slug, survey.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _answer(survey, days_ago, **fields):
    today = org_today(survey.organization)
    when = datetime.combine(
        today - timedelta(days=days_ago), time(12), ZoneInfo(survey.organization.timezone)
    )
    nps = fields.pop("nps", None)
    answers = fields.pop("answers", {"nps": nps} if nps is not None else {})
    return ResponseFactory(
        organization=survey.organization,
        survey=survey,
        survey_version=survey.current_version,
        touchpoint=fields.pop("touchpoint", survey.touchpoint),
        received_at=when,
        started_at=when,
        nps=nps,
        answers=answers,
        **fields,
    )


@pytest.fixture
def answered(live_survey):
    """Last 30 days: NPS 10, 9, 9, 7, 3 (P=3, D=1, N=5 → 40); one web detractor; an older promoter."""
    for score in (10, 9, 9, 7):
        _answer(live_survey, 2, nps=score, channel=Channel.LINK, finished_at=None)
    _answer(
        live_survey,
        3,
        nps=3,
        channel=Channel.WEB,
        answers={"nps": 3, "why": "Slow"},
        comment="Slow",
        hidden_fields={"plan": "pro"},
    )
    _answer(live_survey, 100, nps=10)
    rollups_rebuild(organization=live_survey.organization)
    return live_survey


def test_results_show_the_numbers_of_the_read_layer(organization, owner, answered, client_for):
    response = client_for(owner).get(_url(organization, answered))

    assert response.status_code == 200
    today = org_today(organization)
    filters = MetricFilters(start=today - timedelta(days=29), end=today, survey_ids=(answered.pk,))
    with organization_context(organization):
        expected = tally(organization=organization, scope=EVERYONE, filters=filters)
        stats = question_stats(
            organization=organization, scope=EVERYONE, filters=filters, survey=answered, language="en"
        )
    assert response.context["current"] == expected
    assert (expected.responses, expected.nps_n, expected.promoters, expected.detractors) == (5, 5, 3, 1)
    nps = response.context["headline"][0].current
    assert (nps.metric, nps.value, nps.n, nps.groups) == ("nps", "40", 5, (3, 1, 1))
    assert nps.value == format_value("nps", estimate(expected, "nps").value)
    assert [q.stats for q in response.context["questions"]] == stats
    assert [(q.stats.key, q.stats.answered) for q in response.context["questions"]] == [
        ("nps", 5),
        ("why", 1),
        ("email", 0),
    ]
    # Drop-off at "why" = 1 − 1/5.
    assert response.context["questions"][1].drop_off == "80%"
    html = response.content.decode()
    assert 'id="metric-nps"' in html
    assert '<p class="stat">40</p>' in html


def test_filters_narrow_the_numbers(organization, owner, answered, client_for):
    client = client_for(owner)

    web = client.get(_url(organization, answered, channel="web")).context["current"]
    pro = client.get(_url(organization, answered, hidden_name="plan", hidden_value="pro")).context["current"]
    detractors = client.get(_url(organization, answered, score_group="detractor")).context["current"]
    year = client.get(_url(organization, answered, period="365d")).context["current"]

    assert (web.responses, web.detractors) == (1, 1)
    assert (pro.responses, pro.detractors) == (1, 1)
    assert (detractors.responses, detractors.nps_n) == (1, 1)
    assert (year.responses, year.promoters) == (6, 4)


def test_bad_filter_values_are_form_errors_not_500(organization, owner, answered, client_for):
    query = {
        "period": "custom",
        "start": "yesterday",
        "end": "2020-13-45",
        "channel": "carrier-pigeon",
        "touchpoint": "999999",
        "stage": "abc",
        "tag": "-1",
        "theme": "x",
        "hidden_name": "nope",
        "hidden_value": "1",
        "sentiment": "angry",
        "score_group": "everyone",
        "compare": "sideways",
        "xt_rows": "channel",
        "xt_columns": "channel",
        "xt_metric": "mood",
        "before": "notanumber",
        "b_period": "forever",
    }

    response = client_for(owner).get(_url(organization, answered, **query))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {
        "start",
        "end",
        "channel",
        "touchpoint",
        "stage",
        "tag",
        "theme",
        "hidden_name",
        "hidden_value",
        "sentiment",
        "score_group",
    }
    assert set(response.context["options_form"].errors) == {"compare", "xt_columns", "xt_metric"}
    # The bad filters are dropped: the default period of the whole survey.
    assert response.context["current"].responses == 5
    assert 'id="filter-errors"' in response.content.decode()


def test_custom_period_must_be_in_order(organization, owner, answered, client_for):
    today = org_today(organization)
    response = client_for(owner).get(
        _url(
            organization,
            answered,
            period="custom",
            start=today.isoformat(),
            end=(today - timedelta(days=3)).isoformat(),
        )
    )

    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["The last day must not be before the first day."]


def test_custom_period_counts_inclusive_days(organization, owner, answered, client_for):
    today = org_today(organization)
    start, end = today - timedelta(days=3), today - timedelta(days=3)

    response = client_for(owner).get(
        _url(organization, answered, period="custom", start=start.isoformat(), end=end.isoformat())
    )

    assert response.context["current"].responses == 1


def test_previous_period_change_is_marked_only_when_significant(organization, owner, live_survey, client_for):
    # This week 25 promoters and 5 detractors (67), the week before the other way round (−67).
    for index in range(30):
        _answer(live_survey, 1, nps=10 if index < 25 else 1)
        _answer(live_survey, 10, nps=1 if index < 25 else 10)
    rollups_rebuild(organization=organization)

    response = client_for(owner).get(_url(organization, live_survey, period="7d", compare="previous"))

    row = response.context["headline"][0]
    assert (row.current.value, row.other.value) == ("67", "-67")
    assert (row.change.significant, row.change.direction, row.change.delta) == (True, "up", "+133")
    assert 'class="change change-up"' in response.content.decode()


def test_small_change_is_not_marked(organization, owner, live_survey, client_for):
    _answer(live_survey, 1, nps=10)
    _answer(live_survey, 10, nps=8)
    rollups_rebuild(organization=organization)

    response = client_for(owner).get(_url(organization, live_survey, period="7d", compare="previous"))

    row = response.context["headline"][0]
    assert (row.current.value, row.other.value, row.change.significant) == ("100", "0", False)
    assert 'class="change change-' not in response.content.decode()


def test_segment_comparison_shows_both_side_by_side(organization, owner, answered, client_for):
    response = client_for(owner).get(
        _url(organization, answered, channel="link", compare="segment", b_channel="web")
    )

    row = response.context["headline"][0]
    assert (row.current.value, row.current.n, row.other.value, row.other.n) == ("75", 4, "-100", 1)
    assert response.context["other"].responses == 1
    assert "Segment B" in response.content.decode()


def test_crosstab_cells_show_value_and_n(organization, owner, answered, client_for):
    response = client_for(owner).get(_url(organization, answered, xt_rows="channel", xt_columns="language"))

    today = org_today(organization)
    filters = MetricFilters(start=today - timedelta(days=29), end=today, survey_ids=(answered.pk,))
    with organization_context(organization):
        rows, columns, _cells = crosstab(
            organization=organization, scope=EVERYONE, filters=filters, rows="channel", columns="language"
        )
    table = response.context["xt_table"]
    assert [row.key for row, _cells in table] == [row.key for row in rows]
    assert {row.key: cells for row, cells in table} == {"link": [("75", 4)], "web": [("-100", 1)]}
    assert [c.key for c in response.context["xt_columns"]] == [c.key for c in columns] == ["en"]


def test_comments_are_escaped_and_link_to_the_response(organization, owner, live_survey, client_for):
    hostile = _answer(
        live_survey, 1, nps=2, comment="<script>alert(1)</script><b>x</b>", sentiment="negative"
    )

    response = client_for(owner).get(_url(organization, live_survey))

    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<b>x</b>" not in html
    assert reverse("feedback:response_detail", args=[organization.slug, hostile.pk]) in html
    assert '<span class="badge badge-danger">Negative</span>' in html


def test_comment_feed_pages_with_before_id(organization, owner, live_survey, client_for):
    made = [_answer(live_survey, 1, nps=5, comment=f"Comment {i}") for i in range(23)]
    client = client_for(owner)

    first = client.get(_url(organization, live_survey))
    older_query = first.context["feed_older"]
    second = client.get(f"{_url(organization, live_survey)}?{older_query}")

    assert [i.response.pk for i in first.context["feed"]] == [r.pk for r in reversed(made)][:20]
    assert [i.response.pk for i in second.context["feed"]] == [r.pk for r in reversed(made)][20:]
    assert second.context["feed_older"] == ""


def test_restricted_member_sees_only_their_surveys_and_data(
    organization, owner, live_survey, make_member, client_for
):
    other_survey = SurveyFactory(organization=organization, name="Other")
    elsewhere = TouchpointFactory(organization=organization, name="Elsewhere")
    _answer(live_survey, 1, nps=10)
    _answer(live_survey, 1, nps=0, touchpoint=elsewhere)
    _answer(other_survey, 1, nps=0)
    rollups_rebuild(organization=organization)
    member = make_member(organization, Role.VIEWER, email="limited@acme.test")
    with organization_context(organization):
        access_group_save(
            organization=organization,
            actor=owner,
            name="Checkout only",
            member_ids=[member.pk],
            survey_ids=[],
            touchpoint_ids=[live_survey.touchpoint_id],
            team_ids=[],
        )
    client = client_for(member)

    index = client.get(reverse("dashboards:results_index", args=[organization.slug]))
    mine = client.get(_url(organization, live_survey))
    theirs = client.get(_url(organization, other_survey))
    everything = client_for(owner).get(_url(organization, live_survey))

    assert [(row.survey.pk, row.responses) for row in index.context["rows"]] == [(live_survey.pk, 1)]
    assert (mine.context["current"].responses, mine.context["current"].promoters) == (1, 1)
    assert everything.context["current"].responses == 2
    assert theirs.status_code == 404


def test_outsiders_and_anonymous_get_nothing(organization, live_survey, outsider, client_for):
    from django.test import Client

    assert client_for(outsider).get(_url(organization, live_survey)).status_code == 404
    assert Client().get(_url(organization, live_survey)).status_code == 302


def test_another_organisations_survey_is_404(organization, owner, other_organization, client_for):
    foreign = SurveyFactory(organization=other_organization)

    assert client_for(owner).get(_url(organization, foreign)).status_code == 404


def test_index_lists_surveys_with_response_counts(organization, owner, answered, client_for):
    empty = SurveyFactory(organization=organization, name="Aaa empty")

    response = client_for(owner).get(reverse("dashboards:results_index", args=[organization.slug]))

    assert [(row.survey.pk, row.responses) for row in response.context["rows"]] == [
        (empty.pk, 0),
        (answered.pk, 6),
    ]


def test_results_page_query_count_is_bounded(
    organization, owner, answered, client_for, django_assert_max_num_queries
):
    client = client_for(owner)
    client.get(_url(organization, answered))
    for index in range(30):
        _answer(answered, index, nps=index % 11, comment=f"More {index}", channel=Channel.EMAIL)
    rollups_rebuild(organization=organization)

    with django_assert_max_num_queries(26):
        response = client.get(_url(organization, answered, compare="previous", sentiment="negative"))

    assert response.status_code == 200
