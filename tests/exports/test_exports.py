"""Exports of responses and tickets: the columns, formula injection, respondent text, access groups,
the job's claim, progress and sweep, and the pages (who may ask, follow and download)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from accounts.models import AccessGroupMembership
from accounts.roles import Role
from exports.models import ExportJob, ExportStatus
from exports.services import export_job_create, export_job_run, export_jobs_sweep
from exports.writers import neutralise
from feedback.models import Contact
from tests.factories import AccessGroupFactory, ResponseFactory, SurveyFactory, TeamFactory
from textanalysis.models import ResponseTag, Tag, Theme
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def run(membership, kind="responses", file_format="csv", filters=None):
    job = export_job_create(membership=membership, kind=kind, file_format=file_format, filters=filters or {})
    status = export_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job, status


def csv_rows(job):
    with default_storage.open(job.file_path, "rb") as handle:
        text = handle.read().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(job):
    with default_storage.open(job.file_path, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=False).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x01=1+1", "'=1+1"),
        ("plain", "plain"),
        (" =1", " =1"),
        (-5, -5),
        (7.5, 7.5),
        (None, ""),
    ],
)
def test_neutralise_defuses_formulas_and_keeps_numbers(value, expected):
    assert neutralise(value) == expected


# --- responses ---------------------------------------------------------------------------------------


@pytest.fixture
def answered(organization, live_survey):
    organization.timezone = "Europe/Berlin"
    organization.save()
    contact = Contact.all_orgs.create(organization=organization, email="ana@example.com", external_id="c-7")
    theme = Theme.all_orgs.create(organization=organization, name="Delivery")
    response = ResponseFactory(
        organization=organization,
        survey=live_survey,
        survey_version=live_survey.current_version,
        touchpoint=live_survey.touchpoint,
        contact=contact,
        channel="email",
        language="en",
        nps=3,
        answers={"nps": 3, "why": '=HYPERLINK("http://evil.example","click")'},
        comment="<script>alert('x')</script> <b>late</b>",
        hidden_fields={"plan": "@pro"},
        meta={"store": "ios", "ip_hash": "secret-hash"},
        sentiment="negative",
        theme_ids=[theme.pk],
        received_at=datetime(2026, 3, 1, 11, 0, tzinfo=UTC),
        finished_at=datetime(2026, 3, 1, 11, 2, tzinfo=UTC),
    )
    tag = Tag.all_orgs.create(organization=organization, name="Follow up")
    ResponseTag.all_orgs.create(organization=organization, response=response, tag=tag)
    return response


def test_a_csv_export_holds_every_column_with_formulas_defused_and_text_as_is(answered, manager, media):
    job, status = run(manager)

    rows = csv_rows(job)
    touchpoint = answered.touchpoint
    assert (status, job.status, job.total_rows, job.processed_rows) == ("done", "done", 1, 1)
    assert rows == [
        [
            "Id",
            "Received",
            "Finished",
            "Channel",
            "Survey",
            "Survey version",
            "Touchpoint",
            "Journey stage",
            "Language",
            "Contact email",
            "Contact external id",
            "NPS",
            "CSAT",
            "CES",
            "Sentiment",
            "Themes",
            "Tags",
            "Comment",
            "q.nps",
            "q.why",
            "q.email",
            "hidden.plan",
            "meta.store",
        ],
        [
            str(answered.pk),
            "2026-03-01T12:00:00+01:00",
            "2026-03-01T12:02:00+01:00",
            "Email",
            "Relationship NPS",
            "1",
            touchpoint.name,
            touchpoint.stage.name,
            "en",
            "ana@example.com",
            "c-7",
            "3",
            "",
            "",
            "negative",
            "Delivery",
            "Follow up",
            "<script>alert('x')</script> <b>late</b>",
            "3 / 10",
            '\'=HYPERLINK("http://evil.example","click")',
            "",
            "'@pro",
            "ios",
        ],
    ]


def test_an_xlsx_export_reads_back_with_no_formula_and_numbers_as_numbers(answered, manager, media):
    job, _status = run(manager, file_format="xlsx")

    rows = xlsx_rows(job)
    header = [value for value, _type in rows[0]]
    row = dict(zip(header, rows[1], strict=True))
    assert (len(rows), job.file_path.startswith("exports/"), job.file_path.endswith(".xlsx")) == (
        2,
        True,
        True,
    )
    assert (row["Id"], row["NPS"], row["CSAT"]) == ((answered.pk, "n"), (3, "n"), (None, "n"))
    assert row["q.why"] == ('\'=HYPERLINK("http://evil.example","click")', "s")
    assert row["hidden.plan"] == ("'@pro", "s")
    assert row["Comment"] == ("<script>alert('x')</script> <b>late</b>", "s")
    assert [kind for _value, kind in rows[1]].count("f") == 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_injection_in_a_comment_is_defused(organization, manager, media, file_format):
    for index, text in enumerate(INJECTIONS):
        ResponseFactory(
            organization=organization,
            comment=text,
            received_at=datetime(2026, 3, 1, tzinfo=UTC) - timedelta(minutes=index),
        )

    job, _status = run(manager, file_format=file_format)

    if file_format == "csv":
        comments = [row[17] for row in csv_rows(job)[1:]]
        expected = ["'" + text for text in INJECTIONS]
    else:
        comments = [row[17][0] for row in xlsx_rows(job)[1:]]
        # XML reads a carriage return as a line feed; what counts is the leading quote.
        expected = ["'" + text.replace("\r", "\n") for text in INJECTIONS]
    assert comments == expected


@pytest.fixture
def restricted(organization, make_member):
    """A CX manager whose access group lists one survey."""
    listed = SurveyFactory(organization=organization, name="Listed")
    other = SurveyFactory(organization=organization, name="Other")
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    group = AccessGroupFactory(organization=organization, name="Stores")
    group.surveys.add(listed)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    return SimpleNamespace(
        member=member,
        seen=ResponseFactory(organization=organization, survey=listed, comment="seen"),
        unseen=ResponseFactory(organization=organization, survey=other, comment="unseen"),
    )


def test_a_restricted_member_exports_only_what_their_access_groups_show(restricted, manager, media):
    limited_job, _status = run(restricted.member)
    full_job, _status = run(manager)

    assert [row[0] for row in csv_rows(limited_job)[1:]] == [str(restricted.seen.pk)]
    assert sorted(row[0] for row in csv_rows(full_job)[1:]) == sorted(
        [str(restricted.seen.pk), str(restricted.unseen.pk)]
    )


def test_the_scope_is_read_when_the_export_runs_not_when_it_was_asked(restricted, media, in_org):
    job = export_job_create(membership=restricted.member, kind="responses", file_format="csv", filters={})
    AccessGroupMembership.all_orgs.get(membership=restricted.member).access_group.surveys.clear()

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, csv_rows(job)[1:]) == ("done", [])


def test_the_filters_of_the_list_limit_the_rows(organization, manager, media):
    email = ResponseFactory(organization=organization, channel="email", comment="by mail")
    ResponseFactory(organization=organization, channel="link", comment="by link")
    old = ResponseFactory(
        organization=organization, channel="email", received_at=datetime(2020, 1, 1, tzinfo=UTC)
    )

    job, _status = run(
        manager,
        filters={"channel": "email", "received_from": "2025-01-01T00:00:00+00:00", "survey_id": "nonsense"},
    )

    assert [row[0] for row in csv_rows(job)[1:]] == [str(email.pk)]
    assert old.pk != email.pk


# --- tickets -----------------------------------------------------------------------------------------


def make_ticket(organization, **fields):
    return Ticket.all_orgs.create(
        organization=organization,
        subject=fields.pop("subject", "Late delivery"),
        reply_token=f"token-{Ticket.all_orgs.count()}-{fields.get('team', '')}",
        **fields,
    )


def test_a_ticket_export_follows_the_queue_scope_of_a_restricted_member(organization, make_member, media):
    mine, theirs = TeamFactory(organization=organization, name="Care"), TeamFactory(organization=organization)
    member = make_member(organization, Role.CX_MANAGER, email="care@acme.test")
    group = AccessGroupFactory(organization=organization)
    group.teams.add(mine)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    contact = Contact.all_orgs.create(organization=organization, email="li@example.com")
    seen = make_ticket(organization, team=mine, contact=contact, subject="=cmd|' /C calc'!A0", recovered=True)
    assigned = make_ticket(organization, team=theirs, assignee=member, subject="Assigned to me")
    make_ticket(organization, team=theirs, subject="Not mine")

    job, _status = run(member, kind="tickets", filters={"sort": "created"})

    rows = csv_rows(job)
    assert rows[0] == [
        "Id",
        "Subject",
        "Status",
        "Priority",
        "Team",
        "Assignee",
        "Created",
        "First contact",
        "Resolved",
        "Clocks",
        "Root cause",
        "Outcome",
        "Recovered",
        "Response id",
        "Contact",
    ]
    assert [(r[0], r[1], r[2], r[4], r[12], r[14]) for r in rows[1:]] == [
        (str(seen.pk), "'=cmd|' /C calc'!A0", "New", "Care", "Yes", "li@example.com"),
        (str(assigned.pk), "Assigned to me", "New", theirs.name, "", ""),
    ]


def test_a_ticket_export_needs_the_tickets_permission_too(organization, make_member):
    viewer = make_member(organization, Role.VIEWER)

    with pytest.raises(Exception, match="may not export"):
        export_job_create(membership=viewer, kind="tickets", file_format="csv", filters={})


# --- the job: claim, progress, sweep, expiry ---------------------------------------------------------


def test_a_job_runs_once_and_keeps_its_file_for_seven_days(answered, manager, media):
    job = export_job_create(membership=manager, kind="responses", file_format="csv", filters={})

    first = export_job_run(job_id=job.pk)
    second = export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (first, second, job.status) == ("done", None, "done")
    assert job.expires_at - job.finished_at == timedelta(days=7)
    assert (job.file_size, default_storage.size(job.file_path)) == (job.file_size, job.file_size)


def test_a_member_who_left_gets_a_failed_export(answered, manager, media):
    job = export_job_create(membership=manager, kind="responses", file_format="csv", filters={})
    manager.delete()

    status = export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (status, job.status, job.file_path) == ("failed", "failed", "")
    assert job.failure_reason == "The member who asked for this export has left the organisation."


def test_the_sweep_requeues_stuck_jobs_gives_up_on_old_ones_and_expires_files(
    organization, manager, media, django_capture_on_commit_callbacks
):
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    common = {
        "organization": organization,
        "membership": manager,
        "created_by": manager.user,
        "kind": "responses",
    }
    stuck = ExportJob.all_orgs.create(
        **common,
        file_format="csv",
        status=ExportStatus.RUNNING,
        created_at=now - timedelta(minutes=10),
        started_at=now - timedelta(minutes=9),
        heartbeat_at=now - timedelta(minutes=3),
        processed_rows=4000,
    )
    alive = ExportJob.all_orgs.create(
        **common,
        file_format="csv",
        status=ExportStatus.RUNNING,
        created_at=now - timedelta(minutes=10),
        heartbeat_at=now - timedelta(seconds=30),
    )
    lost = ExportJob.all_orgs.create(
        **common, file_format="csv", status=ExportStatus.QUEUED, created_at=now - timedelta(minutes=5)
    )
    fresh = ExportJob.all_orgs.create(
        **common, file_format="csv", status=ExportStatus.QUEUED, created_at=now - timedelta(seconds=20)
    )
    ancient = ExportJob.all_orgs.create(
        **common, file_format="csv", status=ExportStatus.RUNNING, created_at=now - timedelta(hours=4)
    )
    path = default_storage.save("exports/old.csv", ContentFile(b"id\n1\n"))
    expired = ExportJob.all_orgs.create(
        **common,
        file_format="csv",
        status=ExportStatus.DONE,
        file_path=path,
        file_size=5,
        created_at=now - timedelta(days=8),
        expires_at=now - timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks() as callbacks:
        counts = export_jobs_sweep(now=now)

    statuses = {
        name: ExportJob.all_orgs.get(pk=job.pk).status
        for name, job in {
            "stuck": stuck,
            "alive": alive,
            "lost": lost,
            "fresh": fresh,
            "ancient": ancient,
            "expired": expired,
        }.items()
    }
    assert counts == {"requeued": 2, "failed": 1, "expired": 1}
    assert statuses == {
        "stuck": "queued",
        "alive": "running",
        "lost": "queued",
        "fresh": "queued",
        "ancient": "failed",
        "expired": "expired",
    }
    assert (ExportJob.all_orgs.get(pk=stuck.pk).processed_rows, default_storage.exists(path)) == (0, False)
    assert len(callbacks) == 2  # the two jobs queued again
    # Queued again just now: the next sweep leaves them alone.
    assert export_jobs_sweep(now=now + timedelta(seconds=30))["requeued"] == 0
