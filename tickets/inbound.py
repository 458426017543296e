"""Reading a customer's emailed reply: which ticket, who, which message, and the new text only.

``parse_inbound`` never raises anything but ``InboundRejected``: a mail relay posts whatever arrives,
and a malformed message must be refused with a reason rather than crash the endpoint.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Forwarded-To")
_TOKEN = re.compile(r"^reply\+([a-z0-9]{16,40})@", re.IGNORECASE)
BODY_LIMIT = 50_000


class InboundRejected(Exception):
    """The message cannot be threaded. ``reason``: "unparseable", "no_token", "unknown_token"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundMail:
    token: str
    from_email: str
    from_name: str
    message_id: str
    in_reply_to: str
    subject: str
    body: str
    auto_submitted: bool


# --- text ---------------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """HTML to text: blocks become lines; scripts, styles and quoted blocks are dropped."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"})
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(value or "" for name, value in attrs if name == "class")
        if tag in self._SKIP:
            self._skip += 1
        elif tag in ("blockquote", "div") and (
            tag == "blockquote" or "gmail_quote" in classes or self._quote
        ):
            self._quote += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in ("blockquote", "div") and self._quote:
            self._quote -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._quote:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A line that starts the quoted previous message, or the signature.
_QUOTE_STARTS = [
    re.compile(
        r"^-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|исходное сообщение)\s*-{2,}",
        re.I,
    ),
    re.compile(r"^_{10,}\s*$"),
    re.compile(
        r"^(on|le|am|el|il|op)\s.{0,200}(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:?\s*$", re.I
    ),
    re.compile(r"^.{0,200}(написал|написала|пишет)\(?а?\)?\s*:\s*$", re.I),
    re.compile(r"^-- ?$"),
    re.compile(r"^sent from my \w+", re.I),
    re.compile(r"^(отправлено|envoyé) (с|de) ", re.I),
]
_HEADER_BLOCK = re.compile(r"^\*?(from|von|de|от)\s*:\*?\s", re.I)
_HEADER_NEXT = re.compile(r"^\*?(sent|date|gesendet|envoyé|отправлено|to|subject|an|à|кому)\s*:\*?", re.I)
_WRAPPED_ON = re.compile(r"^(on|le|am)\s", re.I)
_WRAPPED_WROTE = re.compile(r"(wrote|a écrit|schrieb)\s*:\s*$", re.I)


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the quoted previous message and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, raw in enumerate(lines):
        line = raw.strip()
        if any(pattern.match(line) for pattern in _QUOTE_STARTS):
            cut = index
            break
        # Gmail wraps a long "On <date>, <name> <address> wrote:" over two lines.
        if (
            _WRAPPED_ON.match(line)
            and index + 1 < len(lines)
            and _WRAPPED_WROTE.search(lines[index + 1].strip())
        ):
            cut = index
            break
        # Outlook: "From: ..." followed within two lines by "Sent: ..." / "Date: ..." / "To: ...".
        if _HEADER_BLOCK.match(line) and any(
            _HEADER_NEXT.match(following.strip()) for following in lines[index + 1 : index + 3]
        ):
            cut = index
            break
        if line.startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[index:]
        ):
            cut = index
            break
    kept = "\n".join(lines[:cut]).strip()
    return re.sub(r"\n{3,}", "\n\n", kept)[:BODY_LIMIT]


def _decode(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError, AttributeError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        # An unknown charset: UTF-8 when the bytes are valid UTF-8, else Latin-1 (never fails).
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("latin-1")


def _first_part(message: Message, subtype: str) -> Message | None:
    for part in message.walk():
        if (
            part.is_multipart()
            or part.get_content_maintype() != "text"
            or part.get_content_subtype() != subtype
        ):
            continue
        if (part.get("Content-Disposition") or "").strip().lower().startswith("attachment"):
            continue
        return part
    return None


def message_text(message: Message) -> str:
    """The text of the message: text/plain preferred, else the HTML made plain."""
    plain = _first_part(message, "plain")
    if plain is not None:
        text = _decode(plain)
        if text.strip():
            return text
    html = _first_part(message, "html")
    if html is not None:
        return html_to_text(_decode(html))
    return ""


# --- headers -------------------------------------------------------------------------------------------


def _header(message: Message, name: str) -> list[str]:
    try:
        return [str(value) for value in message.get_all(name) or []]
    except Exception:  # a malformed header the email package cannot even fold
        return []


def find_token(message: Message) -> str | None:
    for name in ADDRESS_HEADERS:
        for _display, address in getaddresses(_header(message, name)):
            match = _TOKEN.match(address.strip())
            if match:
                return match.group(1).lower()
    return None


def _message_id(value: str) -> str:
    value = value.strip()
    match = re.search(r"<[^<>\s]+>", value)
    return (match.group(0) if match else value)[:255]


def parse_inbound(raw: bytes) -> InboundMail:
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise InboundRejected("unparseable", "The message is empty.")
    try:
        message = email.message_from_bytes(bytes(raw), policy=policy.default)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise InboundRejected("unparseable", "The message has no headers.")
        senders = _header(message, "From")
        addressed = any(_header(message, name) for name in ADDRESS_HEADERS)
        if not senders or not addressed:
            raise InboundRejected("unparseable", "The message has no sender or recipient.")
        token = find_token(message)
        if token is None:
            raise InboundRejected("no_token", "No reply address of a ticket among the recipients.")
        from_name, from_email = parseaddr(senders[0])
        message_ids = _header(message, "Message-ID")
        message_id = _message_id(message_ids[0]) if message_ids else ""
        if not message_id:
            # Without a Message-ID, the same bytes posted twice are still the same message.
            message_id = f"<{hashlib.sha256(bytes(raw)).hexdigest()}@inbound.invalid>"
        in_reply_to = _header(message, "In-Reply-To")
        subjects = _header(message, "Subject")
        auto = (_header(message, "Auto-Submitted") or ["no"])[0].strip().lower()
        body = strip_quoted(message_text(message))
    except InboundRejected:
        raise
    except Exception as exc:
        raise InboundRejected(
            "unparseable", f"The message could not be read: {type(exc).__name__}."
        ) from None
    return InboundMail(
        token=token,
        from_email=from_email.strip()[:254] if "@" in from_email else "",
        from_name=from_name.strip()[:200],
        message_id=message_id,
        in_reply_to=_message_id(in_reply_to[0]) if in_reply_to else "",
        subject=(subjects[0] if subjects else "")[:300],
        body=body,
        auto_submitted=auto not in ("", "no"),
    )
