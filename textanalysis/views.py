"""Text analytics pages: themes, tags, and tagging a response (htmx-friendly, works without JS)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin
from feedback.models import Response
from feedback.selectors import response_get
from textanalysis.forms import TagForm, ThemeForm
from textanalysis.models import Tag, Theme
from textanalysis.selectors import tag_list, theme_list, theme_recent_counts
from textanalysis.services import (
    response_tag_add,
    response_tag_remove,
    tag_create,
    tag_delete,
    tag_rename,
    theme_delete,
    theme_save,
    themes_install_defaults,
)
from textanalysis.templatetags.textanalysis import response_tags_context

RECENT_DAYS = 30

# --- themes ------------------------------------------------------------------------------------------


class ThemeListView(OrgViewMixin, TemplateView):
    permission = Perm.SURVEYS_VIEW
    template_name = "textanalysis/theme_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        scope = access_scope_for(membership=self.membership)
        counts = theme_recent_counts(organization=self.organization, scope=scope, days=RECENT_DAYS)
        themes = list(theme_list(organization=self.organization))
        for theme in themes:
            theme.recent_count = counts.get(theme.pk, 0)  # type: ignore[attr-defined]
        return {
            **super().get_context_data(**kwargs),
            "themes": themes,
            "recent_days": RECENT_DAYS,
            "can_manage": self.can(Perm.SURVEYS_EDIT),
        }


class ThemeFormView(OrgObjectFormView):
    permission = Perm.SURVEYS_EDIT
    template_name = "textanalysis/theme_form.html"
    form_class = ThemeForm
    model = Theme
    object_kwarg = "theme_id"
    context_object_name = "theme"

    def form_valid(self, form: ThemeForm) -> HttpResponse:
        try:
            theme = theme_save(
                organization=self.organization,
                actor=self.membership,
                name=form.cleaned_data["name"],
                keywords=form.keywords(),
                theme=self.object,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The theme “%(name)s” is saved. Responses are being re-analysed in the background.")
            % {"name": theme.name},
        )
        return redirect("textanalysis:theme_list", org_slug=self.organization.slug)


class ThemeDeleteView(OrgViewMixin, TemplateView):
    """GET asks for confirmation (works without JavaScript); POST deletes."""

    permission = Perm.SURVEYS_EDIT
    template_name = "textanalysis/confirm_delete.html"

    def _theme(self) -> Theme:
        return get_object_or_404(Theme.objects.select_related("organization"), pk=self.kwargs["theme_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        theme = self._theme()
        return {
            **super().get_context_data(**kwargs),
            "title": _("Delete the theme “%(name)s”?") % {"name": theme.name},
            "explanation": _("Responses keep their text; the theme is taken off them and off every chart."),
            "cancel_url": "textanalysis:theme_list",
        }

    def post(self, request: HttpRequest, org_slug: str, theme_id: int) -> HttpResponse:
        theme = self._theme()
        name = theme.name
        theme_delete(theme=theme, actor=self.membership)
        messages.success(request, _("The theme “%(name)s” is deleted.") % {"name": name})
        return redirect("textanalysis:theme_list", org_slug=org_slug)


class ThemeDefaultsView(OrgActionView):
    permission = Perm.SURVEYS_EDIT

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        created = themes_install_defaults(organization=self.organization, actor=self.membership)
        if created:
            messages.success(request, _("%(n)d default themes added.") % {"n": len(created)})
        else:
            messages.info(request, _("The default themes are already there."))
        return redirect("textanalysis:theme_list", org_slug=org_slug)


# --- tags --------------------------------------------------------------------------------------------


class TagListView(OrgViewMixin, TemplateView):
    permission = Perm.RESPONSES_VIEW
    template_name = "textanalysis/tag_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TagForm(organization=self.organization))
        return {
            **context,
            "tags": list(tag_list(organization=self.organization)),
            "can_manage": self.can(Perm.SURVEYS_EDIT),
        }

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        if not self.can(Perm.SURVEYS_EDIT):
            raise PermissionDenied
        form = TagForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                tag = tag_create(
                    organization=self.organization, actor=self.membership, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The tag “%(name)s” is created.") % {"name": tag.name})
                return redirect("textanalysis:tag_list", org_slug=org_slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TagFormView(OrgObjectFormView):
    permission = Perm.SURVEYS_EDIT
    template_name = "textanalysis/tag_form.html"
    form_class = TagForm
    model = Tag
    object_kwarg = "tag_id"
    context_object_name = "tag"

    def form_valid(self, form: TagForm) -> HttpResponse:
        try:
            tag = tag_rename(tag=self.object, actor=self.membership, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The tag is renamed to “%(name)s”.") % {"name": tag.name})
        return redirect("textanalysis:tag_list", org_slug=self.organization.slug)


class TagDeleteView(OrgViewMixin, TemplateView):
    permission = Perm.SURVEYS_EDIT
    template_name = "textanalysis/confirm_delete.html"

    def _tag(self) -> Tag:
        return get_object_or_404(Tag.objects.select_related("organization"), pk=self.kwargs["tag_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tag = self._tag()
        return {
            **super().get_context_data(**kwargs),
            "title": _("Delete the tag “%(name)s”?") % {"name": tag.name},
            "explanation": _("The tag is taken off every response that has it."),
            "cancel_url": "textanalysis:tag_list",
        }

    def post(self, request: HttpRequest, org_slug: str, tag_id: int) -> HttpResponse:
        tag = self._tag()
        name = tag.name
        tag_delete(tag=tag, actor=self.membership)
        messages.success(request, _("The tag “%(name)s” is deleted.") % {"name": name})
        return redirect("textanalysis:tag_list", org_slug=org_slug)


# --- tagging a response ------------------------------------------------------------------------------


class _ResponseTagView(OrgActionView):
    """POST-only; answers an htmx request with the refreshed tag panel, others with a redirect."""

    permission = Perm.RESPONSES_VIEW

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)

    def load_response(self, response_id: int) -> Response:
        # Only a response the member may see: another organisation's, or one outside their access
        # groups, is a 404 like a missing one.
        try:
            response = response_get(organization=self.organization, scope=self.scope, response_id=response_id)
        except Response.DoesNotExist:
            raise Http404 from None
        response.organization = self.organization
        return response

    def answer(self, request: HttpRequest, response: Response, error: str = "") -> HttpResponse:
        if getattr(request, "htmx", False):
            context = response_tags_context(
                organization=self.organization, response=response, csrf_token=None, error=error
            )
            return render(request, "textanalysis/_response_tags.html", context, status=400 if error else 200)
        if error:
            messages.error(request, error)
        return redirect("feedback:response_detail", org_slug=self.organization.slug, response_id=response.pk)


class ResponseTagAddView(_ResponseTagView):
    def post(self, request: HttpRequest, org_slug: str, response_id: int) -> HttpResponse:
        response = self.load_response(response_id)
        form = TagForm(request.POST)
        if not form.is_valid():
            return self.answer(request, response, error=_("Give the tag a name of at most 60 characters."))
        try:
            response_tag_add(response=response, actor=self.membership, name=form.cleaned_data["name"])
        except ValidationError as exc:
            return self.answer(request, response, error=" ".join(exc.messages))
        return self.answer(request, response)


class ResponseTagRemoveView(_ResponseTagView):
    def post(self, request: HttpRequest, org_slug: str, response_id: int, tag_id: int) -> HttpResponse:
        response = self.load_response(response_id)
        tags: QuerySet[Tag] = Tag.objects.all()
        tag = get_object_or_404(tags, pk=tag_id)
        response_tag_remove(response=response, tag=tag, actor=self.membership)
        return self.answer(request, response)
