"""Twilio's webhooks: delivery-status reports and inbound texts.

Both are cookie-less and CSRF-exempt; each request must carry a valid ``X-Twilio-Signature`` computed
with the auth token of SMS_URL (403 otherwise). They are off (404) unless SMS_URL names Twilio.
Both answer TwiML (Twilio accepts it from either); errors are JSON in the API's shape. Any input
answers 200, 400, 403, 404 or 413, never a server error.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api import ErrorOutput
from sms.config import TWILIO, SmsConfig, sms_config
from sms.services import sms_inbound_receive, sms_status_update
from sms.signature import signature_valid

logger = logging.getLogger(__name__)

FIELD_LIMIT = 2000
TWIML_TYPE = "text/xml; charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"


class Rejected(Exception):
    """Stops handling with an error answer in the API's shape (``{"detail": ..., "errors": {}}``)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.response = JsonResponse({"detail": detail, "errors": {}}, status=status)


def _twilio_config() -> SmsConfig:
    config = sms_config()
    if config.backend != TWILIO:
        raise Rejected(404, _("Not found."))
    return config


def _candidate_urls(request: HttpRequest) -> list[str]:
    # Twilio signs the URL it was given: ours is built from SITE_URL; behind a proxy the Host header
    # may name it as well. Either way the HMAC needs the auth token, so trying both is safe.
    urls = [f"{settings.SITE_URL}{request.get_full_path()}"]
    with contextlib.suppress(DisallowedHost):
        urls.append(request.build_absolute_uri())
    return urls


def _verified_form(request: Request) -> dict[str, list[str]]:
    """The POST parameters after the signature check (403 when it fails)."""
    config = _twilio_config()
    django_request = request._request
    try:
        form: QueryDict = django_request.POST
        params = {name: form.getlist(name) for name in form}
    except RequestDataTooBig:
        raise Rejected(413, _("The request is too large.")) from None
    except (TooManyFieldsSent, UnicodeDecodeError, ValueError):
        raise Rejected(400, _("The request cannot be read.")) from None
    signature = django_request.headers.get("X-Twilio-Signature", "")
    if not signature_valid(config.auth_token, _candidate_urls(django_request), params, signature):
        raise Rejected(403, _("Missing or wrong signature."))
    return params


def _field(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name) or [""]
    return values[0][:FIELD_LIMIT]


def _twiml_text(reply: str) -> str:
    message = f"<Message>{escape(reply)}</Message>" if reply else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>'


def _twiml(reply: str) -> HttpResponse:
    return HttpResponse(_twiml_text(reply), content_type=TWIML_TYPE)


EMPTY_TWIML = _twiml_text("")
TWIML_SCHEMA = {"type": "string", "description": "TwiML (XML)"}
ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorOutput, description="The form cannot be read."),
    403: OpenApiResponse(ErrorOutput, description="Missing or wrong X-Twilio-Signature."),
    404: OpenApiResponse(ErrorOutput, description="SMS_URL does not name Twilio: the webhooks are off."),
    413: OpenApiResponse(ErrorOutput, description="The form is larger than Django accepts."),
}


class StatusCallbackInput(serializers.Serializer[Any]):
    MessageSid = serializers.CharField(help_text="The message the report is about.")
    MessageStatus = serializers.CharField(help_text="queued, sent, delivered, undelivered, failed, …")
    ErrorCode = serializers.CharField(required=False, help_text="Twilio's error code when it failed.")


class InboundInput(serializers.Serializer[Any]):
    From = serializers.CharField(help_text="The sender, E.164.")
    To = serializers.CharField(help_text="Our number, E.164.")
    Body = serializers.CharField(allow_blank=True)
    MessageSid = serializers.CharField(required=False)


SIGNATURE_DESCRIPTION = (
    "`X-Twilio-Signature` must be base64(HMAC-SHA1(auth token, the full URL + each POST parameter's "
    "name and value sorted by name)). Off (404) unless `SMS_URL` names Twilio."
)


class TwilioStatusView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(
        operation_id="sms_twilio_status",
        summary="Twilio delivery-status callback",
        description="Twilio reports what became of a text we sent. " + SIGNATURE_DESCRIPTION,
        request={FORM_TYPE: StatusCallbackInput},
        responses={
            (200, "text/xml"): OpenApiResponse(
                TWIML_SCHEMA,
                description="Recorded (also an unknown or repeated report): an empty TwiML <Response/>.",
                examples=[OpenApiExample("Recorded", value=EMPTY_TWIML, media_type="text/xml")],
            ),
            **ERROR_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "Delivered",
                value={"MessageSid": "SM1f0e8a3c2b4d4e6f8a0b1c2d3e4f5a6b", "MessageStatus": "delivered"},
                request_only=True,
                media_type=FORM_TYPE,
            ),
            OpenApiExample(
                "Undelivered",
                value={
                    "MessageSid": "SM1f0e8a3c2b4d4e6f8a0b1c2d3e4f5a6b",
                    "MessageStatus": "undelivered",
                    "ErrorCode": "30005",
                },
                request_only=True,
                media_type=FORM_TYPE,
            ),
        ],
        tags=["sms"],
    )
    def post(self, request: Request) -> HttpResponse:
        try:
            params = _verified_form(request)
        except Rejected as rejected:
            return rejected.response
        sms_status_update(
            provider_message_id=_field(params, "MessageSid"),
            provider_status=_field(params, "MessageStatus"),
            error_code=_field(params, "ErrorCode"),
        )
        return _twiml("")


class TwilioInboundView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(
        operation_id="sms_twilio_inbound",
        summary="Twilio inbound text",
        description=(
            "A text sent to our number. STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, СТОП, BERHENTI, "
            "退订) suppresses the number for every organisation that has texted it; START or UNSTOP "
            "lifts only such a suppression; HELP gets a help text. The answer is TwiML. "
            + SIGNATURE_DESCRIPTION
        ),
        request={FORM_TYPE: InboundInput},
        responses={
            (200, "text/xml"): OpenApiResponse(
                TWIML_SCHEMA,
                description="TwiML: an empty <Response/>, or one <Message> with the confirmation.",
                examples=[
                    OpenApiExample(
                        "Unsubscribed",
                        value=_twiml_text(
                            "You are unsubscribed and will get no more texts from us. "
                            "Reply START to subscribe again."
                        ),
                        media_type="text/xml",
                    )
                ],
            ),
            **ERROR_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "STOP",
                value={
                    "From": "+4917012345678",
                    "To": "+15005550006",
                    "Body": "STOP",
                    "MessageSid": "SM1f0e8a3c2b4d4e6f8a0b1c2d3e4f5a6c",
                },
                request_only=True,
                media_type=FORM_TYPE,
            )
        ],
        tags=["sms"],
    )
    def post(self, request: Request) -> HttpResponse:
        try:
            params = _verified_form(request)
        except Rejected as rejected:
            return rejected.response
        try:
            outcome = sms_inbound_receive(
                from_number=_field(params, "From"),
                to_number=_field(params, "To"),
                body=_field(params, "Body"),
                provider_message_id=_field(params, "MessageSid"),
                backend=TWILIO,
            )
        except ValidationError:
            logger.warning("sms: an inbound text could not be recorded")
            return _twiml("")
        return _twiml(outcome.reply)
