"""GET /api/v1/metrics: the numbers equal the analytics selectors' for the same filters, hand-computed
examples, access groups, and every kind of bad query answered with 400 in the contract's shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from accounts.models import AccessGroupMembership
from accounts.roles import Role
from accounts.selectors import AccessScope
from analytics import selectors
from analytics.filters import MetricFilters
from analytics.metrics import compare, estimate
from analytics.services import rollups_rebuild
from tests.factories import AccessGroupFactory, ResponseFactory, SurveyFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics"
EVERYTHING = AccessScope(unrestricted=True)


def get(key, query=""):
    return Client().get(f"{URL}?{query}" if query else URL, **key.headers)


@pytest.fixture
def key(owner, issue_api_key):
    return issue_api_key(owner, scopes=("read",))


@pytest.fixture
def world(organization):
    """Two surveys over three weeks of October 2026 (organisation time: Berlin), three channels."""
    organization.timezone = "Europe/Berlin"
    organization.save()
    web = SurveyFactory(organization=organization, name="Web")
    shop = SurveyFactory(organization=organization, name="Shop")
    start = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
    plan = [
        # (days after start, survey, channel, nps, csat, ces)
        (0, web, "web", 10, 5, 7),
        (0, web, "web", 9, 4, 6),
        (1, web, "email", 3, 2, 2),
        (2, shop, "email", 8, 4, 5),
        (3, shop, "link", 0, 1, 1),
        (7, web, "web", 10, 5, 7),
        (8, shop, "email", 6, 3, 4),
        (9, shop, "link", 9, None, None),
        (14, web, "email", 7, 5, 6),
        (15, shop, "web", 10, 4, 7),
        (16, shop, "link", 2, 2, 3),
        # the previous period (September)
        (-20, web, "web", 1, 1, 1),
        (-19, web, "email", 10, 5, 7),
    ]
    for offset, survey, channel, nps, csat, ces in plan:
        ResponseFactory(
            organization=organization,
            survey=survey,
            channel=channel,
            nps=nps,
            csat=csat,
            ces=ces,
            answers={"nps": nps},
            received_at=start + timedelta(days=offset),
        )
    # A late-evening response: 23:30 UTC on 25 October is already the 26th in Berlin (outside).
    ResponseFactory(
        organization=organization,
        survey=web,
        channel="web",
        nps=0,
        received_at=datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
    )
    rollups_rebuild(organization=organization)
    return {"web": web, "shop": shop}


def point(found):
    return {
        "value": round(found.value, 1) if found.value is not None else None,
        "n": found.n,
        "ci_low": round(found.ci_low, 1) if found.ci_low is not None else None,
        "ci_high": round(found.ci_high, 1) if found.ci_high is not None else None,
    }


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
def test_the_answer_equals_the_selectors_for_the_same_filters(organization, world, key, metric):
    filters = MetricFilters(
        start=date(2026, 10, 1),
        end=date(2026, 10, 25),
        survey_ids=(world["web"].pk, world["shop"].pk),
        channels=("web", "email", "link"),
    )
    previous = filters.with_period(date(2026, 9, 6), date(2026, 9, 30))
    current_tally = selectors.tally(organization=organization, scope=EVERYTHING, filters=filters)
    previous_tally = selectors.tally(organization=organization, scope=EVERYTHING, filters=previous)
    series = selectors.tally_series(
        organization=organization, scope=EVERYTHING, filters=filters, interval="week"
    )
    groups = selectors.tally_by(
        organization=organization, scope=EVERYTHING, filters=filters, group_by="channel"
    )
    change = compare(current_tally, previous_tally, metric)
    query = (
        f"metric={metric}&from=2026-10-01&to=2026-10-25&interval=week&group_by=channel"
        f"&survey={world['web'].public_id},{world['shop'].pk}&channel=web&channel=email,link"
    )

    answer = get(key, query)

    body = answer.json()
    assert answer.status_code == 200
    assert {k: body[k] for k in ("metric", "from", "to", "interval", "group_by")} == {
        "metric": metric,
        "from": "2026-10-01",
        "to": "2026-10-25",
        "interval": "week",
        "group_by": "channel",
    }
    assert {k: body[k] for k in ("value", "n", "ci_low", "ci_high")} == point(estimate(current_tally, metric))
    assert body["previous"] == {
        "value": point(estimate(previous_tally, metric))["value"],
        "n": estimate(previous_tally, metric).n,
    }
    assert body["change"] == {
        "delta": round(change.delta, 1) if change.delta is not None else None,
        "p_value": round(change.p_value, 4) if change.p_value is not None else None,
        "significant": change.significant,
    }
    assert body["series"] == [{"start": s.isoformat(), **point(estimate(t, metric))} for s, t in series]
    assert [
        (g["key"], g["label"], {k: g[k] for k in ("value", "n", "ci_low", "ci_high")}) for g in body["groups"]
    ] == [(g.key, g.label, point(estimate(g.tally, metric))) for g in groups]


def test_nps_by_hand_with_its_breakdown_series_and_groups(world, key):
    answer = get(key, "metric=nps&from=2026-10-01&to=2026-10-25&interval=week&group_by=survey")

    body = answer.json()
    # 11 answers in October: promoters 10, 9, 10, 9, 10 (5); passives 8, 7 (2); detractors 3, 0, 6, 2 (4).
    assert (body["value"], body["n"], body["breakdown"]) == (
        9.1,
        11,
        {"promoters": 5, "passives": 2, "detractors": 4},
    )
    # September: one promoter, one detractor.
    assert body["previous"] == {"value": 0.0, "n": 2}
    assert body["change"]["significant"] is False
    assert [(s["start"], s["n"], s["value"]) for s in body["series"]] == [
        ("2026-09-28", 0, None),
        ("2026-10-05", 5, 0.0),
        ("2026-10-12", 3, 33.3),
        ("2026-10-19", 3, 0.0),
    ]
    assert [(g["label"], g["n"], g["value"], [s["n"] for s in g["series"]]) for g in body["groups"]] == [
        ("Shop", 6, -16.7, [0, 2, 2, 2]),
        ("Web", 5, 40.0, [0, 3, 1, 1]),
    ]


def test_csat_and_ces_by_hand(world, key):
    csat = get(key, "metric=csat&from=2026-10-01&to=2026-10-25").json()
    ces = get(key, "metric=ces&from=2026-10-01&to=2026-10-25").json()

    # CSAT: 10 answers, 6 of them 4–5. CES: 10 answers summing 48; 6 of them 5–7.
    assert (csat["value"], csat["n"], csat["breakdown"]) == (60.0, 10, {"satisfied": 6})
    assert (ces["value"], ces["n"], ces["breakdown"]) == (4.8, 10, {"easy_share": 60.0})
    assert ("series" in csat, "groups" in csat, "series" in ces, "groups" in ces) == (
        False,
        False,
        False,
        False,
    )


def test_the_default_period_is_the_last_30_days_up_to_today(organization, key):
    today = selectors.org_today(organization)

    body = get(key, "metric=nps").json()

    assert (body["from"], body["to"], body["n"], body["value"], body["interval"], body["group_by"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
        0,
        None,
        None,
        None,
    )


def test_a_key_answers_within_its_creators_access_groups(organization, world, make_member, issue_api_key):
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    group = AccessGroupFactory(organization=organization)
    group.surveys.add(world["web"])
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    limited = issue_api_key(member, scopes=("read",))

    body = get(limited, "metric=nps&from=2026-10-01&to=2026-10-25&group_by=survey").json()

    assert (body["n"], [g["label"] for g in body["groups"]]) == (5, ["Web"])


def test_another_organisations_survey_is_unknown(world, outsider, issue_api_key):
    theirs = issue_api_key(outsider, scopes=("read",))

    answer = get(theirs, f"metric=nps&survey={world['web'].public_id}")

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "The request is not valid.",
            "errors": {"survey": [f"No survey has this id: {world['web'].public_id}."]},
        },
    )


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("", {"metric": ["This parameter is required: nps, csat or ces."]}),
        ("metric=ces_easy", {"metric": ["Choose one of: nps, csat, ces."]}),
        ("metric=nps&period=14d", {"period": ["Choose one of: 7d, 30d, 90d, 365d."]}),
        ("metric=nps&from=2026-01-01", {"to": ["Give both from and to."]}),
        ("metric=nps&to=2026-01-01", {"from": ["Give both from and to."]}),
        (
            "metric=nps&period=7d&from=2026-01-01&to=2026-01-02",
            {"period": ["Give either a period or from and to, not both."]},
        ),
        ("metric=nps&from=2026-02-30&to=2026-03-01", {"from": ["Enter a date as YYYY-MM-DD."]}),
        (
            "metric=nps&from=1999-12-31&to=2000-01-01",
            {"from": ["Enter a date as YYYY-MM-DD between 2000-01-01 and 2999-12-31."]},
        ),
        ("metric=nps&from=2026-03-02&to=2026-03-01", {"from": ["from must be on or before to."]}),
        ("metric=nps&from=2023-01-01&to=2026-01-02", {"to": ["A period covers at most three years."]}),
        (
            "metric=nps&from=2025-01-01&to=2026-01-02&interval=day",
            {"interval": ["A daily series covers at most 366 days; use week or month."]},
        ),
        ("metric=nps&interval=year", {"interval": ["Choose one of: day, week, month."]}),
        (
            "metric=nps&group_by=contact",
            {"group_by": ["Choose one of: channel, touchpoint, stage, language, survey."]},
        ),
        ("metric=nps&touchpoint=1,x", {"touchpoint": ["Give whole numbers above zero."]}),
        ("metric=nps&touchpoint=%C2%B2", {"touchpoint": ["Give whole numbers above zero."]}),
        ("metric=nps&survey=nope", {"survey": ["No survey has this id: nope."]}),
        (
            "metric=nps&channel=fax",
            {
                "channel": [
                    "Choose from: api, app_review, call_centre, chat, email, import, kiosk, link, sms, web."
                ]
            },
        ),
        ("metric=nps&language=xx", {"language": ["Choose from: en, id, ru, zh-hans."]}),
        (
            "metric=&period=1y&interval=hour",
            {
                "metric": ["This parameter is required: nps, csat or ces."],
                "period": ["Choose one of: 7d, 30d, 90d, 365d."],
                "interval": ["Choose one of: day, week, month."],
            },
        ),
    ],
)
def test_every_bad_query_gets_400_with_its_field(key, query, errors):
    answer = get(key, query)

    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "The request is not valid.", "errors": errors},
    )


@pytest.mark.parametrize(
    "query",
    [
        "metric=nps&survey=%00",
        "metric=nps&survey=" + "x" * 5000,
        "metric=nps&from=%00&to=%FF",
        "metric=nps&from=9999-12-31&to=9999-12-31",
        "metric=nps&from=%2B2026-01-01&to=2026-01-02",
        "metric=nps&touchpoint=99999999999999999999",
        "metric=nps&channel=" + ",".join(["web"] * 500),
        "metric=nps&language=%00",
        "metric=nps%00&period=%00",
        "metric=nps&from=2026-01-01T00:00&to=2026-01-02",
    ],
)
def test_no_query_string_gets_a_server_error(key, query):
    answer = get(key, query)

    assert (answer.status_code, set(answer.json())) == (400, {"detail", "errors"})


def test_the_key_needs_the_read_scope_and_must_be_valid(owner, issue_api_key):
    write_only = issue_api_key(owner, scopes=("write",))

    answers = [
        Client().get(f"{URL}?metric=nps"),
        Client().get(f"{URL}?metric=nps", HTTP_AUTHORIZATION="Bearer cx_sk_nope"),
        get(write_only, "metric=nps"),
    ]

    assert [a.status_code for a in answers] == [401, 401, 403]
    assert all(set(a.json()) == {"detail", "errors"} for a in answers)


def test_the_secret_key_rate_limit_applies(key, settings):
    settings.RATE_LIMIT_SECRET_KEY = "2/60"

    statuses = [get(key, "metric=nps").status_code for _ in range(3)]
    refused = get(key, "metric=nps")

    assert statuses == [200, 200, 429]
    assert (refused.json()["detail"], int(refused["Retry-After"]) > 0) == (
        "Too many requests. Try again later.",
        True,
    )


def test_the_endpoint_is_in_the_schema_with_its_parameters(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/metrics"]["get"]
    assert [p["name"] for p in operation["parameters"]] == [
        "channel",
        "from",
        "group_by",
        "interval",
        "language",
        "metric",
        "period",
        "survey",
        "to",
        "touchpoint",
    ]
    assert sorted(operation["responses"]) == ["200", "400", "401", "403", "429"]
