"""Alert pages: the rules (list, create, edit, switch on and off, delete) and the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from accounts.forms import add_service_error
from accounts.roles import Perm
from core.views import OrgActionView, OrgObjectFormView, OrgViewMixin
from feedback.alerts.actions import action_for
from feedback.alerts.forms import AlertRuleForm
from feedback.alerts.models import AlertChannel, AlertDelivery, AlertDeliveryStatus, AlertRule
from feedback.alerts.selectors import (
    alert_delivery_get,
    alert_delivery_list,
    alert_rule_get,
    alert_rule_list,
)
from feedback.alerts.services import (
    alert_delivery_retry,
    alert_rule_create,
    alert_rule_delete,
    alert_rule_set_active,
    alert_rule_update,
)


def describe_conditions(conditions: Any) -> str:
    from feedback.alerts.conditions import describe

    try:
        return describe(conditions) if isinstance(conditions, dict) else ""
    except (KeyError, TypeError, ValueError):
        return ""


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    conditions: str
    channels: list[str]


class AlertRuleListView(OrgViewMixin, ListView[AlertRule]):
    permission = Perm.ALERTS_MANAGE
    template_name = "alerts/rule_list.html"
    paginate_by = 100
    context_object_name = "rules"

    def get_queryset(self) -> QuerySet[AlertRule]:
        return alert_rule_list(organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        labels = dict(AlertChannel.choices)
        context["rows"] = [
            RuleRow(
                rule=rule,
                conditions=describe_conditions(rule.conditions),
                channels=[
                    str(labels[channel])
                    for channel in AlertChannel.values
                    if action_for(rule.actions, channel)
                ],
            )
            for rule in context["rules"]
        ]
        return context


class AlertRuleFormView(OrgObjectFormView):
    permission = Perm.ALERTS_MANAGE
    template_name = "alerts/rule_form.html"
    form_class = AlertRuleForm
    model = AlertRule
    object_kwarg = "rule_id"
    context_object_name = "rule"

    def get_initial(self) -> dict[str, Any]:
        if self.object is None:
            return {"active": True, "conditions": {"match": "all", "conditions": []}}
        return super().get_initial()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        webhook = action_for(self.object.actions, AlertChannel.WEBHOOK) if self.object else None
        context["webhook_secret"] = webhook.get("secret", "") if webhook else ""
        return context

    def form_valid(self, form: AlertRuleForm) -> HttpResponse:
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "description": data.get("description") or "",
            "active": bool(data.get("active")),
            "conditions": data["conditions"],
            "actions": data["actions"],
            "cooldown_minutes": data["cooldown_minutes"],
            "cooldown_scope": data["cooldown_scope"],
            "quiet_hours_start": data.get("quiet_hours_start"),
            "quiet_hours_end": data.get("quiet_hours_end"),
        }
        try:
            if self.object is None:
                rule = alert_rule_create(organization=self.organization, actor=self.membership, **fields)
            else:
                rule = alert_rule_update(rule=self.object, actor=self.membership, **fields)
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The alert rule “%(name)s” is saved.") % {"name": rule.name})
        return redirect("feedback:alert_rule_list", org_slug=self.organization.slug)


class AlertRuleDeleteView(OrgActionView):
    permission = Perm.ALERTS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, rule_id: int) -> HttpResponse:
        rule = alert_rule_get(organization=self.organization, rule_id=rule_id)
        name = rule.name
        alert_rule_delete(rule=rule, actor=self.membership)
        messages.success(request, _("The alert rule “%(name)s” is deleted.") % {"name": name})
        return redirect("feedback:alert_rule_list", org_slug=org_slug)


class AlertRuleToggleView(OrgActionView):
    permission = Perm.ALERTS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, rule_id: int) -> HttpResponse:
        rule = alert_rule_get(organization=self.organization, rule_id=rule_id)
        rule = alert_rule_set_active(rule=rule, actor=self.membership, active=not rule.active)
        if rule.active:
            messages.success(request, _("The alert rule “%(name)s” is on.") % {"name": rule.name})
        else:
            messages.success(request, _("The alert rule “%(name)s” is off.") % {"name": rule.name})
        return redirect("feedback:alert_rule_list", org_slug=org_slug)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Every status")), *AlertDeliveryStatus.choices],
        required=False,
    )


class AlertDeliveryListView(OrgViewMixin, ListView[AlertDelivery]):
    """The delivery log, newest first, filtered by status."""

    permission = Perm.ALERTS_MANAGE
    template_name = "alerts/delivery_list.html"
    paginate_by = 50
    context_object_name = "deliveries"

    def get_queryset(self) -> QuerySet[AlertDelivery]:
        self.filter_form = DeliveryFilterForm(self.request.GET or None)
        status = self.filter_form.cleaned_data["status"] if self.filter_form.is_valid() else ""
        return alert_delivery_list(organization=self.organization, status=status)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            filter_query=query.urlencode(),
            failed_status=AlertDeliveryStatus.FAILED,
        )
        return context


class AlertDeliveryRetryView(OrgActionView):
    permission = Perm.ALERTS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, alert_delivery_id: int) -> HttpResponse:
        delivery = alert_delivery_get(organization=self.organization, delivery_id=alert_delivery_id)
        try:
            alert_delivery_retry(delivery=delivery, actor=self.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The delivery is queued to be sent again."))
        return redirect("feedback:alert_delivery_list", org_slug=org_slug)
