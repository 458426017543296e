"""The public unsubscribe page ``/u/<token>/``: one click (GET or the RFC 8058 one-click POST) and
"Subscribe again". A bad or forged token, or a contact that no longer exists, is a 404 page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Organization
from contacts.services import contact_resubscribe, contact_unsubscribe
from contacts.services.suppression import unsubscribe_token_read
from feedback.models import Contact


def _resolve(token: str) -> tuple[Organization, Contact] | None:
    ids = unsubscribe_token_read(token)
    if ids is None:
        return None
    organization = Organization.objects.filter(pk=ids[0]).first()
    contact = Contact.all_orgs.filter(organization_id=ids[0], pk=ids[1]).first()
    if organization is None or contact is None:
        return None
    return organization, contact


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/public/unsubscribe_invalid.html", status=404)


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """GET unsubscribes at once; POST does too (mail clients' ``List-Unsubscribe=One-Click``)."""

    http_method_names = ["get", "post"]

    def _unsubscribe(self, request: HttpRequest, token: str, source: str) -> HttpResponse:
        found = _resolve(token)
        if found is None:
            return _not_found(request)
        organization, contact = found
        contact_unsubscribe(organization_id=organization.pk, contact_id=contact.pk, source=source)
        context: dict[str, Any] = {"organization": organization, "token": token}
        return render(request, "contacts/public/unsubscribed.html", context)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._unsubscribe(request, token, "link")

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        return self._unsubscribe(request, token, "one-click" if one_click else "page")


class ResubscribeView(View):
    """The "Subscribe again" button of the unsubscribe page (a normal CSRF-protected form)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        found = _resolve(token)
        if found is None:
            return _not_found(request)
        organization, contact = found
        contact_resubscribe(organization_id=organization.pk, contact_id=contact.pk)
        return render(
            request, "contacts/public/resubscribed.html", {"organization": organization, "token": token}
        )
