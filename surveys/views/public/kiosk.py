"""Kiosk mode: the survey full screen on a shared tablet or terminal, /s/<public_id>/kiosk/ (no login).

The page carries the whole published survey as JSON (``json_script``) and frontend/kiosk/kiosk.ts runs
it in the browser, one respondent after another, so it keeps working when the connection drops: every
response waits in localStorage under its own client UUID until ``POST /s/<public_id>/kiosk/responses``
answered 2xx. That endpoint is cookie-less and CSRF-exempt, with the public API's limits and error shape;
``response_submit`` makes a replayed or concurrent duplicate of a client id the same one response.

The kiosk runs the question types the widget runs (widgets.targeting.WIDGET_QUESTION_TYPES) with the
widget's own validation, logic and piping modules; a survey with other types gets an explanatory page.

``/s/<public_id>/kiosk/sw.js`` is the kiosk's service worker (frontend/kiosk/sw.ts): it keeps the page and
its assets so that the kiosk also loads, or reloads, with no network after one online visit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.netaddr import client_ip, ip_hash
from core.ratelimit import Rate, check_all
from core.tenancy import organization_context
from feedback.api.common import Refused, field_errors, read_json_object
from feedback.models import Channel
from feedback.services import SubmissionInvalid, SurveyUnavailable, response_submit
from feedback.services.submit import survey_unavailable_reason
from surveys.models import Survey, Touchpoint
from surveys.qr import clamp_idle
from surveys.views.public.pages import _language, _not_found, _offered, _page, _unavailable
from surveys.views.public.views import _https_images
from widgets.config import DEFINITION_KEYS, widget_strings
from widgets.targeting import unsupported_question_types

# How far back a kiosk's own clock is believed: older (or future) finish times are clamped.
CLOCK_WINDOW: Final = timedelta(days=7)
# Seconds the "Thank you" screen stays before the kiosk is ready for the next person.
THANKS_SECONDS: Final = 8

# What the service worker keeps besides the page: the static files kiosk.html links to.
OFFLINE_ASSETS: Final = ("build/kiosk.css", "build/kiosk.js", "favicon.svg")
WORKER: Final = "build/kiosk-sw.js"

# The kiosk's own texts (the widget's come from widgets.config.MESSAGES); ``{n}`` is filled in by the page.
KIOSK_MESSAGES: Final[dict[str, str]] = {
    "start": gettext_noop("Tap to start"),
    "again": gettext_noop("Start again"),
    "waiting": gettext_noop("Waiting to send: {n}"),
    "language": gettext_noop("Language"),
}


def _find(public_id: str) -> Survey | None:
    return (
        Survey.all_orgs.select_related("organization", "current_version").filter(public_id=public_id).first()
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _strings(languages: list[str], questions: list[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    strings = widget_strings(languages, questions)
    for language in languages:
        with translation.override(language):
            strings[language].update({key: gettext(msgid) for key, msgid in KIOSK_MESSAGES.items()})
    return strings


def _language_names(languages: list[str]) -> list[dict[str, str]]:
    names = []
    for code in languages:
        try:
            names.append({"code": code, "name": str(get_language_info(code)["name_local"])})
        except KeyError:
            names.append({"code": code, "name": code})
    return names


@_https_images
@never_cache
@require_http_methods(["GET", "HEAD"])
def kiosk_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """The kiosk: a start screen, the survey, a thank-you screen, and back to the start."""
    survey = _find(public_id)
    if survey is None:
        return _not_found(request)
    with organization_context(survey.organization):
        version = survey.current_version
        reason = survey_unavailable_reason(survey)
        if reason is not None or version is None:
            return _unavailable(request, survey, reason or "draft")
        definition = version.definition
        language = _language(request, definition, None, _offered(definition, request.GET.get("lang")))
        with translation.override(language):
            unsupported = unsupported_question_types(definition)
            if unsupported:
                return _page(
                    request,
                    "surveys/public/kiosk_unsupported.html",
                    {},
                    survey=survey,
                    definition=definition,
                    language=language,
                    status=409,
                )
            touchpoint = _int(request.GET.get("tp"))
            if touchpoint is not None and not Touchpoint.objects.filter(pk=touchpoint).exists():
                touchpoint = None  # another organisation's or a deleted one: the survey's own touchpoint
            languages = [code for code in definition.get("languages") or [] if isinstance(code, str)] or [
                str(definition.get("base_language", "en"))
            ]
            questions = list(definition.get("questions") or [])
            config = {
                "survey": survey.public_id,
                "endpoint": reverse("public_survey:kiosk_responses", args=[survey.public_id]),
                "definition": {key: definition.get(key) for key in DEFINITION_KEYS},
                "language": language,
                "languages": _language_names(languages) if len(languages) > 1 else [],
                "strings": _strings(languages, questions),
                "idle": clamp_idle(_int(request.GET.get("idle"))),
                "thanks": THANKS_SECONDS,
                "touchpoint": touchpoint,
                "worker": reverse("public_survey:kiosk_worker", args=[survey.public_id]),
                "scope": reverse("public_survey:kiosk", args=[survey.public_id]),
            }
            return _page(
                request,
                "surveys/public/kiosk.html",
                {"config": config, "title": survey.name},
                survey=survey,
                definition=definition,
                language=language,
            )


def _built(name: str) -> bytes:
    path = finders.find(name)
    if not isinstance(path, str):
        raise ImproperlyConfigured(f"static/{name} is missing: run node scripts/build_assets.mjs")
    with open(path, "rb") as file:
        return file.read()


@require_http_methods(["GET", "HEAD"])
def kiosk_worker(request: HttpRequest, public_id: str) -> HttpResponse:
    """The kiosk's service worker, at the root of the kiosk's path so that path is its scope.

    The built script gets the assets' URLs and a version prepended: the version is a hash of the
    worker and the assets' contents, so every new build is a new worker with a new cache (the URLs
    are content-hashed only under the manifest storage). No-cache: browsers check it on every visit.
    """
    if _find(public_id) is None:
        return HttpResponseNotFound("", content_type="application/javascript")
    script = _built(WORKER)
    assets = [static(name) for name in OFFLINE_ASSETS]
    digest = hashlib.sha256(script)
    for name, url in zip(OFFLINE_ASSETS, assets, strict=True):
        digest.update(url.encode() + b"\0" + _built(name))
    head = "var KIOSK = " + json.dumps({"version": digest.hexdigest()[:16], "assets": assets}) + ";\n"
    body = script.decode().replace(
        "sourceMappingURL=kiosk-sw.js.map", f"sourceMappingURL={static(WORKER + '.map')}"
    )
    response = HttpResponse(head + body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


class KioskResponseInput(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The client UUID of this response, made once on the kiosk.")
    answers = serializers.DictField(child=serializers.JSONField(), help_text="Answers by question key.")
    finished = serializers.BooleanField(default=False)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    finished_at = serializers.DateTimeField(required=False, allow_null=True)
    touchpoint = serializers.IntegerField(required=False, allow_null=True, min_value=1)


def _device_time(data: Mapping[str, Any], now: datetime) -> datetime:
    """When the kiosk says this happened (its finish time, else its start), within the past 7 days."""
    told = (data.get("finished_at") if data["finished"] else None) or data.get("started_at")
    if not isinstance(told, datetime):
        return now
    return max(now - CLOCK_WINDOW, min(now, told))


def _started(data: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the kiosk says the respondent began, within the past 7 days; None when it does not say."""
    told = data.get("started_at")
    return max(now - CLOCK_WINDOW, min(now, told)) if isinstance(told, datetime) else None


