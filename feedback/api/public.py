"""POST /api/v1/public/{site_key}/responses: the widget's (and any browser's) way in.

Cookie-less and CSRF-exempt; accepts ``application/json`` and ``text/plain`` bodies (the latter needs no
CORS preflight). Answers 2xx only after the response is committed; the same client id never makes a
second response.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import prepared
from core.netaddr import client_ip, ip_hash
from core.ratelimit import Rate, check_all
from core.tenancy import organization_context
from feedback.api.common import ErrorOutput, Refused, field_errors, read_json_object
from feedback.models import Channel
from feedback.services import ContactRef, SubmissionInvalid, SurveyUnavailable, response_ingest
from feedback.services.contacts import ATTRIBUTES_LIMIT
from surveys.models import Survey
from widgets.models import Intercept, Site
from widgets.selectors_public import site_for_key

ATTRIBUTE_NAME_LIMIT = 64
ATTRIBUTE_VALUE_LIMIT = 500


class PublicContactInput(serializers.Serializer[Any]):
    """The visitor the host page identified (``cx("identify", ...)``). From this unauthenticated endpoint
    a contact's attributes are only ever added, never changed."""

    external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=128, default="", help_text="Your id for this person."
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    attributes = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        default=dict,
        help_text=f"Up to {ATTRIBUTES_LIMIT} names (at most {ATTRIBUTE_NAME_LIMIT} characters) with text, "
        f"number or true/false values (text at most {ATTRIBUTE_VALUE_LIMIT} characters); null is ignored.",
    )

    def validate_attributes(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > ATTRIBUTES_LIMIT:
            raise serializers.ValidationError(
                _("Send at most %(limit)d attributes.") % {"limit": ATTRIBUTES_LIMIT}
            )
        clean: dict[str, Any] = {}
        for name, item in value.items():
            if not name or len(name) > ATTRIBUTE_NAME_LIMIT:
                raise serializers.ValidationError(
                    _("Attribute names have 1 to %(limit)d characters.") % {"limit": ATTRIBUTE_NAME_LIMIT}
                )
            if item is None:
                continue
            if isinstance(item, str) and len(item) > ATTRIBUTE_VALUE_LIMIT:
                raise serializers.ValidationError(
                    _("The attribute “%(name)s” is longer than %(limit)d characters.")
                    % {"name": name, "limit": ATTRIBUTE_VALUE_LIMIT}
                )
            if not isinstance(item, str | int | float | bool) or (
                isinstance(item, float) and not math.isfinite(item)
            ):
                raise serializers.ValidationError(
                    _("The attribute “%(name)s” must be text, a number or true/false.") % {"name": name}
                )
            clean[name] = item
        return clean


class PublicResponseInput(serializers.Serializer[Any]):
    id = serializers.UUIDField(
        help_text="A UUID the client generates once per response; resending it continues or replays that response."
    )
    survey = serializers.CharField(max_length=16, help_text="The survey's public id, from the widget config.")
    answers = serializers.DictField(child=serializers.JSONField(), help_text="Answers by question key.")
    finished = serializers.BooleanField(default=False)
    meta = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    hidden = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    contact = PublicContactInput(
        required=False,
        help_text="Only after the host page identified the visitor; attaches the response to that contact.",
    )


class PublicResponseOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["partial", "finished"])
    created = serializers.BooleanField()


