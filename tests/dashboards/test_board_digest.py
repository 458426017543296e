"""The weekly digest: opt in and out, sent on Monday from 08:00 organisation-local exactly once per
week, in the member's language, with the member's access scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from accounts.roles import Role
from accounts.services import access_group_save
from analytics.services import rollups_rebuild
from dashboards.board.digest import digest_send, digests_due, weekly_digests
from dashboards.board.tasks import weekly_digests_task
from dashboards.models import DigestSubscription
from tests.dashboards.test_board import LINK_SCORES, THEME_NAME
from tests.factories import ResponseFactory, SurveyFactory
from textanalysis.models import Theme

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def local(organization, *args):
    """A moment in the organisation's time zone, as an aware datetime."""
    return datetime(*args, tzinfo=ZoneInfo(organization.timezone))


def subject_of(message):
    # The header is folded (and encoded: it holds an en dash); compare it unfolded.
    return " ".join(str(message["Subject"]).split())


def opt_in(client, organization):
    return client.post(
        reverse("dashboards:digest_settings", kwargs={"org_slug": organization.slug}), {"weekly": "on"}
    )


def test_a_member_opts_in_and_out(organization, viewer, client_for):
    client = client_for(viewer)
    url = reverse("dashboards:digest_settings", kwargs={"org_slug": organization.slug})
    assert client.get(url).status_code == 200
    assert not DigestSubscription.all_orgs.exists()

    assert opt_in(client, organization).status_code == 302
    assert DigestSubscription.all_orgs.get(membership=viewer).weekly is True
    assert "checked" in client.get(url).content.decode()

    client.post(url, {})
    assert DigestSubscription.all_orgs.get(membership=viewer).weekly is False


def test_the_digest_is_sent_on_monday_morning_exactly_once(organization, owner, client_for, smtp_sink):
    organization.timezone = "Asia/Jakarta"
    organization.save()
    opt_in(client_for(owner), organization)
    monday = local(organization, 2026, 11, 16, 8, 5)

    assert digests_due(now=local(organization, 2026, 11, 16, 7, 55)) == []
    # Missed on Monday, still sent on Wednesday; from Thursday on, that week is skipped.
    assert digests_due(now=local(organization, 2026, 11, 18, 23, 0)) != []
    assert digests_due(now=local(organization, 2026, 11, 19, 9, 0)) == []
    # 08:05 in Jakarta is 01:05 UTC on the same Monday.
    assert weekly_digests(now=monday) == 1
    assert weekly_digests(now=monday + timedelta(hours=1)) == 0
    assert weekly_digests(now=monday + timedelta(days=7)) == 1

    messages = smtp_sink.wait_for(2)
    assert [m["To"] for m in messages] == ["owner@acme.test", "owner@acme.test"]
    first = messages[0]
    assert subject_of(first) == "Weekly CX digest for Acme: 11/09/2026 – 11/15/2026"
    assert DigestSubscription.all_orgs.get(membership=owner).last_week_sent.isoformat() == "2026-11-23"


def test_two_runs_at_once_send_once(organization, owner, client_for, smtp_sink):
    opt_in(client_for(owner), organization)
    monday = local(organization, 2026, 11, 16, 9, 0)
    due = digests_due(now=monday)

    sent = [digest_send(subscription_id=pk, now=monday) for pk in due + due]

    assert sent == [True, False]
    assert len(smtp_sink.wait_for(1)) == 1


@pytest.fixture
def last_week(organization):
    """Responses of the week of Monday 9 November 2026: ten at Checkout (NPS 30), two detractors at the
    Help desk, one of them about a theme whose name holds a script tag."""
    buy, support = SurveyFactory(organization=organization), SurveyFactory(organization=organization)
    theme = Theme.all_orgs.create(organization=organization, name=THEME_NAME)
    received = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
    for score in LINK_SCORES:
        ResponseFactory(organization=organization, survey=buy, nps=score, received_at=received)
    for score in (2, 5):
        ResponseFactory(
            organization=organization,
            survey=support,
            nps=score,
            received_at=received,
            sentiment="negative",
            theme_ids=[theme.pk],
        )
    rollups_rebuild(organization=organization)
    return buy, support


MONDAY = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)


def test_the_digest_carries_the_numbers_in_the_members_language(
    organization, make_member, client_for, smtp_sink, last_week
):
    member = make_member(organization, Role.VIEWER, email="ru@acme.test", language="ru")
    opt_in(client_for(member), organization)

    assert weekly_digests(now=MONDAY) == 1

    message = smtp_sink.wait_for(1)[0]
    assert message["Content-Language"] == "ru"
    with translation.override("ru"):
        subject = translation.gettext("Weekly CX digest for %(organization)s: %(start)s – %(end)s") % {
            "organization": "Acme",
            "start": formats.date_format(date(2026, 11, 9), "SHORT_DATE_FORMAT"),
            "end": formats.date_format(date(2026, 11, 15), "SHORT_DATE_FORMAT"),
        }
    assert subject_of(message) == subject
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert '<html lang="ru">' in html
    assert f"{settings.SITE_URL}/o/acme/insights/board/" in text
    # 5 promoters, 4 detractors of 12: NPS 8; the week before is empty.
    assert "NPS: 8 " in text
    assert "Delivery &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;: 2" in html
    assert '<script>alert("x")' not in html


def test_the_digest_respects_the_members_access_scope(
    organization, owner, make_member, client_for, smtp_sink, last_week
):
    _buy, support = last_week
    member = make_member(organization, Role.CX_MANAGER, email="support@acme.test")
    access_group_save(
        organization=organization,
        actor=owner,
        name="Help desk only",
        member_ids=[member.pk],
        survey_ids=[support.pk],
        touchpoint_ids=[],
        team_ids=[],
    )
    opt_in(client_for(member), organization)
    opt_in(client_for(owner), organization)

    assert weekly_digests(now=MONDAY) == 2

    texts = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp_sink.wait_for(2)}
    assert "NPS: 8 " in texts["owner@acme.test"]
    assert "NPS: -100 " in texts["support@acme.test"]
    assert "2 answers" in texts["support@acme.test"]


def test_the_task_is_registered_for_the_beat():
    from cxplatform.celery import app

    assert weekly_digests_task.name == "dashboards.weekly_digests"
    assert "dashboards.weekly_digests" in app.tasks
