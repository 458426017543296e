"""Contact import pages: upload, column mapping with a preview, the validation report, and the
running import's progress (polled by htmx). Managing imports needs Perm.SURVEYS_EDIT."""

from __future__ import annotations

from itertools import islice
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.roles import Perm
from contacts import selectors
from contacts.forms import ImportMappingForm, UploadForm
from contacts.imports import guess_columns
from contacts.models import ContactImport
from contacts.services import contact_import_check, contact_import_create, contact_import_start
from contacts.services.imports import contact_import_table, job_columns
from contacts.views.common import ContactsViewMixin, add_errors
from core.views import OrgActionView
from feedback.imports.parsing import UnreadableFile
from feedback.models import ImportStatus

SHOWN_PROBLEMS = 200
PREVIEW_ROWS = 5


class ImportViewMixin(ContactsViewMixin):
    permission = Perm.SURVEYS_EDIT

    def get_job(self) -> ContactImport:
        try:
            return selectors.contact_import_get(
                organization_id=self.organization.pk, contact_import_id=self.kwargs["contact_import_id"]
            )
        except ContactImport.DoesNotExist:
            raise Http404 from None

    def to_job(self, job: ContactImport) -> HttpResponse:
        return redirect("contacts:import_detail", org_slug=self.organization.slug, contact_import_id=job.pk)


class ImportListView(ImportViewMixin, ListView[ContactImport]):
    template_name = "contacts/import_list.html"
    paginate_by = 50
    context_object_name = "jobs"

    def get_queryset(self) -> QuerySet[ContactImport]:
        return selectors.contact_import_list(organization_id=self.organization.pk)


class ImportUploadView(ImportViewMixin, FormView[UploadForm]):
    template_name = "contacts/import_upload.html"
    form_class = UploadForm

    def form_valid(self, form: UploadForm) -> HttpResponse:
        try:
            job = contact_import_create(
                organization=self.organization, created_by=self.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc)
            return self.form_invalid(form)
        return redirect("contacts:import_mapping", org_slug=self.organization.slug, contact_import_id=job.pk)


class ImportMappingView(ImportViewMixin, TemplateView):
    template_name = "contacts/import_mapping.html"

    def _page(self, job: ContactImport, form: ImportMappingForm | None) -> HttpResponse:
        if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED):
            messages.error(self.request, _("This import has already started; its mapping cannot change."))
            return self.to_job(job)
        try:
            table = contact_import_table(job)
            preview = list(islice(table.rows(), PREVIEW_ROWS))
        except UnreadableFile as exc:
            messages.error(self.request, exc.message)
            return self.to_job(job)
        lists = selectors.contact_lists(organization_id=self.organization.pk)
        if form is None:
            columns = job_columns(job) or guess_columns(table.headers)
            initial: dict[str, Any] = {f"column_{i}": str(c) for i, c in enumerate(columns)}
            initial["contact_list"] = job.contact_list_id
            form = ImportMappingForm(headers=list(table.headers), lists=lists, initial=initial)
        elif form.is_valid():
            chosen = form.cleaned_data["contact_list"]
            try:
                contact_import_check(
                    job=job, columns=form.columns(), contact_list_id=chosen.pk if chosen is not None else None
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.to_job(job)
        samples = [
            (field, [row.values[i] for row in preview if row.values[i].strip()][:3])
            for i, field in enumerate(form.column_fields)
        ]
        return self.render_to_response(self.get_context_data(job=job, form=form, samples=samples))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(self.get_job(), None)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_job()
        headers = job.columns if isinstance(job.columns, list) else []
        lists = selectors.contact_lists(organization_id=self.organization.pk)
        return self._page(job, ImportMappingForm(request.POST, headers=headers, lists=lists))


class ImportDetailView(ImportViewMixin, TemplateView):
    template_name = "contacts/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job = self.get_job()
        return super().get_context_data(
            job=job,
            problems=job.report[:SHOWN_PROBLEMS],
            can_start=job.status == ImportStatus.VALIDATED and bool(job.valid_rows),
            **kwargs,
        )


class ImportProgressView(ImportViewMixin, TemplateView):
    template_name = "contacts/_import_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(job=self.get_job(), **kwargs)


class ImportStartView(ImportViewMixin, OrgActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_job()
        try:
            contact_import_start(job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The import has started."))
        return self.to_job(job)
