import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from feedback.alerts.models import AlertDelivery, AlertDeliveryStatus, AlertRule
from feedback.alerts.services import alert_rules_evaluate
from tests import factories
from tests.alerts.conftest import T0

pytestmark = pytest.mark.django_db


def url(name, *args, org="acme"):
    return reverse(f"feedback:{name}", args=[org, *args])


def rule_post(**overrides):
    data = {
        "name": "Detractors",
        "description": "",
        "active": "on",
        "conditions-match": "all",
        "conditions-r0-group": "0",
        "conditions-r0-field": "nps",
        "conditions-r0-op": "lte",
        "conditions-r0-value": "6",
        "email_addresses": "",
        "webhook_url": "",
        "slack_url": "",
        "teams_url": "",
        "ticket_priority": "normal",
        "cooldown_minutes": "0",
        "cooldown_scope": "contact",
        "quiet_hours_start": "",
        "quiet_hours_end": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_manager_creates_a_rule_from_the_form(client_for, lead):
    response = client_for(lead).post(
        url("alert_rule_create"),
        rule_post(
            email_members=[str(lead.pk)], email_addresses="ops@acme.test", ticket="on", ticket_priority="high"
        ),
    )

    assert response.status_code == 302
    rule = AlertRule.all_orgs.get()
    assert (rule.name, rule.conditions, rule.actions, rule.created_by_id) == (
        "Detractors",
        {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
        [
            {
                "type": "email",
                "recipients": [
                    {"member": lead.pk, "frequency": "immediate"},
                    {"email": "ops@acme.test", "frequency": "immediate"},
                ],
            },
            {"type": "ticket", "priority": "high"},
        ],
        lead.user_id,
    )
    assert AuditEvent.all_orgs.filter(action="alert_rule.created").count() == 1


def test_the_form_pages_render(client_for, lead, make_rule):
    rule = make_rule()
    client = client_for(lead)

    pages = [client.get(url("alert_rule_create")), client.get(url("alert_rule_edit", rule.pk))]

    assert [page.status_code for page in pages] == [200, 200]
    assert "Detractors" in pages[1].content.decode()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({}, "Choose at least one thing to do when the rule matches."),
        (
            {"slack_url": "http://example.com/hook"},
            "Slack: Use an https:// URL. Plain http is allowed only for localhost.",
        ),
        ({"email_addresses": "not-an-address"}, "Email: “not-an-address” is not a valid email address."),
        ({"ticket": "on", "conditions-r0-value": "eleven"}, "NPS"),
        (
            {"ticket": "on", "quiet_hours_start": "22:00"},
            "Give both the start and the end of quiet hours, or neither.",
        ),
        ({"ticket": "on", "cooldown_minutes": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"ticket": "on", "name": ""}, "This field is required."),
        ({"ticket": "on", "email_members": ["999999"]}, "Select a valid choice."),
    ],
)
def test_bad_posts_show_errors_not_500(client_for, lead, overrides, error):
    response = client_for(lead).post(url("alert_rule_create"), rule_post(**overrides))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert AlertRule.all_orgs.count() == 0


def test_a_member_listed_for_two_frequencies_is_refused(client_for, lead):
    response = client_for(lead).post(
        url("alert_rule_create"), rule_post(email_members=[str(lead.pk)], email_hourly=[str(lead.pk)])
    )
    assert (response.status_code, "Choose one way to email each member." in response.content.decode()) == (
        200,
        True,
    )


def test_editing_keeps_the_webhook_secret(client_for, lead, make_rule):
    rule = make_rule(actions=[{"type": "webhook", "url": "https://example.com/hook"}])
    secret = rule.actions[0]["secret"]

    response = client_for(lead).post(
        url("alert_rule_edit", rule.pk), rule_post(name="Renamed", webhook_url="https://example.com/other")
    )

    rule.refresh_from_db()
    assert response.status_code == 302
    assert (rule.name, rule.actions) == (
        "Renamed",
        [{"type": "webhook", "url": "https://example.com/other", "secret": secret}],
    )


def test_toggle_and_delete(client_for, lead, make_rule):
    rule = make_rule()
    client = client_for(lead)

    client.post(url("alert_rule_toggle", rule.pk))
    rule.refresh_from_db()
    assert rule.active is False
    client.post(url("alert_rule_delete", rule.pk))
    assert AlertRule.all_orgs.count() == 0


