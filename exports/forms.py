"""The export form: what to export comes from the list's filters in the URL; the member picks a format."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from exports.models import ExportFormat


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        help_text=_("Excel opens XLSX directly; CSV suits other tools and very large exports."),
    )
