"""The results page and a custom dashboard in real headless Chromium: no CSP violations, no script or
console errors, no serious accessibility violations, and dragging a tile saves the new order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.roles import Role
from analytics.services import rollups_rebuild
from core.tenancy import organization_context
from dashboards import services
from dashboards.models import Tile
from feedback.models import Channel
from tests import factories
from tests.browser.conftest import BrowserIssues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_page_and_dashboard_run_clean(
    page: Page,
    live_server: Any,
    login: Callable[..., None],
    axe: Callable[[Page], list[dict[str, Any]]],
    browser_issues: BrowserIssues,
) -> None:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="manager@acme.test")
    manager = factories.MembershipFactory(organization=organization, user=user, role=Role.CX_MANAGER)
    survey = factories.SurveyFactory(organization=organization, name="Checkout")
    survey.draft = {
        **survey.draft,
        "hidden_fields": ["plan"],
        "questions": [{"key": "nps", "type": "nps", "text": {"en": "Recommend us?"}}],
    }
    survey.save(update_fields=["draft"])
    for index in range(12):
        factories.ResponseFactory(
            organization=organization,
            survey=survey,
            nps=index % 11,
            channel=Channel.WEB if index % 2 else Channel.EMAIL,
            comment="<script>alert(1)</script><b>x</b>" if index == 0 else f"Comment {index}",
            received_at=timezone.now() - timedelta(days=index),
        )
    rollups_rebuild(organization=organization)
    with organization_context(organization):
        board = services.dashboard_create(
            organization=organization, actor=manager, name="Weekly", shared=True
        )
        for kind, config in (
            ("metric", {"metric": "nps"}),
            ("trend", {"metric": "nps", "interval": "day"}),
            ("breakdown", {"metric": "nps", "group_by": "channel"}),
            ("crosstab", {"metric": "nps", "rows": "channel", "columns": "language"}),
            ("themes", {"limit": 5}),
            ("feed", {"limit": 3}),
        ):
            services.tile_create(dashboard=board, actor=manager, kind=kind, config=config)
    first, second = (
        Tile.all_orgs.filter(dashboard=board).order_by("position").values_list("pk", flat=True)[:2]
    )

    login(page, live_server, user)
    page.goto(f"/o/acme/insights/results/{survey.pk}/?period=90d&compare=previous")
    assert page.locator("h1").inner_text() == "Results: Checkout"
    assert page.locator("#comment-feed").get_by_text("<script>alert(1)</script><b>x</b>").count() == 1
    results_violations = axe(page)

    page.goto(f"/o/acme/insights/dashboards/{board.pk}/")
    assert page.locator(".tile").count() == 6
    # The "move down" button works without script: the first tile becomes the second.
    page.locator(f"#tile-{first}").get_by_role("button", name="Move down").click()
    page.wait_for_load_state("load")
    assert page.locator(".tile").first.get_attribute("data-tile-id") == str(second)
    dashboard_violations = axe(page)

    assert browser_issues.all() == []
    assert results_violations == []
    assert dashboard_violations == []
