"""The closed loop in the demo: alert rules, teams with queues and business hours, SLA policies, routing,
root causes, canned replies, and tickets in every state, some close to or past their first-contact deadline.

Everything goes through the apps' services, as people in the app would: the alert engine evaluates the
tickets' feedback, tickets open through ``ticket_open_for_response`` (so they are routed and assigned and
their deadlines computed from when the feedback arrived), agents reply, wait, resolve and close, the
customer's emailed reply goes through the inbound service, a follow-up survey is answered, and the SLA scan
raises what is due. Email and chat deliveries are queued after commit, so with ``make run`` the worker
sends them to the local mailbox (and the Slack-compatible rule fails visibly: nothing listens on port 9).

The only time travel: a ticket's creation is dated to a minute after its feedback arrived, as if the alert
had opened it then (``demo_ticket_backdate``). Agents' actions keep the time of seeding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Final
from uuid import UUID

from django.db import transaction

from accounts.models import Membership, Organization, Team
from accounts.services import membership_set_away
from core.demo import world
from core.demo.phrases import PHRASES
from feedback.alerts.models import AlertMatch, AlertRule
from feedback.alerts.services.engine import alert_rules_evaluate
from feedback.alerts.services.rules import alert_rule_create
from feedback.models import Channel, Response
from feedback.services.submit import response_submit
from surveys.models import Survey, Touchpoint
from tickets.models import (
    AssignmentMode,
    BusinessCalendar,
    MessageKind,
    Outcome,
    RootCause,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketResponse,
    TicketStatus,
)
from tickets.services.canned import canned_response_create
from tickets.services.messages import (
    reply_address,
    ticket_add_note,
    ticket_inbound_email,
    ticket_log_contact,
    ticket_reply,
)
from tickets.services.opening import ticket_open_for_response
from tickets.services.root_causes import root_cause_create
from tickets.services.routing import routing_rule_create, ticket_route
from tickets.services.tickets import ticket_change_status, ticket_claim
from tickets.sla.scan import sla_scan
from tickets.sla.services import business_calendar_save, holiday_add, sla_policy_create, team_queue_update

# Nothing listens on the discard port: the Slack-compatible rule's deliveries fail, retry and show why.
FAILING_WEBHOOK_URL: Final = "http://127.0.0.1:9/"
CALENDAR_NAME: Final = "Berlin office"
DETRACTOR_RULE: Final = "Detractor: tell the CX managers and open a ticket"
REFUND_RULE: Final = "Refund mentioned: post to the #refunds channel"
DIGEST_RULE: Final = "Daily digest of detractors for the executive"
REFUND_WORDS: Final = ("refund", "money back", "возврат", "退款")
AWAY_MEMBER: Final = "agent_zh"  # on holiday: round-robin skips her

ROOT_CAUSES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Delivery", ("Late parcel", "Damaged parcel", "Wrong item")),
    ("Billing", ("Refund delay", "Charged twice", "Price not as advertised")),
    ("Service", ("Slow answer", "Unhelpful answer")),
    ("App and website", ("Bug", "Checkout error")),
    ("Store", ("Queue at the till", "Out of stock")),
)

CANNED: Final[tuple[tuple[str, str], ...]] = (
    (
        "Apology: late delivery",
        "Hello {contact_name},\n\nI am sorry your parcel was late. I have checked ticket {ticket_number} "
        "with the carrier and will write again as soon as I know more.\n\n{agent_name}, {organization_name}",
    ),
    (
        "Refund on its way",
        "Hello {contact_name},\n\nYour refund has been issued today and should reach your account within "
        "three working days.\n\n{agent_name}, {organization_name}",
    ),
    (
        "Asking for details",
        "Hello {contact_name},\n\nThank you for telling us. Could you reply with your order number and a "
        "photo, if you have one? Then I can fix this for you.\n\n{agent_name}, {organization_name}",
    ),
    (
        "Closing the loop",
        "Hello {contact_name},\n\nThank you for your patience. I hope we put things right; if anything "
        "is still not as it should be, just reply to this email.\n\n{agent_name}, {organization_name}",
    ),
)


@dataclass(frozen=True)
class DemoTicket:
    """One ticket's story: how old its feedback is (a window, in hours) and what happened since."""

    key: str
    age_hours: tuple[int, int]
    steps: tuple[str, ...]
    note: str = ""
    team: str = ""  # prefer feedback that the routing rules send to this team