def test_the_list_describes_each_rule(client_for, lead, make_rule):
    make_rule(actions=[{"type": "ticket"}])

    page = client_for(lead).get(url("alert_rule_list")).content.decode()

    assert ("NPS ≤ 6" in page, "Open a ticket" in page) == (True, True)


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_may_not_manage_rules(client_for, make_member, organization, make_rule, role):
    rule = make_rule()
    client = client_for(make_member(organization, role))

    statuses = [
        client.get(url("alert_rule_list")).status_code,
        client.get(url("alert_rule_create")).status_code,
        client.get(url("alert_rule_edit", rule.pk)).status_code,
        client.post(url("alert_rule_toggle", rule.pk)).status_code,
        client.post(url("alert_rule_delete", rule.pk)).status_code,
        client.get(url("alert_delivery_list")).status_code,
    ]

    assert statuses == [403] * 6
    assert AlertRule.all_orgs.filter(active=True).count() == 1


def test_another_organisations_rules_and_deliveries_are_404(
    client_for, outsider, make_rule, make_response, lead
):
    rule = make_rule(actions=[{"type": "ticket"}])
    alert_rules_evaluate(response=make_response(), now=T0)
    delivery = AlertDelivery.all_orgs.get()
    AlertDelivery.all_orgs.filter(pk=delivery.pk).update(status=AlertDeliveryStatus.FAILED)
    client = client_for(outsider)

    statuses = [
        client.get(url("alert_rule_list")).status_code,
        client.get(url("alert_rule_edit", rule.pk, org="globex")).status_code,
        client.post(url("alert_rule_edit", rule.pk, org="globex"), rule_post(ticket="on")).status_code,
        client.post(url("alert_rule_toggle", rule.pk, org="globex")).status_code,
        client.post(url("alert_rule_delete", rule.pk, org="globex")).status_code,
        client.post(url("alert_delivery_retry", delivery.pk, org="globex")).status_code,
    ]

    assert statuses == [404] * 6
    assert (AlertRule.all_orgs.get().active, AlertDelivery.all_orgs.get().status) == (True, "failed")


def test_the_delivery_log_filters_by_status_and_retries_a_failed_delivery(
    client_for, lead, make_rule, make_response, broker
):
    make_rule(actions=[{"type": "ticket"}, {"type": "slack", "url": "https://hooks.example.com/x"}])
    alert_rules_evaluate(response=make_response(), now=T0)
    failed = AlertDelivery.all_orgs.get(channel="slack")
    AlertDelivery.all_orgs.filter(pk=failed.pk).update(
        status=AlertDeliveryStatus.FAILED, last_error="HTTP 500: boom"
    )
    client = client_for(lead)

    page = client.get(url("alert_delivery_list"), {"status": "failed"})
    retry = client.post(url("alert_delivery_retry", failed.pk))

    assert [d.pk for d in page.context["deliveries"]] == [failed.pk]
    assert "HTTP 500: boom" in page.content.decode()
    assert retry.status_code == 302
    assert AlertDelivery.all_orgs.get(pk=failed.pk).status == AlertDeliveryStatus.PENDING


def test_the_response_page_shows_each_rule_its_trace_and_deliveries(
    client_for, lead, make_rule, make_response, organization
):
    make_rule(name="Detractors", actions=[{"type": "ticket"}])
    make_rule(
        name="Promoters",
        conditions={"match": "all", "conditions": [{"field": "nps", "op": "gte", "value": 9}]},
    )
    response = make_response(nps=3)
    alert_rules_evaluate(response=response, now=T0)
    viewer = factories.MembershipFactory(organization=organization, role=Role.VIEWER)

    page = client_for(viewer).get(reverse("feedback:response_detail", args=["acme", response.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    rows = page.context["alert_trace"]
    assert [(row.rule.name, row.match.outcome, [d.channel for d in row.deliveries]) for row in rows] == [
        ("Detractors", "fired", ["ticket"]),
        ("Promoters", "not_matched", []),
    ]
    assert ("NPS ≤ 6 (was 3)" in html, "NPS ≥ 9 (was 3)" in html, "Open a ticket" in html) == (
        True,
        True,
        True,
    )
