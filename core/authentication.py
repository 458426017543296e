"""Secret-key authentication for the REST API (kept apart from the views to avoid an import cycle)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiKey

SECRET_KEY_PREFIX = "cx_sk_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyPrincipal:
    """The authenticated caller of a secret-key request (DRF's request.user)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.organization = key.organization

    def __str__(self) -> str:
        return f"api-key:{self.key.prefix}"


class SecretKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Use the header 'Authorization: Bearer <secret key>'."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The secret key is not valid.")) from None
        if not token.startswith(SECRET_KEY_PREFIX):
            raise exceptions.AuthenticationFailed(_("The secret key is not valid."))
        key = ApiKey.all_orgs.select_related("organization").filter(secret_hash=hash_secret(token)).first()
        if key is None:
            raise exceptions.AuthenticationFailed(_("The secret key is not valid."))
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This secret key has been revoked."))
        now = timezone.now()
        # Record use at most once a minute: a write on every request would cost the ingestion path.
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.all_orgs.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class SecretKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.authentication.SecretKeyAuthentication"
    name = "secretKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A secret key: cx_sk_…"}
