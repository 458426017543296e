from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures for the browser tests here
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
