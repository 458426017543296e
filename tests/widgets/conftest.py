# The real-Chromium fixtures (page, login, axe, browser_issues...) for test_browser.py in this folder.
from tests.browser.conftest import (  # noqa: F401
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
