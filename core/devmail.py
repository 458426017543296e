"""The development mailbox at /dev/mail/: every email `make run` sent, read from the SMTP sink's folder.

Only when ``settings.DEV_MAILBOX_DIR`` is set (``make run`` sets it; production never does), and only for
signed-in users. A message sent to a customer with a ``reply+<token>@`` Reply-To address offers "Reply as
the customer": the page builds the MIME reply a mail client would send (threading headers, the original
quoted below) and hands its bytes to the same inbound service the mail relay's endpoint uses, so the whole
loop can be tried without a mail server.

HTML bodies are shown as text with their links listed: our CSP allows no framed or inline HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses, make_msgid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.mailsink import parse_message

# What the sink writes (core.mailsink): no path separators, no leading dot, so no way out of the folder.
MAIL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}\.eml")
LIST_LIMIT = 200
REPLY_LOCAL_PART = re.compile(r"reply\+([A-Za-z0-9]{8,64})", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")
SESSION_LAST_REPLY = "devmail_last_reply"


# --- reading the mailbox --------------------------------------------------------------------------


@dataclass(frozen=True)
class MailSummary:
    name: str
    subject: str
    to: str
    sender: str
    date: datetime | None


@dataclass(frozen=True)
class StoredMail:
    name: str
    message: EmailMessage
    subject: str
    sender: str
    to: str
    reply_to: str
    date: datetime | None
    text: str
    links: list[str]
    attachments: list[str]
    reply_token: str


def mailbox_dir() -> Path:
    """The sink's folder; 404 when the development mailbox is switched off."""
    if not settings.DEV_MAILBOX_DIR:
        raise Http404
    return Path(settings.DEV_MAILBOX_DIR)


def mail_path(directory: Path, name: str) -> Path | None:
    """The file of a message named in a URL, or None when the name is not one of ours."""
    if not MAIL_NAME.fullmatch(name):
        return None
    path = directory / name
    if path.resolve().parent != directory.resolve() or not path.is_file():
        return None
    return path


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return str(value) if value is not None else ""


def _date(message: EmailMessage) -> datetime | None:
    header = message.get("Date")
    moment = getattr(header, "datetime", None)
    return moment if isinstance(moment, datetime) else None


def mailbox_list(directory: Path, *, limit: int = LIST_LIMIT) -> list[MailSummary]:
    """The newest messages first (the sink names files by their UTC arrival time)."""
    if not directory.is_dir():
        return []
    names = sorted((p.name for p in directory.iterdir() if MAIL_NAME.fullmatch(p.name)), reverse=True)
    parser = BytesHeaderParser(policy=policy.default)
    summaries = []
    for name in names[:limit]:
        try:
            raw = (directory / name).read_bytes()
        except OSError:  # removed meanwhile
            continue
        headers = parser.parsebytes(raw)
        assert isinstance(headers, EmailMessage)
        summaries.append(
            MailSummary(
                name=name,
                subject=_header(headers, "Subject"),
                to=_header(headers, "To"),
                sender=_header(headers, "From"),
                date=_date(headers),
            )
        )
    return summaries


