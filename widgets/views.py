"""Pages for websites that embed the widget, their publishable keys and the surveys they show."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, ListView, TemplateView

from accounts.roles import Perm
from accounts.selectors import access_scope_for
from core.views import OrgActionView, OrgViewMixin
from surveys.models import Survey
from widgets.forms import ButtonForm, InterceptForm, SiteForm, url_rule_formset
from widgets.models import Intercept, Site
from widgets.selectors import intercept_get, intercept_states, site_get, site_list, survey_choices
from widgets.services import (
    intercept_create,
    intercept_delete,
    intercept_update,
    site_create,
    site_revoke,
    site_rotate_key,
    site_set_button,
    site_update,
)
from widgets.targeting import default_targeting, describe_frequency, describe_trigger

# What the host page runs before (or without) the script: calls queue until the widget loads.
JS_API_QUEUE = "window.cx = window.cx || function () { (window.cx.q = window.cx.q || []).push(arguments); };"
JS_API_EXAMPLE = (
    JS_API_QUEUE
    + '\ncx("identify", { id: "user-8812", email: "ana@example.com", attributes: { plan: "pro" } });'
    + '\ncx("hidden", { plan: "pro" });'
    + '\ncx("track", "checkout_started");'
)


def _add_service_error(form: Form, exc: ValidationError) -> None:
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


class SiteMixin(OrgViewMixin):
    permission = Perm.SITES_MANAGE
    kwargs: dict[str, Any]

    @cached_property
    def site(self) -> Site:
        return site_get(organization=self.organization, site_id=self.kwargs["site_id"])

    def surveys(self, *, not_on: Site | None = None) -> QuerySet[Survey]:
        scope = access_scope_for(membership=self.membership)
        return survey_choices(organization=self.organization, scope=scope, not_on=not_on)

    def to_site(self) -> HttpResponse:
        return redirect("widgets:site_detail", org_slug=self.organization.slug, site_id=self.site.pk)


class SiteDetailView(SiteMixin, TemplateView):
    template_name = "widgets/site_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        site = self.site
        site_url = settings.SITE_URL
        context["site"] = site
        context["snippet"] = (
            f'<script async src="{site_url}/static/widgets/cx.js" data-site-key="{site.public_key}"></script>'
        )
        context["csp"] = f"script-src {site_url}; connect-src {site_url}"
        context["js_api"] = JS_API_EXAMPLE
        context["intercepts"] = [
            {
                "intercept": state.intercept,
                "survey": state.intercept.survey,
                # A targeting that is not valid any more has no summary; its status says to edit it.
                "trigger": describe_trigger(state.targeting) if state.targeting else "—",
                "pages": _pages_summary(len(state.targeting["urls"])) if state.targeting else "—",
                "frequency": describe_frequency(state.targeting) if state.targeting else "—",
                "not_shown": state.not_shown,
                "is_button": state.intercept.survey_id == site.button_survey_id,
            }
            for state in intercept_states(organization=self.organization, site=site)
        ]
        context["button_form"] = ButtonForm(initial=ButtonForm.initial_for(site), surveys=self.surveys())
        return context


def _pages_summary(rules: int) -> str:
    if not rules:
        return _("Every page")
    return ngettext("%(n)d URL rule", "%(n)d URL rules", rules) % {"n": rules}


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
        return SiteForm.initial_for(self.site) if self.site is not None else {"cooldown_days": 7}

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
                    cooldown_days=form.cleaned_data["cooldown_days"],
                )
            else:
                site = site_update(
                    site=self.site,
                    actor=self.membership,
                    name=form.cleaned_data["name"],
                    origins=form.origin_lines(),
                    cooldown_days=form.cleaned_data["cooldown_days"],
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


class InterceptFormView(SiteMixin, TemplateView):
    """Add a survey to a website (no ``intercept_id``) or change when it appears."""

    template_name = "widgets/intercept_form.html"

    @cached_property
    def intercept(self) -> Intercept | None:
        if "intercept_id" not in self.kwargs:
            return None
        return intercept_get(
            organization=self.organization, site=self.site, intercept_id=self.kwargs["intercept_id"]
        )

    def _forms(self, data: Any) -> tuple[InterceptForm, Any]:
        if self.intercept is None:
            targeting = default_targeting()
            surveys: QuerySet[Survey] | None = self.surveys(not_on=self.site)
        else:
            targeting = self.intercept.targeting
            surveys = None
        form = InterceptForm(data=data, initial=InterceptForm.initial_for(targeting), surveys=surveys)
        return form, url_rule_formset(data=data, targeting=targeting)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, rules = self._forms(None)
        return self.render_to_response(self.get_context_data(form=form, rules=rules))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, rules = self._forms(request.POST)
        if form.is_valid() and rules.is_valid():
            url_rules, rows = rules.rules()
            targeting = form.targeting(url_rules)
            try:
                if self.intercept is None:
                    intercept = intercept_create(
                        site=self.site,
                        survey=form.cleaned_data["survey"],
                        targeting=targeting,
                        actor=self.membership,
                    )
                else:
                    intercept = intercept_update(
                        intercept=self.intercept, targeting=targeting, actor=self.membership
                    )
            except ValidationError as exc:
                form.add_service_errors(exc, rules, rows)
            else:
                messages.success(
                    request,
                    _("“%(survey)s” on “%(site)s” is saved.")
                    % {"survey": intercept.survey.name, "site": self.site.name},
                )
                return self.to_site()
        return self.render_to_response(self.get_context_data(form=form, rules=rules))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "site": self.site, "intercept": self.intercept}


class InterceptDeleteView(SiteMixin, OrgActionView):
    def post(self, request: HttpRequest, org_slug: str, site_id: int, intercept_id: int) -> HttpResponse:
        intercept = intercept_get(organization=self.organization, site=self.site, intercept_id=intercept_id)
        name = intercept.survey.name
        try:
            intercept_delete(intercept=intercept, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("“%(survey)s” is removed from “%(site)s”.") % {"survey": name, "site": self.site.name},
            )
        return self.to_site()


class SiteButtonView(SiteMixin, FormView[ButtonForm]):
    """The feedback button: shown inline on the website page, and on its own page when it has errors."""

    template_name = "widgets/site_button.html"
    form_class = ButtonForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "surveys": self.surveys()}

    def get_initial(self) -> dict[str, Any]:
        return ButtonForm.initial_for(self.site)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "site": self.site}

    def form_valid(self, form: ButtonForm) -> HttpResponse:
        try:
            site_set_button(
                site=self.site,
                survey=form.cleaned_data["survey"],
                label=form.cleaned_data["label"],
                side=form.cleaned_data["side"],
                actor=self.membership,
            )
        except ValidationError as exc:
            _add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The feedback button is saved."))
        return self.to_site()
