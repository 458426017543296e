"""A third-party website for the widget's browser tests: a real HTTP server on another loopback port
(so another origin than the platform's live server), sending a strict Content-Security-Policy that names
only the platform's origin for scripts and connections, and no 'unsafe-inline' anywhere.

Pages are registered per test: ``host.page("/pricing", body="<p>…</p>", script="cx('track', 'x');")``
makes ``/pricing`` embed the snippet and its own ``/pricing.js`` (the host's JavaScript, loaded before the
snippet, with the standard queue line first).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

QUEUE_LINE = "window.cx = window.cx || function () { (window.cx.q = window.cx.q || []).push(arguments); };"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shop</title><link rel="stylesheet" href="/host.css"></head>
<body>
<header><h1>Example shop</h1></header>
<main>{body}</main>
<script src="{path}.js"></script>
{snippet}
</body>
</html>
"""

HOST_CSS = "body { font: 16px/1.5 sans-serif; margin: 0; padding: 1rem; } .tall { height: 4000px; }"


@dataclass
class HostSite:
    """The pages of the third-party site; ``url`` is its origin."""

    api: str
    key: str
    url: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    scripts: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def csp(self) -> str:
        return (
            f"default-src 'none'; script-src 'self' {self.api}; connect-src {self.api}; "
            f"style-src 'self'; img-src 'self' {self.api} data:; base-uri 'none'; form-action 'none'"
        )

    def snippet(self) -> str:
        return f'<script async src="{self.api}/static/widgets/cx.js" data-site-key="{self.key}"></script>'

    def page(
        self, path: str, *, body: str = "<p>Hello.</p>", script: str = "", snippet: str | None = None
    ) -> str:
        """Serve ``path``; ``snippet`` replaces the standard one (``""``: a page without the widget)."""
        self.pages[path] = PAGE.format(
            body=body,
            path=path.rstrip("/") or "/index",
            snippet=self.snippet() if snippet is None else snippet,
        )
        self.scripts[(path.rstrip("/") or "/index") + ".js"] = QUEUE_LINE + "\n" + script
        return self.url + path


def _handler(site: HostSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.requests.append(path)
            if path in site.pages:
                self._send(200, "text/html; charset=utf-8", site.pages[path], csp=True)
            elif path in site.scripts:
                self._send(200, "text/javascript; charset=utf-8", site.scripts[path])
            elif path == "/favicon.ico":
                self._send(204, "image/x-icon", "")
            elif path == "/host.css":
                self._send(200, "text/css; charset=utf-8", HOST_CSS)
            else:
                self._send(404, "text/plain; charset=utf-8", "not found")

        def _send(self, code: int, content_type: str, text: str, *, csp: bool = False) -> None:
            body = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if csp:
                self.send_header("Content-Security-Policy", site.csp())
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def serve(site: HostSite) -> Iterator[HostSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
