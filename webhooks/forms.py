from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import WebhookEndpoint, WebhookEvent


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example “CRM sync”."))
    # A plain text field: the service decides which URLs are allowed and says why one is not.
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("Where we send a POST for each event. Must be https:// (http:// only for localhost)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A response is created with its first answer and finished when the respondent completes it."
        ),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive webhooks receive nothing; events that happen meanwhile are not sent later."),
    )

    @staticmethod
    def initial_for(endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {
            "name": endpoint.name,
            "url": endpoint.url,
            "events": endpoint.events,
            "active": endpoint.active,
        }
