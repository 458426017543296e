from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.selectors import AccessScope
from analytics.filters import MetricFilters
from analytics.models import DailyRollup
from analytics.selectors import raw_reads, tally
from core.management.commands.seed_volume import seed_volume
from feedback.models import Channel, Response
from surveys.models import SurveyVersion
from surveys.selectors import version_definition
from textanalysis.models import Theme
from tickets.models import Ticket, TicketResponse

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)
COUNT = 2000


def seed() -> Organization:
    report = seed_volume(
        slug="volume", responses=COUNT, days=60, seed=3, password="Pa55-word-volume", now=NOW
    )
    return report.organization


# Seeding takes a few seconds, so each test checks several things on one seeded organisation.


def test_organisation_counts_times_and_scores(db: Any) -> None:
    seeded = seed()
    check_seeds_the_organisation_with_an_owner_who_can_sign_in(seeded)
    check_counts_and_shares(seeded)
    check_times_lie_within_the_period_and_in_order(seeded)
    check_scores_are_in_range_and_copied_from_the_answers(seeded)


def test_answers_comments_and_their_analysis(db: Any) -> None:
    seeded = seed()
    check_answers_use_the_question_keys_of_their_version(seeded)
    check_sentiment_and_themes_are_filled_for_comments(seeded)


def test_tickets_rollups_and_no_second_seed(db: Any) -> None:
    seeded = seed()
    check_tickets_for_about_half_a_percent_of_low_scores(seeded)
    check_rollups_equal_the_raw_totals(seeded)
    check_refuses_to_seed_twice(seeded)


def check_seeds_the_organisation_with_an_owner_who_can_sign_in(seeded: Organization) -> None:
    owner = Membership.all_orgs.select_related("user").get(organization=seeded, role=Role.OWNER)
    assert owner.user.email == "owner@volume.example.com"
    assert owner.user.check_password("Pa55-word-volume")
    assert seeded.timezone == "Europe/Berlin"


def check_counts_and_shares(seeded: Organization) -> None:
    responses = Response.all_orgs.filter(organization=seeded)
    counts = responses.aggregate(
        total=Count("pk"),
        unfinished=Count("pk", filter=Q(finished_at__isnull=True)),
        comments=Count("pk", filter=~Q(comment="")),
        languages=Count("language", distinct=True),
        channels=Count("channel", distinct=True),
    )
    assert counts["total"] == COUNT
    assert 0.01 * COUNT <= counts["unfinished"] <= 0.06 * COUNT  # ~3 %
    assert 0.2 * COUNT <= counts["comments"] <= 0.4 * COUNT  # ~30 %
    assert counts["languages"] == 4
    assert set(responses.values_list("language", flat=True).distinct()) == {"en", "ru", "zh-hans", "id"}
    assert set(responses.values_list("channel", flat=True).distinct()) <= set(Channel.values)
    assert counts["channels"] >= 8


def check_times_lie_within_the_period_and_in_order(seeded: Organization) -> None:
    responses = Response.all_orgs.filter(organization=seeded)
    assert not responses.filter(received_at__gt=NOW).exists()
    assert not responses.filter(received_at__lt=NOW - timedelta(days=61)).exists()
    assert not responses.filter(started_at__gt=NOW).exists()
    for started, finished, received in responses.values_list("started_at", "finished_at", "received_at"):
        assert started <= received
        if finished is not None:
            assert started < finished <= received


def check_scores_are_in_range_and_copied_from_the_answers(seeded: Organization) -> None:
    responses = Response.all_orgs.filter(organization=seeded)
    assert not responses.filter(Q(nps__gt=10) | Q(csat__lt=1) | Q(csat__gt=5) | Q(ces__lt=1) | Q(ces__gt=7))
    assert responses.filter(nps__isnull=False).count() > 300
    assert responses.filter(csat__isnull=False).count() > 300
    assert responses.filter(ces__isnull=False).count() > 100
    for answers, nps, csat, ces in responses.values_list("answers", "nps", "csat", "ces"):
        assert (answers.get("nps"), answers.get("csat"), answers.get("ces")) == (nps, csat, ces)


