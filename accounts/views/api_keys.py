"""Secret API keys: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from accounts.forms import (
    ApiKeyForm,
    add_service_error,
)
from accounts.models import ApiKey
from accounts.roles import Perm
from accounts.selectors import api_key_list
from accounts.services import (
    api_key_create,
    api_key_revoke,
)
from accounts.views.common import PAGE_SIZE, _error
from core.views import OrgActionView, OrgViewMixin

# --- API keys ----------------------------------------------------------------------------------------


class ApiKeyListView(OrgViewMixin, ListView[ApiKey]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "accounts/api_key_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "keys"

    def get_queryset(self) -> QuerySet[ApiKey]:
        return api_key_list(organization=self.organization)


class ApiKeyCreateView(OrgViewMixin, FormView[ApiKeyForm]):
    permission = Perm.API_KEYS_MANAGE
    template_name = "accounts/api_key_form.html"
    form_class = ApiKeyForm

    def form_valid(self, form: ApiKeyForm) -> HttpResponse:
        try:
            issued = api_key_create(
                organization=self.organization,
                actor=self.membership,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        # The secret is rendered into this one response only: never a redirect, the session or a message.
        response = TemplateResponse(
            self.request,
            "accounts/api_key_created.html",
            self.get_context_data(form=form, key=issued.key, secret=issued.secret),
        )
        add_never_cache_headers(response)
        return response


class ApiKeyRevokeView(OrgActionView):
    permission = Perm.API_KEYS_MANAGE

    def post(self, request: HttpRequest, org_slug: str, key_id: int) -> HttpResponse:
        key = self.get_object(ApiKey.objects.select_related("organization"), key_id)
        try:
            api_key_revoke(key=key, actor=self.membership)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
        return redirect("accounts:api_key_list", org_slug=org_slug)
