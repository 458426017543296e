from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.board.services import LABEL_MAX


class BoardShareForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=LABEL_MAX,
        required=False,
        help_text=_("Who the link is for, e.g. “Board meeting”: it helps you revoke the right one later."),
    )


class DigestForm(forms.Form):
    weekly = forms.BooleanField(
        label=_("Send me the weekly digest by email"),
        required=False,
        help_text=_(
            "Every Monday morning: last week's NPS, CSAT and CES against the week before, follow-up "
            "within 48 hours and the top themes, in your language."
        ),
    )
