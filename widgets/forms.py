from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from surveys.models import Survey
from widgets.models import COOLDOWN_DAYS_MAX, ButtonSide, Site
from widgets.targeting import MAX_URL_RULES, SELECTOR_LIMIT, URL_VALUE_LIMIT


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example “Main website”."))
    origins = forms.CharField(
        label=_("Allowed origins"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "One per line, for example https://www.example.com. The widget only works on pages of these origins."
        ),
        max_length=10_000,
    )
    cooldown_days = forms.IntegerField(
        label=_("Days between surveys"),
        min_value=0,
        max_value=COOLDOWN_DAYS_MAX,
        initial=7,
        help_text=_(
            "After a visitor was shown a survey, no other survey appears by itself for this many days "
            "(0: no pause). The feedback button always works."
        ),
    )

    @staticmethod
    def initial_for(site: Site) -> dict[str, Any]:
        return {"name": site.name, "origins": "\n".join(site.origins), "cooldown_days": site.cooldown_days}

    def origin_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["origins"].splitlines() if line.strip()]


class SurveyChoiceField(forms.ModelChoiceField[Survey]):
    """Surveys of any status, the status in the label (a draft or paused survey is not shown yet)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_status_display()})"


def _number(label: StrOrPromise, help_text: StrOrPromise, low: int, high: int) -> forms.IntegerField:
    # The ranges are checked by validate_targeting, whose messages then show next to the field; the
    # attributes only guide the browser's number input.
    return forms.IntegerField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


TRIGGER_CHOICES = [
    ("page_view", _("When a page loads")),
    ("time_on_page", _("After some time on the page")),
    ("scroll", _("After scrolling down the page")),
    ("exit_intent", _("When the visitor is about to leave (exit intent)")),
    ("click", _("On a click on an element")),
    ("rage_click", _("On rage clicks (repeated clicks on one element)")),
    ("event", _("On a custom event sent by your page")),
    ("manual", _("Never by itself: only from the feedback button or the JavaScript API")),
]
FREQUENCY_CHOICES = [
    ("until_answered", _("Until the visitor answers it")),
    ("once", _("Once per visitor")),
    ("every_days", _("Again every few days")),
]
PLACEMENT_CHOICES = [
    ("bottom_right", _("Bottom right")),
    ("bottom_left", _("Bottom left")),
    ("center", _("Centre of the screen")),
]
DEVICE_CHOICES = [("desktop", _("Desktop")), ("tablet", _("Tablet")), ("mobile", _("Mobile"))]
RULE_MODE_CHOICES = [("include", _("Show on pages where")), ("exclude", _("Never on pages where"))]
RULE_OP_CHOICES = [
    ("contains", _("the address contains")),
    ("exact", _("the address is exactly")),
    ("starts_with", _("the address starts with")),
    ("ends_with", _("the address ends with")),
    ("regex", _("the address matches the regular expression")),
]

# Where each targeting error path shows in the intercept form.
_ERROR_FIELDS = {
    "trigger.type": "trigger_type",
    "trigger.seconds": "seconds",
    "trigger.percent": "percent",
    "trigger.selector": "selector",
    "trigger.clicks": "clicks",
    "trigger.within_ms": "within_ms",
    "trigger.name": "event_name",
    "delay_seconds": "delay_seconds",
    "devices": "devices",
    "languages": "languages",
    "frequency": "frequency",
    "every_days": "every_days",
    "placement": "placement",
    "survey": "survey",
}
_RULE_ERROR_FIELDS = {"op": "op", "value": "value", "exclude": "mode"}


class InterceptForm(forms.Form):
    """A survey on a website and its targeting. Ranges and rules are checked by the service
    (widgets.targeting.validate_targeting); ``add_service_errors`` puts its messages by the fields."""

    survey = SurveyChoiceField(queryset=Survey.all_orgs.none(), label=_("Survey"))
    trigger_type = forms.ChoiceField(label=_("Trigger"), choices=TRIGGER_CHOICES, initial="page_view")
    seconds = _number(_("Seconds on the page"), _("For “After some time on the page”: 1 to 3600."), 1, 3600)
    percent = _number(_("Scroll depth (%)"), _("For “After scrolling down the page”: 1 to 100."), 1, 100)
    selector = forms.CharField(
        label=_("CSS selector"),
        required=False,
        max_length=SELECTOR_LIMIT,
        help_text=_("For “On a click on an element”: for example #buy-button or .help-link."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    clicks = _number(_("Clicks"), _("For rage clicks: 3 to 10 clicks (3 when empty)…"), 3, 10)
    within_ms = _number(
        _("Within (milliseconds)"), _("…within 300 to 5000 milliseconds (1000 when empty)."), 300, 5000
    )
    event_name = forms.CharField(
        label=_("Event name"),
        required=False,
        max_length=64,
        help_text=_('For a custom event: the name your page sends with cx("track", "name").'),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    delay_seconds = _number(
        _("Delay (seconds)"),
        _("Wait this long after the trigger before showing the survey: 0 to 3600."),
        0,
        3600,
    )
    devices = forms.MultipleChoiceField(
        label=_("Devices"),
        choices=DEVICE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to show it on every device."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Visitor languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The language of the visitor's browser. Tick none for every language."),
    )
    frequency = forms.ChoiceField(label=_("How often"), choices=FREQUENCY_CHOICES, initial="until_answered")
    every_days = _number(
        _("Days before showing it again"), _("For “Again every few days”: 1 to 365."), 1, 365
    )
    placement = forms.ChoiceField(
        label=_("Where on the screen"), choices=PLACEMENT_CHOICES, initial="bottom_right"
    )

    def __init__(self, *args: Any, surveys: QuerySet[Survey] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if surveys is None:
            del self.fields["survey"]
        else:
            self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(targeting: Mapping[str, Any]) -> dict[str, Any]:
        trigger = targeting.get("trigger") or {}
        return {
            "trigger_type": trigger.get("type", "page_view"),
            "seconds": trigger.get("seconds"),
            "percent": trigger.get("percent"),
            "selector": trigger.get("selector", ""),
            "clicks": trigger.get("clicks"),
            "within_ms": trigger.get("within_ms"),
            "event_name": trigger.get("name", ""),
            "delay_seconds": targeting.get("delay_seconds", 0),
            "devices": list(targeting.get("devices") or []),
            "languages": list(targeting.get("languages") or []),
            "frequency": targeting.get("frequency", "until_answered"),
            "every_days": targeting.get("every_days"),
            "placement": targeting.get("placement", "bottom_right"),
        }

    def trigger(self) -> dict[str, Any]:
        """Only the chosen trigger's own settings; an empty one is left out (then the service says it is
        required, or fills its default)."""
        data = self.cleaned_data
        kind = data["trigger_type"]
        params = {
            "time_on_page": {"seconds": data.get("seconds")},
            "scroll": {"percent": data.get("percent")},
            "click": {"selector": data.get("selector")},
            "rage_click": {"clicks": data.get("clicks"), "within_ms": data.get("within_ms")},
            "event": {"name": data.get("event_name")},
        }.get(kind, {})
        return {"type": kind, **{name: value for name, value in params.items() if value not in (None, "")}}

    def targeting(self, rules: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        targeting: dict[str, Any] = {
            "trigger": self.trigger(),
            "delay_seconds": data["delay_seconds"] if data.get("delay_seconds") is not None else 0,
            "urls": rules,
            "devices": data["devices"],
            "languages": data["languages"],
            "frequency": data["frequency"],
            "placement": data["placement"],
        }
        if data["frequency"] == "every_days":
            targeting["every_days"] = data.get("every_days")
        return targeting

    def add_service_errors(self, exc: ValidationError, rules: UrlRuleFormSet, rows: list[int]) -> None:
        """Put each error of the service next to its field: URL rules on their row (``rows`` maps rule
        positions back to form rows), anything else at the top of the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for path, errors in exc.message_dict.items():
            parts = path.split(".")
            if parts[0] == "urls" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rules.forms[rows[int(parts[1])]]
                field = _RULE_ERROR_FIELDS.get(parts[2]) if len(parts) > 2 else None
                row.add_error(field, errors)
            elif parts[0] == "urls":
                rules.service_errors.extend(errors)
            else:
                field = _ERROR_FIELDS.get(path)
                self.add_error(field if field in self.fields else None, errors)


