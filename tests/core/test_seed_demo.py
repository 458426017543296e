import stat
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import AccessGroup, AuditEvent, Membership, Organization, Team, User
from core.demo import world
from core.demo.phrases import PHRASES, polarity_of
from core.demo.seed import write_password_file
from core.tenancy import organization_context
from feedback.models import Contact, Response
from surveys.definition import Context, validate_answer, validate_definition, walk
from surveys.definition.schema import missing_translations
from surveys.library import template_definition
from surveys.models import JourneyStage, Survey, SurveyVersion, Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_file(tmp_path):
    return tmp_path / "var" / "demo_password.txt"


def _seed(password_file, *extra):
    out = StringIO()
    call_command("seed_demo", "--password-file", str(password_file), *extra, stdout=out)
    return out.getvalue()


def _signs_in(password):
    return {p.email: authenticate(email=p.email, password=password) is not None for p in world.PEOPLE}


def _bank_for(language, _comment, nps, csat, ces):
    """Every phrase a respondent in this language with this score may write (without a score, as in
    the exit-intent survey, the visitor is leaving unhappy)."""
    scored = [(m, s) for m, s in (("nps", nps), ("csat", csat), ("ces", ces)) if s is not None]
    polarity = polarity_of(metric=scored[0][0], score=scored[0][1]) if scored else "negative"
    return {text for texts in PHRASES[language][polarity].values() for text in texts}


def _table_counts():
    return {
        model.__name__: model._base_manager.count()
        for model in (
            Organization,
            User,
            Membership,
            Team,
            AccessGroup,
            JourneyStage,
            Touchpoint,
            Survey,
            Contact,
            Response,
            AuditEvent,
        )
    }


def test_seed_creates_the_demo_organisation_with_people_who_can_sign_in(password_file):
    output = _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    assert organization.name == "Demo Retail"
    assert "Seeded “Demo Retail”" in output
    roles = Counter(Membership.all_orgs.filter(organization=organization).values_list("role", flat=True))
    assert roles == {"owner": 1, "admin": 1, "cx_manager": 2, "agent": 4, "viewer": 1}
    owner = Membership.all_orgs.get(organization=organization, role="owner")
    assert owner.user.email == "demo@example.com"
    languages = Counter(
        User.objects.filter(memberships__organization=organization).values_list("language", flat=True)
    )
    assert languages == {"en": 3, "ru": 2, "zh-hans": 2, "id": 2}
    with organization_context(organization):
        teams = {
            t.name: (t.lead.user.email, sorted(t.members.values_list("user__email", flat=True)))
            for t in Team.objects.select_related("lead__user")
        }
        group = AccessGroup.objects.get()
        group_members = list(group.members.values_list("user__email", flat=True))
        group_touchpoints = sorted(group.touchpoints.values_list("name", flat=True))
    assert teams == {
        "Customer care": (
            "tom.baker@example.com",
            ["budi.santoso@example.com", "li.na@example.com", "tom.baker@example.com"],
        ),
        "Billing": ("dmitri.ivanov@example.com", ["dmitri.ivanov@example.com", "tom.baker@example.com"]),
        "Escalations": (
            "wei.zhang@example.com",
            ["budi.santoso@example.com", "dmitri.ivanov@example.com", "wei.zhang@example.com"],
        ),
    }
    assert group.name == "EMEA managers"
    assert group_members == ["sarah.klein@example.com"]
    assert group_touchpoints == [
        "Call centre",
        "Delivery",
        "Store visit",
    ]
    stages = JourneyStage.all_orgs.filter(organization=organization).order_by("position")
    assert [s.name for s in stages] == ["Discover", "Buy", "Receive", "Use", "Get help"]
    assert Touchpoint.all_orgs.filter(organization=organization, stage__isnull=False).count() == 8
    surveys = Survey.all_orgs.filter(organization=organization)
    assert surveys.count() == 10
    assert set(surveys.values_list("base_language", flat=True)) == {"en", "ru", "zh-hans", "id"}
    assert Counter(surveys.values_list("status", flat=True)) == {"live": 9, "draft": 1}
    password = password_file.read_text().strip()
    assert len(password) >= 16
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert _signs_in(password) == {p.email: True for p in world.PEOPLE}
    verified = EmailAddress.objects.filter(
        email__in=[p.email for p in world.PEOPLE], verified=True, primary=True
    )
    assert verified.count() == len(world.PEOPLE)


