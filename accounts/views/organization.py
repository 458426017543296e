"""The organisation's own settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.forms import (
    OrganizationSettingsForm,
    add_service_error,
)
from accounts.models import Organization
from accounts.roles import Perm
from accounts.services import organization_update
from accounts.views.common import _user
from core.views import OrgViewMixin

# --- organisation settings ---------------------------------------------------------------------------


class OrgSettingsView(OrgViewMixin, FormView[OrganizationSettingsForm]):
    permission = Perm.ORG_MANAGE
    template_name = "accounts/org_settings.html"
    form_class = OrganizationSettingsForm

    def get_initial(self) -> dict[str, Any]:
        org = self.organization
        return {
            "name": org.name,
            "default_language": org.default_language,
            "timezone": org.timezone,
            "retention_days": org.retention_days,
        }

    def form_valid(self, form: OrganizationSettingsForm) -> HttpResponse:
        data = form.cleaned_data
        # A fresh copy: the service changes the instance before validating it, and the page header
        # must keep showing the saved name when the change is refused.
        organization = Organization.objects.get(pk=self.organization.pk)
        try:
            organization_update(
                organization=organization,
                actor=_user(self.request),
                name=data["name"],
                default_language=data["default_language"],
                timezone_name=data["timezone"],
                retention_days=data["retention_days"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The organisation settings are saved."))
        return redirect("accounts:org_settings", org_slug=organization.slug)
