"""Base classes for the REST API: scopes, the tenancy context, the error format."""

from __future__ import annotations

from contextvars import Token
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import ApiKey
from core.authentication import ApiKeyPrincipal
from core.tenancy import _current_organization


class HasScope(BasePermission):
    """Read endpoints need the ``read`` scope; anything that writes needs ``write``."""

    message = gettext_lazy("This key does not have the scope this operation needs.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        key = getattr(request, "auth", None)
        if not isinstance(key, ApiKey):
            return False
        needed = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        return needed in key.scopes


class OrgAPIView(APIView):
    """Secret-key API views: the key's organisation is the tenancy context for the whole request."""

    permission_classes = [HasScope]
    _org_token: Token[Any] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        principal = request.user
        if isinstance(principal, ApiKeyPrincipal):
            self._org_token = _current_organization.set(principal.organization)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            if self._org_token is not None:
                _current_organization.reset(self._org_token)
                self._org_token = None


# The error shape of every API answer, for the OpenAPI schema.
ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is ``{"detail": "...", "errors": {field: [...]}}`` with the right status."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OperationalError | DatabaseError) and not isinstance(exc, exceptions.APIException):
        unavailable = Response(
            {"detail": _("The service is temporarily unavailable. Try again shortly."), "errors": {}},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        unavailable["Retry-After"] = "5"
        return unavailable
    handled = drf_exception_handler(exc, context)
    if handled is None:
        return None
    response = handled
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(data) if isinstance(data, dict) else {"non_field_errors": _flatten(data)}
        response.data = {"detail": _("The request is not valid."), "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"detail": str(detail), "errors": {}}
    return response
