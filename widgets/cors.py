"""CORS for the publishable-key endpoints: only the site's own allowed origins get CORS headers."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpRequest

from widgets.selectors_public import site_for_key
from widgets.services import normalize_origin

_PUBLIC_PATH = re.compile(r"^/api/v1/public/(?P<key>[^/]+)/")


def allow_site_origins(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    match = _PUBLIC_PATH.match(request.path)
    origin = request.headers.get("Origin", "")
    if match is None or not origin:
        return False
    try:
        site = site_for_key(request, match.group("key"))
    except DatabaseError:
        # The database is down and the view has answered 503 already: no CORS headers then (the widget
        # sees a network error and retries it like the 503). Never let this turn it into a 500.
        return False
    if site is None:
        return False
    try:
        return normalize_origin(origin) in site.origins
    except ValidationError:
        return False
