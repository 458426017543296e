from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey
from core.api import ErrorOutput, OrgAPIView


class MeOutput(serializers.Serializer[ApiKey]):
    organization = serializers.CharField(source="organization.slug")
    key_name = serializers.CharField(source="name")
    key_prefix = serializers.CharField(source="prefix")
    scopes = serializers.ListField(child=serializers.CharField())


class MeView(OrgAPIView):
    """Who this secret key is: its organisation, name and scopes. Handy to check a key works."""

    @extend_schema(
        operation_id="me",
        responses={200: MeOutput, 401: ErrorOutput, 403: ErrorOutput},
        examples=[
            OpenApiExample(
                "A read/write key",
                value={
                    "organization": "acme",
                    "key_name": "CRM sync",
                    "key_prefix": "1a2b3c4d",
                    "scopes": ["read", "write"],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        assert isinstance(request.auth, ApiKey)
        return Response(MeOutput(request.auth).data)
