"""The retention sweep: exactly what is past an organisation's period goes, in batches, once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone

from accounts.models import AuditEvent, Organization
from analytics.models import DailyFacet, DailyRollup
from analytics.services import rollups_flush, rollups_rebuild
from campaigns.models import Campaign, Invitation, InvitationStatus
from contacts.models import ContactImport
from core.models import OutboxEvent
from core.outbox import outbox_process
from core.retention import registered_purgers, retention_sweep
from feedback.models import ImportJob, Response
from sms.models import SmsMessage
from tests.factories import ResponseFactory, SurveyFactory
from textanalysis.models import ResponseTag, Tag
from tickets.models import Ticket, TicketMessage, TicketResponse, TicketStatus
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

NOW = timezone.now()
OLD = NOW - timedelta(days=40)  # past a 30-day period
RECENT = NOW - timedelta(days=5)

MODELS: tuple[type[Model], ...] = (
    Response,
    ResponseTag,
    Ticket,
    TicketMessage,
    TicketResponse,
    Invitation,
    SmsMessage,
    WebhookDelivery,
    ImportJob,
    ContactImport,
)


def _counts(organization: Organization) -> dict[str, int]:
    return {
        model.__name__: model.all_orgs.filter(organization=organization).count()  # type: ignore[attr-defined]
        for model in MODELS
    }


def _rollups(organization: Organization) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rollups = DailyRollup.all_orgs.filter(organization=organization).order_by("day", "survey_id", "channel")
    facets = DailyFacet.all_orgs.filter(organization=organization).order_by("day", "kind", "key", "value")
    return (
        [tuple(v for k, v in row.items() if k != "id") for row in rollups.values()],
        [tuple(v for k, v in row.items() if k != "id") for row in facets.values()],
    )


def _import_job(
    model: type[ImportJob] | type[ContactImport], organization: Organization, at: datetime
) -> Any:
    path = default_storage.save(f"imports/retention-{uuid.uuid4().hex}.csv", ContentFile(b"email\na@b.c\n"))
    return model.all_orgs.create(
        organization=organization,
        original_name="old.csv",
        file_path=path,
        file_size=12,
        sha256="0" * 64,
        file_kind="csv",
        status="done",
        created_at=at,
        updated_at=at,
    )


def _history(organization: Organization) -> dict[str, Any]:
    """Two or three of everything before the cut-off, one after; an open ticket past it; unfinished logs past it."""
    survey = SurveyFactory(organization=organization)
    responses: dict[str, list[Any]] = {
        "old": [
            ResponseFactory(
                organization=organization, survey=survey, nps=nps, received_at=OLD - timedelta(days=i)
            )
            for i, nps in enumerate((2, 10, 5))
        ],
        "recent": [ResponseFactory(organization=organization, survey=survey, nps=7, received_at=RECENT)],
    }
    tag = Tag.all_orgs.create(organization=organization, name="refund")
    for response in (responses["old"][0], responses["recent"][0]):
        ResponseTag.all_orgs.create(organization=organization, response=response, tag=tag)

    def ticket(status: str, at: datetime, response: Response) -> Ticket:
        made = Ticket.all_orgs.create(
            organization=organization,
            subject=f"{status} ticket",
            status=status,
            response=response,
            reply_token=uuid.uuid4().hex,
            closed_at=at if status == TicketStatus.CLOSED else None,
            created_at=at,
            updated_at=at,
        )
        TicketResponse.all_orgs.create(organization=organization, ticket=made, response=response)
        TicketMessage.all_orgs.create(organization=organization, ticket=made, kind="inbound", body="Help")
        return made

    tickets = {
        "closed_old": ticket(TicketStatus.CLOSED, OLD, responses["old"][0]),
        "resolved_old": ticket(TicketStatus.RESOLVED, OLD, responses["old"][1]),
        "open_old": ticket(TicketStatus.OPEN, OLD, responses["old"][2]),
        "closed_recent": ticket(TicketStatus.CLOSED, RECENT, responses["recent"][0]),
    }
    campaign = Campaign.all_orgs.create(organization=organization, name="Q1", survey=survey, channel="email")
    for i, (at, status) in enumerate(
        [(OLD, "sent"), (OLD, "skipped"), (OLD, InvitationStatus.PENDING), (RECENT, "sent")]
    ):
        Invitation.all_orgs.create(
            organization=organization,
            campaign=campaign,
            survey=survey,
            channel="email",
            address=f"p{i}@example.org",
            token=uuid.uuid4().hex[:24],
            status=status,
            created_at=at,
        )
    for at in (OLD, OLD, RECENT):
        SmsMessage.all_orgs.create(
            organization=organization,
            direction="out",
            to_number="+4917000000",
            body="Hi",
            backend="console",
            created_at=at,
        )
    endpoint = WebhookEndpoint.all_orgs.create(
        organization=organization,
        name="CRM",
        url="https://crm.example",
        events=["response.created"],
        secret="s",
    )
    for at, status in (
        (OLD, DeliveryStatus.SUCCEEDED),
        (OLD, DeliveryStatus.FAILED),
        (OLD, DeliveryStatus.PENDING),
        (RECENT, DeliveryStatus.SUCCEEDED),
    ):
        WebhookDelivery.all_orgs.create(
            organization=organization,
            endpoint=endpoint,
            topic="response.created",
            status=status,
            created_at=at,
        )
    imports = [
        _import_job(ImportJob, organization, OLD),
        _import_job(ImportJob, organization, RECENT),
        _import_job(ContactImport, organization, OLD),
    ]
    rollups_rebuild(organization=organization)
    return {"responses": responses, "tickets": tickets, "imports": imports}


@pytest.fixture
def two_orgs(organization: Organization, other_organization: Organization) -> dict[str, Any]:
    organization.retention_days = 30
    organization.save(update_fields=["retention_days"])
    return {"kept": _history(organization), "other": _history(other_organization)}


def _drain_outbox() -> None:
    for pk in OutboxEvent.all_orgs.filter(processed_at__isnull=True).values_list("pk", flat=True):
        outbox_process(pk)
    rollups_flush()


def test_every_app_registers_its_purger() -> None:
    assert registered_purgers() == [
        "alert_deliveries",
        "alert_digest_entries",
        "responses",
        "feedback_imports",
        "tickets",
        "webhook_deliveries",
        "contact_imports",
        "invitations",
        "sms_messages",
    ]


def test_sweep_deletes_exactly_what_is_past_the_period_in_batches_and_once(
    organization: Organization,
    other_organization: Organization,
    two_orgs: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    other_before = _counts(other_organization)
    other_rollups = _rollups(other_organization)

    # Batches of two: every table has more old rows than one batch holds, or exactly as many.
    with django_capture_on_commit_callbacks(execute=True):
        reports = retention_sweep(batch_size=2)

    assert [(r.slug, r.counts) for r in reports] == [
        (
            "acme",
            {
                "alert_deliveries": 0,
                "alert_digest_entries": 0,
                "responses": 3,
                "feedback_imports": 1,
                "tickets": 2,
                "webhook_deliveries": 2,
                "contact_imports": 1,
                "invitations": 2,
                "sms_messages": 2,
            },
        )
    ]
    assert _counts(organization) == {
        "Response": 1,
        "ResponseTag": 1,
        "Ticket": 2,  # the open one stays, however old
        "TicketMessage": 2,
        "TicketResponse": 1,  # the open ticket's link to its deleted response went with the response
        "Invitation": 2,  # the recent one, and the old one still waiting to be sent
        "SmsMessage": 1,
        "WebhookDelivery": 2,  # the recent one, and the old one still pending
        "ImportJob": 1,
        "ContactImport": 0,
    }
    kept = two_orgs["kept"]
    open_old = Ticket.all_orgs.get(pk=kept["tickets"]["open_old"].pk)
    assert (open_old.status, open_old.subject, open_old.response_id) == ("open", "open ticket", None)
    assert [default_storage.exists(job.file_path) for job in kept["imports"]] == [False, True, False]
    assert _counts(other_organization) == other_before
    assert all(default_storage.exists(job.file_path) for job in two_orgs["other"]["imports"])

    # The deleted days' rollups are rebuilt from what remains, and equal a full rebuild.
    _drain_outbox()
    after_sweep = _rollups(organization)
    assert [row[1] for row in after_sweep[0]] == [RECENT.astimezone(UTC).date()]
    rollups_rebuild(organization=organization)
    assert _rollups(organization) == after_sweep
    assert _rollups(other_organization) == other_rollups

    audit = AuditEvent.all_orgs.get(organization=organization, action="retention.purged")
    assert (audit.actor_id, audit.after["retention_days"], audit.after["deleted"]["responses"]) == (
        None,
        30,
        3,
    )

    again = retention_sweep(batch_size=2)
    assert [(r.slug, r.total) for r in again] == [("acme", 0)]
    assert AuditEvent.all_orgs.filter(action="retention.purged").count() == 1

    for job in (*kept["imports"], *two_orgs["other"]["imports"]):
        default_storage.delete(job.file_path)


def test_command_dry_run_counts_and_deletes_nothing(
    organization: Organization, two_orgs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts(organization)

    call_command("retention_sweep", "--org", "acme", "--dry-run")
    assert _counts(organization) == before
    out = capsys.readouterr().out
    assert "acme (before " in out
    assert out.strip().endswith(
        "would delete 13 row(s): alert_deliveries 0, alert_digest_entries 0, responses 3, feedback_imports 1, "
        "tickets 2, webhook_deliveries 2, contact_imports 1, invitations 2, sms_messages 2"
    )

    call_command("retention_sweep", "--org", "globex")
    assert capsys.readouterr().out == "globex: no retention period, nothing to delete\n"

    call_command("retention_sweep")
    assert "deleted 13 row(s)" in capsys.readouterr().out
    assert _counts(organization)["Response"] == 1

    for group in two_orgs.values():
        for job in group["imports"]:
            default_storage.delete(job.file_path)
