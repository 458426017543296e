"""Forms of the campaign pages. They parse input; the services in ``campaigns.services.editing`` decide."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from campaigns.models import Campaign, CampaignChannel, FatiguePolicy, MessageKind
from campaigns.services.editing import CampaignInput
from contacts.models import ContactList, Segment
from surveys.models import Survey

SCHEDULE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


class NamedChoiceField(forms.ModelChoiceField[Any]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=200)
    survey = NamedChoiceField(
        label=_("Survey"),
        queryset=Survey.all_orgs.none(),
        empty_label=_("Choose a survey"),
        help_text=_("Only published surveys can be sent."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=CampaignChannel.choices, widget=forms.RadioSelect)
    contact_list = NamedChoiceField(
        label=_("List"),
        queryset=ContactList.all_orgs.none(),
        required=False,
        empty_label=_("No list"),
        help_text=_("Invite the contacts of a list…"),
    )
    segment = NamedChoiceField(
        label=_("Segment"),
        queryset=Segment.all_orgs.none(),
        required=False,
        empty_label=_("No segment"),
        help_text=_("…or the contacts matching a segment when sending starts. Choose one of the two."),
    )
    send_rate_per_minute = forms.IntegerField(
        label=_("Sending rate (messages per minute)"),
        min_value=1,
        max_value=100_000,
        initial=600,
        help_text=_("Large audiences are sent in batches at this rate."),
    )
    embed_first_question = forms.BooleanField(
        label=_("Embed the first question in the email"),
        required=False,
        initial=True,
        help_text=_(
            "When the survey starts with an NPS or rating question, one click in the email answers it."
        ),
    )
    reminder_after_days = forms.IntegerField(
        label=_("Remind non-responders after (days)"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_("Empty: no reminder."),
    )
    max_reminders = forms.IntegerField(label=_("Reminders at most"), min_value=0, max_value=3, initial=1)

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        surveys: QuerySet[Survey],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["contact_list"].queryset = ContactList.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["segment"].queryset = Segment.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_list, has_segment = data.get("contact_list") is not None, data.get("segment") is not None
        if has_list == has_segment and "contact_list" not in self.errors and "segment" not in self.errors:
            self.add_error("contact_list", _("Choose either a list or a segment (exactly one)."))
        return data

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            survey_id=data["survey"].pk,
            channel=data["channel"],
            contact_list_id=data["contact_list"].pk if data.get("contact_list") else None,
            segment_id=data["segment"].pk if data.get("segment") else None,
            send_rate_per_minute=data["send_rate_per_minute"],
            embed_first_question=bool(data.get("embed_first_question")),
            reminder_after_days=data.get("reminder_after_days"),
            max_reminders=data["max_reminders"],
        )

    @staticmethod
    def initial_for(campaign: Campaign) -> dict[str, Any]:
        return {
            "name": campaign.name,
            "survey": campaign.survey_id,
            "channel": campaign.channel,
            "contact_list": campaign.contact_list_id,
            "segment": campaign.segment_id,
            "send_rate_per_minute": campaign.send_rate_per_minute,
            "embed_first_question": campaign.embed_first_question,
            "reminder_after_days": campaign.reminder_after_days,
            "max_reminders": campaign.max_reminders,
        }


class CampaignMessageForm(forms.Form):
    kind = forms.ChoiceField(choices=MessageKind.choices, widget=forms.HiddenInput)
    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Placeholders: {first_name}, {name}, {survey_link} (required: the contact's personal link), "
            "{unsubscribe_link}, {organization}. A blank line starts a new paragraph."
        ),
    )

    def __init__(self, *args: Any, channel: str, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(code, names[code]) for code in languages]  # type: ignore[attr-defined]
        if channel == CampaignChannel.SMS:
            del self.fields["subject"]
            self.fields["body"].help_text = _(
                "Placeholders: {first_name}, {name}, {survey_link} (required: a short personal link), "
                "{organization}. Keep it short: long texts are sent as several SMS."
            )
            self.fields["body"].widget.attrs["rows"] = 4


class ScheduleForm(forms.Form):
    NOW, LATER = "now", "later"
    when = forms.ChoiceField(
        label=_("When"),
        choices=[(NOW, _("Send now")), (LATER, _("Send at a date and time"))],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    at = forms.CharField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.zone = zoneinfo.ZoneInfo(organization.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")
        self.fields["at"].help_text = _("In the organisation's time zone (%(zone)s).") % {
            "zone": organization.timezone
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["at_datetime"] = None
        if data.get("when") != self.LATER:
            return data
        raw = (data.get("at") or "").strip()
        if not raw:
            self.add_error("at", _("Choose the date and time to send at."))
            return data
        for fmt in SCHEDULE_FORMATS:
            try:
                naive = datetime.strptime(raw, fmt)  # noqa: DTZ007 -- made aware in the org's zone below
            except ValueError:
                continue
            data["at_datetime"] = timezone.make_aware(naive, self.zone)
            return data
        self.add_error("at", _("Enter a date and time such as 2030-05-31 09:30."))
        return data


class FatiguePolicyForm(forms.Form):
    cooldown_days = forms.IntegerField(
        label=_("Global cooldown (days)"),
        min_value=0,
        max_value=365,
        help_text=_(
            "No contact gets two invitations, from any survey, within this many days. 0 switches it off."
        ),
    )
    max_per_30_days = forms.IntegerField(
        label=_("Invitations per contact per 30 days"),
        min_value=1,
        max_value=100,
        help_text=_("A contact who got this many invitations in the last 30 days is skipped."),
    )
    require_consent = forms.BooleanField(
        label=_("Invite only contacts who gave consent"),
        required=False,
        help_text=_("Off: everyone except those who withdrew consent or are suppressed is invited."),
    )

    @staticmethod
    def initial_for(policy: FatiguePolicy) -> dict[str, Any]:
        return {
            "cooldown_days": policy.cooldown_days,
            "max_per_30_days": policy.max_per_30_days,
            "require_consent": policy.require_consent,
        }