# With the default policy (first contact within 48 h, warning at 75 % = 36 h) these give every state and
# every clock: fresh, warned, breached (and escalated), met, paused, resumed, resolved, closed, recovered.
# The warned and breached windows are wide because the demo's feedback is thinner at weekends: on a
# Monday morning a narrow window can hold no detractor routed to the 24/7 team.
TICKETS: Final[tuple[DemoTicket, ...]] = (
    DemoTicket("fresh", (1, 8), ()),
    DemoTicket("warned", (37, 47), (), team="Customer care"),
    DemoTicket("breached", (54, 130), (), team="Customer care"),
    DemoTicket("unclaimed", (6, 30), (), team="Escalations"),
    DemoTicket("business_hours", (6, 60), (), team="Billing"),
    DemoTicket("replied", (8, 30), ("reply", "note"), "Called the depot: the parcel is on today's van."),
    DemoTicket("waiting", (14, 34), ("reply", "pending")),
    DemoTicket("answered", (20, 40), ("reply", "pending", "customer_reply")),
    DemoTicket("phoned", (4, 20), ("log", "resolve")),
    DemoTicket("closed", (80, 140), ("reply", "resolve", "close")),
    DemoTicket("recovered", (26, 46), ("reply", "resolve_followup", "followup_answer")),
)

REPLIES: Final[dict[str, str]] = {
    "reply": "Hello, I am sorry about this. I am on it and will get back to you today.",
    "customer_reply": "Thanks for getting back to me. The order number is 20461, the box arrived dented.",
    "log": "Phoned the customer: apologised and arranged a replacement.",
    # From the phrase bank, like every seeded comment: a happy customer's words about support.
    "followup_comment": PHRASES["en"]["positive"]["support"][1],
}


@dataclass
class _Context:
    organization: Organization
    now: datetime
    members: dict[str, Membership]
    teams: dict[str, Team]
    touchpoints: dict[str, Touchpoint]
    root_causes: dict[str, RootCause]


def _members(organization: Organization) -> dict[str, Membership]:
    by_email = {
        m.user.email: m
        for m in Membership.all_orgs.select_related("user").filter(
            organization=organization, user__email__in=[p.email for p in world.PEOPLE]
        )
    }
    return {p.key: by_email[p.email] for p in world.PEOPLE if p.email in by_email}


# --- configuration -----------------------------------------------------------------------------------


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous algorithm), for the holidays that move with it."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def german_holidays(year: int) -> list[tuple[date, str]]:
    easter = _easter(year)
    return sorted(
        [
            (date(year, 1, 1), "New Year's Day"),
            (easter - timedelta(days=2), "Good Friday"),
            (easter + timedelta(days=1), "Easter Monday"),
            (date(year, 5, 1), "Labour Day"),
            (easter + timedelta(days=39), "Ascension Day"),
            (easter + timedelta(days=50), "Whit Monday"),
            (date(year, 10, 3), "German Unity Day"),
            (date(year, 12, 25), "Christmas Day"),
            (date(year, 12, 26), "Boxing Day"),
        ]
    )


def _calendar(c: _Context) -> BusinessCalendar:
    workday = [["09:00", "17:00"]]
    calendar = business_calendar_save(
        organization=c.organization,
        actor=c.members["owner"],
        name=CALENDAR_NAME,
        timezone="Europe/Berlin",
        hours={
            "mon": workday,
            "tue": workday,
            "wed": workday,
            "thu": workday,
            "fri": workday,
            "sat": [],
            "sun": [],
        },
    )
    for year in (c.now.year, c.now.year + 1):
        for day, name in german_holidays(year):
            holiday_add(calendar=calendar, actor=c.members["owner"], day=day, name=name)
    return calendar


def _policies_and_queues(c: _Context, calendar: BusinessCalendar) -> None:
    owner = c.members["owner"]
    sla_policy_create(
        organization=c.organization,
        actor=owner,
        key="default",
        name="Default: first contact within 48 hours",
        first_response_hours=48,
        resolution_hours=120,
        business_hours=False,
        warn_at=[75],
        escalate_to_manager_after_hours=4,
    )
    sla_policy_create(
        organization=c.organization,
        actor=owner,
        key="billing",
        name="Billing: two working days",
        first_response_hours=16,
        resolution_hours=40,
        business_hours=True,
        warn_at=[50, 75],
        escalate_to_manager_after_hours=4,
    )
    queues = (
        ("Customer care", AssignmentMode.ROUND_ROBIN, None, "default", "cx_emea"),
        ("Billing", AssignmentMode.LEAST_LOADED, calendar, "billing", "cx_global"),
        ("Escalations", AssignmentMode.MANUAL, None, "default", "owner"),
    )
    for team_name, mode, team_calendar, policy_key, manager in queues:
        team_queue_update(
            organization=c.organization,
            actor=owner,
            team=c.teams[team_name],
            assignment=mode,
            calendar=team_calendar,
            sla_policy_key=policy_key,
            escalation_manager=c.members[manager],
        )
    membership_set_away(membership=c.members[AWAY_MEMBER], is_away=True, actor=owner)


