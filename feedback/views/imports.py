"""Import pages under ``/o/<org_slug>/feedback/imports/``: upload, mapping with preview, validation
report, the running import's progress and the list of past imports. Managing imports needs
Perm.SURVEYS_EDIT; an outsider gets 404 and another organisation's job id reads as a missing one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.models import User
from accounts.roles import Perm
from accounts.selectors import access_scope_for
from core.views import OrgActionView, OrgViewMixin
from feedback.imports.forms import MappingForm, UploadForm
from feedback.imports.mapping import ImportMapping, Target, guess_day_first, guess_targets
from feedback.imports.parsing import Table, UnreadableFile
from feedback.imports.selectors import (
    import_job_get,
    import_job_list,
    import_job_table,
    import_preview,
    import_rejected_csv,
)
from feedback.imports.services import import_job_check, import_job_create, import_job_start
from feedback.models import ImportJob, ImportStatus
from surveys.models import Touchpoint
from surveys.selectors import touchpoint_choices

SHOWN_PROBLEMS = 200


class ImportViewMixin(OrgViewMixin):
    permission = Perm.SURVEYS_EDIT
    kwargs: dict[str, Any]

    def get_job(self) -> ImportJob:
        try:
            return import_job_get(organization=self.organization, job_id=self.kwargs["job_id"])
        except ImportJob.DoesNotExist:
            raise Http404 from None

    def to_job(self, job: ImportJob) -> HttpResponse:
        return redirect("feedback:import_detail", org_slug=self.organization.slug, job_id=job.pk)


class ImportListView(ImportViewMixin, ListView[ImportJob]):
    template_name = "feedback/imports/list.html"
    paginate_by = 50
    context_object_name = "jobs"

    def get_queryset(self) -> QuerySet[ImportJob]:
        return import_job_list(organization=self.organization)


class ImportUploadView(ImportViewMixin, FormView[UploadForm]):
    template_name = "feedback/imports/upload.html"
    form_class = UploadForm

    def form_valid(self, form: UploadForm) -> HttpResponse:
        user = self.request.user
        assert isinstance(user, User)
        try:
            job = import_job_create(
                organization=self.organization, created_by=user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
            return self.form_invalid(form)
        return redirect("feedback:import_mapping", org_slug=self.organization.slug, job_id=job.pk)


def _initial_mapping(job: ImportJob, table: Table, preview: list[Any], time_zone: str) -> ImportMapping:
    if job.mapping:
        return ImportMapping.from_json(job.mapping)
    targets = guess_targets(table.headers)
    dates = targets.index(Target.RECEIVED_AT) if Target.RECEIVED_AT in targets else None
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        time_zone = "UTC"
    return ImportMapping(
        targets=tuple(targets),
        time_zone=time_zone,
        day_first=guess_day_first([row.values[dates] for row in preview] if dates is not None else []),
    )


class ImportMappingView(ImportViewMixin, TemplateView):
    template_name = "feedback/imports/mapping.html"

    def _touchpoints(self) -> QuerySet[Touchpoint]:
        scope = access_scope_for(membership=self.membership)
        return touchpoint_choices(organization=self.organization, scope=scope)

    def _page(self, job: ImportJob, form: MappingForm | None) -> HttpResponse:
        if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
            messages.error(self.request, _("This import has already started; its mapping cannot change."))
            return self.to_job(job)
        try:
            table = import_job_table(job)
            preview = import_preview(table)
        except UnreadableFile as exc:
            messages.error(self.request, exc.message)
            return self.to_job(job)
        if form is None:
            mapping = _initial_mapping(job, table, preview, self.organization.timezone)
            form = MappingForm(
                headers=table.headers,
                touchpoints=self._touchpoints(),
                initial=MappingForm.initial_for(mapping),
            )
        elif form.is_valid():
            names = {tp.name.casefold(): tp.pk for tp in self._touchpoints()}
            try:
                import_job_check(job=job, mapping=form.mapping(names))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self.to_job(job)
        columns = [
            (field, [row.values[index] for row in preview if row.values[index].strip()][:3])
            for index, field in enumerate(form.column_fields)
        ]
        context = self.get_context_data(job=job, form=form, preview=preview, headers=table.headers)
        context["columns"] = columns
        return self.render_to_response(context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(self.get_job(), None)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_job()
        headers = job.columns if isinstance(job.columns, list) else []
        form = MappingForm(request.POST, headers=headers, touchpoints=self._touchpoints())
        return self._page(job, form)


class ImportDetailView(ImportViewMixin, TemplateView):
    template_name = "feedback/imports/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job = self.get_job()
        return super().get_context_data(
            job=job,
            problems=job.report[:SHOWN_PROBLEMS],
            shown_problems=SHOWN_PROBLEMS,
            can_map=job.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED),
            can_start=job.status == ImportStatus.VALIDATED and bool(job.valid_rows),
            **kwargs,
        )


class ImportProgressView(ImportViewMixin, TemplateView):
    """The progress fragment that the job page polls (htmx) every second while the import runs."""

    template_name = "feedback/imports/_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(job=self.get_job(), shown_problems=SHOWN_PROBLEMS, **kwargs)


class ImportStartView(ImportViewMixin, OrgActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_job()
        try:
            import_job_start(job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The import has started."))
        return self.to_job(job)


class ImportRejectedView(ImportViewMixin, View):
    """The rows the validation report rejects, as CSV with an ``error`` column."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        job = self.get_job()
        if job.valid_rows is None:
            messages.error(request, _("Choose the columns first; the report lists the rejected rows."))
            return self.to_job(job)
        try:
            table = import_job_table(job)
        except UnreadableFile as exc:
            messages.error(request, exc.message)
            return self.to_job(job)
        language = translation.get_language()

        def content() -> Iterator[str]:
            # Streamed after the view returns: keep the page's language for the messages.
            with translation.override(language):
                yield from import_rejected_csv(job, table)

        response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected-rows.csv"'
        return response
