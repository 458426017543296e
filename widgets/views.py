"""Pages for websites that embed the widget and their publishable keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.roles import Perm
from core.views import OrgActionView, OrgViewMixin
from widgets.forms import SiteForm
from widgets.models import Site
from widgets.selectors import site_get, site_list
from widgets.services import site_create, site_revoke, site_rotate_key, site_update


def _add_service_error(form: SiteForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class SiteListView(OrgViewMixin, ListView[Site]):
    permission = Perm.SITES_MANAGE
    template_name = "widgets/site_list.html"
    paginate_by = 50
    context_object_name = "sites"

    def get_queryset(self) -> QuerySet[Site]:
        return site_list(organization=self.organization)


class SiteDetailView(OrgViewMixin, TemplateView):
    permission = Perm.SITES_MANAGE
    template_name = "widgets/site_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        site = site_get(organization=self.organization, site_id=self.kwargs["site_id"])
        site_url = settings.SITE_URL
        context["site"] = site
        context["snippet"] = (
            f'<script async src="{site_url}/static/widgets/cx.js" data-site-key="{site.public_key}"></script>'
        )
        context["csp"] = f"script-src {site_url}; connect-src {site_url}"
        return context


class SiteFormView(OrgViewMixin, FormView[SiteForm]):
    permission = Perm.SITES_MANAGE
    template_name = "widgets/site_form.html"
    form_class = SiteForm
    site: Site | None = None

    def _load(self) -> None:
        if "site_id" in self.kwargs:
            self.site = site_get(organization=self.organization, site_id=self.kwargs["site_id"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._load()
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return SiteForm.initial_for(self.site) if self.site is not None else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "site": self.site}

    def form_valid(self, form: SiteForm) -> HttpResponse:
        try:
            if self.site is None:
                site = site_create(
                    organization=self.organization,
                    actor=self.membership,
                    name=form.cleaned_data["name"],
                    origins=form.origin_lines(),
                )
            else:
                site = site_update(
                    site=self.site,
                    actor=self.membership,
                    name=form.cleaned_data["name"],
                    origins=form.origin_lines(),
                )
        except ValidationError as exc:
            _add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The website “%(name)s” is saved.") % {"name": site.name})
        return redirect("widgets:site_detail", org_slug=self.organization.slug, site_id=site.pk)


class SiteRotateView(OrgActionView):
    permission = Perm.SITES_MANAGE

    def post(self, request: HttpRequest, org_slug: str, site_id: int) -> HttpResponse:
        site = site_get(organization=self.organization, site_id=site_id)
        try:
            site_rotate_key(site=site, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The key is replaced. Update the snippet on your pages: the old key no longer works."),
            )
        return redirect("widgets:site_detail", org_slug=org_slug, site_id=site.pk)


class SiteRevokeView(OrgActionView):
    permission = Perm.SITES_MANAGE

    def post(self, request: HttpRequest, org_slug: str, site_id: int) -> HttpResponse:
        site = site_get(organization=self.organization, site_id=site_id)
        try:
            site_revoke(site=site, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The key of “%(name)s” is revoked: the widget stops on its pages.") % {"name": site.name},
            )
        return redirect("widgets:site_detail", org_slug=org_slug, site_id=site.pk)