def test_seed_creates_about_90_days_of_realistic_feedback(password_file):
    _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    responses = Response.all_orgs.filter(organization=organization)
    total = responses.count()
    assert 5000 <= total <= 7000
    assert set(responses.values_list("channel", flat=True)) == {
        "web", "link", "email", "sms", "kiosk", "api", "app_review", "chat", "call_centre",
    }  # fmt: skip
    with_comment = responses.exclude(comment="")
    assert set(with_comment.values_list("language", flat=True)) == {"en", "ru", "zh-hans", "id"}
    assert 0.30 <= with_comment.count() / total <= 0.40
    assert 0.03 <= responses.filter(finished_at__isnull=True).count() / total <= 0.07
    assert responses.filter(contact__isnull=False).exists()
    # Every comment is in the response's language and its tone matches the score.
    rows = with_comment.values_list("language", "comment", "nps", "csat", "ces")
    mismatched = [row for row in rows if row[1] not in _bank_for(*row)]
    assert mismatched == []
    assert all(
        hidden.keys() >= {"plan", "country"} for hidden in responses.values_list("hidden_fields", flat=True)
    )


def test_every_template_is_published_in_several_base_languages(password_file):
    _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    surveys = {
        s.name: s
        for s in Survey.all_orgs.filter(organization=organization).select_related(
            "current_version__published_by", "created_by"
        )
    }
    published = {
        name: (s.base_language, s.status, s.current_version.number if s.current_version else None)
        for name, s in surveys.items()
    }
    assert published == {
        "Relationship NPS": ("en", "live", 2),
        "CSAT after support": ("ru", "live", 1),
        "Call centre follow-up": ("ru", "live", 1),
        "CES after checkout": ("zh-hans", "live", 1),
        "Website feedback": ("id", "live", 1),
        "App NPS": ("id", "live", 1),
        "Delivery satisfaction": ("ru", "live", 1),
        "Store kiosk": ("id", "live", 1),
        "Exit-intent survey": ("en", "live", 1),
        "Returns and refunds": ("en", "draft", None),
    }
    # The five templates, exactly as the library makes them.
    for name, key in (
        ("CSAT after support", "support_csat"),
        ("CES after checkout", "checkout_ces"),
        ("Website feedback", "website_feedback"),
        ("Exit-intent survey", "exit_intent"),
    ):
        survey = surveys[name]
        assert survey.current_version.definition == template_definition(key, survey.base_language), name
    versions = SurveyVersion.all_orgs.filter(organization=organization, survey=surveys["Relationship NPS"])
    first, second = versions.order_by("number")
    assert first.definition == template_definition("relationship_nps", "en")
    assert second.note == "Added “Our stores” to the reasons to improve and to like."
    assert [c["key"] for c in second.definition["questions"][1]["choices"]][-1] == "stores"
    assert (
        first.published_at
        < second.published_at
        < surveys["Relationship NPS"].updated_at + timedelta(seconds=1)
    )
    assert {v.published_by.email for v in SurveyVersion.all_orgs.filter(organization=organization)} == {
        "wei.zhang@example.com"
    }
    for version in SurveyVersion.all_orgs.filter(organization=organization):
        validate_definition(version.definition, for_publish=True)
        assert missing_translations(version.definition) == []
        assert len(version.definition["languages"]) == 4


