"""Ticket settings pages: root causes, canned responses and routing rules (Perm.ALERTS_MANAGE)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.forms import add_service_error
from accounts.roles import Perm
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin
from tickets.forms import CannedResponseForm, RootCauseForm, routing_rule_form_class
from tickets.models import CannedResponse, RootCause, RoutingRule
from tickets.services.canned import canned_response_create, canned_response_delete, canned_response_update
from tickets.services.root_causes import root_cause_create, root_cause_delete, root_cause_update
from tickets.services.routing import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_update,
)


class SettingsFormView(OrgObjectFormView):
    """Create or edit: the service raises ValidationError, shown on the form; success goes to the list."""

    permission = Perm.ALERTS_MANAGE
    list_url: str
    saved_message: str

    def save(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def form_valid(self, form: forms.Form) -> HttpResponse:
        try:
            obj = self.save(form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message % {"name": str(obj)})
        return redirect(self.list_url, org_slug=self.organization.slug)


class SettingsDeleteView(OrgActionView):
    permission = Perm.ALERTS_MANAGE
    model: type[Model]
    list_url: str
    object_kwarg: str

    def delete(self, obj: Any) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, org_slug: str, **kwargs: int) -> HttpResponse:
        obj = self.get_object(self.model._default_manager.all(), kwargs[self.object_kwarg])
        try:
            text = self.delete(obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, text)
        return redirect(self.list_url, org_slug=org_slug)


# --- root causes -----------------------------------------------------------------------------------------


class RootCauseListView(OrgViewMixin, TemplateView):
    permission = Perm.ALERTS_MANAGE
    template_name = "tickets/settings/root_cause_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        top = list(RootCause.objects.filter(parent__isnull=True).order_by("name"))
        children = RootCause.objects.filter(parent__isnull=False).order_by("name")
        by_parent: dict[int, list[RootCause]] = {}
        for child in children:
            by_parent.setdefault(child.parent_id or 0, []).append(child)
        context["root_causes"] = [(cause, by_parent.get(cause.pk, [])) for cause in top]
        return context


class RootCauseFormView(SettingsFormView):
    template_name = "tickets/settings/root_cause_form.html"
    form_class = RootCauseForm
    model = RootCause
    object_kwarg = "root_cause_id"
    context_object_name = "root_cause"
    list_url = "tickets:root_cause_list"

    @property
    def saved_message(self) -> str:  # type: ignore[override]
        return _("The root cause “%(name)s” is saved.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "exclude": self.object}

    def save(self, data: dict[str, Any]) -> Model:
        if self.object is None:
            return root_cause_create(
                organization=self.organization,
                actor=self.membership,
                name=data["name"],
                parent=data["parent"],
            )
        return root_cause_update(
            root_cause=self.object,
            actor=self.membership,
            name=data["name"],
            parent=data["parent"],
            active=data.get("active", True),
        )


class RootCauseDeleteView(SettingsDeleteView):
    object_kwarg = "root_cause_id"
    model = RootCause
    list_url = "tickets:root_cause_list"

    def delete(self, obj: Any) -> str:
        name = str(obj)
        if root_cause_delete(root_cause=obj, actor=self.membership):
            return _("The root cause “%(name)s” is deleted.") % {"name": name}
        return _("Tickets use the root cause “%(name)s”: it is deactivated instead.") % {"name": name}


# --- canned responses ------------------------------------------------------------------------------------


class CannedListView(OrgViewMixin, TemplateView):
    permission = Perm.ALERTS_MANAGE
    template_name = "tickets/settings/canned_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["canned_responses"] = list(CannedResponse.objects.order_by("name"))
        return context


class CannedFormView(SettingsFormView):
    template_name = "tickets/settings/canned_form.html"
    form_class = CannedResponseForm
    model = CannedResponse
    object_kwarg = "canned_id"
    context_object_name = "canned"
    list_url = "tickets:canned_list"

    @property
    def saved_message(self) -> str:  # type: ignore[override]
        return _("The canned response “%(name)s” is saved.")

    def save(self, data: dict[str, Any]) -> Model:
        if self.object is None:
            return canned_response_create(
                organization=self.organization,
                actor=self.membership,
                name=data["name"],
                body=data["body"],
                language=data["language"],
            )
        return canned_response_update(
            canned=self.object,
            actor=self.membership,
            name=data["name"],
            body=data["body"],
            language=data["language"],
        )


class CannedDeleteView(SettingsDeleteView):
    object_kwarg = "canned_id"
    model = CannedResponse
    list_url = "tickets:canned_list"

    def delete(self, obj: Any) -> str:
        name = obj.name
        canned_response_delete(canned=obj, actor=self.membership)
        return _("The canned response “%(name)s” is deleted.") % {"name": name}


# --- routing rules ---------------------------------------------------------------------------------------


class RoutingRuleListView(OrgViewMixin, TemplateView):
    permission = Perm.ALERTS_MANAGE
    template_name = "tickets/settings/routing_rule_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from feedback.alerts.conditions import describe

        context = super().get_context_data(**kwargs)
        rules = list(RoutingRule.objects.select_related("team").order_by("position", "pk"))
        described = []
        for rule in rules:
            try:
                text = describe(rule.conditions) if rule.conditions else ""
            except (ValidationError, KeyError, TypeError, ValueError):
                text = ""
            described.append((rule, text or _("Every feedback")))
        context["rules"] = described
        return context


class RoutingRuleFormView(SettingsFormView):
    template_name = "tickets/settings/routing_rule_form.html"
    model = RoutingRule
    object_kwarg = "routing_rule_id"
    context_object_name = "rule"
    list_url = "tickets:routing_rule_list"

    def get_form_class(self) -> type[forms.Form]:
        return routing_rule_form_class()

    @property
    def saved_message(self) -> str:  # type: ignore[override]
        return _("The routing rule “%(name)s” is saved.")

    def save(self, data: dict[str, Any]) -> Model:
        values = {
            "actor": self.membership,
            "name": data["name"],
            "conditions": data.get("conditions") or {"match": "all", "conditions": []},
            "team": data["team"],
            "priority": data["priority"],
            "active": data["active"],
        }
        if self.object is None:
            return routing_rule_create(organization=self.organization, **values)
        return routing_rule_update(rule=self.object, **values)


class RoutingRuleDeleteView(SettingsDeleteView):
    object_kwarg = "routing_rule_id"
    model = RoutingRule
    list_url = "tickets:routing_rule_list"

    def delete(self, obj: Any) -> str:
        name = obj.name
        routing_rule_delete(rule=obj, actor=self.membership)
        return _("The routing rule “%(name)s” is deleted.") % {"name": name}


class RoutingRuleMoveView(OrgActionView):
    permission = Perm.ALERTS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, routing_rule_id: int) -> HttpResponse:
        rule = get_object_or_404(RoutingRule.objects.all(), pk=routing_rule_id)
        direction = request.POST.get("direction", "")
        if direction not in ("up", "down"):
            messages.error(request, _("Choose to move the rule up or down."))
            return redirect("tickets:routing_rule_list", org_slug=org_slug)
        try:
            routing_rule_move(rule=rule, actor=self.membership, direction=direction)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The rule “%(name)s” is moved.") % {"name": rule.name})
        return redirect("tickets:routing_rule_list", org_slug=org_slug)
