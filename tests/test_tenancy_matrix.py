"""Every URL, walked with owner, member, outsider and anonymous actors (healthchecks' trio, plus one).

Organisation pages (``/o/<org_slug>/...``) are found automatically, so a new page is covered the day
it is added; its URL keyword arguments must have a provider in ``object_ids`` below, or the test says
which one is missing. Every other URL must be listed in USER_LEVEL, PUBLIC or EXEMPT with a reason,
or ``test_every_url_is_covered`` fails.

For every organisation page:
- anonymous visitors are sent to sign in (GET and POST);
- an outsider (member of another organisation) gets 404 for GET and POST, and nothing changes;
- the other organisation's owner, using their own organisation in the URL with this organisation's
  object ids, gets 404 for GET and POST, and nothing changes;
- a viewer gets the page, a redirect, 403 or 405 — never 404 or a server error;
- the owner gets the page, a redirect or 405.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.roles import Role
from tests import factories

ORG_PREFIX = "o/<slug:org_slug>/"

# Pages about the signed-in person, not an organisation: anonymous visitors are sent to sign in.
USER_LEVEL = {
    "home",
    "organization_create",
    "organization_switch",
    "user_preferences",
}
# Deliberately open, each with its own tests.
PUBLIC = {
    "healthz": "liveness probe (tests/core/test_health.py)",
    "readyz": "readiness probe (tests/core/test_health.py)",
    "api_schema": "the OpenAPI description is public (tests/core/test_api_auth.py)",
    "api_docs": "the API docs are public (tests/core/test_api_auth.py)",
    "api_me": "secret-key API; keys of two organisations in tests/core/test_api_auth.py",
    "api_feedback": "secret-key API, keys of two organisations (tests/feedback/test_feedback_api.py)",
    "api_feedback_batch": "secret-key API, keys of two organisations (tests/feedback/test_feedback_api.py)",
    "api_responses": "secret-key API, keys of two organisations (tests/feedback/test_feedback_api.py)",
    "api_metrics": "secret-key API, keys of two organisations (tests/analytics/test_metrics_api.py)",
    "api_public_responses": "publishable-key ingestion, cookie-less by design (tests/feedback/test_public_api.py)",
    "api_public_config": "the widget config of a publishable key, cookie-less by design (tests/widgets/test_config.py)",
    "api_email_events": "the email provider's event webhook, shared bearer secret EMAIL_EVENTS_SECRET; off (404) when unset (tests/campaigns/test_email_events.py)",
    "api_sms_twilio_status": "Twilio delivery reports, signed with X-Twilio-Signature; 404 unless Twilio is configured (tests/sms/test_webhooks.py)",
    "api_sms_twilio_inbound": "Twilio inbound texts (STOP/START/HELP), signed with X-Twilio-Signature (tests/sms/test_webhooks.py)",
    "set_language": "Django's language cookie view",
    "language_set": "sets the language cookie; for a signed-in user also their own preference",
    "invitation_accept": "opened from an emailed token (tests/accounts/test_invitations.py)",
    "inbound_email": "the mail relay's bearer secret; the reply token finds the ticket (tests/tickets/test_inbound.py)",
}
PUBLIC_PREFIXES = {
    "s/": "the hosted link survey answers anyone with its public id (tests/surveys/test_public_views.py)",
    "accounts/": "allauth sign-in, sign-up, password and two-factor pages (tests/accounts/test_auth.py)",
    "admin/": "Django admin, staff only",
    "board/": "the board behind a revocable share token (tests/dashboards/test_board_share.py)",
    "u/": "one-click unsubscribe behind a signed token, RFC 8058 POST (tests/contacts/test_suppression.py)",
    "i/": "a contact's personal invitation link behind its token (tests/campaigns/test_links.py)",
    "static/": "static files",
}


def walk(patterns, prefix="", namespace=None) -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield prefix + str(pattern.pattern), name, pattern


ALL_ROUTES = list(walk(get_resolver().url_patterns))
ORG_ROUTES = [(route, name) for route, name, _ in ALL_ROUTES if route.startswith(ORG_PREFIX)]
KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def kwargs_of(route: str) -> list[str]:
    return KWARG.findall(route)


def url_for(route: str, values: dict[str, object]) -> str:
    return "/" + KWARG.sub(lambda m: str(values[m.group(1)]), route)


def test_every_url_is_covered():
    uncovered = [
        f"/{route} ({name or 'unnamed'})"
        for route, name, _ in ALL_ROUTES
        if not route.startswith(ORG_PREFIX)
        and name not in USER_LEVEL
        and name not in PUBLIC
        and not any(route.startswith(prefix) for prefix in PUBLIC_PREFIXES)
    ]

    assert uncovered == [], "Add these URLs to the tenancy matrix (USER_LEVEL, PUBLIC or EXEMPT):"


def test_organisation_pages_exist_to_walk():
    assert len(ORG_ROUTES) >= 25


def build_world(slug: str) -> dict[str, object]:
    """An organisation with one of everything an organisation page can point at."""
    from surveys.models import SurveyVersion

    org = factories.OrganizationFactory(slug=slug, name=slug.title())
    owner = factories.MembershipFactory(organization=org, role=Role.OWNER, user__email=f"owner@{slug}.test")
    viewer = factories.MembershipFactory(
        organization=org, role=Role.VIEWER, user__email=f"viewer@{slug}.test"
    )
    agent = factories.MembershipFactory(organization=org, role=Role.AGENT, user__email=f"agent@{slug}.test")
    team = factories.TeamFactory(organization=org)
    survey = factories.SurveyFactory(organization=org)
    version = SurveyVersion.all_orgs.create(
        organization=org, survey=survey, number=1, definition=survey.draft
    )
    invitation = apps.get_model("accounts", "Invitation").all_orgs.create(
        organization=org,
        email=f"new@{slug}.test",
        role=Role.AGENT,
        token_hash=f"{slug}-token".ljust(64, "0"),
        expires_at="2099-01-01T00:00:00Z",
    )
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.all_orgs.create(
        organization=org,
        name="Hook",
        url="https://hooks.example.com/cx",
        events=["response.finished"],
        secret=f"whsec_{slug}",
    )
    delivery = WebhookDelivery.all_orgs.create(
        organization=org, endpoint=endpoint, topic="response.finished", status="failed", attempts=6
    )
    site = factories.SiteFactory(organization=org)
    closed_loop = build_closed_loop(org, owner, survey, team)
    insights = build_insights(org, owner)
    distribution = build_distribution(org, survey)
    ids = {
        **closed_loop,
        **insights,
        **distribution,
        "org_slug": slug,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "membership_id": agent.pk,
        "invitation_id": invitation.pk,
        "team_id": team.pk,
        "group_id": factories.AccessGroupFactory(organization=org).pk,
        "key_id": factories.ApiKeyFactory(organization=org).pk,
        "site_id": site.pk,
        "intercept_id": factories.InterceptFactory(site=site, survey=survey).pk,
        "survey_id": survey.pk,
        "touchpoint_id": survey.touchpoint_id,
        "stage_id": survey.touchpoint.stage_id,
        "version_id": version.pk,
        "version_number": version.number,
        "response_id": factories.ResponseFactory(organization=org, survey=survey).pk,
        "job_id": apps.get_model("feedback", "ImportJob")
        .all_orgs.create(
            organization=org,
            original_name="reviews.csv",
            file_path=f"imports/{slug}/missing.csv",
            file_size=10,
            sha256="0" * 64,
            file_kind="csv",
            delimiter=",",
            columns=["comment"],
            total_rows=1,
        )
        .pk,
    }
    return {"org": org, "owner": owner, "viewer": viewer, "ids": ids}


def build_closed_loop(org, owner, survey, team) -> dict[str, object]:
    """Alert rules and deliveries, a ticket and its settings: rows behind the closed-loop pages."""
    from feedback.alerts.models import AlertDelivery, AlertRule
    from tickets.models import (
        BusinessCalendar,
        CannedResponse,
        Holiday,
        RootCause,
        RoutingRule,
        SavedView,
        SlaPolicy,
        Ticket,
    )

    response = factories.ResponseFactory(organization=org, survey=survey)
    rule = AlertRule.all_orgs.create(organization=org, name="Detractors", actions=[{"type": "ticket"}])
    alert_delivery = AlertDelivery.all_orgs.create(
        organization=org, rule=rule, response=response, channel="ticket", status="failed", attempts=6
    )
    calendar = BusinessCalendar.all_orgs.create(organization=org, name="Office")
    ticket = Ticket.all_orgs.create(
        organization=org, subject="Late delivery", response=response, reply_token=f"{org.slug}-ticket-token"
    )
    return {
        "rule_id": rule.pk,
        "alert_delivery_id": alert_delivery.pk,
        "ticket_id": ticket.pk,
        "action": "note",
        "root_cause_id": RootCause.all_orgs.create(organization=org, name="Delivery").pk,
        "canned_id": CannedResponse.all_orgs.create(organization=org, name="Sorry", body="Sorry!").pk,
        "routing_rule_id": RoutingRule.all_orgs.create(organization=org, name="All", team=team).pk,
        "view_id": SavedView.all_orgs.create(organization=org, name="Mine", owner=owner).pk,
        "calendar_id": calendar.pk,
        "holiday_id": Holiday.all_orgs.create(organization=org, calendar=calendar, date="2026-12-25").pk,
        "policy_id": SlaPolicy.all_orgs.create(organization=org, key="default", name="Default").pk,
    }


def build_insights(org, owner) -> dict[str, object]:
    """A share link, a dashboard with a tile, a theme, a tag and an export: rows behind the insights pages."""
    from dashboards.models import BoardShare, Dashboard, Tile
    from exports.models import ExportJob
    from textanalysis.models import Tag, Theme

    # Shared, so that a viewer reads it (a private one is missing for everyone but its owner).
    dashboard = Dashboard.all_orgs.create(organization=org, name="Weekly", owner=owner.user, shared=True)
    return {
        "share_id": BoardShare.all_orgs.create(
            organization=org, token_hash=hashlib.sha256(org.slug.encode()).hexdigest()
        ).pk,
        "dashboard_id": dashboard.pk,
        "tile_id": Tile.all_orgs.create(
            organization=org, dashboard=dashboard, kind="metric", config={"metric": "nps"}
        ).pk,
        "theme_id": Theme.all_orgs.create(
            organization=org, name="Delivery", keywords={"en": ["delivery"]}
        ).pk,
        "tag_id": Tag.all_orgs.create(organization=org, name="Follow up").pk,
        "export_id": ExportJob.all_orgs.create(
            organization=org, created_by=owner.user, membership=owner, kind="responses", file_format="csv"
        ).pk,
    }


def build_distribution(org, survey) -> dict[str, object]:
    """A contact in a list, a segment, a suppression, a contact import, a campaign with a message and an
    SMS: rows behind the contacts, campaigns and SMS pages."""
    from campaigns.models import Campaign, CampaignMessage
    from contacts.models import ContactImport, ContactList, ContactListMember, Segment, Suppression
    from feedback.models import Contact
    from sms.models import SmsMessage

    contact = Contact.all_orgs.create(organization=org, email=f"customer@{org.slug}.test", name="Customer")
    contact_list = ContactList.all_orgs.create(organization=org, name="Customers")
    ContactListMember.all_orgs.create(organization=org, contact_list=contact_list, contact=contact)
    campaign = Campaign.all_orgs.create(
        organization=org, name="November", survey=survey, channel="email", contact_list=contact_list
    )
    return {
        "contact_id": contact.pk,
        "list_id": contact_list.pk,
        "segment_id": Segment.all_orgs.create(
            organization=org, name="Everyone", rules={"match": "all", "conditions": []}
        ).pk,
        "suppression_id": Suppression.all_orgs.create(
            organization=org, channel="email", address_key=org.slug.ljust(64, "0"), reason="manual"
        ).pk,
        "contact_import_id": ContactImport.all_orgs.create(
            organization=org,
            original_name="contacts.csv",
            file_path=f"contact-imports/{org.slug}/missing.csv",
            file_size=10,
            sha256="0" * 64,
            file_kind="csv",
            delimiter=",",
            columns=["email"],
            total_rows=1,
        ).pk,
        "campaign_id": campaign.pk,
        "campaign_message_id": CampaignMessage.all_orgs.create(
            organization=org, campaign=campaign, language="en", subject="Hello", body="{survey_link}"
        ).pk,
        "sms_message_id": SmsMessage.all_orgs.create(
            organization=org, direction="out", to_number="+4915100000000", body="Hi", backend="console"
        ).pk,
    }


@pytest.fixture
def worlds(db):
    return build_world("alpha"), build_world("beta")


def fingerprint() -> str:
    """A digest of every tenant row and every user: any change made by a request alters it."""
    digest = hashlib.sha256()
    models = [m for m in apps.get_models() if any(f.name == "organization" for f in m._meta.fields)]
    models += [apps.get_model("accounts", "Organization"), apps.get_model("accounts", "User")]
    for model in sorted(models, key=lambda m: m._meta.label):
        rows = list(model._base_manager.order_by("pk").values())
        for row in rows:
            row.pop("last_login", None)
        digest.update(json.dumps([model._meta.label, rows], default=str, sort_keys=True).encode())
    return digest.hexdigest()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ROUTE_IDS = [name or route for route, name in ORG_ROUTES]


@pytest.mark.parametrize(("route", "name"), ORG_ROUTES, ids=ROUTE_IDS)
def test_every_url_argument_has_a_provider(route, name):
    known = {
        "rule_id",
        "alert_delivery_id",
        "ticket_id",
        "action",
        "root_cause_id",
        "canned_id",
        "routing_rule_id",
        "view_id",
        "calendar_id",
        "holiday_id",
        "policy_id",
        "job_id",
        "endpoint_id",
        "delivery_id",
        "org_slug",
        "membership_id",
        "invitation_id",
        "team_id",
        "group_id",
        "key_id",
        "site_id",
        "intercept_id",
        "survey_id",
        "touchpoint_id",
        "stage_id",
        "version_id",
        "version_number",
        "response_id",
        "share_id",
        "dashboard_id",
        "tile_id",
        "theme_id",
        "tag_id",
        "export_id",
        "contact_id",
        "list_id",
        "segment_id",
        "suppression_id",
        "contact_import_id",
        "campaign_id",
        "campaign_message_id",
        "sms_message_id",
    }

    assert [arg for arg in kwargs_of(route) if arg not in known] == []


@pytest.mark.parametrize(("route", "name"), ORG_ROUTES, ids=ROUTE_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(worlds, route, name):
    alpha, _ = worlds
    url = url_for(route, alpha["ids"])

    responses = [Client().get(url), Client().post(url, {})]

    assert [(r.status_code, r["Location"].split("?")[0]) for r in responses] == [
        (302, "/accounts/login/")
    ] * 2


@pytest.mark.parametrize(("route", "name"), ORG_ROUTES, ids=ROUTE_IDS)
def test_an_outsider_sees_nothing_and_changes_nothing(worlds, route, name):
    alpha, beta = worlds
    client = client_for(beta["owner"].user)
    url = url_for(route, alpha["ids"])
    before = fingerprint()

    statuses = [client.get(url).status_code, client.post(url, {"name": "pwned", "role": "owner"}).status_code]

    assert (statuses, fingerprint()) == ([404, 404], before)


OBJECT_ROUTES = [(route, name) for route, name in ORG_ROUTES if len(kwargs_of(route)) > 1]


@pytest.mark.parametrize(("route", "name"), OBJECT_ROUTES, ids=[n or r for r, n in OBJECT_ROUTES])
def test_another_organisations_object_ids_answer_exactly_like_missing_ones(worlds, route, name):
    alpha, beta = worlds
    client = client_for(beta["owner"].user)
    own_slug = {"org_slug": beta["ids"]["org_slug"]}
    foreign = url_for(route, {**alpha["ids"], **own_slug})
    missing = url_for(route, {**dict.fromkeys(alpha["ids"], 987654321), **own_slug})
    before = fingerprint()

    answers = [
        (client.get(url).status_code, client.post(url, {"name": "pwned", "role": "owner"}).status_code)
        for url in (foreign, missing)
    ]

    # 404, or 405 where the method is wrong whatever the id: either way nothing tells the ids apart.
    assert (answers[0], set(answers[0]) <= {404, 405}, fingerprint()) == (answers[1], True, before)


@pytest.mark.parametrize(("route", "name"), ORG_ROUTES, ids=ROUTE_IDS)
def test_a_viewer_is_never_shown_a_missing_page_or_an_error(worlds, route, name):
    alpha, _ = worlds

    status = client_for(alpha["viewer"].user).get(url_for(route, alpha["ids"])).status_code

    assert status in {200, 302, 403, 405}


@pytest.mark.parametrize(("route", "name"), ORG_ROUTES, ids=ROUTE_IDS)
def test_the_owner_reaches_every_page(worlds, route, name):
    alpha, _ = worlds

    status = client_for(alpha["owner"].user).get(url_for(route, alpha["ids"])).status_code

    assert status in {200, 302, 405}


@pytest.mark.parametrize("name", sorted(USER_LEVEL))
def test_user_pages_send_anonymous_visitors_to_sign_in(db, name):
    route = next(route for route, route_name, _ in ALL_ROUTES if route_name == name)

    response = Client().get("/" + route)

    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")
