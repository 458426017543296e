"""CSRF on every form: the app's own pages keep it, the public endpoints that must work cross-origin are
exempt by design (and listed here with the test that covers each).

One walk over every organisation page (found by the URL tenancy matrix's walker, with its world of one of
everything), every page about the signed-in person, the allauth pages and the public survey and
unsubscribe pages:
- a POST without a CSRF token to the page, or to any form's action on it, answers 403 and changes
  nothing;
- every ``<form method="post">`` the page renders carries a ``csrfmiddlewaretoken`` input.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from contacts.services.suppression import unsubscribe_token
from feedback.models import Contact
from surveys.models import Survey
from tests.test_tenancy_matrix import ALL_ROUTES, ORG_ROUTES, USER_LEVEL, build_world, fingerprint, url_for

# Exempt from CSRF by design: each answers requests that carry no session cookie worth forging.
CSRF_EXEMPT = {
    "/u/<token>/": "RFC 8058 one-click unsubscribe: the mail provider POSTs List-Unsubscribe=One-Click "
    "without a page or a cookie (tests/contacts/test_suppression.py)",
    "/s/<public_id>/kiosk/responses": "the kiosk's cookie-less JSON endpoint, sent from its offline queue "
    "(tests/surveys/test_kiosk.py)",
    "/api/v1/": "DRF views authenticate by secret key, publishable key or a provider's secret, never by the "
    "session cookie (test_the_api_ignores_the_session_cookie below; tests/security/test_api_tenancy.py)",
}
# Pages of allauth for a signed-in person and for a visitor (those without a key in the URL).
ALLAUTH_SIGNED_IN = [
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "account_logout",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_generate_recovery_codes",
]
ALLAUTH_ANONYMOUS = ["account_login", "account_signup", "account_reset_password"]
SESSION_PAGES = ["language_set", "set_language"]


class PostForms(HTMLParser):
    """The action of every ``<form method="post">`` and whether it has a csrfmiddlewaretoken input."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._open = {"action": attributes.get("action") or "", "token": False}
            if (attributes.get("method") or "get").lower() == "post":
                self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attributes.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[dict[str, Any]]:
    parser = PostForms()
    parser.feed(html)
    return parser.forms


def route_of(name: str) -> str:
    return "/" + next(route for route, route_name, _ in ALL_ROUTES if route_name == name)


def is_exempt(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith("/api/v1/") or path.endswith("/kiosk/responses")


@pytest.fixture
def world(db: Any, live_survey: Survey) -> dict[str, Any]:
    alpha = build_world("alpha")
    contact = Contact.all_orgs.create(organization=live_survey.organization, email="ana@acme.test")
    token = unsubscribe_token(organization_id=contact.organization_id, contact_id=contact.pk)
    alpha["public_pages"] = [
        f"/s/{live_survey.public_id}/",
        f"/s/{live_survey.public_id}/q/nps/",
        f"/s/{live_survey.public_id}/kiosk/",
        f"/u/{token}/subscribe/",
    ]
    alpha["unsubscribe"] = f"/u/{token}/"
    return alpha


def walk(client: Client, pages: list[str]) -> tuple[list[str], list[str]]:
    """GET each page, then POST without a token to it and to every form's action on it.

    Returns the forms without a token and the POSTs that were not refused with 403."""
    untokened: list[str] = []
    accepted: list[str] = []
    targets: dict[str, str] = {}
    for page in pages:
        shown = client.get(page)
        targets.setdefault(page, page)
        if shown.status_code != 200 or not shown["Content-Type"].startswith("text/html"):
            continue
        for form in post_forms(shown.content.decode()):
            action = urljoin(page, form["action"] or page)
            if urlsplit(action).netloc not in ("", "testserver"):
                untokened.append(f"{page}: an off-site form to {action}")
                continue
            if not form["token"]:
                untokened.append(f"{page}: a form to {action}")
            if not is_exempt(action):
                targets.setdefault(action, page)
    for target, page in targets.items():
        status = client.post(
            target, {"name": "pwned", "role": "owner", "email": "x@evil.example"}
        ).status_code
        if status != 403:
            accepted.append(f"{target} (from {page}): {status}")
    return untokened, accepted


def test_every_form_has_a_token_and_every_post_without_one_is_refused_and_changes_nothing(
    world: dict[str, Any],
) -> None:
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(world["owner"].user)
    signed_in = [url_for(route, world["ids"]) for route, _ in ORG_ROUTES]
    signed_in += [route_of(name) for name in sorted(USER_LEVEL) + SESSION_PAGES + ALLAUTH_SIGNED_IN]
    signed_in += world["public_pages"]
    anonymous = [route_of(name) for name in ALLAUTH_ANONYMOUS] + world["public_pages"]
    before = fingerprint()

    owner_forms, owner_posts = walk(owner, signed_in)
    visitor_forms, visitor_posts = walk(Client(enforce_csrf_checks=True), anonymous)

    assert (owner_forms, owner_posts, visitor_forms, visitor_posts) == ([], [], [], [])
    assert fingerprint() == before


def test_the_one_click_unsubscribe_is_the_one_page_post_without_a_token(world: dict[str, Any]) -> None:
    answer = Client(enforce_csrf_checks=True).post(world["unsubscribe"], {"List-Unsubscribe": "One-Click"})

    assert answer.status_code == 200


def test_the_api_ignores_the_session_cookie(world: dict[str, Any]) -> None:
    """Why the API may be CSRF-exempt: a signed-in browser's cookie authenticates nothing there."""
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(world["owner"].user)
    before = fingerprint()

    answers = [
        owner.get("/api/v1/me").status_code,
        owner.post(
            "/api/v1/feedback", {"channel": "email", "comment": "forged"}, content_type="application/json"
        ).status_code,
    ]

    assert (answers, fingerprint()) == ([401, 401], before)
