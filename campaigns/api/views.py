"""POST /api/v1/email/events: the email provider reports deliveries, opens, bounces, complaints and
unsubscribes of campaign invitations (SendGrid's event webhook format)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.services.email_events import email_events_apply
from core.jsonbody import BodyError, parse_json_body
from feedback.api.common import ErrorOutput, Refused, require_bearer_secret

EVENTS_MAX_BYTES = 1024 * 1024

EXAMPLE_EVENTS = [
    {
        "email": "jane@example.net",
        "timestamp": 1717400000,
        "event": "delivered",
        "sg_event_id": "ZGVsaXZlcmVk",
        "cx_invitation": "3f9c2a7e5b1d4c8fa0e6b2d9",
    },
    {
        "email": "old@example.org",
        "timestamp": 1717400060,
        "event": "bounce",
        "type": "bounce",
        "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
        "cx_invitation": "a81be8c5d2f04b4c9b7e6d5c",
    },
]


class EmailEventInput(serializers.Serializer[Any]):
    event = serializers.ChoiceField(
        choices=[
            "delivered",
            "open",
            "click",
            "bounce",
            "dropped",
            "spamreport",
            "unsubscribe",
            "group_unsubscribe",
        ],
        help_text="Other event names (processed, deferred, …) are accepted and ignored.",
    )
    email = serializers.EmailField(required=False)
    timestamp = serializers.IntegerField(required=False, help_text="Unix seconds.")
    type = serializers.CharField(
        required=False, help_text="For bounces: `bounce` (hard) or `blocked` (temporary)."
    )
    reason = serializers.CharField(required=False)
    cx_invitation = serializers.CharField(help_text="The invitation token (our custom argument).")


class EmailEventResult(serializers.Serializer[Any]):
    event = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["applied", "duplicate", "ignored", "unknown_invitation", "invalid"]
    )


class EmailEventsOutput(serializers.Serializer[Any]):
    processed = serializers.IntegerField(help_text="How many events the body held.")
    results = EmailEventResult(many=True, help_text="One per event, in order.")


class EmailEventsView(APIView):
    """Cookie-less and CSRF-exempt; authenticated by the provider's shared secret, not an API key."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(
        operation_id="email_events",
        summary="Receive the email provider's delivery, bounce, complaint and unsubscribe events",
        description=(
            "The provider posts a JSON array of events (SendGrid event webhook format) with "
            "`Authorization: Bearer <EMAIL_EVENTS_SECRET>`. Each event names its invitation by the custom "
            "argument `cx_invitation`. A bounce (hard) or drop suppresses the address (bounced), a spam "
            "report suppresses it (complained), an unsubscribe unsubscribes the contact on every channel; "
            "delivered, open and click are recorded on the invitation for the campaign report. The same "
            "event twice changes nothing the second time. Off (404) while no secret is configured."
        ),
        request={"application/json": EmailEventInput(many=True)},
        responses={
            200: EmailEventsOutput,
            400: OpenApiResponse(ErrorOutput, description="The body is not a JSON array of events."),
            401: OpenApiResponse(ErrorOutput, description="Missing or wrong secret."),
            404: OpenApiResponse(ErrorOutput, description="The endpoint is off (no secret configured)."),
            413: OpenApiResponse(ErrorOutput, description="The body is larger than 1 MB."),
            429: OpenApiResponse(ErrorOutput, description="Too many wrong secrets; see Retry-After."),
            503: OpenApiResponse(ErrorOutput, description="The database is unavailable; see Retry-After."),
        },
        examples=[
            # The request is a list of events: drf-spectacular wraps each example event in an array.
            OpenApiExample("A delivery", value=EXAMPLE_EVENTS[0], request_only=True),
            OpenApiExample("A hard bounce", value=EXAMPLE_EVENTS[1], request_only=True),
            OpenApiExample(
                "Applied",
                value={
                    "processed": 2,
                    "results": [
                        {"event": "delivered", "result": "applied"},
                        {"event": "bounce", "result": "applied"},
                    ],
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["inbound"],
    )
    def post(self, request: Request) -> Response:
        try:
            self._authenticate(request)
            events = self._read(request)
        except Refused as refusal:
            return refusal.response
        results = email_events_apply(events=events)
        return Response({"processed": len(results), "results": [result.as_dict() for result in results]})

    def _authenticate(self, request: Request) -> None:
        require_bearer_secret(request, secret=settings.EMAIL_EVENTS_SECRET, scope="email-events-bad-secret")

    def _read(self, request: Request) -> list[Any]:
        too_large = _("The body is larger than %(limit)d bytes.") % {"limit": EVENTS_MAX_BYTES}
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > EVENTS_MAX_BYTES:
            raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
        # Read the stream directly: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE first.
        raw = request._request.read(EVENTS_MAX_BYTES + 1)
        if len(raw) > EVENTS_MAX_BYTES:
            raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
        try:
            body = parse_json_body(raw)
        except BodyError as exc:
            raise Refused(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        if isinstance(body, dict):
            body = [body]
        if not isinstance(body, list):
            raise Refused(status.HTTP_400_BAD_REQUEST, _("The body must be a JSON array of events."))
        return body
