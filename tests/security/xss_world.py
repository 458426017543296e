"""An organisation whose every free-text field holds a stored-XSS payload (tests/security/test_stored_xss.py).

``build_world`` of the tenancy matrix makes one of everything an organisation page points at; this module
then writes a payload into every text a user or a respondent can fill, through the services where they
validate (the survey definition, ticket notes, board share labels) and straight into the rows elsewhere:
whatever is stored must render as text, whichever door it came in by.

Each field gets its own marker (``x07``) and every payload of that field sets ``window.__xss`` to it, so a
failure names the field (``MARKERS["x07"] == "survey.name"``). Payloads combine as many vectors as the
field's length allows, starting from a different vector for each field, so short fields share the work.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models

from accounts.models import AccessGroup, ApiKey, AuditEvent, Membership, Organization, Team, User
from tests.test_tenancy_matrix import build_world

# {m} is the field's marker. Each vector escapes a different context: element content, a double-quoted
# attribute, an unquoted one, a <textarea>, a single-quoted JavaScript string and a <script> element
# holding JSON (json_script).
VECTORS = (
    "<script>window.__xss='{m}'</script>",
    '"><img src=x onerror="window.__xss=\'{m}\'">',
    "<svg onload=window.__xss='{m}'>",
    "</textarea><script>window.__xss='{m}'</script>",
    "'-(window.__xss='{m}')-'",
    "</script><svg onload=window.__xss='{m}'>",
    "{{{{7*7}}}}",
)
LINK = "javascript:window.__xss='{m}'"


@dataclass
class Payloads:
    """Hands out one payload per field and remembers which marker belongs to which field."""

    markers: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def __call__(self, name: str, max_length: int | None = None) -> str:
        if name in self.values:
            return self.values[name]
        marker = f"x{len(self.markers):02d}"
        self.markers[marker] = name
        limit = max_length or 10_000
        start = len(self.markers) % len(VECTORS)
        text = ""
        for n in range(len(VECTORS)):
            vector = VECTORS[(start + n) % len(VECTORS)].format(m=marker)
            if len(text) + len(vector) <= limit:
                text += vector
        self.values[name] = text or VECTORS[2].format(m=marker)[:limit]
        return self.values[name]

    def link(self, name: str) -> str:
        marker = f"x{len(self.markers):02d}"
        self.markers[marker] = name
        self.values[name] = LINK.format(m=marker)
        return self.values[name]

    def named(self, text: str) -> list[str]:
        """The fields whose marker appears in ``text``."""
        return sorted({name for marker, name in self.markers.items() if f"'{marker}'" in text})


def _fill(payloads: Payloads, model: type[models.Model], org: Organization, *names: str) -> None:
    """Write a payload into each named text field of every row of ``model`` in ``org``."""
    manager = cast(Any, model).all_orgs  # every model here is a tenant model
    values = {}
    for name in names:
        model_field = model._meta.get_field(name)
        values[name] = payloads(f"{model._meta.model_name}.{name}", getattr(model_field, "max_length", None))
    manager.filter(organization=org).update(**values)


def xss_definition(
    payloads: Payloads, *, prefix: str = "survey", widget_only: bool = False, layout: str = "one_per_screen"
) -> dict[str, Any]:
    """A survey definition with a payload in every text a survey can show, one question of each kind
    (``widget_only``: of each kind the widget and the kiosk run)."""
    from widgets.targeting import WIDGET_QUESTION_TYPES

    def text(name: str) -> dict[str, str]:
        return {"en": payloads(f"{prefix}.{name}")}

    def choices(name: str, count: int = 2) -> list[dict[str, Any]]:
        return [{"key": f"c{n}", "label": text(f"{name}[{n}]")} for n in range(count)]

    questions: list[dict[str, Any]] = [
        {
            "key": "nps",
            "type": "nps",
            "text": text("nps.text"),
            "description": text("nps.description"),
            "options": {"low_label": text("nps.low_label"), "high_label": text("nps.high_label")},
        },
        {
            "key": "pick",
            "type": "single_choice",
            "text": text("pick.text"),
            "choices": choices("pick.choices"),
            "options": {"allow_other": True},
        },
        {"key": "many", "type": "multiple_choice", "text": text("many.text"), "choices": choices("many")},
        {"key": "drop", "type": "dropdown", "text": text("drop.text"), "choices": choices("drop")},
        {
            "key": "why",
            "type": "text",
            "text": text("why.text"),
            "options": {"variant": "long", "placeholder": text("why.placeholder")},
        },
        {
            "key": "grid",
            "type": "matrix",
            "text": text("grid.text"),
            "rows": choices("grid.rows", 1),
            "columns": choices("grid.columns", 2),
        },
        {"key": "rank", "type": "ranking", "text": text("rank.text"), "choices": choices("rank")},
        {"key": "agree", "type": "consent", "text": text("agree.text"), "options": {"label": text("agree")}},
        {"key": "card", "type": "info", "text": text("card.text")},
    ]
    return {
        "schema": 1,
        "base_language": "en",
        "languages": ["en"],
        "hidden_fields": ["plan"],
        "questions": [q for q in questions if not widget_only or q["type"] in WIDGET_QUESTION_TYPES],
        "endings": [
            {"key": "thanks", "type": "message", "title": text("ending.title"), "text": text("ending.text")}
        ],
        "theme": {"brand_color": "#0b5cad", "mode": "light"},
        "settings": {"layout": layout, "progress": True},
    }


@dataclass
class XssWorld:
    org: Organization
    owner: Membership
    ids: dict[str, Any]
    payloads: Payloads
    survey_public_id: str
    # Widget-type questions only, all on one page: the kiosk runs it, and the hosted page's other layout.
    kiosk_public_id: str
    board_token: str
    unsubscribe_token: str


def build_xss_world(slug: str = "xss") -> XssWorld:
    from campaigns.models import Campaign, CampaignMessage
    from contacts.models import ContactImport, ContactList, Segment, Suppression
    from contacts.services.suppression import unsubscribe_token
    from core.tenancy import organization_context
    from dashboards.board.services import board_share_create
    from dashboards.models import BoardShare, Dashboard, Tile
    from feedback.alerts.models import AlertDelivery, AlertRule
    from feedback.models import Contact, ImportJob, Response
    from sms.models import SmsMessage
    from surveys.models import JourneyStage, Survey, SurveyVersion, Touchpoint
    from surveys.services import survey_create, survey_publish, survey_save_draft
    from textanalysis.models import Tag, Theme
    from tickets.models import (
        BusinessCalendar,
        CannedResponse,
        Holiday,
        Notification,
        RootCause,
        RoutingRule,
        SavedView,
        SlaPolicy,
        Ticket,
    )
    from tickets.services.messages import ticket_add_note, ticket_log_contact
    from webhooks.models import WebhookDelivery, WebhookEndpoint
    from widgets.models import Site

    world = build_world(slug)
    org: Organization = world["org"]  # type: ignore[assignment]
    owner: Membership = world["owner"]  # type: ignore[assignment]
    ids: dict[str, Any] = world["ids"]  # type: ignore[assignment]
    p = Payloads()

    Organization.objects.filter(pk=org.pk).update(name=p("organization.name", 120))
    User.objects.filter(memberships__organization=org).update(name=p("user.name", 150))
    org.refresh_from_db()
    owner.refresh_from_db()
    _fill(p, Team, org, "name", "description")
    _fill(p, AccessGroup, org, "name", "description")
    _fill(p, ApiKey, org, "name")
    _fill(p, Site, org, "name", "button_label")
    _fill(p, JourneyStage, org, "name")
    _fill(p, Touchpoint, org, "name", "description")
    _fill(p, Survey, org, "name")
    _fill(p, Contact, org, "name", "external_id")
    Contact.all_orgs.filter(organization=org).update(
        attributes={p("contact.attributes key", 40): p("contact.attributes value")}
    )
    _fill(p, ImportJob, org, "original_name", "failure_reason")
    _fill(p, ContactImport, org, "original_name", "failure_reason")
    _fill(p, AlertRule, org, "name", "description")
    AlertRule.all_orgs.filter(organization=org).update(
        conditions={
            "match": "all",
            "conditions": [
                {"field": "text", "op": "contains", "value": p("alertrule.conditions value", 200)}
            ],
        }
    )
    _fill(p, AlertDelivery, org, "target", "last_error")
    _fill(p, SmsMessage, org, "body", "error")
    _fill(p, ContactList, org, "name", "description")
    _fill(p, Segment, org, "name", "description")
    _fill(p, Suppression, org, "hint", "detail")
    _fill(p, Dashboard, org, "name")
    _fill(p, Tile, org, "title")
    _fill(p, WebhookEndpoint, org, "name")
    _fill(p, WebhookDelivery, org, "last_error")
    WebhookDelivery.all_orgs.filter(organization=org).update(
        payload={"comment": p("webhookdelivery.payload")}
    )
    _fill(p, BusinessCalendar, org, "name")
    _fill(p, Holiday, org, "name")
    _fill(p, SlaPolicy, org, "name")
    _fill(p, RoutingRule, org, "name")
    _fill(p, RootCause, org, "name")
    _fill(p, Ticket, org, "subject", "outcome_note")
    _fill(p, CannedResponse, org, "name", "body")
    _fill(p, SavedView, org, "name")
    _fill(p, Theme, org, "name")
    Theme.all_orgs.filter(organization=org).update(keywords={"en": [p("theme.keywords", 80)]})
    _fill(p, Tag, org, "name")
    _fill(p, Campaign, org, "name")
    _fill(p, CampaignMessage, org, "subject", "body")

    with organization_context(org):
        survey = Survey.all_orgs.get(pk=ids["survey_id"])
        survey = survey_save_draft(
            survey=survey, definition=xss_definition(p), revision=survey.draft_revision, actor=owner.user
        )
        survey_publish(survey=survey, actor=owner, note=p("surveyversion.note", 200))
        survey.refresh_from_db()
        SurveyVersion.all_orgs.filter(organization=org).update(definition=copy.deepcopy(survey.draft))
        kiosk = survey_create(
            organization=org,
            name=p("kiosk survey.name", 200),
            touchpoint=survey.touchpoint,
            created_by=owner.user,
            definition=xss_definition(p, prefix="kiosk", widget_only=True, layout="all_on_one"),
        )
        survey_publish(survey=kiosk, actor=owner)
        ticket = Ticket.all_orgs.get(pk=ids["ticket_id"])
        ticket_add_note(ticket=ticket, actor=owner, body=p("ticketmessage.note"))
        ticket_log_contact(ticket=ticket, actor=owner, body=p("ticketmessage.contact"))
        board_token = board_share_create(actor=owner, label=p("boardshare.label", 120)).token
    _fill(p, BoardShare, org, "label")
    Notification.all_orgs.create(
        organization=org, recipient=owner, kind="assigned", ticket=ticket, text=p("notification.text", 500)
    )
    AuditEvent.all_orgs.filter(organization=org).update(
        actor_label=p("auditevent.actor_label", 254), target_label=p("auditevent.target_label", 254)
    )
    contact = Contact.all_orgs.filter(organization=org).first()
    assert contact is not None
    Response.all_orgs.filter(organization=org).update(
        contact=contact,
        survey_version=survey.current_version,
        answers={
            "nps": 3,
            "pick": "other",
            "pick_other": p("response.answers.pick_other", 200),
            "why": p("response.answers.why"),
            "many": ["c0", "c1"],
            "drop": "c0",
        },
        comment=p("response.comment"),
        hidden_fields={"plan": p("response.hidden_fields.plan", 200)},
        meta={
            "url": p.link("response.meta.url"),
            "referrer": p("response.meta.referrer", 200),
            "device": p("response.meta.device", 200),
        },
        keywords=[p("response.keywords", 80)],
    )
    return XssWorld(
        org=org,
        owner=owner,
        ids=ids,
        payloads=p,
        survey_public_id=survey.public_id,
        kiosk_public_id=kiosk.public_id,
        board_token=board_token,
        unsubscribe_token=unsubscribe_token(organization_id=org.pk, contact_id=contact.pk),
    )
