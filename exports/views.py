"""Export pages under ``/o/<org_slug>/exports/``: ask for an export of the response list or the ticket
queue with its current filters, follow its progress, download the file.

Exporting needs Perm.RESPONSES_EXPORT (tickets also Perm.TICKETS_VIEW). A job and its file belong to the
member who asked for it: anyone else (but an admin) gets 404, like for a missing job.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.roles import Perm
from accounts.selectors import access_scope_for
from core.views import OrgViewMixin
from exports.filters import response_filters_to_json, ticket_filters_to_json
from exports.forms import ExportForm
from exports.models import ExportJob, ExportKind, ExportStatus
from exports.selectors import export_job_get, export_job_list, export_responses, export_tickets
from exports.services import export_job_create, may_export
from feedback.selectors import survey_filter_choices, touchpoint_filter_choices
from feedback.views.responses import ResponseFilterForm
from tickets.forms import QueueFilterForm
from tickets.services.saved_views import FILTER_NAMES as TICKET_FILTER_NAMES
from tickets.views.common import team_choices, working_members
from tickets.views.queue import ticket_filters

ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportViewMixin(OrgViewMixin):
    permission = Perm.RESPONSES_EXPORT
    kwargs: dict[str, Any]

    def get_job(self) -> ExportJob:
        try:
            return export_job_get(
                organization=self.organization, membership=self.membership, job_id=self.kwargs["export_id"]
            )
        except ExportJob.DoesNotExist:
            raise Http404 from None


def job_context(job: ExportJob) -> dict[str, Any]:
    total = job.total_rows or 0
    return {
        "job": job,
        "active": job.status in ACTIVE,
        "percent": min(100, job.processed_rows * 100 // total) if total else 0,
    }


class ExportListView(ExportViewMixin, ListView[ExportJob]):
    template_name = "exports/list.html"
    paginate_by = 50
    context_object_name = "jobs"

    def get_queryset(self) -> QuerySet[ExportJob]:
        return export_job_list(organization=self.organization, membership=self.membership)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_export_tickets=self.can(Perm.TICKETS_VIEW), **kwargs)


def _shown(field: forms.Field, value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_shown(field, item) for item in value)
    if hasattr(value, "name"):
        return str(value.name)
    if isinstance(value, dt.date):
        return str(formats.date_format(value, "SHORT_DATE_FORMAT"))
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value))


def describe(form: forms.Form) -> list[tuple[str, str]]:
    """The filters a bound form holds, as (label, value) pairs for people; invalid values are left out
    (the list ignores them too)."""
    if not form.is_bound:
        return []
    form.is_valid()
    return [
        (str(form.fields[name].label), _shown(form.fields[name], value))
        for name, value in form.cleaned_data.items()
        if name not in form.errors and value not in (None, "", [], ())
    ]


class ExportCreateView(ExportViewMixin, TemplateView):
    """GET: what will be exported (the list's filters, carried in the URL) and the format; POST: ask."""

    template_name = "exports/create.html"

    @cached_property
    def kind(self) -> str:
        kind = self.request.GET.get("kind", ExportKind.RESPONSES)
        return kind if kind in ExportKind.values else ExportKind.RESPONSES

    @cached_property
    def filter_form(self) -> forms.Form:
        query = self.request.GET
        if self.kind == ExportKind.TICKETS:
            bound = any(name in query for name in (*TICKET_FILTER_NAMES, "sort"))
            return QueueFilterForm(query if bound else None, members=working_members(), teams=team_choices())
        scope = access_scope_for(membership=self.membership)
        return ResponseFilterForm(
            query or None,
            surveys=survey_filter_choices(organization=self.organization, scope=scope),
            touchpoints=touchpoint_filter_choices(organization=self.organization, scope=scope),
        )

    def filters_json(self) -> dict[str, Any]:
        form = self.filter_form
        if isinstance(form, QueueFilterForm):
            return ticket_filters_to_json(ticket_filters(form.values()))
        assert isinstance(form, ResponseFilterForm)
        return response_filters_to_json(form.filters())

    def row_count(self) -> int:
        form = self.filter_form
        if isinstance(form, QueueFilterForm):
            filters = ticket_filters(form.values())
            return export_tickets(
                organization=self.organization, membership=self.membership, filters=filters
            ).count()
        assert isinstance(form, ResponseFilterForm)
        return export_responses(
            organization=self.organization,
            scope=access_scope_for(membership=self.membership),
            filters=form.filters(),
        ).count()

    def check_kind(self) -> None:
        if not may_export(self.membership, self.kind):
            raise PermissionDenied

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ExportForm())
        return super().get_context_data(
            kind=self.kind,
            kind_label=ExportKind(self.kind).label,
            described=describe(self.filter_form),
            rows=self.row_count(),
            **kwargs,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_kind()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_kind()
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                job = export_job_create(
                    membership=self.membership,
                    kind=self.kind,
                    file_format=form.cleaned_data["file_format"],
                    filters=self.filters_json(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The export has started. It is ready in a moment."))
                return redirect("exports:export_detail", org_slug=self.organization.slug, export_id=job.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ExportDetailView(ExportViewMixin, TemplateView):
    template_name = "exports/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**job_context(self.get_job()), **kwargs)


class ExportProgressView(ExportViewMixin, TemplateView):
    """The progress fragment that the job page polls (htmx) every second while the export runs."""

    template_name = "exports/_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**job_context(self.get_job()), **kwargs)


class ExportDownloadView(ExportViewMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        job = self.get_job()
        to_job = redirect("exports:export_detail", org_slug=self.organization.slug, export_id=job.pk)
        if job.status != ExportStatus.DONE or not job.file_path:
            messages.error(request, _("This export has no file to download."))
            return to_job
        try:
            handle = default_storage.open(job.file_path, "rb")
        except (OSError, ValueError):
            messages.error(request, _("The file of this export is no longer available. Ask for it again."))
            return to_job
        stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y-%m-%d")
        name = f"{job.kind}-{self.organization.slug}-{stamp}-{job.pk}.{job.file_format}"
        return FileResponse(handle, as_attachment=True, filename=name)