def _inconsistencies(response, versions):
    """What does not hold for one seeded survey response: the names of the failed checks."""
    version = versions[response.survey_version_id]
    live = max(
        (
            v
            for v in versions.values()
            if v.survey_id == response.survey_id and v.published_at <= response.started_at
        ),
        key=lambda v: v.number,
    )
    questions = {q["key"]: q for q in version.definition["questions"]}
    path = walk(version.definition, Context(response.answers, response.hidden_fields))
    finished = response.finished_at is not None
    required = {k for k in path.questions if questions[k].get("required")} if finished else set()
    by_type = {questions[key]["type"]: value for key, value in response.answers.items()}
    checks = {
        "own survey": version.survey_id == response.survey_id,
        "live version": version.pk == live.pk,
        "valid answers": all(validate_answer(questions[k], v) == v for k, v in response.answers.items()),
        "on the path": set(response.answers) <= set(path.questions),
        "required answered": required <= set(response.answers),
        "ending": response.ending == (path.ending if finished else ""),
        "scores": (response.nps, response.csat, response.ces)
        == (by_type.get("nps"), by_type.get("csat"), by_type.get("ces")),
        "comment": response.comment == response.answers.get("comment", ""),
    }
    return [name for name, ok in checks.items() if not ok]


def test_seeded_responses_answer_the_version_live_when_they_started(password_file):
    _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    versions = {v.pk: v for v in SurveyVersion.all_orgs.filter(organization=organization)}
    responses = Response.all_orgs.filter(organization=organization, survey__isnull=False)
    problems = [
        (response.pk, failed)
        for response in responses.exclude(survey_version__isnull=True)
        if (failed := _inconsistencies(response, versions))
    ]

    assert problems == []
    assert responses.filter(survey_version__isnull=True).count() == 0
    assert (
        Response.all_orgs.filter(organization=organization, survey__isnull=True)
        .exclude(survey_version__isnull=True)
        .count()
        == 0
    )
    # Both versions of the relationship survey have answers, and every ending of the logic is reached.
    relationship = responses.filter(survey__name="Relationship NPS")
    assert relationship.values("survey_version").distinct().count() == 2
    endings = set(
        responses.filter(finished_at__isnull=False).values_list("survey__name", "ending").distinct()
    )
    assert {e for name, e in endings if name == "Relationship NPS"} == {"thanks", "review_invite"}
    assert {e for name, e in endings if name == "Exit-intent survey"} == {"thanks", "browsing"}
    assert {e for name, e in endings if name == "CES after checkout"} == {"thanks"}
    assert all(responses.filter(answers__has_key=key).exists() for key in ("improve", "like_most", "stopped"))


def test_second_run_creates_nothing(password_file):
    _seed(password_file)
    before = _table_counts()
    password = password_file.read_text()

    output = _seed(password_file)

    assert "already exists" in output
    assert _table_counts() == before
    assert password_file.read_text() == password


def test_reset_password_gives_every_demo_person_a_new_password(password_file):
    _seed(password_file)
    old = password_file.read_text().strip()

    output = _seed(password_file, "--reset-password")

    new = password_file.read_text().strip()
    assert "New demo password set on 9 accounts" in output
    assert new != old
    assert _signs_in(new) == {p.email: True for p in world.PEOPLE}
    assert _signs_in(old) == {p.email: False for p in world.PEOPLE}


def test_login_hint_prints_the_url_the_owner_and_the_password(password_file):
    write_password_file(password_file, "the-demo-password")
    out = StringIO()

    call_command(
        "demo_login_hint", "--url", "http://localhost:8000", "--password-file", str(password_file), stdout=out
    )

    text = out.getvalue()
    assert "http://localhost:8000/" in text
    assert "demo@example.com" in text
    assert "Password  the-demo-password" in text
    assert "tom.baker@example.com" in text
    assert "siti.rahayu@example.com" in text