class PublicResponseView(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(
        operation_id="public_response_submit",
        request={"application/json": PublicResponseInput, "text/plain": PublicResponseInput},
        responses={
            201: PublicResponseOutput,
            200: OpenApiResponse(
                PublicResponseOutput, description="The id was seen before: the stored response."
            ),
            400: ErrorOutput,
            404: OpenApiResponse(
                ErrorOutput, description="Unknown key or survey (the same answer for both)."
            ),
            409: OpenApiResponse(ErrorOutput, description="The survey takes no new responses now."),
            413: ErrorOutput,
            429: OpenApiResponse(ErrorOutput, description="Rate limited; see Retry-After."),
            503: OpenApiResponse(ErrorOutput, description="The database is unavailable; see Retry-After."),
        },
        examples=[
            OpenApiExample(
                "An NPS answer, first of two questions",
                value={
                    "id": "0b7e4a52-6b0e-4d43-9d7c-1d2f3e4a5b6c",
                    "survey": "Xk3p9QaL",
                    "answers": {"nps": 9},
                    "finished": False,
                    "meta": {"url": "https://shop.example/checkout"},
                },
                request_only=True,
            ),
            OpenApiExample(
                "From the widget, for an identified visitor",
                value={
                    "id": "5f0c1f9e-2d7b-4d58-a0f4-2b9c8e6d7a10",
                    "survey": "Xk3p9QaL",
                    "answers": {"nps": 10},
                    "finished": True,
                    "language": "en",
                    "meta": {"url": "https://shop.example/account", "device": "desktop", "source": "widget"},
                    "contact": {
                        "external_id": "user-8812",
                        "email": "ana@example.com",
                        "attributes": {"plan": "pro"},
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "Stored",
                value={"id": "0b7e4a52-6b0e-4d43-9d7c-1d2f3e4a5b6c", "status": "partial", "created": True},
                response_only=True,
                status_codes=["201"],
            ),
        ],
        auth=[],
    )
    def post(self, request: Request, site_key: str) -> Response:
        try:
            site, data, address = self._admit(request, site_key)
            return self._store(site, data, address)
        except Refused as refusal:
            return refusal.response

    def _admit(self, request: Request, site_key: str) -> tuple[Site, dict[str, Any], str]:
        """Rate limits, key, body size and shape, cheapest checks first."""
        address = client_ip(request._request)
        decision = check_all(
            [
                ("public-key", site_key[:40], Rate.parse(settings.RATE_LIMIT_PUBLIC_KEY)),
                ("public-ip", address, Rate.parse(settings.RATE_LIMIT_CLIENT_IP)),
            ]
        )
        if not decision.allowed:
            raise Refused(
                status.HTTP_429_TOO_MANY_REQUESTS,
                _("Too many requests. Try again later."),
                Retry_After=str(decision.retry_after),
            )
        site = site_for_key(request._request, site_key)
        if site is None:
            raise Refused(status.HTTP_404_NOT_FOUND, _("Unknown key or survey."))
        body = read_json_object(request, settings.INGEST_MAX_RESPONSE_BYTES)
        data = _plainly_valid(body)
        if data is None:
            payload = PublicResponseInput(data=body)
            if not payload.is_valid():
                raise Refused(
                    status.HTTP_400_BAD_REQUEST,
                    _("The request is not valid."),
                    field_errors(payload.errors),
                )
            data = dict(payload.validated_data)
        return site, data, address

    def _store(self, site: Site, data: dict[str, Any], address: str) -> Response:
        with organization_context(site.organization):
            survey = _survey_of_site(site, data["survey"])
            if survey is None:
                raise Refused(status.HTTP_404_NOT_FOUND, _("Unknown key or survey."))
            meta = {**data["meta"], "ip_hash": ip_hash(address), "site": site.pk}
            contact = data.get("contact") or {}
            try:
                # One transaction: a refused answer leaves no new contact behind.
                result = response_ingest(
                    survey=survey,
                    client_id=data["id"],
                    answers=data["answers"],
                    finished=data["finished"],
                    channel=Channel.WEB,
                    language=data.get("language") or None,
                    hidden_fields=data["hidden"],
                    meta=meta,
                    contact_ref=ContactRef(
                        email=contact.get("email", ""),
                        external_id=contact.get("external_id", ""),
                        attributes=contact.get("attributes") or {},
                    ),
                )
            except SubmissionInvalid as exc:
                raise Refused(
                    status.HTTP_400_BAD_REQUEST, _("Some answers are not valid."), exc.errors
                ) from None
            except SurveyUnavailable as exc:
                raise Refused(status.HTTP_409_CONFLICT, exc.message) from None
        stored = result.response
        return Response(
            {
                "id": str(stored.client_id),
                "status": "finished" if stored.finished_at else "partial",
                "created": result.created,
            },
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


def _plain_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit and value == value.strip()


def _plain_object(value: Any) -> bool:
    return isinstance(value, dict) and None not in value.values()


def _plainly_valid(body: dict[str, Any]) -> dict[str, Any] | None:
    """What PublicResponseInput validates ``body`` to, for the usual body (no contact; every field of its
    plain type), or None: the serializer then decides, and words the errors. Saves the serializer's cost
    on the ingestion path; anything unusual takes the serializer's path."""
    if "contact" in body:
        return None
    identifier, survey = body.get("id"), body.get("survey")
    answers, meta, hidden = body.get("answers"), body.get("meta", {}), body.get("hidden", {})
    finished, language = body.get("finished", False), body.get("language", "")
    if not (
        isinstance(identifier, str)
        and _plain_text(survey, 16)
        and survey
        and _plain_object(answers)
        and _plain_object(meta)
        and _plain_object(hidden)
        and isinstance(finished, bool)
        and _plain_text(language, 16)
    ):
        return None
    try:
        client_id = uuid.UUID(hex=identifier)
    except ValueError:
        return None
    data = {"id": client_id, "survey": survey, "answers": answers, "finished": finished}
    data |= {"meta": meta, "hidden": hidden}
    if "language" in body:
        data["language"] = language
    return data


_SURVEY_FIELDS = [field for field in Survey._meta.concrete_fields if field.name != "draft"]
# The site's survey with this public id, one of its intercepts, without its draft (core/prepared.py).
_SURVEY_SQL = (  # noqa: S608 - names from the models, values as parameters
    "SELECT {columns} FROM {survey} WHERE {survey}.{public_id} = %s AND {survey}.{organization} = %s "
    "AND EXISTS (SELECT 1 FROM {intercept} WHERE {intercept}.{site} = %s AND {intercept}.{survey_id} = "
    "{survey}.{pk}) LIMIT 1"
).format(
    columns=prepared.column_list(Survey, _SURVEY_FIELDS),
    survey=prepared.quote(Survey._meta.db_table),
    public_id=prepared.quote(Survey._meta.get_field("public_id").column),
    organization=prepared.quote(Survey._meta.get_field("organization").column),
    pk=prepared.quote(Survey._meta.pk.column),
    intercept=prepared.quote(Intercept._meta.db_table),
    site=prepared.quote(Intercept._meta.get_field("site").column),
    survey_id=prepared.quote(Intercept._meta.get_field("survey").column),
)


def _survey_of_site(site: Site, public_id: str) -> Survey | None:
    """The site's survey with this public id: this runs for every response."""
    row = prepared.fetch_row(_SURVEY_SQL, [public_id, site.organization_id, site.pk])
    return None if row is None else prepared.from_row(Survey, _SURVEY_FIELDS, row)
