"""What the ingestion endpoints share: the error shape and strict, size-limited JSON bodies."""

from __future__ import annotations

import hmac
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ErrorOutput  # noqa: F401 - re-exported for the ingestion views
from core.jsonbody import BodyError, parse_json_body
from core.netaddr import client_ip
from core.ratelimit import Rate, check_all

# Wrong secrets from one address: a mail relay or a provider retries far less often than this.
BAD_SECRET_RATE = Rate(limit=20, window=60)


class Refused(Exception):
    """Stops handling with an error answer in the contract's shape."""

    def __init__(
        self, status_code: int, detail: str, errors: dict[str, list[str]] | None = None, **headers: str
    ) -> None:
        super().__init__(detail)
        self.response = Response({"detail": detail, "errors": errors or {}}, status=status_code)
        for name, value in headers.items():
            self.response[name.replace("_", "-")] = value


def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object, or Refused with 413 (over ``limit`` bytes) or 400 (anything else)."""
    too_large = _("The body is larger than %(limit)d bytes.") % {"limit": limit}
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large) from None
    if len(raw) > limit:
        raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
    try:
        body = parse_json_body(raw)
    except BodyError as exc:
        raise Refused(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    if not isinstance(body, dict):
        raise Refused(status.HTTP_400_BAD_REQUEST, _("The body must be a JSON object."))
    return body


def field_errors(errors: Any) -> dict[str, list[str]]:
    """DRF serializer errors flattened to ``{"field": [...], "contact.email": [...]}``."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            flat[prefix or "non_field_errors"] = [str(v) for v in value]
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        else:
            flat[prefix or "non_field_errors"] = [str(value)]

    walk("", errors)
    return flat


def require_bearer_secret(request: Request, *, secret: str, scope: str) -> None:
    """Let a provider's webhook in with ``Authorization: Bearer <secret>``: 404 when the secret is not
    set (the endpoint is off), 401 for a wrong one, 429 once an address keeps guessing."""
    if not secret:
        raise Refused(status.HTTP_404_NOT_FOUND, _("Not found."))
    given = request.headers.get("Authorization", "")
    if hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
        return
    decision = check_all([(scope, client_ip(request._request), BAD_SECRET_RATE)])
    if not decision.allowed:
        raise Refused(
            status.HTTP_429_TOO_MANY_REQUESTS,
            _("Too many requests. Try again later."),
            Retry_After=str(decision.retry_after),
        )
    raise Refused(status.HTTP_401_UNAUTHORIZED, _("Missing or wrong secret."))
