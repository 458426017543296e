"""Real headless Chromium (the system's /usr/bin/chromium) driven by Playwright, against pytest-django's
live server. Fixtures:

- ``browser``: one Chromium for the whole run.
- ``viewport``: the window size of ``page``; override it with ``@pytest.mark.parametrize("viewport", [...])``.
- ``page``: a fresh browser context (own cookies) per test, ``base_url`` set to the live server, so
  ``page.goto("/accounts/login/")`` works. Console errors, uncaught script errors and Content Security
  Policy violations of every page it opens are collected in ``browser_issues``.
- ``login(page, live_server, user)``: signs in through the real login form.
- ``axe(page)``: runs axe-core on the current page; returns the serious and critical violations.

The live server needs ``transactional_db``: the server thread must see the test's committed rows.
Static files are served by the live server through the staticfiles finders (``static/build/`` is built
by ``node scripts/build_assets.mjs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_VIEWPORT = {"width": 1280, "height": 800}
AXE_BLOCKING_IMPACTS = ("serious", "critical")

# Runs before any script of every document: records CSP violations on window (readable by the page's
# own tests) and reports them to Python, so that violations survive navigation.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || event.documentURI}:${event.lineNumber}`;
  window.__cspViolations.push(text);
  if (typeof window.__reportCspViolation === "function") window.__reportCspViolation(text);
});
"""


@dataclass
class BrowserIssues:
    """Everything a page complained about while the test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.csp_violations]


class _SharedChromium:
    """One Playwright and one Chromium for the whole run.

    Test modules outside tests/browser/ import these fixtures by name, and each import defines its own
    session fixture; a second ``sync_playwright()`` in the same thread would fail. So every copy of the
    fixture borrows the same instance, and the last one to finish closes it.
    """

    def __init__(self) -> None:
        self.users = 0
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self._env = pytest.MonkeyPatch()

    def acquire(self) -> Playwright:
        if self.playwright is None:
            # Playwright's synchronous API keeps an asyncio loop registered on the main thread while it
            # runs, so Django's async-safety guard would refuse every ORM call of the (plain synchronous)
            # tests that follow: factories, assertions, flushing the database. Lift the guard only while
            # Playwright is running.
            self._env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            # Without it, context.set_offline() leaves a service worker's own requests online, so a test
            # of the kiosk's offline reload would pass against the network.
            self._env.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
            self.playwright = sync_playwright().start()
        self.users += 1
        return self.playwright

    def chromium(self) -> Browser:
        if self.browser is None:
            assert self.playwright is not None
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        return self.browser

    def release(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.browser = self.playwright = None
        self._env.undo()


_shared = _SharedChromium()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    yield _shared.acquire()
    _shared.release()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Browser:
    return _shared.chromium()


@pytest.fixture
def viewport() -> dict[str, int]:
    return dict(DEFAULT_VIEWPORT)


@pytest.fixture
def browser_issues() -> BrowserIssues:
    return BrowserIssues()


@pytest.fixture
def page(
    browser: Browser, live_server: Any, viewport: dict[str, int], browser_issues: BrowserIssues
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-US")  # type: ignore[arg-type]
    context.expose_binding(
        "__reportCspViolation", lambda _source, text: browser_issues.csp_violations.append(text)
    )
    context.add_init_script(CSP_RECORDER)
    new_page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            browser_issues.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: browser_issues.page_errors.append(str(error)))
    yield new_page
    context.close()


@pytest.fixture
def login() -> Callable[..., None]:
    """``login(page, live_server, user)`` signs in through the real form and waits for the next page."""

    def sign_in(page: Page, live_server: Any, user: User, password: str = DEFAULT_PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.locator("main form").get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url, timeout=10_000)

    return sign_in


@pytest.fixture
def axe(live_server: Any) -> Callable[[Page], list[dict[str, Any]]]:
    """``axe(page)`` injects axe-core into the current page and returns its serious/critical violations."""

    def run(page: Page) -> list[dict[str, Any]]:
        page.add_script_tag(url=f"{live_server.url}/static/build/axe.min.js")
        violations: list[dict[str, Any]] = page.evaluate(
            """async () => {
              const result = await window.axe.run(document, { resultTypes: ["violations"] });
              return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
              }));
            }"""
        )
        return [v for v in violations if v["impact"] in AXE_BLOCKING_IMPACTS]

    return run
