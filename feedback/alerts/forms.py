"""The alert rule form: conditions, what to do, cooldown and quiet hours. No JSON for the reader."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from accounts.forms import MemberMultipleChoiceField
from accounts.models import Membership, Organization
from feedback.alerts.actions import action_for
from feedback.alerts.editor import ConditionsField
from feedback.alerts.models import AlertChannel, AlertRule, CooldownScope, DigestFrequency
from feedback.alerts.selectors import member_choices
from tickets.models import Priority

EMPTY_CONDITIONS: dict[str, Any] = {"match": "all", "conditions": []}
FREQUENCY_FIELDS = (
    (DigestFrequency.IMMEDIATE, "email_members"),
    (DigestFrequency.HOURLY, "email_hourly"),
    (DigestFrequency.DAILY, "email_daily"),
)
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")


def _url_field(label: StrOrPromise, help_text: StrOrPromise) -> forms.CharField:
    # A plain text field: the service decides which URLs are allowed and says why one is not.
    return forms.CharField(
        label=label,
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
        help_text=help_text,
    )


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    email_members = MemberMultipleChoiceField(
        label=gettext_lazy("Email these members at once"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_hourly = MemberMultipleChoiceField(
        label=gettext_lazy("Hourly digest for these members"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_daily = MemberMultipleChoiceField(
        label=gettext_lazy("Daily digest (08:00 in their time zone) for these members"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_addresses = forms.CharField(
        label=gettext_lazy("Other email addresses"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=gettext_lazy("One per line. They get each alert at once."),
    )
    webhook_url = _url_field(
        gettext_lazy("Signed webhook URL"),
        gettext_lazy(
            "We POST the alert as JSON, signed like our other webhooks. https:// (http:// only for localhost)."
        ),
    )
    slack_url = _url_field(
        gettext_lazy("Slack incoming webhook URL"), gettext_lazy("From a Slack app's Incoming Webhooks.")
    )
    teams_url = _url_field(
        gettext_lazy("Microsoft Teams webhook URL"),
        gettext_lazy(
            "An incoming webhook or a Workflows “post to a channel when a webhook request is received” URL."
        ),
    )
    ticket = forms.BooleanField(
        label=gettext_lazy("Open a ticket"),
        required=False,
        help_text=gettext_lazy("If the contact already has an open ticket, the response is added to it."),
    )
    ticket_priority = forms.ChoiceField(
        label=gettext_lazy("Ticket priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    cooldown_minutes = forms.IntegerField(
        label=gettext_lazy("Cooldown (minutes)"),
        min_value=0,
        max_value=43200,
        initial=0,
        help_text=gettext_lazy("After the rule fires it stays quiet this long. 0 means no cooldown."),
    )
    cooldown_scope = forms.ChoiceField(
        label=gettext_lazy("Cooldown applies to"),
        choices=CooldownScope.choices,
        initial=CooldownScope.CONTACT,
    )
    quiet_hours_start = forms.TimeField(
        label=gettext_lazy("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy(
            "Emails and chat messages wait until quiet hours end (organisation time zone)."
        ),
    )
    quiet_hours_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        members = member_choices(organization=organization)
        for _frequency, name in FREQUENCY_FIELDS:
            self.fields[name].queryset = members  # type: ignore[attr-defined]
        self.fields["conditions"] = ConditionsField(
            organization=organization, label=gettext_lazy("Conditions")
        )
        self.order_fields(["name", "description", "active", "conditions"])

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        recipients: list[dict[str, Any]] = []
        seen: set[int] = set()
        for frequency, name in FREQUENCY_FIELDS:
            for member in cleaned.get(name) or []:
                if member.pk in seen:
                    self.add_error(name, _("Choose one way to email each member."))
                seen.add(member.pk)
                recipients.append({"member": member.pk, "frequency": str(frequency)})
        for address in _ADDRESS_SPLIT.split(cleaned.get("email_addresses") or ""):
            if address:
                recipients.append({"email": address, "frequency": str(DigestFrequency.IMMEDIATE)})
        actions: list[dict[str, Any]] = []
        if recipients:
            actions.append({"type": "email", "recipients": recipients})
        for channel in ("webhook", "slack", "teams"):
            url = (cleaned.get(f"{channel}_url") or "").strip()
            if url:
                actions.append({"type": channel, "url": url})
        if cleaned.get("ticket"):
            actions.append({"type": "ticket", "priority": cleaned.get("ticket_priority") or Priority.NORMAL})
        cleaned["actions"] = actions
        if cleaned.get("conditions") in (None, ""):
            cleaned["conditions"] = dict(EMPTY_CONDITIONS)
        return cleaned

    @staticmethod
    def initial_for(rule: AlertRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "description": rule.description,
            "active": rule.active,
            "conditions": rule.conditions or dict(EMPTY_CONDITIONS),
            "cooldown_minutes": rule.cooldown_minutes,
            "cooldown_scope": rule.cooldown_scope,
            "quiet_hours_start": rule.quiet_hours_start,
            "quiet_hours_end": rule.quiet_hours_end,
        }
        email = action_for(rule.actions, AlertChannel.EMAIL)
        recipients = email.get("recipients", []) if email else []
        for frequency, name in FREQUENCY_FIELDS:
            initial[name] = [r["member"] for r in recipients if "member" in r and r["frequency"] == frequency]
        initial["email_addresses"] = "\n".join(r["email"] for r in recipients if "email" in r)
        for channel in ("webhook", "slack", "teams"):
            action = action_for(rule.actions, channel)
            initial[f"{channel}_url"] = action.get("url", "") if action else ""
        ticket = action_for(rule.actions, AlertChannel.TICKET)
        initial["ticket"] = ticket is not None
        initial["ticket_priority"] = ticket.get("priority", Priority.NORMAL) if ticket else Priority.NORMAL
        return initial
