"""The development mailbox at /dev/mail/ (core.devmail), fed by a real SMTP sink writing .eml files."""

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest
from django.core import mail as django_mail
from django.urls import include, path

from core.devmail import customer_reply_build, mailbox_read, message_text_and_links, reply_token_of
from core.mailsink import MailSink

# This module is also the URL configuration of its tests: the lead mounts /dev/mail/ only when
# DEV_MAILBOX_DIR is set, which it is not when cxplatform.urls is imported for the test run. Only the
# pages the layout links to are added, plus the ticket page the reply links to.
urlpatterns = [
    path("dev/mail/", include("core.urls_devmail")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls_user")),
    path("o/<slug:org_slug>/tickets/", include("tickets.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_devmail")]

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def mailbox(tmp_path, settings):
    """A sink writing into a folder the mailbox page reads, with Django's SMTP backend pointed at it."""
    directory = tmp_path / "mail"
    with MailSink(directory=directory) as sink:
        settings.DEV_MAILBOX_DIR = str(directory)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = sink.host
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        sink.directory_path = directory
        yield sink


def _ticket_reply(subject="Re: your feedback [#41]", body="Hi Jane,\n\nSorry about the parcel.\n"):
    message = django_mail.EmailMessage(
        subject=subject,
        body=body + "Track it: https://shop.example.test/track/41.\n",
        from_email="Demo Retail <no-reply@localhost>",
        to=["Jane Doe <jane@example.test>"],
        reply_to=[f"reply+{TOKEN}@localhost"],
        headers={"Message-ID": "<agent-reply-41@cx.test>", "References": "<earlier@cx.test>"},
    )
    message.send()


def _only_name(sink):
    sink.wait_for(1, timeout=5)
    (path_,) = sink.directory_path.glob("*.eml")
    return path_.name


def test_lists_messages_newest_first_with_subject_recipient_and_date(mailbox, client_for, viewer):
    django_mail.send_mail("First", "one", "a@cx.test", ["one@example.test"])
    django_mail.send_mail("Second", "two", "a@cx.test", ["two@example.test"])
    mailbox.wait_for(2, timeout=5)

    response = client_for(viewer).get("/dev/mail/")

    assert response.status_code == 200
    summaries = [(m.subject, m.to) for m in response.context["mails"]]
    assert summaries == [("Second", "two@example.test"), ("First", "one@example.test")]
    assert all(m.date is not None for m in response.context["mails"])
    assert b"Development mailbox" in response.content


def test_empty_mailbox_says_so(mailbox, client_for, viewer):
    response = client_for(viewer).get("/dev/mail/")

    assert response.status_code == 200
    assert response.context["mails"] == []
    assert b"No email sent yet." in response.content


def test_shows_one_message_as_text_with_its_links_and_the_reply_form(mailbox, client_for, viewer):
    _ticket_reply()
    name = _only_name(mailbox)

    response = client_for(viewer).get(f"/dev/mail/{name}/")

    assert response.status_code == 200
    shown = response.context["mail"]
    assert shown.subject == "Re: your feedback [#41]"
    assert shown.to == "Jane Doe <jane@example.test>"
    assert shown.reply_token == TOKEN
    assert shown.links == ["https://shop.example.test/track/41"]
    html = response.content.decode()
    assert "Sorry about the parcel." in html
    assert '<a href="https://shop.example.test/track/41" rel="noreferrer noopener">' in html
    assert "Reply as the customer" in html
    assert 'name="body"' in html


def test_a_message_without_reply_address_has_no_reply_form(mailbox, client_for, viewer):
    django_mail.send_mail("Reset your password", "Click", "a@cx.test", ["one@example.test"])
    name = _only_name(mailbox)

    client = client_for(viewer)
    page = client.get(f"/dev/mail/{name}/")
    post = client.post(f"/dev/mail/{name}/", {"body": "hello"})

    assert page.status_code == 200
    assert b"Reply as the customer" not in page.content
    assert post.status_code == 404


def test_html_only_message_is_shown_as_text_and_only_web_links_are_offered(mailbox, client_for, viewer):
    message = django_mail.EmailMessage(
        "Digest",
        '<h1>Alerts</h1><p>NPS 2 <a href="https://cx.test/r/1">open</a></p>'
        '<script>alert(1)</script><a href="javascript:alert(1)">x</a>',
        "a@cx.test",
        ["one@example.test"],
    )
    message.content_subtype = "html"
    message.send()
    name = _only_name(mailbox)

    response = client_for(viewer).get(f"/dev/mail/{name}/")

    shown = response.context["mail"]
    assert shown.text == "Alerts\n\nNPS 2 open\nx"
    assert shown.links == ["https://cx.test/r/1"]
    assert b"<script>" not in response.content
    assert b"javascript:" not in response.content


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fetc%2Fpasswd", ".hidden.eml", "missing.eml", "notes.txt", "%2Fetc%2Fpasswd.eml"],
)
def test_unknown_or_unsafe_names_are_404(mailbox, client_for, viewer, name, tmp_path):
    (tmp_path / "notes.txt").write_text("secret")
    (mailbox.directory_path).mkdir(parents=True, exist_ok=True)
    (mailbox.directory_path / ".hidden.eml").write_text("Subject: hidden\n\nx")

    response = client_for(viewer).get(f"/dev/mail/{name}/")

    assert response.status_code == 404


def test_reading_refuses_paths_outside_the_folder(tmp_path):
    (tmp_path / "outside.eml").write_text("Subject: outside\n\nx")
    inner = tmp_path / "mail"
    inner.mkdir()

    assert mailbox_read(inner, "../outside.eml") is None
    assert mailbox_read(inner, "outside.eml") is None


def test_anonymous_visitors_are_sent_to_sign_in(mailbox, client):
    response = client.get("/dev/mail/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_switched_off_mailbox_is_404_for_everyone(settings, client, client_for, viewer):
    settings.DEV_MAILBOX_DIR = ""

    assert client.get("/dev/mail/").status_code == 404
    assert client_for(viewer).get("/dev/mail/").status_code == 404
    assert client_for(viewer).get("/dev/mail/20260101T000000000000-abcd1234.eml/").status_code == 404


def test_the_page_keeps_our_csp(mailbox, client_for, viewer):
    _ticket_reply()
    name = _only_name(mailbox)

    response = client_for(viewer).get(f"/dev/mail/{name}/")

    assert "script-src" in response["Content-Security-Policy"]
    assert b"srcdoc" not in response.content
    assert b"style=" not in response.content


def _stored(raw_message):
    from core.devmail import StoredMail

    text, links = message_text_and_links(raw_message)
    return StoredMail(
        name="x.eml",
        message=raw_message,
        subject=str(raw_message["Subject"]),
        sender=str(raw_message["From"]),
        to=str(raw_message["To"]),
        reply_to=str(raw_message["Reply-To"]),
        date=raw_message["Date"].datetime,
        text=text,
        links=links,
        attachments=[],
        reply_token=reply_token_of(raw_message),
    )


def _original():
    message = EmailMessage()
    message["Subject"] = "Your feedback [#41]"
    message["From"] = "Tom Baker <no-reply@localhost>"
    message["To"] = "Jane Doe <jane@example.test>"
    message["Reply-To"] = f"reply+{TOKEN}@localhost"
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = "<agent-reply-41@cx.test>"
    message["References"] = "<earlier@cx.test>"
    message.set_content("Hi Jane,\n\nWe are sorry.\n")
    return message


def test_the_customer_reply_is_a_threaded_mime_reply_quoting_the_original():
    original = _stored(_original())

    reply = customer_reply_build(
        original=original, body="  Thanks, it arrived today.  ", now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    )

    assert reply["From"] == "Jane Doe <jane@example.test>"
    assert reply["To"] == f"reply+{TOKEN}@localhost"
    assert reply["Subject"] == "Re: Your feedback [#41]"
    assert reply["In-Reply-To"] == "<agent-reply-41@cx.test>"
    assert reply["References"] == "<earlier@cx.test> <agent-reply-41@cx.test>"
    assert reply["Date"] == "Mon, 23 Nov 2026 12:00:00 +0000"
    assert reply["Message-ID"].endswith("@example.test>")
    assert reply.get_content() == (
        "Thanks, it arrived today.\n\n"
        "On Mon, 23 Nov 2026 10:00:00 +0000, Tom Baker wrote:\n"
        "> Hi Jane,\n>\n> We are sorry.\n"
    )
    assert reply.as_bytes(policy=policy.SMTP).count(b"\r\n") > 5


def test_a_reply_to_a_reply_keeps_one_re_prefix():
    original = _original()
    original.replace_header("Subject", "Re: Your feedback [#41]")

    reply = customer_reply_build(original=_stored(original), body="ok")

    assert reply["Subject"] == "Re: Your feedback [#41]"


# --- the whole loop: an agent's reply reaches the sink, the customer answers from the page -------------


@pytest.fixture
def ticket_with_reply(organization, make_member, mailbox):
    from accounts.roles import Role
    from core.tenancy import organization_context
    from tests import factories
    from tickets.services.messages import reply_send, ticket_reply
    from tickets.services.opening import ticket_open_for_response

    agent = make_member(organization, Role.AGENT, email="agent@acme.test", name="Tom Baker")
    contact = factories.ContactFactory(organization=organization, email="jane@example.test", name="Jane Doe")
    response = factories.ResponseFactory(organization=organization, contact=contact, nps=3)
    with organization_context(organization):
        ticket, _created = ticket_open_for_response(response=response)
        outgoing = ticket_reply(ticket=ticket, actor=agent, body="Hi Jane, sorry about the parcel.")
        reply_send(message_id=outgoing.pk)
    mailbox.wait_for(1, timeout=5)
    return ticket


def test_reply_as_the_customer_threads_the_reply_into_the_ticket(
    ticket_with_reply, mailbox, client_for, viewer
):
    from tickets.models import MessageKind, TicketMessage

    ticket = ticket_with_reply
    name = _only_name(mailbox)
    client = client_for(viewer)
    page = client.get(f"/dev/mail/{name}/")
    assert page.context["mail"].reply_token == ticket.reply_token

    posted = client.post(f"/dev/mail/{name}/", {"body": "Thanks, it arrived today."})
    after = client.get(f"/dev/mail/{name}/")
    again = client.get(f"/dev/mail/{name}/")

    assert posted.status_code == 302
    assert posted["Location"] == f"/dev/mail/{name}/"
    inbound = TicketMessage.all_orgs.get(ticket=ticket, kind=MessageKind.INBOUND)
    assert inbound.body == "Thanks, it arrived today."
    assert inbound.from_email == "jane@example.test"
    assert after.context["last_reply"] == {
        "mail": name,
        "ticket": ticket.pk,
        "url": f"/o/acme/tickets/{ticket.pk}/",
    }
    assert f'href="/o/acme/tickets/{ticket.pk}/"' in after.content.decode()
    assert again.context["last_reply"] is None


def test_a_reply_to_an_unknown_ticket_is_refused_on_the_form(mailbox, client_for, viewer):
    _ticket_reply()  # its reply token belongs to no ticket
    name = _only_name(mailbox)

    response = client_for(viewer).post(f"/dev/mail/{name}/", {"body": "Hello?"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The ticket did not accept the reply: No ticket has this reply address."
    ]


def test_an_empty_reply_is_a_form_error(mailbox, client_for, viewer):
    _ticket_reply()
    name = _only_name(mailbox)

    response = client_for(viewer).post(f"/dev/mail/{name}/", {"body": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"body": ["This field is required."]}