def _routing(c: _Context) -> None:
    actor = c.members["cx_global"]
    rules: tuple[tuple[str, dict[str, Any], str, str], ...] = (
        (
            "Payments and refunds go to Billing",
            {
                "match": "any",
                "conditions": [
                    {"field": "text", "op": "keywords", "value": [*REFUND_WORDS, "invoice", "charged"]},
                    {"field": "touchpoint", "op": "in", "value": [c.touchpoints["Checkout"].pk]},
                ],
            },
            "Billing",
            "high",
        ),
        (
            "Call centre complaints go to Escalations",
            {
                "match": "all",
                "conditions": [
                    {"field": "touchpoint", "op": "in", "value": [c.touchpoints["Call centre"].pk]}
                ],
            },
            "Escalations",
            "high",
        ),
        (
            "Chinese and Indonesian speakers",
            {"match": "all", "conditions": [{"field": "language", "op": "in", "value": ["zh-hans", "id"]}]},
            "Customer care",
            "",
        ),
        ("Everything else", {"match": "all", "conditions": []}, "Customer care", ""),
    )
    for name, conditions, team, priority in rules:
        routing_rule_create(
            organization=c.organization,
            actor=actor,
            name=name,
            conditions=conditions,
            team=c.teams[team],
            priority=priority,
        )


def _root_causes(c: _Context) -> None:
    actor = c.members["cx_global"]
    for parent_name, children in ROOT_CAUSES:
        parent = root_cause_create(organization=c.organization, actor=actor, name=parent_name)
        for child in children:
            c.root_causes[child] = root_cause_create(
                organization=c.organization, actor=actor, name=child, parent=parent
            )


def _canned(c: _Context) -> None:
    for name, body in CANNED:
        canned_response_create(
            organization=c.organization, actor=c.members["cx_emea"], name=name, body=body, language="en"
        )


