from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from core.netaddr import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_ALLOW_REGISTRATION)

    def get_client_ip(self, request: HttpRequest) -> str:
        # Login throttling counts per client address; use the trusted-proxy rule so that a forged
        # X-Forwarded-For cannot spread attempts over made-up addresses.
        return client_ip(request)
