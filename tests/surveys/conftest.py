from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures for the browser tests here
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.conftest import DEFINITION  # noqa: F401 - kept importable from here
