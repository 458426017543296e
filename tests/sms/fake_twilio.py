"""A local server that speaks Twilio's Messages API, for tests: ``POST /2010-04-01/Accounts/{Sid}/Messages.json``.

It checks HTTP basic auth and the form fields as Twilio does, records every accepted message, answers
201 with ``{"sid": "SM…", "status": "queued", …}``, can be told to fail the next requests with a
Twilio error code (or an HTTP status without a JSON body), and can POST signed status callbacks and
inbound texts to a URL, like Twilio does.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import requests

from sms.signature import twilio_signature

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token"
FROM_NUMBER = "+15005550006"

# What Twilio answers for the failures a test asks for: (HTTP status, message).
ERRORS: dict[int, tuple[int, str]] = {
    21211: (400, "The 'To' number is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    20003: (401, "Authentication Error - invalid username"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
}


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    messaging_service_sid: str
    body: str
    status_callback: str


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[SentMessage] = field(default_factory=list)
    # Error codes to answer with, one per request, before accepting again.
    fail_with: list[int] = field(default_factory=list)
    # Seconds to wait before answering (to test client timeouts).
    delay: float = 0.0
    requests_seen: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def sms_url(self) -> str:
        """An SMS_URL pointing at this server."""
        return (
            f"twilio+http://{self.account_sid}:{quote(self.auth_token, safe='')}@127.0.0.1:{self.port}"
            f"?from={quote(FROM_NUMBER, safe='')}&timeout=2"
        )

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                self._answer(405, {"code": 20004, "message": "Method not allowed", "status": 405})

            def _answer(self, status: int, payload: dict[str, Any] | None, raw: bytes | None = None) -> None:
                body = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if raw is None else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except BrokenPipeError:  # the client gave up (timeout tests)
                    return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, handler: Any) -> None:
        import time

        with self._lock:
            self.requests_seen += 1
        if self.delay:
            time.sleep(self.delay)
        expected_auth = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if handler.headers.get("Authorization") != expected_auth:
            handler._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        if handler.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            handler._answer(
                404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
            )
            return
        if handler.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            handler._answer(400, {"code": 21601, "message": "Form-encoded body expected", "status": 400})
            return
        length = int(handler.headers.get("Content-Length") or 0)
        form = {key: values[0] for key, values in parse_qs(handler.rfile.read(length).decode()).items()}
        with self._lock:
            failure = self.fail_with.pop(0) if self.fail_with else None
        if failure is not None:
            if failure not in ERRORS:
                handler._answer(failure, None, raw=b"<html>Bad gateway</html>")
                return
            status, message = ERRORS[failure]
            handler._answer(status, {"code": failure, "message": message, "more_info": "", "status": status})
            return
        refusal = _refusal(form)
        if refusal is not None:
            code, message_text = refusal
            handler._answer(400, {"code": code, "message": message_text, "status": 400})
            return
        message = SentMessage(
            sid="SM" + uuid.uuid4().hex,
            to=form["To"],
            from_=form.get("From", ""),
            messaging_service_sid=form.get("MessagingServiceSid", ""),
            body=form["Body"],
            status_callback=form.get("StatusCallback", ""),
        )
        with self._lock:
            self.messages.append(message)
        handler._answer(
            201,
            {
                "sid": message.sid,
                "account_sid": self.account_sid,
                "to": message.to,
                "from": message.from_,
                "body": message.body,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
            },
        )

    def signed_post(
        self, url: str, params: dict[str, str], *, sign_url: str | None = None
    ) -> requests.Response:
        """POST a form to ``url`` as Twilio does, signed for ``sign_url`` (default ``url``)."""
        signature = twilio_signature(self.auth_token, sign_url or url, {k: [v] for k, v in params.items()})
        return requests.post(
            url,
            data=urlencode(params),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )

    def report_status(
        self, message: SentMessage, status: str, *, error_code: str = "", url: str | None = None
    ) -> requests.Response:
        """Call the message's status callback (or ``url``: the same path on another host)."""
        params = {
            "AccountSid": self.account_sid,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": message.to,
            "From": message.from_,
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return self.signed_post(url or message.status_callback, params)


def _refusal(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's 400 answer (code, message) for a form it would not accept, or None."""
    to = form.get("To", "")
    if not to:
        return 21604, "A 'To' phone number is required."
    if not to.startswith("+") or not to[1:].isdigit():
        return 21211, ERRORS[21211][1]
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return 21603, "A 'From' phone number is required."
    if not form.get("Body"):
        return 21602, "Message body is required."
    return None