def _alert_rules(c: _Context) -> AlertRule:
    actor = c.members["cx_global"]
    detractor = alert_rule_create(
        organization=c.organization,
        actor=actor,
        name=DETRACTOR_RULE,
        description="Every detractor gets a human follow-up within 48 hours.",
        conditions={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
        actions=[
            {
                "type": "email",
                "recipients": [
                    # Wei sees every survey: the alert at once. Sarah's access group limits her
                    # to EMEA touchpoints, so her hourly digest carries only the detractors there.
                    {"member": c.members["cx_global"].pk, "frequency": "immediate"},
                    {"member": c.members["cx_emea"].pk, "frequency": "hourly"},
                ],
            },
            {"type": "ticket", "priority": "normal"},
        ],
    )
    alert_rule_create(
        organization=c.organization,
        actor=actor,
        name=REFUND_RULE,
        description="A Slack-compatible incoming webhook. Nothing listens at this address, so its "
        "deliveries fail and retry: see the delivery log.",
        conditions={
            "match": "all",
            "conditions": [{"field": "text", "op": "keywords", "value": list(REFUND_WORDS)}],
        },
        actions=[{"type": "slack", "url": FAILING_WEBHOOK_URL}],
        cooldown_minutes=10,
        cooldown_scope="rule",
    )
    alert_rule_create(
        organization=c.organization,
        actor=actor,
        name=DIGEST_RULE,
        conditions={
            "match": "all",
            "conditions": [{"field": "nps_group", "op": "in", "value": ["detractor"]}],
        },
        actions=[
            {"type": "email", "recipients": [{"member": c.members["executive"].pk, "frequency": "daily"}]}
        ],
    )
    return detractor


# --- tickets -------------------------------------------------------------------------------------------


def _candidates(c: _Context) -> list[Response]:
    """Identified detractors of the last week who can be emailed, newest first."""
    oldest = max(t.age_hours[1] for t in TICKETS) + 48
    return list(
        Response.all_orgs.select_related("contact", "survey", "touchpoint", "organization")
        .filter(
            organization=c.organization,
            finished_at__isnull=False,
            nps__lte=6,
            contact__isnull=False,
            received_at__gte=c.now - timedelta(hours=oldest),
        )
        .exclude(contact__email="")
        .order_by("-received_at", "pk")
    )


def _routed_team(response: Response) -> str:
    """The team the routing rules would send this feedback to (a dry run on an unsaved ticket)."""
    probe = Ticket(organization_id=response.organization_id, priority="normal")
    ticket_route(ticket=probe, response=response)
    return probe.team.name if probe.team is not None else ""


def _pick(
    candidates: Sequence[Response], story: DemoTicket, now: datetime, used: set[int]
) -> Response | None:
    """The newest unused response inside the story's window, else the one nearest to it; among those
    routed to the story's team when there are any."""
    low, high = (now - timedelta(hours=story.age_hours[1]), now - timedelta(hours=story.age_hours[0]))

    def distance(response: Response) -> timedelta:
        moment = response.received_at
        return max(low - moment, moment - high, timedelta(0))

    free = [r for r in candidates if r.contact_id not in used]
    if story.team:
        free = [r for r in free if _routed_team(r) == story.team] or free
    return min(free, key=lambda r: (distance(r), -r.received_at.timestamp()), default=None)


def _worker(c: _Context, ticket: Ticket) -> Membership:
    """Who works the ticket: its assignee, else the team lead (or an agent) claims it first."""
    if ticket.assignee is not None:
        return ticket.assignee
    lead = ticket.team.lead if ticket.team is not None else None
    actor = lead if lead is not None and lead.role != "viewer" else c.members["agent_en"]
    return ticket_claim(ticket=ticket, actor=actor).assignee or actor


def _customer_reply(ticket: Ticket, now: datetime) -> None:
    """The customer answers the agent's email from their mail client, through the inbound service."""
    contact = ticket.contact
    assert contact is not None
    last = (
        TicketMessage.all_orgs.filter(ticket=ticket, kind=MessageKind.REPLY).order_by("-created_at").first()
    )
    email = EmailMessage()
    email["From"] = formataddr((contact.name, contact.email))
    email["To"] = reply_address(ticket)
    email["Subject"] = f"Re: {ticket.subject}"
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(domain=contact.email.partition("@")[2] or "example.com")
    if last is not None and last.message_id:
        email["In-Reply-To"] = last.message_id
        email["References"] = last.message_id
    email.set_content(f"{REPLIES['customer_reply']}\n\n> {REPLIES['reply']}\n")
    ticket_inbound_email(raw=email.as_bytes())


def _followup_answer(c: _Context, ticket: Ticket, survey: Survey) -> None:
    """The customer answers the follow-up survey with a 9: a recovered detractor."""
    from tickets.services.followup import followup_record

    ticket.refresh_from_db()
    original = Response.all_orgs.filter(organization_id=ticket.organization_id, pk=ticket.response_id).first()
    result = response_submit(
        survey=survey,
        client_id=UUID(int=ticket.pk + 0xC105ED),
        answers={"nps": 9, "comment": REPLIES["followup_comment"]},
        finished=True,
        channel=Channel.EMAIL,
        language="en",
        # The follow-up link carries what the first survey link did (plan, country...).
        hidden_fields=original.hidden_fields if original is not None else {},
        meta={"followup": ticket.followup_token},
        contact=ticket.contact,
        now=c.now,
    )
    followup_record(response=result.response)


def _play(c: _Context, ticket: Ticket, story: DemoTicket, survey: Survey) -> None:
    causes = {
        "Billing": "Refund delay",
        "Escalations": "Unhelpful answer",
    }
    cause = c.root_causes[causes.get(ticket.team.name if ticket.team else "", "Late parcel")]
    for step in story.steps:
        ticket.refresh_from_db()
        if step == "reply":
            ticket_reply(ticket=ticket, actor=_worker(c, ticket), body=REPLIES["reply"])
        elif step == "note":
            ticket_add_note(ticket=ticket, actor=_worker(c, ticket), body=story.note)
        elif step == "log":
            ticket_log_contact(ticket=ticket, actor=_worker(c, ticket), body=REPLIES["log"])
        elif step == "pending":
            ticket_change_status(ticket=ticket, actor=_worker(c, ticket), status=TicketStatus.PENDING)
        elif step == "customer_reply":
            _customer_reply(ticket, c.now)
        elif step in ("resolve", "resolve_followup"):
            ticket_change_status(
                ticket=ticket,
                actor=_worker(c, ticket),
                status=TicketStatus.RESOLVED,
                root_cause=cause,
                outcome=Outcome.FIXED if step == "resolve" else Outcome.COMPENSATED,
                outcome_note="Replacement sent." if step == "resolve" else "Refunded the delivery fee.",
                send_followup=step == "resolve_followup",
                followup_survey=survey if step == "resolve_followup" else None,
            )
        elif step == "close":
            ticket_change_status(ticket=ticket, actor=_worker(c, ticket), status=TicketStatus.CLOSED)
        elif step == "followup_answer":
            _followup_answer(c, ticket, survey)


@transaction.atomic
def demo_ticket_backdate(*, ticket: Ticket, opened_at: datetime) -> None:
    """Date the ticket's opening (and the alert that opened it) to when it happened in the story.

    Time travel for the demo only: the ticket was opened by seeding, moments ago, but its feedback came
    in hours or days ago, and the alert would have opened it a minute later. Deadlines need no change:
    they count from the feedback's arrival, which is real. Later actions keep their real times.
    """
    organization_id = ticket.organization_id
    Ticket.all_orgs.filter(organization_id=organization_id, pk=ticket.pk).update(created_at=opened_at)
    TicketResponse.all_orgs.filter(organization_id=organization_id, ticket=ticket).update(added_at=opened_at)
    TicketEvent.all_orgs.filter(organization_id=organization_id, ticket=ticket, kind="created").update(
        created_at=opened_at
    )
    if ticket.response_id is not None:
        AlertMatch.all_orgs.filter(organization_id=organization_id, response_id=ticket.response_id).update(
            evaluated_at=opened_at
        )


def _tickets(c: _Context, rule: AlertRule) -> list[Ticket]:
    survey = Survey.all_orgs.get(organization=c.organization, name=_survey_name("relationship_nps"))
    candidates = _candidates(c)
    used: set[int] = set()
    tickets = []
    for story in TICKETS:
        response = _pick(candidates, story, c.now, used)
        if response is None:
            break
        assert response.contact_id is not None
        used.add(response.contact_id)
        # The alert engine evaluates the response as the outbox would have: the trace, the email to the
        # CX managers, the ticket action (queued; it finds the ticket opened below).
        alert_rules_evaluate(response=response, now=c.now)
        ticket, _created = ticket_open_for_response(response=response, alert_rule=rule)
        demo_ticket_backdate(ticket=ticket, opened_at=response.received_at + timedelta(minutes=1))
        _play(c, ticket, story, survey)
        tickets.append(ticket)
    return tickets


def _refund_mentions(c: _Context) -> None:
    """Recent comments that mention a refund, evaluated so the failing Slack delivery is in the log."""
    query = Response.all_orgs.filter(
        organization=c.organization, finished_at__isnull=False, received_at__gte=c.now - timedelta(days=3)
    )
    found = [
        r for r in query.exclude(comment="").order_by("-received_at")[:400] if _mentions_refund(r.comment)
    ]
    for response in found[:2]:
        alert_rules_evaluate(response=response, now=c.now)


def _mentions_refund(text: str) -> bool:
    folded = text.casefold()
    return any(word in folded for word in REFUND_WORDS)


def _survey_name(key: str) -> str:
    return next(s.name for s in world.SURVEYS if s.key == key)


# --- entry points ------------------------------------------------------------------------------------


def seed_closed_loop(*, organization: Organization, now: datetime) -> list[Ticket]:
    """Add the closed loop to the demo organisation (in its tenancy context); returns the tickets."""
    c = _Context(
        organization=organization,
        now=now,
        members=_members(organization),
        teams={t.name: t for t in Team.all_orgs.filter(organization=organization)},
        touchpoints={t.name: t for t in Touchpoint.all_orgs.filter(organization=organization)},
        root_causes={},
    )
    calendar = _calendar(c)
    _policies_and_queues(c, calendar)
    _routing(c)
    _root_causes(c)
    _canned(c)
    rule = _alert_rules(c)
    tickets = _tickets(c, rule)
    _refund_mentions(c)
    # Warnings, breaches and escalations already due are raised now, as the periodic scan would.
    sla_scan(now=now)
    return tickets


def closed_loop_seeded(organization: Organization) -> bool:
    return AlertRule.all_orgs.filter(organization=organization, name=DETRACTOR_RULE).exists()


def ensure_demo_closed_loop(organization: Organization, *, now: datetime | None = None) -> bool:
    """Add the closed loop to a demo organisation seeded before it existed; True when it was added."""
    from django.utils import timezone

    from core.tenancy import organization_context

    if closed_loop_seeded(organization):
        return False
    with transaction.atomic(), organization_context(organization):
        seed_closed_loop(organization=organization, now=now or timezone.now())
    return True
