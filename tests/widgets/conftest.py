"""The real-Chromium fixtures (page, login, axe, browser_issues...) for the browser tests in this folder,
and what the widget's browser tests share: a third-party site embedding the snippet, a manager."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accounts.models import Membership
from tests import factories
from tests.browser.conftest import (  # noqa: F401
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.widgets.host_site import HostSite, serve

KEY = "cx_pk_hostsitetest"
SURVEY_HOST = "#cx-widget-host"
BUTTON_HOST = "#cx-button-host"


@pytest.fixture
def manager_member(organization: Any, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, role="owner")


@pytest.fixture
def host(live_server: Any, organization: Any) -> Iterator[HostSite]:
    """The third-party site (another origin, a strict CSP), and its Site with the key ``KEY``."""
    site = HostSite(api=live_server.url, key=KEY)
    for running in serve(site):
        factories.SiteFactory(organization=organization, name="Shop", public_key=KEY, origins=[running.url])
        yield running