class _HtmlText(HTMLParser):
    """Plain text and link targets of an HTML body (a fallback for messages without a text part)."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "".join(self.parts)).strip()


def _content(part: EmailMessage | None) -> str:
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        return ""
    return content if isinstance(content, str) else ""


def _web_links(candidates: list[str]) -> list[str]:
    links: list[str] = []
    for link in candidates:
        clean = link.strip().rstrip(".,;:")
        # Only web addresses become links: never javascript:, data: or file:.
        if clean.lower().startswith(("http://", "https://")) and clean not in links:
            links.append(clean)
    return links[:50]


def message_text_and_links(message: EmailMessage) -> tuple[str, list[str]]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    html_links: list[str] = []
    text = _content(plain if isinstance(plain, EmailMessage) else None)
    if isinstance(html, EmailMessage):
        parser = _HtmlText()
        parser.feed(_content(html))
        html_links = parser.links
        if not text:
            text = parser.text()
    return text, _web_links(URL_IN_TEXT.findall(text) + html_links)


def reply_token_of(message: EmailMessage) -> str:
    """The ticket token of a ``reply+<token>@...`` Reply-To address, or ""."""
    for _name, address in getaddresses([_header(message, "Reply-To")]):
        local, _at, _domain = address.partition("@")
        match = REPLY_LOCAL_PART.fullmatch(local)
        if match:
            return match.group(1)
    return ""


def mailbox_read(directory: Path, name: str) -> StoredMail | None:
    path = mail_path(directory, name)
    if path is None:
        return None
    message = parse_message(path.read_bytes())
    text, links = message_text_and_links(message)
    attachments = [part.get_filename() or "" for part in message.iter_attachments()]
    return StoredMail(
        name=name,
        message=message,
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        reply_to=_header(message, "Reply-To"),
        date=_date(message),
        text=text,
        links=links,
        attachments=[a for a in attachments if a],
        reply_token=reply_token_of(message),
    )


# --- the customer's reply ----------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def customer_reply_build(*, original: StoredMail, body: str, now: datetime | None = None) -> EmailMessage:
    """The reply the customer's mail client would send: to the Reply-To address, threaded on the
    original's Message-ID, with the original quoted below an attribution line."""
    moment = now or timezone.now()
    customers = getaddresses([original.to])
    customer_email = customers[0][1] if customers else ""
    reply = EmailMessage()
    reply["From"] = original.to
    reply["To"] = original.reply_to
    subject = original.subject
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = format_datetime(moment)
    reply["Message-ID"] = make_msgid(domain=customer_email.partition("@")[2] or "localhost")
    original_id = _header(original.message, "Message-ID")
    if original_id:
        reply["In-Reply-To"] = original_id
        references = _header(original.message, "References").split()
        reply["References"] = " ".join([*references, original_id])
    sender = getaddresses([original.sender])
    sender_label = (sender[0][0] or sender[0][1]) if sender else original.sender
    sent = format_datetime(original.date) if original.date else ""
    # What mail clients write above the quote (not our UI text: the inbound service strips it).
    attribution = f"On {sent}, {sender_label} wrote:" if sent else f"{sender_label} wrote:"
    reply.set_content(f"{body.strip()}\n\n{attribution}\n{_quoted(original.text)}\n")
    return reply


def customer_address(original: StoredMail) -> Address | None:
    customers = getaddresses([original.to])
    if not customers or "@" not in customers[0][1]:
        return None
    name, email = customers[0]
    local, _at, domain = email.partition("@")
    return Address(display_name=name, username=local, domain=domain)


class CustomerReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("The customer's reply"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Sent as an email reply from the customer, with the message above quoted."),
    )


# --- views ---------------------------------------------------------------------------------------


class DevMailboxMixin(LoginRequiredMixin):
    directory: Path

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Checked before sign-in: with the mailbox off the page does not exist for anyone.
        self.directory = mailbox_dir()
        return super().dispatch(request, *args, **kwargs)


class MailboxView(DevMailboxMixin, TemplateView):
    template_name = "core/devmail_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "mails": mailbox_list(self.directory),
            "limit": LIST_LIMIT,
        }


def _ticket_url(ticket: Any) -> str:
    try:
        return reverse(
            "tickets:ticket_detail",
            kwargs={"org_slug": ticket.organization.slug, "ticket_id": ticket.pk},
        )
    except NoReverseMatch:  # the queue pages are not mounted
        return ""


class MailView(DevMailboxMixin, FormView[CustomerReplyForm]):
    template_name = "core/devmail_message.html"
    form_class = CustomerReplyForm
    mail: StoredMail

    def setup_mail(self) -> None:
        mail = mailbox_read(self.directory, self.kwargs["name"])
        if mail is None:
            raise Http404
        self.mail = mail

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_mail()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_mail()
        if not self.mail.reply_token:
            raise Http404
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: CustomerReplyForm) -> HttpResponse:
        # Imported here: core must not depend on the tickets app when this page is switched off.
        from tickets.inbound import InboundRejected
        from tickets.services.messages import ticket_inbound_email

        reply = customer_reply_build(original=self.mail, body=form.cleaned_data["body"])
        try:
            message = ticket_inbound_email(raw=reply.as_bytes(policy=policy.SMTP))
        except InboundRejected as exc:
            form.add_error(None, _("The ticket did not accept the reply: %(reason)s") % {"reason": exc})
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        ticket = message.ticket
        self.request.session[SESSION_LAST_REPLY] = {
            "mail": self.mail.name,
            "ticket": ticket.pk,
            "url": _ticket_url(ticket),
        }
        messages.success(
            self.request,
            _("The customer's reply was threaded into ticket #%(number)s.") % {"number": ticket.pk},
        )
        return redirect("devmail:message", name=self.mail.name)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        last = self.request.session.get(SESSION_LAST_REPLY)
        if isinstance(last, dict) and last.get("mail") == self.mail.name and self.request.method == "GET":
            del self.request.session[SESSION_LAST_REPLY]
        else:
            last = None
        return {
            **super().get_context_data(**kwargs),
            "mail": self.mail,
            "customer": customer_address(self.mail),
            "last_reply": last,
        }
