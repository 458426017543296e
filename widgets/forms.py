from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from widgets.models import Site


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

    @staticmethod
    def initial_for(site: Site) -> dict[str, str]:
        return {"name": site.name, "origins": "\n".join(site.origins)}

    def origin_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["origins"].splitlines() if line.strip()]