def test_login_hint_explains_how_to_reset_a_missing_password(tmp_path):
    out = StringIO()

    call_command("demo_login_hint", "--password-file", str(tmp_path / "missing.txt"), stdout=out)

    assert "seed_demo --reset-password" in out.getvalue()


# --- the closed loop (issue 6) -----------------------------------------------------------------------


def _closed_loop_state(organization):
    from feedback.alerts.models import AlertDelivery, AlertRule
    from tickets.models import (
        BusinessCalendar,
        CannedResponse,
        RootCause,
        RoutingRule,
        SlaNotice,
        SlaPolicy,
        TeamQueue,
        Ticket,
        TicketMessage,
    )

    org = {"organization": organization}
    return {
        "rules": list(AlertRule.all_orgs.filter(**org).order_by("position").values_list("name", flat=True)),
        "actions": {
            r.name: [a["type"] for a in r.actions]
            for r in AlertRule.all_orgs.filter(**org).order_by("position")
        },
        "queues": {
            q.team.name: (q.assignment, q.sla_policy_key, q.calendar.name if q.calendar else None)
            for q in TeamQueue.all_orgs.filter(**org).select_related("team", "calendar")
        },
        "calendar": BusinessCalendar.all_orgs.filter(**org).values_list("name", "timezone").get(),
        "policies": sorted(
            SlaPolicy.all_orgs.filter(**org).values_list(
                "key", "first_response_hours", "business_hours", "is_current"
            )
        ),
        "routing": list(
            RoutingRule.all_orgs.filter(**org).order_by("position").values_list("name", "team__name")
        ),
        "root_causes": RootCause.all_orgs.filter(**org).count(),
        "top_causes": RootCause.all_orgs.filter(**org, parent__isnull=True).count(),
        "canned": sorted(CannedResponse.all_orgs.filter(**org).values_list("language", flat=True)),
        "tickets": Ticket.all_orgs.filter(**org).count(),
        "messages": TicketMessage.all_orgs.filter(**org).count(),
        "notices": SlaNotice.all_orgs.filter(**org).count(),
        "deliveries": AlertDelivery.all_orgs.filter(**org).count(),
    }


def test_seed_sets_up_the_closed_loop(password_file):
    _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    state = _closed_loop_state(organization)

    assert state["rules"] == [
        "Detractor: tell the CX managers and open a ticket",
        "Refund mentioned: post to the #refunds channel",
        "Daily digest of detractors for the executive",
    ]
    assert state["actions"] == {
        "Detractor: tell the CX managers and open a ticket": ["email", "ticket"],
        "Refund mentioned: post to the #refunds channel": ["slack"],
        "Daily digest of detractors for the executive": ["email"],
    }
    assert state["queues"] == {
        "Customer care": ("round_robin", "default", None),
        "Billing": ("least_loaded", "billing", "Berlin office"),
        "Escalations": ("manual", "default", None),
    }
    assert state["calendar"] == ("Berlin office", "Europe/Berlin")
    assert state["policies"] == [("billing", 16, True, True), ("default", 48, False, True)]
    assert state["routing"] == [
        ("Payments and refunds go to Billing", "Billing"),
        ("Call centre complaints go to Escalations", "Escalations"),
        ("Chinese and Indonesian speakers", "Customer care"),
        ("Everything else", "Customer care"),
    ]
    assert (state["top_causes"], state["root_causes"]) == (5, 17)
    assert state["canned"] == ["en", "en", "en", "en"]
    away = Membership.all_orgs.filter(organization=organization, is_away=True)
    assert list(away.values_list("user__email", flat=True)) == ["li.na@example.com"]


