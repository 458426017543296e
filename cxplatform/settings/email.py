"""Outgoing email. EMAIL_URL picks the transport:

- ``smtp://user:password@host:port`` (``smtps://`` for implicit TLS, ``?starttls=1`` for STARTTLS)
- ``console://`` prints messages to the log (development default)
- ``file:///path/to/dir`` writes each message to a file
"""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from core.env import env_str, env_url

EMAIL_URL = env_url("EMAIL_URL", "console://", schemes=("smtp", "smtps", "console", "file", "locmem"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cxplatform <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

_email = urlsplit(EMAIL_URL)
if _email.scheme in {"smtp", "smtps"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = parse_qs(_email.query).get("starttls", ["0"])[0] in {"1", "true"}
    EMAIL_TIMEOUT = 10
elif _email.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email.scheme == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _email.scheme == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _email.path
else:  # pragma: no cover - env_url already restricts the schemes
    raise ImproperlyConfigured(f"Environment variable EMAIL_URL has an unsupported scheme: {_email.scheme}")

# Customers' replies to ticket emails go to reply+<ticket token>@INBOUND_EMAIL_DOMAIN; the mail relay for
# that domain posts each raw message to /api/v1/inbound/email with this secret as a bearer token.
# An empty secret switches the endpoint off.
INBOUND_EMAIL_DOMAIN = env_str("INBOUND_EMAIL_DOMAIN", "localhost")
INBOUND_EMAIL_SECRET = env_str("INBOUND_EMAIL_SECRET", "")

# The email provider's event webhook (bounces, complaints, deliveries, opens) posts to
# /api/v1/email/events with this secret as a bearer token. Empty switches the endpoint off.
EMAIL_EVENTS_SECRET = env_str("EMAIL_EVENTS_SECRET", "")

# `make run` collects every email sent in this folder (the local SMTP sink, core/mailsink.py) and shows it
# at /dev/mail/ to signed-in users, with a "Reply as the customer" form. Empty (the default) switches
# that page off; never set it in production. A relative path is taken from the project's root.
_mailbox = env_str("DEV_MAILBOX_DIR", "")
DEV_MAILBOX_DIR = str(Path(__file__).resolve().parent.parent.parent / _mailbox) if _mailbox else ""
