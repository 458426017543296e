"""The notification bell in the header: the member's unread count, counted only when a page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.tenancy import organization_context


def notifications(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    counted: list[int] = []

    def unread() -> int:
        from tickets.selectors import unread_count

        if counted:
            return counted[0]

        # Pages render inside the organisation's context already; set it anyway, so that a page that
        # renders later (an error page) still counts within this organisation only.
        with organization_context(membership.organization):
            counted.append(unread_count(membership=membership))
        return counted[0]

    # A callable: the template calls it only when it shows the bell; counted once per request.
    return {"notifications_unread": unread}
