"""The demo organisation as data: people, teams, the journey, surveys and where feedback comes from.

Seed steps read these tables; tests read them too, so the expected counts live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from accounts.roles import Role
from feedback.models import Channel
from surveys.models import SurveyStatus

DEMO_SLUG: Final = "demo"
DEMO_NAME: Final = "Demo Retail"
DEMO_OWNER_EMAIL: Final = "demo@example.com"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    email: str
    name: str
    role: str
    language: str
    timezone: str
    title: str  # what they do, printed next to the login hint


PEOPLE: Final[tuple[DemoPerson, ...]] = (
    DemoPerson("owner", DEMO_OWNER_EMAIL, "Alex Morgan", Role.OWNER, "en", "Europe/Berlin", "owner"),
    DemoPerson(
        "admin", "anna.petrova@example.com", "Anna Petrova", Role.ADMIN, "ru", "Europe/Moscow", "admin"
    ),
    DemoPerson(
        "cx_global",
        "wei.zhang@example.com",
        "张伟",
        Role.CX_MANAGER,
        "zh-hans",
        "Asia/Shanghai",
        "CX manager",
    ),
    DemoPerson(
        "cx_emea",
        "sarah.klein@example.com",
        "Sarah Klein",
        Role.CX_MANAGER,
        "en",
        "Europe/Berlin",
        "CX manager, limited to EMEA touchpoints",
    ),
    DemoPerson(
        "agent_id", "budi.santoso@example.com", "Budi Santoso", Role.AGENT, "id", "Asia/Jakarta", "agent"
    ),
    DemoPerson(
        "agent_ru", "dmitri.ivanov@example.com", "Dmitri Ivanov", Role.AGENT, "ru", "Europe/Moscow", "agent"
    ),
    DemoPerson("agent_zh", "li.na@example.com", "李娜", Role.AGENT, "zh-hans", "Asia/Shanghai", "agent"),
    DemoPerson("agent_en", "tom.baker@example.com", "Tom Baker", Role.AGENT, "en", "Europe/London", "agent"),
    DemoPerson(
        "executive",
        "siti.rahayu@example.com",
        "Siti Rahayu",
        Role.VIEWER,
        "id",
        "Asia/Jakarta",
        "executive (viewer)",
    ),
)


@dataclass(frozen=True)
class DemoTeam:
    name: str
    description: str
    lead: str
    members: tuple[str, ...]


TEAMS: Final[tuple[DemoTeam, ...]] = (
    DemoTeam(
        "Customer care",
        "First line for chat, email and app feedback.",
        "agent_en",
        ("agent_en", "agent_id", "agent_zh"),
    ),
    DemoTeam("Billing", "Payments, refunds and invoices.", "agent_ru", ("agent_ru", "agent_en")),
    DemoTeam(
        "Escalations",
        "Detractors and breached tickets.",
        "cx_global",
        ("cx_global", "agent_id", "agent_ru"),
    ),
)


@dataclass(frozen=True)
class DemoAccessGroup:
    name: str
    description: str
    members: tuple[str, ...]
    touchpoints: tuple[str, ...]


ACCESS_GROUPS: Final[tuple[DemoAccessGroup, ...]] = (
    DemoAccessGroup(
        "EMEA managers",
        "Sees only the touchpoints run by the European operations team.",
        ("cx_emea",),
        ("Delivery", "Store visit", "Call centre"),
    ),
)

# Journey stage -> its touchpoints (name, description), in journey order.
JOURNEY: Final[tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = (
    ("Discover", (("Website", "Browsing the online shop before buying."),)),
    (
        "Buy",
        (
            ("Checkout", "Paying for an online order."),
            ("Store visit", "Shopping in one of our stores."),
        ),
    ),
    ("Receive", (("Delivery", "The parcel on its way and at the door."),)),
    (
        "Use",
        (
            ("Mobile app", "The shopping app on iOS and Android."),
            ("Account & loyalty", "The customer account and the loyalty programme."),
        ),
    ),
    (
        "Get help",
        (
            ("Support chat", "Live chat and email support."),
            ("Call centre", "The customer service phone line."),
        ),
    ),
)


@dataclass(frozen=True)
class DemoSurvey:
    key: str
    name: str
    touchpoint: str
    template: str  # the library template it starts from (see core.demo.surveys for adaptations)
    base_language: str
    status: str = SurveyStatus.LIVE  # live surveys are published; a draft stays unpublished


# Every template is published at least once, in several base languages.
SURVEYS: Final[tuple[DemoSurvey, ...]] = (
    DemoSurvey("relationship_nps", "Relationship NPS", "Account & loyalty", "relationship_nps", "en"),
    DemoSurvey("support_csat", "CSAT after support", "Support chat", "support_csat", "ru"),
    DemoSurvey("call_followup", "Call centre follow-up", "Call centre", "relationship_nps", "ru"),
    DemoSurvey("checkout_ces", "CES after checkout", "Checkout", "checkout_ces", "zh-hans"),
    DemoSurvey("website_feedback", "Website feedback", "Website", "website_feedback", "id"),
    DemoSurvey("app_nps", "App NPS", "Mobile app", "relationship_nps", "id"),
    DemoSurvey("delivery_csat", "Delivery satisfaction", "Delivery", "support_csat", "ru"),
    DemoSurvey("store_kiosk", "Store kiosk", "Store visit", "support_csat", "id"),
    DemoSurvey("exit_intent", "Exit-intent survey", "Website", "exit_intent", "en"),
    DemoSurvey(
        "returns_draft", "Returns and refunds", "Support chat", "support_csat", "en", SurveyStatus.DRAFT
    ),
)


@dataclass(frozen=True)
class FeedbackSource:
    """A stream of demo feedback: which survey (or none, for other systems), how much, how it feels."""

    key: str
    survey: str | None
    touchpoint: str
    share: float  # of all feedback
    channels: tuple[tuple[str, int], ...]  # channel, weight
    metric: str | None  # nps | csat | ces, or None for a survey without a score (exit intent)
    mood: float  # tilts the score distribution: > 0 happier than average
    topics: tuple[str, ...]  # what comments are mostly about
    identified: float  # share of responses carrying a known contact
    always_comment: bool = False


SOURCES: Final[tuple[FeedbackSource, ...]] = (
    FeedbackSource(
        "relationship_nps",
        "relationship_nps",
        "Account & loyalty",
        0.17,
        ((Channel.EMAIL, 60), (Channel.SMS, 25), (Channel.LINK, 15)),
        "nps",
        0.15,
        ("delivery", "price", "support", "app", "checkout", "store"),
        0.9,
    ),
    FeedbackSource(
        "support_csat",
        "support_csat",
        "Support chat",
        0.14,
        ((Channel.CHAT, 75), (Channel.EMAIL, 25)),
        "csat",
        0.2,
        ("support",),
        0.7,
    ),
    FeedbackSource(
        "call_followup",
        "call_followup",
        "Call centre",
        0.07,
        ((Channel.CALL_CENTRE, 70), (Channel.SMS, 30)),
        "nps",
        -0.1,
        ("support", "price"),
        0.8,
    ),
    FeedbackSource(
        "checkout_ces",
        "checkout_ces",
        "Checkout",
        0.14,
        ((Channel.WEB, 75), (Channel.LINK, 25)),
        "ces",
        0.1,
        ("checkout", "price"),
        0.2,
    ),
    FeedbackSource(
        "website_feedback",
        "website_feedback",
        "Website",
        0.10,
        ((Channel.WEB, 100),),
        "csat",
        -0.2,
        ("checkout", "price", "delivery"),
        0.05,
    ),
    FeedbackSource(
        "app_nps",
        "app_nps",
        "Mobile app",
        0.12,
        ((Channel.API, 100),),
        "nps",
        -0.15,
        ("app", "delivery"),
        0.4,
    ),
    FeedbackSource(
        "app_reviews",
        None,
        "Mobile app",
        0.04,
        ((Channel.APP_REVIEW, 100),),
        "csat",
        -0.35,
        ("app",),
        0.0,
        always_comment=True,
    ),
    FeedbackSource(
        "delivery_csat",
        "delivery_csat",
        "Delivery",
        0.14,
        ((Channel.SMS, 50), (Channel.EMAIL, 30), (Channel.LINK, 20)),
        "csat",
        0.0,
        ("delivery",),
        0.85,
    ),
    FeedbackSource(
        "exit_intent",
        "exit_intent",
        "Website",
        0.05,
        ((Channel.WEB, 100),),
        None,
        0.0,
        ("price", "delivery", "checkout"),
        0.02,
    ),
    FeedbackSource(
        "store_kiosk",
        "store_kiosk",
        "Store visit",
        0.08,
        ((Channel.KIOSK, 100),),
        "csat",
        0.25,
        ("store", "price"),
        0.0,
    ),
)

DAYS: Final = 90
RESPONSES_PER_DAY: Final = 67  # an average weekday-and-weekend day at the start of the period
CONTACTS_PER_LANGUAGE: Final = 150
RANDOM_SEED: Final = 20261122

# The surveys are published a little before the period of feedback starts; one is edited three weeks
# ago (its version 2), and the draft is recent.
SURVEYS_CREATED_DAYS_AGO: Final = DAYS + 3
FIRST_VERSION_DAYS_AGO: Final = DAYS + 2
SECOND_VERSION_DAYS_AGO: Final = 21
DRAFT_CREATED_DAYS_AGO: Final = 3
