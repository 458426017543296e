"""Forms of the ticket queue, the ticket page and the ticket settings pages.

Every choice that names an organisation object is a queryset of that organisation, so another
organisation's id is refused as an invalid choice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.forms import MemberChoiceField
from accounts.models import Membership, Team
from surveys.models import Survey
from tickets.models import (
    CannedResponse,
    Outcome,
    Priority,
    RootCause,
    RoutingRule,
    TicketStatus,
)

BODY_MAX = 20_000


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name) if hasattr(obj, "name") else str(obj)


# --- the queue -------------------------------------------------------------------------------------------

ASSIGNEE_ANYONE = ""
SORT_CHOICES = [
    ("deadline", _("Deadline (earliest first)")),
    ("created", _("Oldest first")),
    ("-created", _("Newest first")),
    ("priority", _("Priority (urgent first)")),
]
SLA_CHOICES = [
    ("", _("Any")),
    ("breached", _("Breached")),
    ("due_soon", _("Due soon")),
    ("paused", _("Paused")),
]
# The names the queue's query string and a saved view's ``filters`` use.


class QueueFilterForm(forms.Form):
    """The queue's filters. A value that does not parse is ignored rather than refused."""

    q = forms.CharField(
        label=_("Search subject or contact"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=TicketStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    priority = forms.MultipleChoiceField(
        label=_("Priority"), choices=Priority.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sla = forms.ChoiceField(label=_("SLA"), choices=SLA_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(
        self, *args: Any, members: QuerySet[Membership], teams: QuerySet[Team], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            (ASSIGNEE_ANYONE, _("Anyone")),
            ("me", _("Me")),
            ("unassigned", _("Unassigned")),
            *[(str(m.pk), m.user.name or m.user.email) for m in members],
        ]
        self.fields["team"].choices = [  # type: ignore[attr-defined]
            ("", _("All teams")),
            *[(str(t.pk), t.name) for t in teams],
        ]

    def values(self) -> dict[str, Any]:
        """The valid values, field by field, so that one bad value does not drop the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=120)
    shared = forms.BooleanField(label=_("Share with the organisation"), required=False)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    """The action menu of the queue: ``claim``, ``assign:<member id>|assign:``, ``team:<id>``,
    ``priority:<value>``, ``status:<value>``; the service checks every value in the organisation."""

    action = forms.ChoiceField(label=_("Action for the selected tickets"))
    ticket = forms.TypedMultipleChoiceField(coerce=int, required=False)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[Membership],
        teams: QuerySet[Team],
        ticket_ids: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = bulk_action_choices(members, teams)  # type: ignore[attr-defined]
        self.fields["ticket"].choices = [(i, i) for i in ticket_ids or []]  # type: ignore[attr-defined]

    def clean_ticket(self) -> list[int]:
        ids: list[int] = self.cleaned_data["ticket"]
        if not ids:
            raise forms.ValidationError(_("Select at least one ticket."))
        return ids

    def action_value(self) -> tuple[str, str]:
        action, _sep, value = self.cleaned_data["action"].partition(":")
        return action, value


def bulk_action_choices(members: QuerySet[Membership], teams: QuerySet[Team]) -> list[Any]:
    return [
        ("", _("Choose an action…")),
        ("claim", _("Claim (assign to me)")),
        (
            _("Assign to"),
            [
                ("assign:", _("Nobody (unassign)")),
                *[(f"assign:{m.pk}", m.user.name or m.user.email) for m in members],
            ],
        ),
        (_("Move to team"), [(f"team:{t.pk}", t.name) for t in teams]),
        (_("Set priority"), [(f"priority:{value}", label) for value, label in Priority.choices]),
        (
            _("Set status"),
            [
                (f"status:{value}", label)
                for value, label in TicketStatus.choices
                if value != TicketStatus.NEW
            ],
        ),
    ]


# --- the ticket page -------------------------------------------------------------------------------------


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    root_cause = forms.TypedChoiceField(
        label=_("Root cause"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Required to resolve or close."),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("—")), *Outcome.choices],
        required=False,
        help_text=_("Required to resolve."),
    )
    outcome_note = forms.CharField(
        label=_("Outcome note"), required=False, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    send_followup = forms.BooleanField(label=_("Send a follow-up survey to the customer"), required=False)
    followup_survey = NamedChoiceField(
        label=_("Follow-up survey"), queryset=Survey.all_orgs.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        root_causes: list[tuple[str, list[tuple[int, str]]]],
        surveys: QuerySet[Survey],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_cause"].choices = [("", _("—")), *root_causes]  # type: ignore[attr-defined]
        self.fields["followup_survey"].queryset = surveys  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("send_followup") and data.get("followup_survey") is None:
            self.add_error("followup_survey", _("Choose the survey to send."))
        return data


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class AssignForm(forms.Form):
    assignee = MemberChoiceField(
        label=_("Assignee"), queryset=Membership.all_orgs.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    team = NamedChoiceField(
        label=_("Team"), queryset=Team.all_orgs.none(), required=False, empty_label=_("No team")
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label


class ReplyForm(MessageForm):
    canned = NamedChoiceField(
        label=_("Canned response"),
        queryset=CannedResponse.all_orgs.none(),
        required=False,
        empty_label=_("Choose one to insert…"),
    )

    def __init__(self, *args: Any, canned: QuerySet[CannedResponse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = canned  # type: ignore[attr-defined]


class CannedInsertForm(forms.Form):
    """The reply box without scripts: "Insert" renders the canned response into the text on the server."""

    body = forms.CharField(required=False, max_length=BODY_MAX)
    canned = NamedChoiceField(queryset=CannedResponse.all_orgs.none())

    def __init__(self, *args: Any, canned: QuerySet[CannedResponse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = canned  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Merge into ticket number"),
        min_value=1,
        help_text=_("This ticket's conversation and feedback move to that ticket; this one is closed."),
    )


class FollowupForm(forms.Form):
    followup_survey = NamedChoiceField(label=_("Follow-up survey"), queryset=Survey.all_orgs.none())

    def __init__(self, *args: Any, surveys: QuerySet[Survey], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["followup_survey"].queryset = surveys  # type: ignore[attr-defined]


# --- settings pages --------------------------------------------------------------------------------------


class RootCauseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = NamedChoiceField(
        label=_("Parent category"),
        queryset=RootCause.all_orgs.none(),
        required=False,
        empty_label=_("None (a top-level category)"),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, organization: Any, exclude: RootCause | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        parents = RootCause.objects.filter(parent__isnull=True).order_by("name")
        if exclude is not None:
            parents = parents.exclude(pk=exclude.pk)
        else:
            # A new root cause is active; deactivating is for one that tickets already use.
            del self.fields["active"]
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(obj: RootCause) -> dict[str, Any]:
        return {"name": obj.name, "parent": obj.parent_id, "active": obj.active}


class CannedResponseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Placeholders: {contact_name}, {contact_email}, {ticket_number}, {agent_name}, {organization_name}."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )

    def __init__(self, *args: Any, organization: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(obj: CannedResponse) -> dict[str, Any]:
        return {"name": obj.name, "body": obj.body, "language": obj.language}


def routing_rule_form_class() -> type[forms.Form]:
    """Built on first use: the conditions field comes from the alerts editor."""
    from feedback.alerts.editor import ConditionsField

    class RoutingRuleForm(forms.Form):
        name = forms.CharField(label=_("Name"), max_length=120)
        team = NamedChoiceField(label=_("Send to team"), queryset=Team.all_orgs.none())
        priority = forms.ChoiceField(
            label=_("Set priority"),
            choices=[("", _("Keep the ticket's priority")), *Priority.choices],
            required=False,
        )
        active = forms.BooleanField(label=_("Active"), required=False, initial=True)

        def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
            self.fields["conditions"] = ConditionsField(
                organization=organization, required=False, label=_("When the feedback matches")
            )

        @staticmethod
        def initial_for(obj: RoutingRule) -> dict[str, Any]:
            return {
                "name": obj.name,
                "team": obj.team_id,
                "priority": obj.priority,
                "active": obj.active,
                "conditions": obj.conditions,
            }

    return RoutingRuleForm


class NotificationPreferenceForm(forms.Form):
    email_assigned = forms.BooleanField(label=_("A ticket is assigned to me"), required=False)
    email_customer_reply = forms.BooleanField(label=_("A customer replies on my ticket"), required=False)
    email_sla = forms.BooleanField(label=_("SLA warnings, breaches and escalations"), required=False)
