from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.netaddr import client_ip, ip_hash


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The page for every throttled account action: a readable page with status 429."""
    return render(request, "allauth/429.html", status=HTTPStatus.TOO_MANY_REQUESTS)


def _local_next_url(request: HttpRequest | None) -> str:
    """The ``next`` path the visitor came with, if it stays on this site; otherwise an empty string."""
    if request is None:
        return ""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if not candidate.startswith("/") or candidate.startswith("//"):
        return ""
    # No allowed hosts: only a path on this site passes, so an email never carries a link elsewhere.
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=None):
        return ""
    return candidate


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_ALLOW_REGISTRATION)

    def get_client_ip(self, request: HttpRequest) -> str:
        # Login throttling counts per client address; use the trusted-proxy rule so that a forged
        # X-Forwarded-For cannot spread attempts over made-up addresses. allauth only uses it as the
        # key of its throttle counters in the cache: the keyed hash keeps raw addresses out of Redis.
        return ip_hash(client_ip(request))

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        # allauth reports a throttled login (password, two-factor code or reauthentication) as a form
        # error with status 200. Answer 429 instead, so that clients, proxies and monitoring see it.
        if code == "too_many_login_attempts" and self.request is not None:
            raise ImmediateHttpResponse(too_many_requests(self.request))
        error: ValidationError = super().validation_error(code, *args)
        return error

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        # Someone who signs up from an invitation link (``?next=/invitations/...``) may confirm their
        # address in another browser, where the signup session is gone. Carry ``next`` in the link: the
        # confirmation page posts it back and allauth redirects there once the address is confirmed.
        url: str = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = _local_next_url(request)
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        return url
