"""A local SMTP server that keeps every message instead of delivering it (aiosmtpd on loopback).

Two uses:

- tests start one in-process (``MailSink()`` on 127.0.0.1, a free port) and read ``sink.messages``
  (see the ``smtp_sink`` fixture in ``tests/mail.py``), so email goes through Django's real SMTP backend;
- ``make run`` runs ``python -m core.mailsink --dir var/mail --port N``: each message becomes one ``.eml``
  file in that folder, shown at ``/dev/mail/`` (``core.devmail``).

It never relays anything and listens on loopback only. The envelope (which is not in the headers for Bcc
recipients) is kept as ``X-MailFrom`` and ``X-RcptTo`` headers added on top, like aiosmtpd's own
``Message`` handler does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import FrameType, TracebackType

from aiosmtpd.smtp import SMTP, Envelope, Session

_PARSER = BytesParser(policy=policy.default)


def _header_safe(value: str) -> bytes:
    return value.replace("\r", " ").replace("\n", " ").encode("utf-8", "replace")


def with_envelope(raw: bytes, *, mail_from: str, rcpt_tos: list[str]) -> bytes:
    """The message as received, with the SMTP envelope in two headers on top."""
    ending = b"\r\n" if b"\r\n" in raw[:1000] else b"\n"
    return (
        b"X-MailFrom: "
        + _header_safe(mail_from)
        + ending
        + b"X-RcptTo: "
        + _header_safe(", ".join(rcpt_tos))
        + ending
        + raw
    )


def parse_message(raw: bytes) -> EmailMessage:
    """The message with Python's line endings, so that bodies read back exactly as they were written."""
    message = _PARSER.parsebytes(raw.replace(b"\r\n", b"\n"))
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    return message


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        self.sink.receive(
            with_envelope(raw, mail_from=str(envelope.mail_from or ""), rcpt_tos=list(envelope.rcpt_tos))
        )
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server in a background thread that keeps what it receives.

    ``port=0`` picks a free port; read ``sink.port`` after ``start()``. With ``directory`` each message is
    also written there as ``<UTC time>-<random>.eml``, so the newest sorts last by name.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Path | str | None = None,
        keep_in_memory: bool = True,
        on_message: Callable[[EmailMessage], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.directory = Path(directory) if directory is not None else None
        self.keep_in_memory = keep_in_memory
        self.on_message = on_message
        self.messages: list[EmailMessage] = []
        self.received = 0
        self._condition = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- receiving ---------------------------------------------------------------------------------

    def receive(self, raw: bytes) -> EmailMessage:
        message = parse_message(raw)
        if self.directory is not None:
            self._write(raw)
        with self._condition:
            self.received += 1
            if self.keep_in_memory:
                self.messages.append(message)
            self._condition.notify_all()
        if self.on_message is not None:
            self.on_message(message)
        return message

    def _write(self, raw: bytes) -> Path:
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        final = self.directory / name
        # Written aside and renamed, so that the mailbox page never reads half a message.
        partial = self.directory / f".{name}.part"
        partial.write_bytes(raw)
        os.replace(partial, final)
        return final

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived; returns them. Raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self.received < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"the SMTP sink received {self.received} message(s), expected {count} "
                        f"within {timeout:g} s"
                    )
                self._condition.wait(left)
            return list(self.messages)

    def clear(self) -> None:
        with self._condition:
            self.messages.clear()
            self.received = 0

    # --- running ---------------------------------------------------------------------------------

    def start(self) -> MailSink:
        if self._thread is not None:
            raise RuntimeError("the SMTP sink is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                server = loop.run_until_complete(
                    loop.create_server(
                        lambda: SMTP(_Handler(self), enable_SMTPUTF8=True, hostname="mailsink.local"),
                        host=self.host,
                        port=self.port,
                    )
                )
            except BaseException as exc:  # reported to start() in the caller's thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            self.port = int(server.sockets[0].getsockname()[1])
            ready.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                loop.run_until_complete(server.wait_closed())
                loop.close()

        thread = threading.Thread(target=run, name="mailsink", daemon=True)
        thread.start()
        ready.wait(10)
        if failure:
            thread.join()
            raise failure[0]
        self._loop, self._thread = loop, thread
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop, self._thread = None, None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.mailsink",
        description="A local SMTP server that writes every message it receives to a folder (never relays).",
    )
    parser.add_argument("--dir", type=Path, required=True, help="folder for the .eml files")
    parser.add_argument("--port", type=int, default=1025, help="port to listen on (default 1025)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    args = parser.parse_args(argv)

    def announce(message: EmailMessage) -> None:
        print(f"mailsink: “{message['Subject']}” to {message['To']}", flush=True)

    sink = MailSink(
        host=args.host, port=args.port, directory=args.dir, keep_in_memory=False, on_message=announce
    )
    stopped = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        sink.start()
    except OSError as exc:
        print(f"mailsink: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr, flush=True)
        return 1
    print(
        f"mailsink: listening on smtp://{args.host}:{sink.port}, writing messages to {args.dir}",
        flush=True,
    )
    stopped.wait()
    sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
