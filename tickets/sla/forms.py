"""Forms of the SLA settings pages. Weekly hours are typed per day as "09:00–12:00, 13:00–17:00"."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import MemberChoiceField, timezone_choices
from accounts.models import Membership, Organization
from tickets.models import AssignmentMode, BusinessCalendar, SlaPolicy, TeamQueue
from tickets.sla.calendar import WEEKDAY_KEYS, parse_hours

DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*$")


def _pad(value: str) -> str:
    return value.zfill(5)


def parse_day(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:00" → [["09:00", "12:00"], ["13:00", "17:00"]]; "" → []."""
    intervals: list[list[str]] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _INTERVAL.match(part)
        if match is None:
            raise ValidationError(
                _("Write intervals like 09:00–17:00, separated by commas; “%(part)s” is not one."),
                params={"part": part},
            )
        intervals.append([_pad(match.group(1)), _pad(match.group(2))])
    try:
        parse_hours({"mon": intervals})
    except ValueError:
        raise ValidationError(
            _(
                "Each interval must end after it starts on the same day (use 24:00 for midnight), in order, without overlaps."
            )
        ) from None
    return intervals


def format_day(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in intervals)


class SlaPolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    first_response_hours = forms.IntegerField(
        label=_("First contact within (hours)"), min_value=1, max_value=10000, initial=48
    )
    resolution_hours = forms.IntegerField(
        label=_("Resolution within (hours)"),
        min_value=1,
        max_value=100000,
        required=False,
        initial=120,
        help_text=_("Leave empty for no resolution target."),
    )
    business_hours = forms.BooleanField(
        label=_("Count business hours only"),
        required=False,
        help_text=_("The clock runs only in the working hours of the team's calendar."),
    )
    warn_at = forms.CharField(
        label=_("Warn at (percentage of the time used)"),
        max_length=60,
        required=False,
        initial="75",
        help_text=_("Percentages separated by commas, e.g. 50, 75."),
    )
    escalate_to_manager_after_hours = forms.IntegerField(
        label=_("Escalate to a manager after (hours past the deadline)"),
        min_value=0,
        max_value=10000,
        initial=4,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean_warn_at(self) -> list[int]:
        raw = self.cleaned_data["warn_at"]
        values: list[int] = []
        for part in filter(None, (piece.strip().rstrip("%").strip() for piece in raw.split(","))):
            if not part.isdigit() or not 0 < int(part) < 100:
                raise ValidationError(_("Warnings are percentages between 1 and 99."))
            values.append(int(part))
        return sorted(set(values))

    @staticmethod
    def initial_for(policy: SlaPolicy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "first_response_hours": policy.first_response_hours,
            "resolution_hours": policy.resolution_hours,
            "business_hours": policy.business_hours,
            "warn_at": ", ".join(str(value) for value in policy.warn_at),
            "escalate_to_manager_after_hours": policy.escalate_to_manager_after_hours,
        }


class BusinessCalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        if not self.is_bound and "timezone" not in self.initial:
            self.initial["timezone"] = organization.timezone
        for key in WEEKDAY_KEYS:
            self.fields[f"hours_{key}"] = forms.CharField(
                label=DAY_LABELS[key],
                required=False,
                max_length=200,
                help_text=_("e.g. 09:00–12:00, 13:00–17:00; empty for a day off."),
                initial="09:00–17:00" if key not in ("sat", "sun") else "",
            )

    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{key}"] for key in WEEKDAY_KEYS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for key in WEEKDAY_KEYS:
            field_name = f"hours_{key}"
            if field_name not in cleaned:
                continue
            try:
                hours[key] = parse_day(cleaned[field_name])
            except ValidationError as exc:
                self.add_error(field_name, exc)
        cleaned["hours"] = hours
        return cleaned

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, Any]:
        hours = calendar.hours if isinstance(calendar.hours, dict) else {}
        initial: dict[str, Any] = {"name": calendar.name, "timezone": calendar.timezone}
        for key in WEEKDAY_KEYS:
            initial[f"hours_{key}"] = format_day(hours.get(key) or [])
        return initial


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120, required=False)


class TeamQueueForm(forms.Form):
    assignment = forms.ChoiceField(label=_("Assignment"), choices=AssignmentMode.choices)
    calendar = forms.ModelChoiceField(
        label=_("Business hours"),
        queryset=BusinessCalendar.all_orgs.none(),
        required=False,
        empty_label=_("Around the clock"),
    )
    sla_policy_key = forms.ChoiceField(label=_("SLA policy"), choices=(), required=False)
    escalation_manager = MemberChoiceField(
        label=_("Escalation manager"),
        queryset=Membership.all_orgs.none(),
        required=False,
        help_text=_("Told when a breached ticket is still open; otherwise the CX managers are."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = BusinessCalendar.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["escalation_manager"].queryset = (  # type: ignore[attr-defined]
            Membership.all_orgs.filter(organization=organization)
            .select_related("user")
            .order_by("user__email")
        )
        policies = SlaPolicy.all_orgs.filter(organization=organization, is_current=True).order_by("name")
        self.fields["sla_policy_key"].choices = [  # type: ignore[attr-defined]
            ("", _("The default policy")),
            *[(policy.key, str(policy)) for policy in policies if policy.key != "default"],
        ]

    @staticmethod
    def initial_for(queue: TeamQueue | None) -> dict[str, Any]:
        if queue is None:
            return {"assignment": AssignmentMode.ROUND_ROBIN}
        return {
            "assignment": queue.assignment,
            "calendar": queue.calendar_id,
            "sla_policy_key": queue.sla_policy_key,
            "escalation_manager": queue.escalation_manager_id,
        }
