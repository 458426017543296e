"""Forms of the survey management pages. They parse and check input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from surveys.library import TEMPLATES
from surveys.models import JourneyStage, Survey, SurveyStatus, Touchpoint

BLANK = "blank"
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
POSITION_MAX = 32767


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on its field when the form has one, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class TouchpointChoiceField(forms.ModelChoiceField[Touchpoint]):
    def label_from_instance(self, obj: Touchpoint) -> str:
        return f"{obj.name} · {obj.stage.name}" if obj.stage is not None else obj.name


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def start_from_choices() -> list[tuple[str, Any]]:
    return [(BLANK, _("Blank survey")), *((t.key, t.name) for t in TEMPLATES.values())]


class SurveyCreateForm(forms.Form):
    name = forms.CharField(label=_("Survey name"), max_length=200)
    touchpoint = TouchpointChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=_("Choose a touchpoint"),
        help_text=_("Where the survey is asked, e.g. Checkout or Support chat."),
    )
    new_touchpoint = forms.CharField(
        label=_("…or create a new touchpoint"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to use the touchpoint chosen above."),
    )
    base_language = forms.ChoiceField(
        label=_("Base language"),
        choices=settings.LANGUAGES,
        help_text=_("The language the survey is written in first. Add translations in the builder."),
    )
    start_from = forms.ChoiceField(
        label=_("Start from"), choices=start_from_choices, initial=BLANK, widget=forms.RadioSelect
    )

    def __init__(
        self, *args: Any, touchpoints: QuerySet[Touchpoint], allow_new_touchpoint: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]
        if not allow_new_touchpoint:
            # Members limited by an access group pick one of their touchpoints: a new one would hide
            # the new survey from them.
            del self.fields["new_touchpoint"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new_name = (data.get("new_touchpoint") or "").strip()
        if data.get("touchpoint") is None and not new_name and "touchpoint" not in self.errors:
            self.add_error("touchpoint", _("Choose a touchpoint, or name a new one."))
        data["new_touchpoint"] = new_name
        return data


class SurveySettingsForm(forms.Form):
    name = forms.CharField(label=_("Survey name"), max_length=200)
    touchpoint = TouchpointChoiceField(label=_("Touchpoint"), queryset=Touchpoint.all_orgs.none())
    starts_at = forms.DateTimeField(
        label=_("Opens at"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to open as soon as it is published."),
    )
    ends_at = forms.DateTimeField(
        label=_("Closes at"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to keep it open until you close it."),
    )
    response_limit = forms.IntegerField(
        label=_("Response limit"),
        required=False,
        min_value=1,
        max_value=2_000_000_000,
        help_text=_("The survey stops taking responses after this many finished ones. Empty for no limit."),
    )
    sampling_percent = forms.IntegerField(
        label=_("Sampling %"),
        min_value=1,
        max_value=100,
        help_text=_("The share of visitors or contacts who are offered the survey, from 1 to 100."),
    )
    recontact_days = forms.IntegerField(
        label=_("Recontact period (days)"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Do not ask the same person again within this many days. Empty for no limit."),
    )

    def __init__(self, *args: Any, touchpoints: QuerySet[Touchpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(survey: Survey) -> dict[str, Any]:
        return {
            "name": survey.name,
            "touchpoint": survey.touchpoint_id,
            "starts_at": survey.starts_at,
            "ends_at": survey.ends_at,
            "response_limit": survey.response_limit,
            "sampling_percent": survey.sampling_percent,
            "recontact_days": survey.recontact_days,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            self.add_error("ends_at", _("The survey must close after it opens."))
        return data


class SurveyStatusForm(forms.Form):
    status = forms.ChoiceField(choices=SurveyStatus.choices)


class SurveyFilterForm(forms.Form):
    """The list's filters. Anything that does not parse is ignored rather than refused."""

    q = forms.CharField(
        label=_("Search by name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *SurveyStatus.choices], required=False
    )
    touchpoint = TouchpointChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=_("All touchpoints"),
    )

    def __init__(self, *args: Any, touchpoints: QuerySet[Touchpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        touchpoint = data.get("touchpoint")
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "touchpoint_id": touchpoint.pk if touchpoint is not None else None,
        }


class TouchpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    stage = forms.ModelChoiceField(
        label=_("Journey stage"),
        queryset=JourneyStage.all_orgs.none(),
        required=False,
        empty_label=_("Not on the journey"),
    )

    def __init__(self, *args: Any, stages: QuerySet[JourneyStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(touchpoint: Touchpoint) -> dict[str, Any]:
        return {"name": touchpoint.name, "description": touchpoint.description, "stage": touchpoint.stage_id}


class JourneyStageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=POSITION_MAX,
        initial=0,
        help_text=_("Stages are shown in this order along the journey, lowest first."),
    )

    @staticmethod
    def initial_for(stage: JourneyStage) -> dict[str, Any]:
        return {"name": stage.name, "position": stage.position}


class StageMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Earlier")), ("down", _("Later"))])
