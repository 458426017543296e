from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core.navigation import build_navigation


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: navigation, the organisation switcher, the language list."""
    context: dict[str, Any] = {"LANGUAGES": settings.LANGUAGES, "SITE_URL": settings.SITE_URL}
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.selectors import memberships_of_user

        context["user_memberships"] = memberships_of_user(user=user)
    if membership is not None:
        context["navigation"] = build_navigation(membership, request.path)
        context["current_membership"] = membership
        context["current_organization"] = membership.organization
    return context
