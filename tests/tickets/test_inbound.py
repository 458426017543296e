"""Parsing customers' emailed replies: real-world MIME shapes."""

from __future__ import annotations

import base64

import pytest

from tickets.inbound import InboundRejected, parse_inbound

TOKEN = "0123456789abcdef0123456789abcdef"

GMAIL_ALTERNATIVE = f"""\
Delivered-To: reply+{TOKEN}@inbound.example.com
From: Jane Doe <jane@example.net>
To: "Acme Support" <reply+{TOKEN}@inbound.example.com>
Subject: Re: NPS 3 from Jane Doe [#42]
Message-ID: <CAF=abc123@mail.gmail.com>
In-Reply-To: <171.42.7@inbound.example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000b1"

--000000000000b1
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Thanks, the replacement arrived =E2=80=94 all good now.

On Mon, 3 Jun 2024 at 10:00, Acme Support <no-reply@example.com>
wrote:

> Sorry about the delay.
> A replacement is on its way.

--000000000000b1
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Thanks, the replacement arrived =E2=80=94 all good now.</div>=
<div class=3D"gmail_quote">On Mon wrote:<blockquote>Sorry</blockquote></div>

--000000000000b1--
""".encode()

OUTLOOK_HTML_ONLY_BASE64 = (
    f'From: "Smith, Bob" <bob@corp.example>\r\n'
    f"To: reply+{TOKEN.upper()}@inbound.example.com\r\n"
    f"Subject: RE: Your feedback\r\n"
    f"Message-ID: <DB9PR01MB@outlook.com>\r\n"
    f'Content-Type: text/html; charset="utf-8"\r\n'
    f"Content-Transfer-Encoding: base64\r\n\r\n"
).encode() + base64.encodebytes(
    b"<html><head><style>p {color: red}</style></head><body>"
    b"<p>Still waiting for my refund&nbsp;&amp; nobody called.</p>"
    b"<p>Bob</p>"
    b"<hr><p><b>From:</b> Acme &lt;no-reply@example.com&gt;<br><b>Sent:</b> Monday, June 3, 2024 10:00<br>"
    b"<b>To:</b> Bob<br><b>Subject:</b> Your feedback</p><p>Sorry about the delay.</p>"
    b"</body></html>"
)

OUTLOOK_PLAIN = f"""\
From: bob@corp.example
To: someone@else.example
Cc: reply+{TOKEN}@inbound.example.com
Subject: RE: Your feedback
Message-ID: <AM0PR@outlook.com>
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: 8bit

Caf\xe9 was closed \x96 again.

-----Original Message-----
From: Acme <no-reply@example.com>
Sent: Monday, June 3, 2024 10:00
To: Bob
Subject: Your feedback

Sorry about the delay.
""".encode("latin-1")

OUTLOOK_FROM_SENT = f"""\
From: Olga <olga@example.ru>
To: reply+{TOKEN}@inbound.example.com
Subject: =?koi8-r?B?8MnT2M3P?=
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: 8bit

{"Спасибо, всё решилось."}

________________________________
From: Acme <no-reply@example.com>
Sent: Monday, June 3, 2024 10:00
Subject: Your feedback
""".encode("koi8-r")

SIGNATURE = (
    "From: Ann <ann@example.org>\n"
    f"To: reply+{TOKEN}@inbound.example.com\n"
    "Message-ID: <sig@example.org>\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "Yes, please call me tomorrow.\n\n-- \nAnn Example\nHead of Things\n"
).encode()

_RUSSIAN_TEXT = "Всё ещё жду ответа.\n\nчт, 3 июн. 2024 г. в 10:00, Acme написал(а):\n> Извините\n"
RUSSIAN_GMAIL = (
    f"From: =?utf-8?B?0JjQstCw0L0=?= <ivan@example.ru>\n"
    f"To: reply+{TOKEN}@inbound.example.com\n"
    "Message-ID: <ru@example.ru>\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n\n"
).encode() + base64.encodebytes(_RUSSIAN_TEXT.encode())


def test_gmail_multipart_alternative_quoted_printable():
    mail = parse_inbound(GMAIL_ALTERNATIVE)

    assert (mail.token, mail.from_email, mail.from_name, mail.message_id, mail.in_reply_to) == (
        TOKEN,
        "jane@example.net",
        "Jane Doe",
        "<CAF=abc123@mail.gmail.com>",
        "<171.42.7@inbound.example.com>",
    )
    assert mail.body == "Thanks, the replacement arrived — all good now."


def test_outlook_html_only_base64_falls_back_to_stripped_html():
    mail = parse_inbound(OUTLOOK_HTML_ONLY_BASE64)

    assert (mail.token, mail.from_email, mail.from_name) == (TOKEN, "bob@corp.example", "Smith, Bob")
    assert mail.body == "Still waiting for my refund & nobody called.\n\nBob"


def test_windows_1252_plain_text_with_original_message_separator():
    mail = parse_inbound(OUTLOOK_PLAIN)

    assert (mail.token, mail.body) == (TOKEN, "Café was closed – again.")


def test_koi8_r_body_and_outlook_from_sent_block():
    mail = parse_inbound(OUTLOOK_FROM_SENT)

    assert (mail.body, mail.subject) == ("Спасибо, всё решилось.", "Письмо")
    assert mail.message_id.endswith("@inbound.invalid>")


def test_signature_is_removed():
    assert parse_inbound(SIGNATURE).body == "Yes, please call me tomorrow."


def test_russian_client_quote_header_is_removed():
    assert parse_inbound(RUSSIAN_GMAIL).body.startswith("Всё ещё жду ответа.")
    assert "Извините" not in parse_inbound(RUSSIAN_GMAIL).body


def test_same_bytes_without_message_id_get_the_same_synthetic_id():
    assert parse_inbound(OUTLOOK_FROM_SENT).message_id == parse_inbound(OUTLOOK_FROM_SENT).message_id


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "unparseable"),
        (b"\x00\xff\xfe garbage without headers", "unparseable"),
        (b"Subject: hi\r\n\r\nno addresses", "unparseable"),
        (b"From: a@b.example\r\nTo: support@b.example\r\n\r\nhello", "no_token"),
        (b"From: a@b.example\r\nTo: reply+short@b.example\r\n\r\nhello", "no_token"),
    ],
)
def test_bad_messages_raise_inbound_rejected(raw, reason):
    with pytest.raises(InboundRejected) as caught:
        parse_inbound(raw)

    assert caught.value.reason == reason


def test_unknown_charset_and_broken_headers_still_give_the_text():
    raw = (
        b"From: =?bogus?Q?broken <a@b.example>\r\nTo: reply+" + TOKEN.encode() + b"@x\r\n"
        b"Content-Type: text/plain; charset=nonexistent-9\r\n\r\nhello \xff there"
    )

    mail = parse_inbound(raw)

    assert (mail.token, mail.body) == (TOKEN, "hello \xff there")
