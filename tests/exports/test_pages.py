"""The export pages: asking with the list's filters, the progress fragment, the creator-only download."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.roles import Role
from exports.models import ExportJob
from exports.services import export_job_create, export_job_run
from tests.factories import ResponseFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def base(organization):
    return f"/o/{organization.slug}/exports"


def test_the_create_page_shows_the_filters_it_carries_and_asks_with_them(
    organization, manager, client_for, base, django_capture_on_commit_callbacks
):
    ResponseFactory(organization=organization, channel="email")
    ResponseFactory(organization=organization, channel="link")
    client = client_for(manager)
    query = "kind=responses&channel=email&received_from=2026-01-01&q=late&language=bogus"

    page = client.get(f"{base}/new/?{query}")
    with django_capture_on_commit_callbacks() as queued:
        asked = client.post(f"{base}/new/?{query}", {"file_format": "csv"})

    job = ExportJob.all_orgs.get(organization=organization)
    assert (page.status_code, page.context["rows"], page.context["described"]) == (
        200,
        0,
        [("Search comments", "late"), ("Channel", "Email"), ("Received from", "01/01/2026")],
    )
    assert (asked.status_code, asked["Location"], len(queued)) == (302, f"{base}/{job.pk}/", 1)
    assert (job.kind, job.file_format, job.status, job.created_by_id, job.membership_id) == (
        "responses",
        "csv",
        "queued",
        manager.user_id,
        manager.pk,
    )
    assert job.filters == {
        "survey_id": None,
        "channel": "email",
        "touchpoint_id": None,
        "language": "",
        "finished": None,
        "received_from": "2026-01-01T00:00:00+00:00",
        "received_before": None,
        "search": "late",
    }


def test_a_ticket_export_carries_the_queue_filters(organization, manager, client_for, base):
    team = TeamFactory(organization=organization)
    client = client_for(manager)

    asked = client.post(
        f"{base}/new/?kind=tickets&status=open&status=new&team={team.pk}&assignee=me&sort=-created",
        {"file_format": "xlsx"},
    )

    job = ExportJob.all_orgs.get(organization=organization)
    assert (asked.status_code, job.kind, job.file_format) == (302, "tickets", "xlsx")
    assert job.filters == {
        "status": ["open", "new"],
        "assignee": "me",
        "team": team.pk,
        "priority": [],
        "sla": "",
        "q": "",
        "sort": "-created",
    }


def test_a_bad_format_shows_the_form_again(organization, manager, client_for, base):
    page = client_for(manager).post(f"{base}/new/?kind=responses", {"file_format": "pdf"})

    assert (page.status_code, ExportJob.all_orgs.count(), bool(page.context["form"].errors)) == (200, 0, True)


def test_members_without_the_export_permission_get_403(organization, viewer, make_member, client_for, base):
    agent = make_member(organization, Role.AGENT)

    statuses = [
        client_for(who).get(f"{base}/new/?kind={kind}").status_code
        for who in (viewer, agent)
        for kind in ("responses", "tickets")
    ]

    assert statuses == [403, 403, 403, 403]


def test_the_progress_fragment_polls_while_running_and_links_the_file_when_done(
    organization, manager, client_for, base, media
):
    ResponseFactory(organization=organization, received_at=datetime(2026, 1, 1, tzinfo=UTC))
    job = export_job_create(membership=manager, kind="responses", file_format="xlsx", filters={})
    client = client_for(manager)

    waiting = client.get(f"{base}/{job.pk}/progress/")
    export_job_run(job_id=job.pk)
    done = client.get(f"{base}/{job.pk}/")

    assert f'hx-get="{base}/{job.pk}/progress/"' in waiting.content.decode()
    assert "hx-get" not in done.content.decode()
    assert f'href="{base}/{job.pk}/download/"' in done.content.decode()


def test_only_the_creator_or_an_admin_downloads_an_export(
    organization, manager, owner, outsider, make_member, client_for, base, media
):
    ResponseFactory(organization=organization, comment="hello")
    job = export_job_create(membership=manager, kind="responses", file_format="csv", filters={})
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    colleague = make_member(organization, Role.CX_MANAGER)
    url = f"{base}/{job.pk}/download/"

    mine = client_for(manager).get(url)
    body = b"".join(mine.streaming_content)
    statuses = [client_for(who).get(url).status_code for who in (owner, colleague, outsider)] + [
        client_for(outsider).get(f"/o/{outsider.organization.slug}/exports/{job.pk}/download/").status_code
    ]
    listed = [
        [j.pk for j in client_for(who).get(f"{base}/").context["jobs"]] for who in (manager, colleague, owner)
    ]

    assert (mine.status_code, mine["Content-Type"]) == (200, "text/csv")
    assert mine["Content-Disposition"] == (
        f'attachment; filename="responses-{organization.slug}-{job.finished_at:%Y-%m-%d}-{job.pk}.csv"'
    )
    assert body.decode("utf-8").startswith("\ufeffId,Received")
    assert statuses == [200, 404, 404, 404]
    assert listed == [[job.pk], [], [job.pk]]


def test_a_download_of_an_unfinished_or_expired_export_goes_back_to_its_page(
    organization, manager, client_for, base, media
):
    job = export_job_create(membership=manager, kind="responses", file_format="csv", filters={})
    gone = ExportJob.all_orgs.create(
        organization=organization,
        membership=manager,
        created_by=manager.user,
        kind="responses",
        file_format="csv",
        status="done",
        file_path=default_storage.save("exports/x.csv", ContentFile(b"x")),
    )
    default_storage.delete(gone.file_path)
    client = client_for(manager)

    answers = [client.get(f"{base}/{j.pk}/download/") for j in (job, gone)]

    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, f"{base}/{job.pk}/"),
        (302, f"{base}/{gone.pk}/"),
    ]
