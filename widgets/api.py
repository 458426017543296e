"""GET /api/v1/public/{site_key}/config: what the widget loads on every page of a site.

Cookie-less; cacheable by the browser with an ETag (``Cache-Control: no-cache`` makes it revalidate, so
a change in the app reaches visitors on their next page view, mostly as a body-less 304). Each load is
the site's install check ("last seen"), recorded at most once a minute.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api import ErrorOutput
from core.netaddr import client_ip
from core.ratelimit import Rate, check_all
from core.tenancy import organization_context
from feedback.api.common import Refused
from widgets.config import site_config
from widgets.selectors_public import site_for_key
from widgets.services import site_seen

ButtonOutput = inline_serializer(
    name="WidgetButton",
    fields={
        "survey": serializers.CharField(help_text="The public id of the survey the feedback tab opens."),
        "label": serializers.CharField(
            allow_null=True, help_text="null: the widget shows strings[language].feedback."
        ),
        "side": serializers.ChoiceField(choices=["right", "left"]),
    },
    allow_null=True,
)


class ConfigSurveyOutput(serializers.Serializer[Any]):
    id = serializers.CharField(
        help_text="The survey's public id, sent as `survey` to the responses endpoint."
    )
    definition = serializers.JSONField(
        help_text="The current published version: base_language, languages, hidden_fields, questions, "
        "endings, theme, settings (docs/survey-definition.md)."
    )
    sampling = serializers.IntegerField(help_text="Percentage of visitors offered the survey (1–100).")
    recontact_days = serializers.IntegerField(
        allow_null=True, help_text="Not shown again this many days after the visitor finished it."
    )
    targeting = serializers.JSONField(help_text="When and to whom the survey appears (docs/widget.md).")


class ConfigOutput(serializers.Serializer[Any]):
    v = serializers.IntegerField(help_text="The config format version: 1.")
    cooldown_days = serializers.IntegerField(
        help_text="After any survey was shown, no other appears by itself for this many days."
    )
    button = ButtonOutput
    surveys = ConfigSurveyOutput(many=True)
    strings = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="The widget's texts by language code, with {placeholders}.",
    )


EXAMPLE = {
    "v": 1,
    "cooldown_days": 7,
    "button": {"survey": "Xk3p9QaL", "label": None, "side": "right"},
    "surveys": [
        {
            "id": "Xk3p9QaL",
            "definition": {
                "base_language": "en",
                "languages": ["en"],
                "hidden_fields": [],
                "questions": [
                    {"key": "nps", "type": "nps", "required": True, "text": {"en": "How likely are you…?"}}
                ],
                "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
                "theme": {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""},
                "settings": {"layout": "one_per_screen", "progress": True},
            },
            "sampling": 100,
            "recontact_days": None,
            "targeting": {
                "trigger": {"type": "exit_intent"},
                "delay_seconds": 0,
                "urls": [{"op": "starts_with", "value": "/checkout", "exclude": False}],
                "devices": [],
                "languages": [],
                "frequency": "until_answered",
                "placement": "bottom_right",
            },
        }
    ],
    "strings": {"en": {"close": "Close", "next": "Next", "progress": "Question {n} of {total}"}},
}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class PublicConfigView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="public_site_config",
        parameters=[
            OpenApiParameter(
                "site_key",
                {"type": "string", "pattern": "^cx_pk_[A-Za-z0-9_-]+$", "maxLength": 40},
                OpenApiParameter.PATH,
                description="The website's publishable key, from its snippet.",
            ),
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="The ETag of the config the browser has; an unchanged config answers 304.",
            ),
        ],
        responses={
            200: OpenApiResponse(ConfigOutput, description="The config, with its ETag."),
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match; no body."),
            404: OpenApiResponse(ErrorOutput, description="Unknown or revoked key."),
            429: OpenApiResponse(
                ErrorOutput, description="Rate limited per client address; see Retry-After."
            ),
            503: OpenApiResponse(ErrorOutput, description="The database is unavailable; see Retry-After."),
        },
        examples=[OpenApiExample("A site with an exit-intent survey", value=EXAMPLE, response_only=True)],
        auth=[],
    )
    def get(self, request: Request, site_key: str) -> HttpResponseBase:
        address = client_ip(request._request)
        decision = check_all([("public-config-ip", address, Rate.parse(settings.RATE_LIMIT_CONFIG_IP))])
        if not decision.allowed:
            return Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                _("Too many requests. Try again later."),
                Retry_After=str(decision.retry_after),
            ).response
        site = site_for_key(request._request, site_key)
        if site is None:
            return Refused(status.HTTP_404_NOT_FOUND, _("Unknown key or survey.")).response
        site_seen(site=site)
        with organization_context(site.organization):
            config = site_config(site=site)
        body = json.dumps(config, ensure_ascii=False, separators=(",", ":")).encode()
        etag = _etag(body)
        # If-None-Match compares weakly: W/"x" matches "x".
        offered = [tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))]
        response: HttpResponse
        if etag in offered or "*" in offered:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        patch_vary_headers(response, ["Origin"])
        return response
