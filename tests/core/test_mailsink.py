import re
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

import pytest
from django.core import mail

from core.mailsink import MailSink
from tests.mail import smtp_sink  # noqa: F401  (the fixture, until tests/conftest.py imports it)


def _message(subject="Hello", to="jane@example.test"):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "shop@example.test"
    message["To"] = to
    message.set_content("Thank you for your feedback.\n")
    return message


def test_django_email_reaches_the_sink_over_smtp(smtp_sink):  # noqa: F811
    sent = mail.send_mail(
        "Your ticket #12", "We are on it.", "Acme <support@acme.test>", ["jane@example.test"]
    )

    received = smtp_sink.wait_for(1, timeout=5)

    assert sent == 1
    assert len(received) == 1
    message = received[0]
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Your ticket #12"
    assert message["From"] == "Acme <support@acme.test>"
    assert message["To"] == "jane@example.test"
    assert message["X-MailFrom"] == "support@acme.test"
    assert message["X-RcptTo"] == "jane@example.test"
    assert message.get_body(preferencelist=("plain",)).get_content() == "We are on it.\n"


def test_html_alternative_unicode_and_bcc_recipients_are_kept(smtp_sink):  # noqa: F811
    email = mail.EmailMultiAlternatives(
        subject="[Alert] Détracteur: NPS 3 from Иван",
        body="Ivan gave 3.",
        from_email="alerts@acme.test",
        to=["manager@acme.test"],
        bcc=["audit@acme.test"],
    )
    email.attach_alternative("<p>Ivan gave <b>3</b>.</p>", "text/html")
    email.send()

    (message,) = smtp_sink.wait_for(1, timeout=5)

    assert message["Subject"] == "[Alert] Détracteur: NPS 3 from Иван"
    assert message["X-RcptTo"] == "manager@acme.test, audit@acme.test"
    assert "Bcc" not in message
    assert message.get_body(preferencelist=("html",)).get_content() == "<p>Ivan gave <b>3</b>.</p>"


def test_wait_for_times_out_with_what_arrived(smtp_sink):  # noqa: F811
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message())

    with pytest.raises(TimeoutError, match=r"received 1 message\(s\), expected 2 within 0.2 s"):
        smtp_sink.wait_for(2, timeout=0.2)


def test_clear_forgets_the_messages(smtp_sink):  # noqa: F811
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message("one"))
    smtp_sink.wait_for(1, timeout=5)

    smtp_sink.clear()
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_message("two"))

    assert [m["Subject"] for m in smtp_sink.wait_for(1, timeout=5)] == ["two"]


def test_with_a_directory_each_message_is_one_eml_file(tmp_path):
    with MailSink(directory=tmp_path / "mail") as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.send_message(_message("first"))
            client.send_message(_message("second", to="tom@example.test"))
        sink.wait_for(2, timeout=5)

    files = sorted((tmp_path / "mail").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    assert all(re.fullmatch(r"\d{8}T\d{12}-[0-9a-f]{8}\.eml", f.name) for f in files)
    texts = [f.read_bytes() for f in files]
    assert [b"Subject: first" in texts[0], b"Subject: second" in texts[1]] == [True, True]
    assert texts[1].startswith(b"X-MailFrom: shop@example.test\r\nX-RcptTo: tom@example.test\r\n")


def test_a_stopped_sink_refuses_connections():
    sink = MailSink().start()
    port = sink.port
    sink.stop()

    with pytest.raises(OSError):  # noqa: PT011 - refused or reset, depending on timing
        smtplib.SMTP("127.0.0.1", port, timeout=2)


def _start_cli(directory, port="0"):
    return subprocess.Popen(
        [sys.executable, "-m", "core.mailsink", "--dir", str(directory), "--port", port],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_command_line_sink_writes_files_and_stops_on_sigterm(tmp_path):
    process = _start_cli(tmp_path / "mail")
    first_line = process.stdout.readline()
    port = int(re.search(r"smtp://127\.0\.0\.1:(\d+)", first_line).group(1))

    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(_message("From the run"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not list((tmp_path / "mail").glob("*.eml")):
        time.sleep(0.05)
    announced = process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=10)

    assert code == 0
    assert announced == "mailsink: “From the run” to jane@example.test\n"
    (stored,) = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: From the run" in stored.read_bytes()


def test_command_line_sink_explains_a_busy_port(tmp_path):
    with MailSink() as taken:
        process = _start_cli(tmp_path, str(taken.port))
        _out, err = process.communicate(timeout=10)

    assert process.returncode == 1
    assert err.startswith(f"mailsink: cannot listen on 127.0.0.1:{taken.port}:")