class UrlRuleForm(forms.Form):
    mode = forms.ChoiceField(label=_("Show or never"), choices=RULE_MODE_CHOICES, initial="include")
    op = forms.ChoiceField(label=_("Match"), choices=RULE_OP_CHOICES, initial="contains")
    value = forms.CharField(
        label=_("Address or part of it"),
        required=False,
        max_length=URL_VALUE_LIMIT,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )


class UrlRuleFormSet(forms.BaseFormSet[UrlRuleForm]):
    """The URL rules; rows with an empty value are skipped."""

    service_errors: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_errors = []

    @staticmethod
    def initial_for(targeting: Mapping[str, Any]) -> list[dict[str, str]]:
        return [
            {
                "mode": "exclude" if rule.get("exclude") else "include",
                "op": rule["op"],
                "value": rule["value"],
            }
            for rule in targeting.get("urls") or []
        ]

    def rules(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The rules for validate_targeting, and for each the index of the row it came from."""
        rules: list[dict[str, Any]] = []
        rows: list[int] = []
        for index, form in enumerate(self.forms):
            value = (form.cleaned_data.get("value") or "").strip()
            if not value:
                continue
            rules.append(
                {
                    "op": form.cleaned_data["op"],
                    "value": value,
                    "exclude": form.cleaned_data["mode"] == "exclude",
                }
            )
            rows.append(index)
        return rules, rows


def url_rule_formset(*, data: Mapping[str, Any] | None, targeting: Mapping[str, Any]) -> UrlRuleFormSet:
    formset_class = forms.formset_factory(
        UrlRuleForm,
        formset=UrlRuleFormSet,
        extra=3,
        max_num=MAX_URL_RULES,
        absolute_max=MAX_URL_RULES,
        validate_max=True,
    )
    initial = UrlRuleFormSet.initial_for(targeting)
    return cast(UrlRuleFormSet, formset_class(data=data, initial=initial or None, prefix="urls"))


class ButtonForm(forms.Form):
    survey = SurveyChoiceField(
        queryset=Survey.all_orgs.none(),
        label=_("Survey the button opens"),
        required=False,
        empty_label=_("No feedback button"),
        help_text=_("A survey that is not on this website yet is added to it, to open from the button only."),
    )
    label = forms.CharField(
        label=_("Button label"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for “Feedback” in the visitor's language."),
    )
    side = forms.ChoiceField(
        label=_("Side of the screen"), choices=ButtonSide.choices, initial=ButtonSide.RIGHT
    )

    def __init__(self, *args: Any, surveys: QuerySet[Survey], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(site: Site) -> dict[str, Any]:
        return {"survey": site.button_survey_id, "label": site.button_label, "side": site.button_side}