def test_german_holidays_include_the_ones_that_move_with_easter():
    from datetime import date

    from core.demo.closed_loop import german_holidays

    holidays = dict(german_holidays(2027))

    assert holidays[date(2027, 3, 26)] == "Good Friday"
    assert holidays[date(2027, 3, 29)] == "Easter Monday"
    assert holidays[date(2027, 5, 6)] == "Ascension Day"
    assert holidays[date(2027, 5, 17)] == "Whit Monday"
    assert holidays[date(2027, 10, 3)] == "German Unity Day"
    assert len(holidays) == 9


def test_seeded_tickets_are_in_every_state_with_clocks_near_and_past_their_deadline(password_file):
    from django.utils import timezone

    from feedback.alerts.models import AlertDelivery, AlertRule
    from tickets.models import SlaNotice, Ticket, TicketEvent, TicketMessage

    _seed(password_file)

    organization = Organization.objects.get(slug="demo")
    now = timezone.now()
    tickets = Ticket.all_orgs.filter(organization=organization).select_related("team", "alert_rule")
    statuses = Counter(tickets.values_list("status", flat=True))
    assert set(statuses) == {"new", "open", "pending", "resolved", "closed"}
    assert tickets.count() == 11
    detractor_rule = AlertRule.all_orgs.get(organization=organization, position=0)
    assert {t.alert_rule_id for t in tickets} == {detractor_rule.pk}
    assert all(t.first_response_due_at is not None and t.reply_token for t in tickets)
    # Waiting on the customer: the clock is paused.
    assert all(t.paused_at is not None for t in tickets.filter(status="pending"))
    # Past the 48 hours with no contact yet: breached, escalated to the manager, raised once each.
    breached = tickets.filter(status="new", first_response_due_at__lt=now)
    assert breached.count() >= 1
    kinds = set(SlaNotice.all_orgs.filter(ticket__in=breached).values_list("clock", "kind"))
    assert {("first_response", "breach"), ("first_response", "escalation_manager")} <= kinds
    # Near the deadline: warned at 75 %, not breached.
    warned = tickets.filter(
        status="new", first_response_due_at__gt=now, first_response_due_at__lt=now + timedelta(hours=13)
    )
    assert warned.exists()
    assert SlaNotice.all_orgs.filter(ticket__in=warned, kind="breach").count() == 0
    # The manual queue leaves a ticket to claim; round-robin skipped the member who is away.
    assert tickets.filter(team__name="Escalations", status="new", assignee__isnull=True).count() == 1
    assignees = set(
        tickets.filter(team__name="Customer care").values_list("assignee__user__email", flat=True)
    )
    assert "li.na@example.com" not in assignees
    # The customer's emailed reply came through the inbound service and opened the ticket again.
    inbound = TicketMessage.all_orgs.get(organization=organization, kind="inbound")
    assert inbound.ticket.status == "open"
    assert inbound.body.startswith("Thanks for getting back to me.")
    # Closed and resolved tickets carry a root cause; one detractor was recovered by the follow-up.
    assert all(t.root_cause_id is not None for t in tickets.filter(status__in=["resolved", "closed"]))
    recovered = tickets.get(recovered=True)
    assert recovered.followup_response.nps == 9
    # Opened by the alert a minute after the feedback came in (the only time travel).
    created = TicketEvent.all_orgs.filter(organization=organization, kind="created")
    assert all(
        e.created_at == e.ticket.response.received_at + timedelta(minutes=1)
        for e in created.select_related("ticket__response")
    )
    # The Slack-compatible rule posts to a port where nothing listens: its delivery waits in the log.
    slack = AlertDelivery.all_orgs.filter(organization=organization, channel="slack")
    assert list(slack.values_list("target", "status")) == [("127.0.0.1", "pending")]


def test_second_run_leaves_the_closed_loop_alone(password_file):
    from core.demo.closed_loop import ensure_demo_closed_loop

    _seed(password_file)
    organization = Organization.objects.get(slug="demo")
    before = _closed_loop_state(organization)

    _seed(password_file)
    added = ensure_demo_closed_loop(organization)

    assert added is False
    assert _closed_loop_state(organization) == before
