"""POST /api/v1/inbound/email: a mail relay posts a customer's raw reply; it is threaded into its ticket."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.common import ErrorOutput, Refused, require_bearer_secret
from tickets.inbound import InboundRejected
from tickets.services.messages import ticket_inbound_email

logger = logging.getLogger(__name__)

INBOUND_MAX_BYTES = 10 * 1024 * 1024

# The raw message: any bytes, at least one (an empty body is refused with 400).
RAW_MESSAGE_SCHEMA = {"type": "string", "format": "binary", "minLength": 1, "maxLength": INBOUND_MAX_BYTES}

EXAMPLE_MESSAGE = (
    "From: Jane Doe <jane@example.net>\r\n"
    "To: reply+3f9c2a7e5b1d4c8fa0e6b2d9c7f1a3e5@inbound.example.com\r\n"
    "Subject: Re: NPS 3 from Jane Doe [#42]\r\n"
    "Message-ID: <CAJ7x@mail.example.net>\r\n"
    "In-Reply-To: <172000.1.42@inbound.example.com>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Thanks, the replacement arrived today.\r\n"
    "\r\n"
    "On Mon, 3 Jun 2024 at 10:00, Acme <no-reply@example.com> wrote:\r\n"
    "> Sorry about the delay. A replacement is on its way.\r\n"
)


class InboundEmailOutput(serializers.Serializer[Any]):
    ticket = serializers.IntegerField(help_text="The ticket the reply was threaded into.")
    message = serializers.IntegerField(help_text="The conversation message (the same one for a duplicate).")


class InboundEmailView(APIView):
    """Cookie-less and CSRF-exempt; authenticated by the relay's shared secret, not an API key."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(
        operation_id="inbound_email",
        summary="Thread a customer's emailed reply into its ticket",
        description=(
            "The mail relay for `INBOUND_EMAIL_DOMAIN` posts each raw RFC 822 message addressed to "
            "`reply+<token>@<domain>` with `Authorization: Bearer <INBOUND_EMAIL_SECRET>`. The new text "
            "(without the quoted previous message and the signature) is added to the ticket; the same "
            "Message-ID twice is accepted once. Off (404) while no secret is configured."
        ),
        request={"message/rfc822": RAW_MESSAGE_SCHEMA, "application/octet-stream": RAW_MESSAGE_SCHEMA},
        responses={
            202: InboundEmailOutput,
            400: OpenApiResponse(ErrorOutput, description="The message cannot be read."),
            401: OpenApiResponse(ErrorOutput, description="Missing or wrong secret."),
            404: OpenApiResponse(
                ErrorOutput, description="No ticket has this reply address (or the endpoint is off)."
            ),
            413: OpenApiResponse(ErrorOutput, description="The message is larger than 10 MB."),
            429: OpenApiResponse(ErrorOutput, description="Too many wrong secrets; see Retry-After."),
            503: OpenApiResponse(ErrorOutput, description="The database is unavailable; see Retry-After."),
        },
        examples=[
            OpenApiExample(
                "A customer's reply", value=EXAMPLE_MESSAGE, request_only=True, media_type="message/rfc822"
            ),
            OpenApiExample(
                "Threaded", value={"ticket": 42, "message": 137}, response_only=True, status_codes=["202"]
            ),
        ],
        tags=["inbound"],
    )
    def post(self, request: Request) -> Response:
        try:
            self._authenticate(request)
            raw = self._read(request)
            try:
                message = ticket_inbound_email(raw=raw)
            except InboundRejected as rejected:
                if rejected.reason in ("no_token", "unknown_token"):
                    raise Refused(status.HTTP_404_NOT_FOUND, _("No ticket has this reply address.")) from None
                raise Refused(status.HTTP_400_BAD_REQUEST, _("The message cannot be read.")) from None
        except Refused as refusal:
            return refusal.response
        return Response({"ticket": message.ticket_id, "message": message.pk}, status=status.HTTP_202_ACCEPTED)

    def _authenticate(self, request: Request) -> None:
        require_bearer_secret(request, secret=settings.INBOUND_EMAIL_SECRET, scope="inbound-bad-secret")

    def _read(self, request: Request) -> bytes:
        too_large = _("The message is larger than %(limit)d bytes.") % {"limit": INBOUND_MAX_BYTES}
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > INBOUND_MAX_BYTES:
            raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
        # Read the stream directly: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB).
        raw = request._request.read(INBOUND_MAX_BYTES + 1)
        if len(raw) > INBOUND_MAX_BYTES:
            raise Refused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, too_large)
        if not raw.strip():
            raise Refused(status.HTTP_400_BAD_REQUEST, _("The message cannot be read."))
        return raw