class KioskResponseView(APIView):
    """POST /s/<public_id>/kiosk/responses: one response of a kiosk, sent (or resent) from its queue.

    201 stored, 200 seen before (the stored response is kept; a finished one never changes), 400 bad
    JSON or answers, 404 unknown survey, 409 the survey takes no new responses, 413 over the size
    limit, 429 rate limited (Retry-After). Never a cookie, never a CSRF check.
    """

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes: list[Any] = []

    @extend_schema(exclude=True)
    def post(self, request: Request, public_id: str) -> Response:
        try:
            address = client_ip(request._request)
            decision = check_all([("kiosk-ip", address, Rate.parse(settings.RATE_LIMIT_CLIENT_IP))])
            if not decision.allowed:
                raise Refused(
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    _("Too many requests. Try again later."),
                    Retry_After=str(decision.retry_after),
                )
            survey = _find(public_id[:16])
            if survey is None:
                raise Refused(status.HTTP_404_NOT_FOUND, _("Unknown survey."))
            body = read_json_object(request, settings.INGEST_MAX_RESPONSE_BYTES)
            payload = KioskResponseInput(data=body)
            if not payload.is_valid():
                raise Refused(
                    status.HTTP_400_BAD_REQUEST, _("The request is not valid."), field_errors(payload.errors)
                )
            return self._store(survey, dict(payload.validated_data), address)
        except Refused as refusal:
            return refusal.response

    def _store(self, survey: Survey, data: dict[str, Any], address: str) -> Response:
        with organization_context(survey.organization):
            try:
                with transaction.atomic():
                    result = response_submit(
                        survey=survey,
                        client_id=data["id"],
                        answers=data["answers"],
                        finished=data["finished"],
                        channel=Channel.KIOSK,
                        language=data.get("language") or None,
                        meta={"source": "kiosk", "ip_hash": ip_hash(address)},
                        touchpoint_id=data.get("touchpoint"),
                        started_at=_started(data, timezone.now()),
                        now=_device_time(data, timezone.now()),
                    )
            except SubmissionInvalid as exc:
                raise Refused(
                    status.HTTP_400_BAD_REQUEST, _("Some answers are not valid."), exc.errors
                ) from None
            except SurveyUnavailable as exc:
                raise Refused(status.HTTP_409_CONFLICT, exc.message, {"survey": [exc.reason]}) from None
        stored = result.response
        return Response(
            {
                "id": str(stored.client_id),
                "status": "finished" if stored.finished_at else "partial",
                "created": result.created,
            },
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )
