"""Forms of the import pages: the upload and the column mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from feedback.imports.mapping import TARGET_LABELS, ImportMapping, Target, mapping_problems
from feedback.models import Channel
from surveys.models import Touchpoint

TARGET_CHOICES = [(str(target), label) for target, label in TARGET_LABELS.items()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV file (UTF-8; comma, semicolon or tab separated) or an Excel workbook (.xlsx), "
            "up to 20 MB and 100,000 rows. The first row must hold the column names."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
        error_messages={"empty": _("The file is empty.")},
    )


class MappingForm(forms.Form):
    """One choice per column (``column_<n>``) plus the choices that hold for the whole file."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        initial=Channel.IMPORT,
        help_text=_("Used for every row, unless a column holds the channel."),
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Used for every row, unless a column holds the touchpoint's name."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of the dates"),
        help_text=_("Dates without a time zone are read in this one."),
    )
    date_order = forms.ChoiceField(
        label=_("Dates like 05/11/2026 are"),
        choices=[("dmy", _("day first (5 November)")), ("mdy", _("month first (May 11)"))],
    )

    def __init__(
        self,
        *args: Any,
        headers: Sequence[str],
        touchpoints: QuerySet[Touchpoint],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        self.fields["touchpoint"].queryset = touchpoints  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = [(z, z) for z in sorted(available_timezones())]  # type: ignore[attr-defined]
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(label=header, choices=TARGET_CHOICES)

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    @property
    def file_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("channel", "touchpoint", "time_zone", "date_order")]

    def mapping(self, touchpoint_names: dict[str, int]) -> ImportMapping:
        data = self.cleaned_data
        touchpoint = data.get("touchpoint")
        return ImportMapping(
            targets=tuple(Target(data[f"column_{i}"]) for i in range(len(self.headers))),
            channel=data["channel"],
            touchpoint_id=touchpoint.pk if touchpoint is not None else None,
            time_zone=data["time_zone"],
            day_first=data["date_order"] == "dmy",
            touchpoints=touchpoint_names,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        for problem in mapping_problems(self.mapping({})):
            self.add_error(None, problem)
        return cleaned

    @staticmethod
    def initial_for(mapping: ImportMapping) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "channel": mapping.channel,
            "touchpoint": mapping.touchpoint_id,
            "time_zone": mapping.time_zone,
            "date_order": "dmy" if mapping.day_first else "mdy",
        }
        initial.update({f"column_{i}": str(t) for i, t in enumerate(mapping.targets)})
        return initial
