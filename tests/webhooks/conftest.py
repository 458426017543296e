"""A real HTTP receiver on loopback for webhook tests, and small helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import Membership
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer, in order; once used up, every request gets 200.
    statuses: list[int] = field(default_factory=list)
    # Seconds the first request is held before it is answered (a hung receiver, a worker killed mid-send).
    delay_first: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = state.statuses.pop(0) if state.statuses else 200
                hold = state.delay_first if len(state.requests) == 1 else 0.0
            if hold:
                time.sleep(hold)
            payload = b"boom" if status >= 400 else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/cx"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin(organization, make_member) -> Membership:
    return make_member(organization, "admin", email="admin@acme.test")


@pytest.fixture
def make_endpoint(admin):
    def make(
        url: str, events: tuple[str, ...] = ("response.created", "response.finished"), **kw
    ) -> WebhookEndpoint:
        return webhook_endpoint_create(
            organization=admin.organization,
            actor=admin,
            name=kw.pop("name", "CRM"),
            url=url,
            events=events,
            **kw,
        )

    return make
