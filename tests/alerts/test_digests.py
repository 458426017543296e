from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from feedback.alerts.models import AlertDigestEntry
from feedback.alerts.services import alert_digest_send, alert_digests_send, alert_rules_evaluate
from feedback.alerts.tasks import digests_task

pytestmark = pytest.mark.django_db

NOON = datetime(2030, 5, 1, 12, 20, tzinfo=UTC)


@pytest.fixture
def hourly_rules(make_rule, lead, organization, make_member):
    daily = make_member(organization, "agent", email="dana@acme.test")
    recipients = [{"member": lead.pk, "frequency": "hourly"}, {"member": daily.pk, "frequency": "daily"}]
    return [
        make_rule(name="Detractors", actions=[{"type": "email", "recipients": recipients}]),
        make_rule(
            name="Everything",
            conditions={"match": "all", "conditions": []},
            actions=[{"type": "email", "recipients": recipients}],
        ),
    ]


def test_one_digest_email_per_recipient_carries_every_due_entry(hourly_rules, make_response, lead, jane):
    first, second = make_response(nps=2, contact=jane), make_response(nps=9)
    alert_rules_evaluate(response=first, now=NOON)
    alert_rules_evaluate(response=second, now=NOON + timedelta(minutes=5))

    assert alert_digests_send(now=datetime(2030, 5, 1, 12, 59, tzinfo=UTC)) == 0
    assert alert_digests_send(now=datetime(2030, 5, 1, 13, 0, tzinfo=UTC)) == 1

    [message] = mail.outbox
    assert (message.to, message.subject) == (["lead@acme.test"], "[Alerts] 3 alerts for Acme")
    assert message.body.count("/o/acme/feedback/responses/") == 3
    assert "Detractors: NPS 2 · Jane Doe" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert AlertDigestEntry.all_orgs.filter(recipient=lead, sent_at__isnull=True).count() == 0


def test_a_digest_is_sent_once(hourly_rules, make_response):
    alert_rules_evaluate(response=make_response(), now=NOON)
    at = datetime(2030, 5, 1, 13, 1, tzinfo=UTC)

    sent = [alert_digests_send(now=at), alert_digests_send(now=at + timedelta(minutes=1))]

    assert (sent, len(mail.outbox)) == ([1, 0], 1)


def test_the_daily_digest_goes_out_at_eight(hourly_rules, make_response):
    alert_rules_evaluate(response=make_response(), now=NOON)

    assert alert_digests_send(now=datetime(2030, 5, 2, 7, 59, tzinfo=UTC)) == 1  # the hourly one
    assert alert_digests_send(now=datetime(2030, 5, 2, 8, 0, tzinfo=UTC)) == 1
    assert [m.to for m in mail.outbox] == [["lead@acme.test"], ["dana@acme.test"]]
    assert mail.outbox[1].subject == "[Alerts] 2 alerts for Acme"


def test_entries_claimed_by_another_run_are_left_alone_until_the_claim_is_stale(
    hourly_rules, make_response, lead
):
    alert_rules_evaluate(response=make_response(), now=NOON)
    at = datetime(2030, 5, 1, 13, 1, tzinfo=UTC)
    AlertDigestEntry.all_orgs.filter(recipient=lead).update(claimed_at=at)

    assert alert_digest_send(recipient_id=lead.pk, now=at + timedelta(minutes=1)) is False
    assert alert_digest_send(recipient_id=lead.pk, now=at + timedelta(minutes=6)) is True
    assert len(mail.outbox) == 1


def test_the_digest_task_runs_the_due_digests(hourly_rules, make_response):
    alert_rules_evaluate(response=make_response(), now=datetime(2020, 1, 1, 12, 0, tzinfo=UTC))

    assert digests_task() == 2
