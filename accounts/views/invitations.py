"""The invitation page, opened from the email before any organisation is in context."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import View

from accounts.models import Invitation
from accounts.services import (
    InvitationError,
    invitation_accept,
    invitation_check,
    invitation_get_by_token,
)
from accounts.views.common import _user

# --- invitations (opened from the email, before any organisation is in context) -------------------


INVITATION_STATUS = {
    "invalid": 404,
    "revoked": 410,
    "used": 410,
    "expired": 410,
    "wrong_email": 403,
    "already_member": 409,
}


class InvitationAcceptView(View):
    """Anonymous visitors see who invited them and where; the invited person accepts with a POST."""

    template_name = "accounts/invitation_accept.html"

    def _page(
        self, request: HttpRequest, invitation: Invitation | None, error: InvitationError | None = None
    ) -> HttpResponse:
        context = {
            "invitation": invitation
            if error is None or error.code in {"wrong_email", "already_member"}
            else None,
            "error": " ".join(error.messages) if error is not None else "",
            "error_code": error.code if error is not None else "",
            "allow_signup": settings.ACCOUNT_ALLOW_REGISTRATION,
        }
        status = INVITATION_STATUS.get(error.code or "", 400) if error is not None else 200
        response = render(request, self.template_name, context, status=status)
        # The token is in the URL; do not let a shared cache keep the page.
        add_never_cache_headers(response)
        return response

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = invitation_get_by_token(token=token)
        user = _user(request) if request.user.is_authenticated else None
        try:
            invitation_check(invitation=invitation, user=user)
        except InvitationError as exc:
            return self._page(request, invitation, exc)
        return self._page(request, invitation)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = invitation_accept(token=token, user=_user(request))
        except InvitationError as exc:
            return self._page(request, invitation_get_by_token(token=token), exc)
        messages.success(
            request,
            _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
        )
        return redirect("org_home", org_slug=membership.organization.slug)
