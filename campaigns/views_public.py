"""The personal link of an invitation (``/i/<token>``) and the open pixel (no login, no cookies)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns.services import invitation_click, invitation_open
from campaigns.services.links import invitation_by_token, survey_redirect
from surveys.views.public.pages import _not_found

# A transparent 1×1 GIF.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@never_cache
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """Records the click and continues at the survey with the invitation; ``?v=<n>`` answers the embedded
    first question in the same click. An unknown link is the survey's "not found" page."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return _not_found(request)
    invitation_click(invitation_id=invitation.pk)
    return HttpResponseRedirect(survey_redirect(invitation, request.GET.get("v")))


@never_cache
@require_GET
def pixel(request: HttpRequest, token: str) -> HttpResponse:
    """The open pixel: the same image for every token, known or not."""
    invitation_open(token=token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response
