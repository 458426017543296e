from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from core.models import OutboxEvent
from core.outbox import outbox_process
from feedback.alerts.actions import validate_actions
from feedback.alerts.models import (
    AlertDelivery,
    AlertDeliveryStatus,
    AlertDigestEntry,
    AlertMatch,
    MatchOutcome,
)
from feedback.alerts.services import (
    alert_rule_set_active,
    alert_rules_evaluate,
    digest_due_at,
    quiet_hours_end,
)
from feedback.services.submit import record_response_events
from tests import factories
from tests.alerts.conftest import T0

pytestmark = pytest.mark.django_db


def outcomes(response):
    return list(
        AlertMatch.all_orgs.filter(response=response)
        .order_by("rule__position")
        .values_list("rule__name", "outcome")
    )


def deliveries(response):
    return list(
        AlertDelivery.all_orgs.filter(response=response)
        .order_by("channel")
        .values_list("channel", "status", "target", "held")
    )


def test_a_matching_rule_fires_with_its_trace_and_one_delivery_per_action(
    make_rule, make_response, lead, receiver, django_capture_on_commit_callbacks
):
    rule = make_rule(
        actions=[
            {"type": "email", "recipients": [{"member": lead.pk}, {"email": "ops@acme.test"}]},
            {"type": "webhook", "url": receiver.url},
        ]
    )
    response = make_response(nps=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        matches = alert_rules_evaluate(response=response, now=T0)

    assert [(m.rule_id, m.outcome) for m in matches] == [(rule.pk, MatchOutcome.FIRED)]
    assert matches[0].trace == [{"label": "NPS ≤ 6 (was 3)", "result": True, "depth": 0}]
    assert deliveries(response) == [
        ("email", AlertDeliveryStatus.PENDING, "lead@acme.test, ops@acme.test", False),
        ("webhook", AlertDeliveryStatus.PENDING, "127.0.0.1", False),
    ]
    assert len(callbacks) == 1


def test_a_rule_that_does_not_match_is_traced_and_does_nothing(make_rule, make_response):
    make_rule()
    response = make_response(nps=9)

    alert_rules_evaluate(response=response, now=T0)

    assert outcomes(response) == [("Detractors", MatchOutcome.NOT_MATCHED)]
    assert AlertMatch.all_orgs.get(response=response).trace == [
        {"label": "NPS ≤ 6 (was 9)", "result": False, "depth": 0}
    ]
    assert deliveries(response) == []


def test_handling_the_event_twice_gives_one_match_and_one_delivery_per_channel(
    make_rule, make_response, lead
):
    make_rule(actions=[{"type": "email", "recipients": [{"member": lead.pk}]}, {"type": "ticket"}])
    response = make_response(nps=2)
    record_response_events(response=response, created=True, finished=True)
    event = OutboxEvent.all_orgs.get(topic="response.finished")

    outbox_process(event.pk)
    OutboxEvent.all_orgs.filter(pk=event.pk).update(processed_at=None)  # as if delivered again
    outbox_process(event.pk)

    assert AlertMatch.all_orgs.filter(response=response).count() == 1
    assert sorted(AlertDelivery.all_orgs.filter(response=response).values_list("channel", flat=True)) == [
        "email",
        "ticket",
    ]


def test_an_unfinished_response_is_not_evaluated(make_rule, make_response):
    make_rule()
    response = make_response(nps=0, finished=False)

    assert alert_rules_evaluate(response=response, now=T0) == []
    assert AlertMatch.all_orgs.count() == 0


def test_inactive_rules_are_skipped_and_rules_run_in_order(make_rule, make_response, lead):
    first = make_rule(name="First")
    second = make_rule(name="Second", conditions={"match": "all", "conditions": []})
    off = make_rule(name="Off")
    alert_rule_set_active(rule=off, actor=lead, active=False)
    response = make_response(nps=8)

    alert_rules_evaluate(response=response, now=T0)

    assert (first.position, second.position) == (0, 1)
    assert outcomes(response) == [("First", MatchOutcome.NOT_MATCHED), ("Second", MatchOutcome.FIRED)]


def test_cooldown_per_contact_skips_the_same_contact_but_not_another(
    make_rule, make_response, organization, jane
):
    make_rule(cooldown_minutes=60)
    other = factories.ContactFactory(organization=organization)
    first, again, someone_else = (
        make_response(contact=jane),
        make_response(contact=jane),
        make_response(contact=other),
    )

    alert_rules_evaluate(response=first, now=T0)
    alert_rules_evaluate(response=again, now=T0 + timedelta(minutes=59))
    alert_rules_evaluate(response=someone_else, now=T0 + timedelta(minutes=59))

    assert [outcomes(r)[0][1] for r in (first, again, someone_else)] == [
        MatchOutcome.FIRED,
        MatchOutcome.COOLDOWN,
        MatchOutcome.FIRED,
    ]
    assert AlertMatch.all_orgs.get(response=again).cooldown_key == str(jane.pk)
    assert deliveries(again) == []


def test_cooldown_ends_after_its_minutes(make_rule, make_response, jane):
    make_rule(cooldown_minutes=60)
    first, later = make_response(contact=jane), make_response(contact=jane)

    alert_rules_evaluate(response=first, now=T0)
    alert_rules_evaluate(response=later, now=T0 + timedelta(minutes=61))

    assert outcomes(later) == [("Detractors", MatchOutcome.FIRED)]


def test_cooldown_per_rule_quiets_the_rule_for_everyone(make_rule, make_response, organization, jane):
    make_rule(cooldown_minutes=30, cooldown_scope="rule")
    other = factories.ContactFactory(organization=organization)
    first, second, anonymous = make_response(contact=jane), make_response(contact=other), make_response()

    for response in (first, second, anonymous):
        alert_rules_evaluate(response=response, now=T0 + timedelta(minutes=5))

    assert [outcomes(r)[0][1] for r in (first, second, anonymous)] == [
        MatchOutcome.FIRED,
        MatchOutcome.COOLDOWN,
        MatchOutcome.COOLDOWN,
    ]


def test_anonymous_responses_are_not_cooled_down_per_contact(make_rule, make_response):
    make_rule(cooldown_minutes=60)
    first, second = make_response(), make_response()

    alert_rules_evaluate(response=first, now=T0)
    alert_rules_evaluate(response=second, now=T0)

    assert [outcomes(r)[0][1] for r in (first, second)] == [MatchOutcome.FIRED, MatchOutcome.FIRED]


def test_quiet_hours_hold_email_and_chat_until_they_end_in_the_organisation_time_zone(
    make_rule, make_response, lead, receiver, organization
):
    organization.timezone = "Europe/Berlin"
    organization.save()
    make_rule(
        actions=[
            {"type": "email", "recipients": [{"member": lead.pk}]},
            {"type": "slack", "url": receiver.url},
            {"type": "webhook", "url": receiver.url},
        ],
        quiet_hours_start=time(22, 0),
        quiet_hours_end=time(7, 0),
    )
    response = make_response()
    late_evening = datetime(2030, 5, 1, 21, 30, tzinfo=UTC)  # 23:30 in Berlin (CEST)

    alert_rules_evaluate(response=response, now=late_evening)

    rows = {d.channel: d for d in AlertDelivery.all_orgs.filter(response=response)}
    seven_berlin = datetime(2030, 5, 2, 5, 0, tzinfo=UTC)
    assert (rows["email"].held, rows["email"].next_attempt_at, rows["email"].enqueued_at) == (
        True,
        seven_berlin,
        None,
    )
    assert (rows["slack"].held, rows["slack"].next_attempt_at) == (True, seven_berlin)
    assert (rows["webhook"].held, rows["webhook"].next_attempt_at) == (False, late_evening)


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        (time(22), time(7), datetime(2030, 5, 1, 23, 0, tzinfo=UTC), datetime(2030, 5, 2, 7, tzinfo=UTC)),
        (time(22), time(7), datetime(2030, 5, 2, 3, 0, tzinfo=UTC), datetime(2030, 5, 2, 7, tzinfo=UTC)),
        (time(22), time(7), datetime(2030, 5, 2, 7, 0, tzinfo=UTC), None),
        (time(12), time(14), datetime(2030, 5, 2, 13, 59, tzinfo=UTC), datetime(2030, 5, 2, 14, tzinfo=UTC)),
        (time(12), time(14), datetime(2030, 5, 2, 11, 59, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_end(make_rule, start, end, now, expected):
    rule = make_rule(quiet_hours_start=start, quiet_hours_end=end)
    from zoneinfo import ZoneInfo

    assert quiet_hours_end(rule, now, ZoneInfo("UTC")) == expected


def test_digest_recipients_get_an_entry_instead_of_the_immediate_email(
    make_rule, make_response, lead, organization, make_member
):
    tokyo = make_member(organization, "agent", email="kenji@acme.test", timezone="Asia/Tokyo")
    make_rule(
        actions=[
            {
                "type": "email",
                "recipients": [
                    {"member": lead.pk, "frequency": "hourly"},
                    {"member": tokyo.pk, "frequency": "daily"},
                ],
            }
        ]
    )
    response = make_response()
    now = datetime(2030, 5, 1, 12, 20, tzinfo=UTC)

    alert_rules_evaluate(response=response, now=now)

    entries = dict(AlertDigestEntry.all_orgs.values_list("recipient_id", "due_at"))
    assert entries == {
        lead.pk: datetime(2030, 5, 1, 13, 0, tzinfo=UTC),
        tokyo.pk: datetime(2030, 5, 1, 23, 0, tzinfo=UTC),  # 08:00 on 2 May in Tokyo
    }
    assert deliveries(response) == [("email", AlertDeliveryStatus.SKIPPED, "", False)]


def test_digest_due_times_follow_the_recipient_time_zone():
    from zoneinfo import ZoneInfo

    india = ZoneInfo("Asia/Kolkata")  # UTC+5:30: the hour boundary is at :30 UTC
    assert digest_due_at("hourly", datetime(2030, 5, 1, 12, 20, tzinfo=UTC), india) == datetime(
        2030, 5, 1, 12, 30, tzinfo=UTC
    )
    assert digest_due_at("daily", datetime(2030, 5, 1, 1, 0, tzinfo=UTC), ZoneInfo("UTC")) == datetime(
        2030, 5, 1, 8, 0, tzinfo=UTC
    )
    assert digest_due_at("daily", datetime(2030, 5, 1, 8, 0, tzinfo=UTC), ZoneInfo("UTC")) == datetime(
        2030, 5, 2, 8, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ([{"type": "sms"}], "Each action must be one of email, webhook, Slack, Teams or ticket."),
        (
            [{"type": "slack", "url": "http://example.com/x"}],
            "Slack: Use an https:// URL. Plain http is allowed only for localhost.",
        ),
        ([{"type": "ticket"}, {"type": "ticket"}], "Open a ticket: only one action per channel."),
        ([{"type": "email", "recipients": []}], "Email: add at least one recipient."),
        (
            [{"type": "email", "recipients": [{"email": "not an address"}]}],
            "Email: “not an address” is not a valid email address.",
        ),
        (
            [{"type": "email", "recipients": [{"email": "a@b.test", "frequency": "daily"}]}],
            "Email: digests are for members; other addresses get alerts at once.",
        ),
        ([{"type": "ticket", "priority": "whenever"}], "Open a ticket: choose a priority from the list."),
        ("email", "Actions must be a list."),
    ],
)
def test_bad_actions_are_refused_with_a_message_naming_the_channel(organization, actions, message):
    with pytest.raises(ValidationError) as caught:
        validate_actions(actions, organization=organization)
    assert caught.value.messages == [message]


def test_another_organisations_member_cannot_be_a_recipient(organization, outsider):
    with pytest.raises(ValidationError) as caught:
        validate_actions(
            [{"type": "email", "recipients": [{"member": outsider.pk}]}], organization=organization
        )
    assert caught.value.messages == ["Email: a recipient is not a member of this organisation."]


def test_a_webhook_action_gets_a_signing_secret(organization):
    actions = validate_actions(
        [{"type": "webhook", "url": "https://example.com/hook"}], organization=organization
    )
    assert actions[0]["secret"].startswith("whsec_")
    assert len(actions[0]["secret"]) > 40