def check_answers_use_the_question_keys_of_their_version(seeded: Organization) -> None:
    versions = {v.pk: v for v in SurveyVersion.all_orgs.filter(organization=seeded)}
    assert len(versions) == 9  # the demo's live surveys
    keys = {pk: {q["key"] for q in version_definition(pk)["questions"]} for pk in versions}
    rows = Response.all_orgs.filter(organization=seeded).values_list(
        "survey_id", "survey_version_id", "answers", "comment", "ending", "finished_at"
    )
    with_survey = 0
    for survey_id, version_id, answers, comment, ending, finished_at in rows:
        if survey_id is None:
            assert version_id is None
            assert set(answers) <= {"nps", "csat", "ces", "comment"}
            continue
        with_survey += 1
        assert versions[version_id].survey_id == survey_id
        assert set(answers) <= keys[version_id]
        assert comment == (answers.get("comment") or "")
        assert (ending != "") == (finished_at is not None)
    assert with_survey > COUNT * 0.8


def check_sentiment_and_themes_are_filled_for_comments(seeded: Organization) -> None:
    responses = Response.all_orgs.filter(organization=seeded)
    theme_ids = set(Theme.all_orgs.filter(organization=seeded).values_list("pk", flat=True))
    assert theme_ids
    assert not responses.filter(comment="").exclude(sentiment="").exists()
    assert not responses.filter(comment="").exclude(theme_ids=[]).exists()
    commented = responses.exclude(comment="")
    assert not commented.filter(sentiment="").exists()
    assert set(commented.values_list("sentiment", flat=True).distinct()) == {
        "positive",
        "neutral",
        "negative",
    }
    used = {pk for ids in commented.values_list("theme_ids", flat=True) for pk in ids}
    assert used
    assert used <= theme_ids
    # The same comment in the same language always has the same analysis.
    seen: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for comment, language, sentiment, ids in commented.values_list(
        "comment", "language", "sentiment", "theme_ids"
    ):
        assert seen.setdefault((comment, language), (sentiment, ids)) == (sentiment, ids)


def check_tickets_for_about_half_a_percent_of_low_scores(seeded: Organization) -> None:
    tickets = Ticket.all_orgs.filter(organization=seeded).select_related("response")
    assert 3 <= tickets.count() <= 25  # 0.5 % of 2,000 = 10
    assert TicketResponse.all_orgs.filter(organization=seeded).count() == tickets.count()
    for ticket in tickets:
        response = ticket.response
        assert response is not None
        assert (
            (response.nps is not None and response.nps <= 6)
            or (response.csat is not None and response.csat <= 2)
            or (response.ces is not None and response.ces <= 3)
        )
        assert ticket.feedback_at == response.received_at
        if ticket.first_responded_at is not None:
            assert ticket.feedback_at < ticket.first_responded_at <= NOW
        if ticket.status == "new":
            assert ticket.first_responded_at is None
            assert ticket.resolved_at is None
        if ticket.recovered is not None:
            assert ticket.status in {"resolved", "closed"}
    assert len(set(tickets.values_list("reply_token", flat=True))) == tickets.count()


def check_rollups_equal_the_raw_totals(seeded: Organization) -> None:
    rollups = DailyRollup.all_orgs.filter(organization=seeded).aggregate(
        responses=Sum("responses"), finished=Sum("finished"), nps_n=Sum("nps_n"), comments=Sum("comments")
    )
    raw = Response.all_orgs.filter(organization=seeded).aggregate(
        responses=Count("pk"),
        finished=Count("finished_at"),
        nps_n=Count("nps"),
        comments=Count("pk", filter=~Q(comment="")),
    )
    assert rollups == raw
    scope = AccessScope(unrestricted=True)
    from_rollups = tally(organization=seeded, scope=scope, filters=MetricFilters())
    with raw_reads():
        from_raw = tally(organization=seeded, scope=scope, filters=MetricFilters())
    assert from_rollups == from_raw
    assert from_rollups.responses == COUNT


def check_refuses_to_seed_twice(seeded: Organization) -> None:
    with pytest.raises(CommandError, match="already holds 2,000 responses"):
        call_command("seed_volume", "--org", "volume", "--responses", "10", stdout=StringIO())
    assert Response.all_orgs.filter(organization=seeded).count() == COUNT


def test_the_command_prints_its_timings(db: Any) -> None:
    out = StringIO()
    call_command("seed_volume", "--org", "small", "--responses", "50", "--days", "5", stdout=out)
    printed = out.getvalue()
    assert "50 responses" in printed
    assert "Seeded /o/small/" in printed
    assert Response.all_orgs.filter(organization__slug="small").count() == 50
