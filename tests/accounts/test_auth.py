"""Accounts authentication through allauth: email login, verification, password reset and change,
TOTP two-factor with recovery codes, and login throttling. Everything goes through the real pages with
Django's test client; emails are read from the locmem outbox."""

from __future__ import annotations

import re
import runpy
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests import factories

NEW_PASSWORD = "a-brand-new-passphrase-42"
LINK = re.compile(r"https?://testserver(/\S+)")


@pytest.fixture(autouse=True)
def _mandatory_verification(settings: Any) -> None:
    # The local .env may relax verification for development; these tests prove the production default.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def sign_in(client: Client, email: str, password: str = factories.DEFAULT_PASSWORD, **extra: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def link_in(message: mail.EmailMessage) -> str:
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    return match.group(1)


def totp_code(secret: str, step_offset: int = 0) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + step_offset
    return format_hotp_value(hotp_value(secret, counter))


def code_that_is_never_valid(secret: str) -> str:
    """A six-digit code that matches none of the steps the server could accept right now."""
    valid = {totp_code(secret, offset) for offset in range(-3, 4)}
    return next(
        candidate for candidate in (f"{n:06d}" for n in range(0, 1000000, 111111)) if candidate not in valid
    )


def activate_totp(client: Client) -> str:
    """Activates TOTP for the signed-in client the way a person does; returns the secret."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert f'value="{secret}"' in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return str(secret)


# --- signup and email verification -----------------------------------------------------------------


@pytest.mark.django_db
def test_signup_sends_a_verification_email_and_confirming_it_signs_in(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "Ada@Example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "[cxplatform] Please Confirm Your Email Address"
    user = User.objects.get(email="ada@example.com")
    assert EmailAddress.objects.filter(user=user, verified=False).count() == 1

    confirm_url = link_in(message)
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert b'<form method="post"' in page.content
    # Opening the link changes nothing: only the POST from the page confirms (mail scanners follow links).
    assert EmailAddress.objects.filter(user=user, verified=True).count() == 0

    confirmed = client.post(confirm_url)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).count() == 1

    other_browser = Client()
    login = sign_in(other_browser, "ada@example.com", NEW_PASSWORD)
    assert login.status_code == 302
    assert login["Location"] == reverse("home")
    assert signed_in_user_id(other_browser) == str(user.pk)


@pytest.mark.django_db
def test_unverified_account_cannot_sign_in_and_gets_a_new_verification_email(client: Client) -> None:
    user = factories.UserFactory(email="pending@example.com", verified=False)

    response = sign_in(client, "pending@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [m.to for m in mail.outbox] == [["pending@example.com"]]
    assert EmailAddress.objects.get(user=user).verified is False


@pytest.mark.django_db
def test_invitation_next_travels_in_the_confirmation_link_to_another_browser(client: Client) -> None:
    client.post(
        reverse("account_signup"),
        {
            "email": "invitee@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": "/invitations/abc123/",
        },
    )
    confirm_url = link_in(mail.outbox[0])
    assert confirm_url.endswith("/?next=%2Finvitations%2Fabc123%2F")

    other_browser = Client()
    page = other_browser.get(confirm_url)
    assert b'<input type="hidden" name="next" value="/invitations/abc123/">' in page.content
    confirmed = other_browser.post(confirm_url, {"next": "/invitations/abc123/"})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/invitations/abc123/"
    assert EmailAddress.objects.get(email="invitee@example.com").verified is True


@pytest.mark.django_db
def test_an_off_site_next_is_not_put_into_the_confirmation_link(client: Client) -> None:
    client.post(
        reverse("account_signup"),
        {
            "email": "phish@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": "https://evil.example/steal",
        },
    )

    confirm_url = link_in(mail.outbox[0])
    assert "next=" not in confirm_url
    assert "evil" not in str(mail.outbox[0].body)


@pytest.mark.django_db
def test_an_unknown_confirmation_key_shows_a_page_not_an_error(client: Client) -> None:
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))

    assert response.status_code == 200
    assert b"This email confirmation link expired or is invalid." in response.content


# --- signing in and throttling ----------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_password_shows_the_form_again_with_an_announced_error(client: Client) -> None:
    factories.UserFactory(email="member@example.com")

    response = sign_in(client, "member@example.com", "not-the-password")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    content = response.content.decode()
    assert (
        '<div role="alert"><ul class="errorlist"><li>The email address and/or password you specified are not '
        "correct.</li></ul>"
    ) in content
    assert 'value="member@example.com"' in content


@pytest.mark.django_db
def test_the_sixth_failed_login_for_one_account_is_throttled_with_429(client: Client) -> None:
    factories.UserFactory(email="target@example.com")
    factories.UserFactory(email="bystander@example.com")

    statuses = [sign_in(client, "target@example.com", f"guess-{n}").status_code for n in range(5)]
    throttled = sign_in(client, "target@example.com", "guess-6")
    # While throttled even the right password is refused, or guessing could go on unnoticed.
    right_password = sign_in(client, "target@example.com")
    other_account = sign_in(Client(), "bystander@example.com")

    assert statuses == [200, 200, 200, 200, 200]
    assert throttled.status_code == 429
    content = throttled.content.decode()
    assert "<h1>Too many attempts</h1>" in content
    assert 'role="alert"' in content
    assert '<html lang="en">' in content
    assert right_password.status_code == 429
    assert signed_in_user_id(client) is None
    assert other_account.status_code == 302


@pytest.mark.django_db
def test_login_throttle_ignores_a_forged_forwarded_for_header(client: Client) -> None:
    # Ten failures a minute per address, whichever accounts they aim at. A client that invents a new
    # X-Forwarded-For for every attempt still counts as one address (no trusted proxy in front).
    statuses = [
        client.post(
            reverse("account_login"),
            {"login": f"victim{n}@example.com", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(11)
    ]

    assert statuses == [200] * 10 + [429]


@pytest.mark.django_db
def test_sign_in_and_out(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")

    response = sign_in(client, "MEMBER@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)
    logout = client.post(reverse("account_logout"))
    assert logout.status_code == 302
    assert logout["Location"] == reverse("account_login")
    assert signed_in_user_id(client) is None


# --- password reset and change ----------------------------------------------------------------------


@pytest.mark.django_db
def test_password_reset_by_email_changes_the_password(client: Client) -> None:
    user = factories.UserFactory(email="forgetful@example.com")

    requested = client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})

    assert requested.status_code == 302
    assert requested["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[cxplatform] Password Reset Email"
    key_url = link_in(mail.outbox[0])
    # allauth moves the key out of the URL into the session before showing the form.
    form_page = client.get(key_url, follow=True)
    assert form_page.status_code == 200
    assert b'name="password1"' in form_page.content
    form_url = form_page.redirect_chain[-1][0]

    changed = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert changed.status_code == 302
    assert changed["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True
    assert sign_in(Client(), "forgetful@example.com").status_code == 200
    assert sign_in(Client(), "forgetful@example.com", NEW_PASSWORD).status_code == 302
    # The link works once.
    reused = client.get(key_url, follow=True)
    assert b"Bad Token" in reused.content


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_reveals_nothing(client: Client) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nobody@example.com"]
    assert "/accounts/password/reset/key/" not in str(mail.outbox[0].body)


@pytest.mark.django_db
def test_password_change_while_signed_in(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")

    wrong = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    changed = client.post(
        reverse("account_change_password"),
        {"oldpassword": factories.DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert wrong.status_code == 200
    assert b'<div role="alert"><ul class="errorlist" id="id_oldpassword_error">' in wrong.content
    assert changed.status_code == 302
    assert changed["Location"] == reverse("account_change_password")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True
    assert signed_in_user_id(client) == str(user.pk)


# --- TOTP two-factor ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_totp_activation_shows_a_csp_safe_qr_code_and_rejects_a_wrong_code(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")

    page = client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": code_that_is_never_valid(secret)})

    content = page.content.decode()
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', content)
    assert 'id="authenticator_secret"' in content
    assert "style=" not in content
    assert wrong.status_code == 200
    assert (
        '<div role="alert"><ul class="errorlist" id="id_code_error"><li>Incorrect code.</li></ul></div>'
        in (wrong.content.decode())
    )
    assert Authenticator.objects.filter(user=user).count() == 0


@pytest.mark.django_db
def test_totp_login_asks_for_the_code_and_accepts_only_the_right_one(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")
    secret = activate_totp(client)
    assert sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == [
        "recovery_codes",
        "totp",
    ]
    client.post(reverse("account_logout"))

    browser = Client()
    password_step = sign_in(browser, "member@example.com")
    assert password_step.status_code == 302
    assert password_step["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(browser) is None
    code_page = browser.get(reverse("mfa_authenticate"))
    assert b'autocomplete="one-time-code"' in code_page.content

    wrong = browser.post(reverse("mfa_authenticate"), {"code": code_that_is_never_valid(secret)})
    assert wrong.status_code == 200
    assert b"Incorrect code." in wrong.content
    assert signed_in_user_id(browser) is None

    # A code of the next 30-second step: differs from the one used to activate, within the tolerance.
    right = browser.post(reverse("mfa_authenticate"), {"code": totp_code(secret, 1)})
    assert right.status_code == 302
    assert right["Location"] == reverse("home")
    assert signed_in_user_id(browser) == str(user.pk)


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")
    activate_totp(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    recovery = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    codes = recovery.get_unused_codes()
    assert len(codes) == 10
    assert codes[0] in codes_page.content.decode()
    client.post(reverse("account_logout"))

    first = Client()
    sign_in(first, "member@example.com")
    used = first.post(reverse("mfa_authenticate"), {"code": codes[0]})
    second = Client()
    sign_in(second, "member@example.com")
    reused = second.post(reverse("mfa_authenticate"), {"code": codes[0]})

    assert used.status_code == 302
    assert signed_in_user_id(first) == str(user.pk)
    assert reused.status_code == 200
    assert b"Incorrect code." in reused.content
    assert signed_in_user_id(second) is None
    recovery.instance.refresh_from_db()
    assert len(recovery.get_unused_codes()) == 9


@pytest.mark.django_db
def test_too_many_wrong_two_factor_codes_are_throttled_with_429(client: Client) -> None:
    factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")
    secret = activate_totp(client)
    client.post(reverse("account_logout"))
    browser = Client()
    sign_in(browser, "member@example.com")
    wrong = code_that_is_never_valid(secret)

    statuses = [browser.post(reverse("mfa_authenticate"), {"code": wrong}).status_code for _ in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 429]
    assert signed_in_user_id(browser) is None


@pytest.mark.django_db
def test_totp_deactivation_removes_the_second_step(client: Client) -> None:
    user = factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")
    activate_totp(client)

    page = client.get(reverse("mfa_deactivate_totp"))
    response = client.post(reverse("mfa_deactivate_totp"))

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    assert Authenticator.objects.filter(user=user).count() == 0
    login = sign_in(Client(), "member@example.com")
    assert login["Location"] == reverse("home")


# --- the pages themselves -----------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*application/json)[^>]*>")

ENTRANCE_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
MANAGE_PAGES = [
    "account_email",
    "account_change_password",
    "account_logout",
    "mfa_index",
    "mfa_activate_totp",
]


def assert_clean_page(content: str) -> None:
    assert '<html lang="en">' in content
    assert content.count("<h1>") == 1
    assert "style=" not in content
    assert "<style" not in content
    assert " on" + "click=" not in content
    assert INLINE_SCRIPT.search(content) is None
    assert '<link rel="stylesheet" href="/static/build/app.css">' in content


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ENTRANCE_PAGES)
def test_signed_out_pages_use_the_narrow_layout(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    content = response.content.decode()
    assert_clean_page(content)
    assert '<main id="main" class="narrow" tabindex="-1">' in content


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", MANAGE_PAGES)
def test_account_management_pages_use_the_application_layout(client: Client, url_name: str) -> None:
    factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    content = response.content.decode()
    assert_clean_page(content)
    assert '<main id="main" class="app-main" tabindex="-1">' in content
    assert '<nav class="subnav" aria-label="Your account">' in content
    assert content.count('aria-current="page"') == (0 if url_name == "account_logout" else 1)


@pytest.mark.django_db
def test_reauthentication_uses_the_narrow_layout_and_accepts_the_password(client: Client) -> None:
    factories.UserFactory(email="member@example.com")
    sign_in(client, "member@example.com")

    page = client.get(reverse("account_reauthenticate"))
    confirmed = client.post(reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD})

    assert page.status_code == 200
    content = page.content.decode()
    assert_clean_page(content)
    assert '<main id="main" class="narrow" tabindex="-1">' in content
    assert '<label for="id_password">Password:</label>' in content
    assert confirmed.status_code == 302


@pytest.mark.django_db
def test_too_many_password_reset_requests_for_one_address_answer_429(client: Client) -> None:
    factories.UserFactory(email="member@example.com")

    statuses = [
        client.post(reverse("account_reset_password"), {"email": "member@example.com"}).status_code
        for _ in range(6)
    ]

    assert statuses == [302, 302, 302, 302, 302, 429]
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_login_form_fields_have_labels(client: Client) -> None:
    content = client.get(reverse("account_login")).content.decode()

    assert '<label for="id_login">Email:</label>' in content
    assert '<label for="id_password">Password:</label>' in content
    assert '<label for="id_remember">Remember Me:</label>' in content
    assert f'href="{reverse("account_reset_password")}"' in content


@pytest.mark.django_db
def test_login_page_follows_the_chosen_language(client: Client) -> None:
    client.cookies["django_language"] = "ru"

    content = client.get(reverse("account_login")).content.decode()

    assert '<html lang="ru">' in content
    assert re.search(r"<h1>\s*Войти\s*</h1>", content)


@pytest.mark.django_db
def test_unknown_reset_key_shows_a_page_not_an_error(client: Client) -> None:
    response = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}), follow=True
    )

    assert response.status_code == 200
    assert b"Bad Token" in response.content


def test_a_misspelt_verification_mode_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_EMAIL_VERIFICATION", "mandatroy")
    settings_file = Path(__file__).resolve().parents[2] / "cxplatform" / "settings" / "auth.py"

    with pytest.raises(ImproperlyConfigured, match="ACCOUNT_EMAIL_VERIFICATION has a malformed value"):
        runpy.run_path(str(settings_file))
