"""Forms of the text analytics pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from textanalysis.engine import LANGUAGES
from textanalysis.models import Theme


def keyword_field_name(language: str) -> str:
    return "keywords_" + language.replace("-", "_")


class ThemeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        names = dict(settings.LANGUAGES)
        for language in LANGUAGES:
            self.fields[keyword_field_name(language)] = forms.CharField(
                label=_("Keywords in %(language)s") % {"language": names.get(language, language)},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("One keyword or short phrase per line."),
            )

    def keywords(self) -> dict[str, list[str]]:
        return {
            language: self.cleaned_data.get(keyword_field_name(language), "").splitlines()
            for language in LANGUAGES
        }

    @staticmethod
    def initial_for(theme: Theme) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": theme.name}
        keywords = theme.keywords if isinstance(theme.keywords, dict) else {}
        for language in LANGUAGES:
            words = keywords.get(language, [])
            initial[keyword_field_name(language)] = (
                "\n".join(str(w) for w in words) if isinstance(words, list) else ""
            )
        return initial


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag name"), max_length=60)

    def __init__(self, *args: Any, organization: Organization | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    @staticmethod
    def initial_for(tag: Any) -> dict[str, Any]:
        return {"name": tag.name}
