from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessGroup, ApiKeyScope, Membership, Organization, Team
from accounts.roles import ASSIGNABLE_ROLES, Role


@functools.cache
def _timezone_choices() -> tuple[tuple[str, str], ...]:
    # Listing the zones walks the tz database on disk; do it once per process.
    return tuple((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))


def timezone_choices() -> list[tuple[str, str]]:
    return list(_timezone_choices())


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def assignable_role_choices(actor_role: str) -> list[tuple[str, str]]:
    allowed = ASSIGNABLE_ROLES.get(Role(actor_role), frozenset())
    return [(value, str(label)) for value, label in Role.choices if value in allowed]


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        user = obj.user
        return f"{user.name} <{user.email}>" if user.name else user.email


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField[Membership]):
    def label_from_instance(self, obj: Membership) -> str:
        user = obj.user
        return f"{user.name} <{user.email}>" if user.name else user.email


def _members(organization: Organization) -> Any:
    return (
        Membership.all_orgs.filter(organization=organization).select_related("user").order_by("user__email")
    )


# --- people ------------------------------------------------------------------------------------------


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=120)


class PreferencesForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Dates and times are shown in this time zone."),
    )


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=120)
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("Used for invitations and new surveys."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Used for reports, digests and business hours."),
    )
    retention_days = forms.IntegerField(
        label=_("Retention period (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_(
            "Checked every hour: responses received longer ago than this are deleted with their answers, "
            "tags and analysis, and so are resolved or closed tickets without activity for as long, "
            "campaign invitations, text messages, webhook and alert logs and import files. Open tickets "
            "and contacts stay. Leave empty to keep everything forever."
        ),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), initial=Role.VIEWER)

    def __init__(self, *args: Any, actor_role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_role_choices(actor_role)  # type: ignore[attr-defined]


class MemberRoleForm(forms.Form):
    # Every role is accepted here; the service decides what this actor may grant and says why not.
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberAwayForm(forms.Form):
    is_away = forms.TypedChoiceField(
        label=_("Away"), choices=[("1", _("Away")), ("0", _("Available"))], coerce=lambda v: v == "1"
    )


# --- teams and access groups -------------------------------------------------------------------------


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead = MemberChoiceField(
        label=_("Team lead"),
        queryset=Membership.all_orgs.none(),
        required=False,
        help_text=_("Breached deadlines are escalated to the team lead."),
    )
    members = MemberMultipleChoiceField(
        label=_("Members"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = _members(organization)
        self.fields["lead"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].queryset = members  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(team: Team) -> dict[str, Any]:
        return {
            "name": team.name,
            "description": team.description,
            "lead": team.lead_id,
            "members": list(team.team_memberships.values_list("membership_id", flat=True)),
        }


class AccessGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    members = MemberMultipleChoiceField(
        label=_("Members"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Owners and admins always see everything, even when they are in a group."),
    )
    surveys = forms.ModelMultipleChoiceField(
        label=_("Surveys"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoints"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every survey of a chosen touchpoint is visible."),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Membership.all_orgs.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The tickets of a chosen team are visible."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        from surveys.models import Survey, Touchpoint

        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = _members(organization)  # type: ignore[attr-defined]
        self.fields["surveys"].queryset = Survey.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["touchpoints"].queryset = Touchpoint.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["teams"].queryset = Team.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")

    @staticmethod
    def initial_for(group: AccessGroup) -> dict[str, Any]:
        return {
            "name": group.name,
            "description": group.description,
            "members": list(group.group_memberships.values_list("membership_id", flat=True)),
            "surveys": list(group.surveys.values_list("pk", flat=True)),
            "touchpoints": list(group.touchpoints.values_list("pk", flat=True)),
            "teams": list(group.teams.values_list("pk", flat=True)),
        }


# --- API keys ----------------------------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("Where the key is used, for example “CRM sync”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKeyScope.choices,
        initial=[ApiKeyScope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read lists responses and metrics; write sends feedback."),
    )
