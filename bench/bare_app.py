"""The reference for bench/ingest: bare JSON endpoints on the same server stack, no database.

Served by a second gunicorn with the same options as the real one. ``cxplatform.wsgi.application`` is
loaded (so settings, middleware and connections are configured exactly as in production), and:

- ``POST /bench/bare`` goes through Django and its whole middleware stack to a view that returns a small
  JSON object without touching the database: the cost of the stack itself, the ratio's reference;
- ``POST /bench/wsgi`` is answered by this module before Django: the floor of gunicorn alone.

Every other path is handed to the real application unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

import cxplatform.wsgi

BARE_PATH = "/bench/bare"
WSGI_PATH = "/bench/wsgi"
PAYLOAD = {"id": "00000000-0000-0000-0000-000000000000", "status": "finished", "created": True}
_RAW_BODY = json.dumps(PAYLOAD).encode()


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    request.body  # noqa: B018 - read the body like the real endpoint does
    return JsonResponse(PAYLOAD, status=201)


# This module is also the URLconf of /bench/bare requests (see BareRequest).
urlpatterns = [path(BARE_PATH.lstrip("/"), bare)]


class BareRequest(WSGIRequest):
    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        if self.path_info == BARE_PATH:
            # Django resolves a request with its own ``urlconf`` when it has one: the real URLconf and
            # settings stay untouched for everything else.
            self.urlconf = __name__


class BareHandler(WSGIHandler):
    request_class = BareRequest


_django = BareHandler()
assert cxplatform.wsgi.application is not None  # configured Django, exactly as production does

StartResponse = Callable[..., Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == WSGI_PATH:
        stream = environ["wsgi.input"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            stream.read(length)
        start_response(
            "201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(_RAW_BODY)))]
        )
        return [_RAW_BODY]
    return _django(environ, start_response)
