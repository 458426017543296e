"""The condition editor's script in real Chromium: rows adapt to their field, rows and groups are added,
and what the browser posts cleans into the intended conditions.

No page of the app hosts the editor on its own, so the test serves one (the widget rendered by Django,
the built app.js and app.css from the live server) and captures the form's POST."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.http import QueryDict
from playwright.sync_api import Page, Route

from feedback.alerts.editor import ConditionsField
from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures (tests/alerts/conftest.py is not ours)
    BrowserIssues,
    browser,
    browser_issues,
    page,
    playwright_instance,
    viewport,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class RuleForm(forms.Form):
    conditions = ConditionsField()


def _serve(tab: Page, base: str, form: RuleForm) -> list[str]:
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Editor</title>
<link rel="stylesheet" href="{base}/static/build/app.css">
<script src="{base}/static/build/app.js" defer></script></head>
<body><main><h1>Rule</h1><form method="post" action="{base}/__conditions__/submit">
{form.as_div()}<button type="submit">Save</button></form></main></body></html>"""
    posted: list[str] = []

    def show(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    def capture(route: Route) -> None:
        posted.append(route.request.post_data or "")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<p>saved</p>")

    tab.route(f"{base}/__conditions__/", show)
    tab.route(f"{base}/__conditions__/submit", capture)
    return posted


def test_rows_and_groups_in_the_browser(
    page: Page,  # noqa: F811 - the fixture imported above
    live_server: Any,
    browser_issues: BrowserIssues,  # noqa: F811
) -> None:
    posted = _serve(page, live_server.url, RuleForm())
    page.goto(f"{live_server.url}/__conditions__/")
    page.wait_for_selector("[data-conditions-editor][data-enhanced]")
    assert page.locator("[data-blank-group]").count() == 0

    page.select_option("#id_conditions-r0-field", "channel")
    assert page.locator("#id_conditions-r0-op").input_value() == "in"
    assert page.locator("#id_conditions-r0-key").is_hidden()
    page.select_option("#id_conditions-r0-choices", ["email", "sms"])

    page.select_option("#id_conditions-r1-field", "nps")
    assert page.locator("#id_conditions-r1-op option").all_inner_texts() == [
        "Choose an operator",
        "is",
        "is not",
        "is less than",
        "is at most",
        "is more than",
        "is at least",
        "is between",
    ]
    page.select_option("#id_conditions-r1-op", "between")
    assert page.locator("#id_conditions-r1-value").get_attribute("placeholder") == "e.g. 0 – 6"
    page.fill("#id_conditions-r1-value", "0-6")

    page.locator(".cond-outer > .cond-actions [data-add-row]").first.click()
    new_row = page.locator(".cond-outer > [data-rows] > .cond-row").last
    assert new_row.locator("[data-row-number]").inner_text() == "3."
    new_row.locator("[data-row-field]").select_option("answer")
    assert new_row.locator("[data-row-key-wrap] label").inner_text() == "Question key"
    new_row.locator("[data-row-key]").fill("why")
    new_row.locator("[data-row-op]").select_option("is_answered")
    assert new_row.locator("[data-row-value-wrap]").is_hidden()

    page.locator("[data-add-group]").click()
    group = page.locator("[data-groups] > fieldset").last
    assert group.locator("legend").inner_text().startswith("Group 2")
    group.locator("[data-row-field]").select_option("text")
    group.locator("[data-row-op]").select_option("keywords")
    group.locator("[data-row-value]").fill("refund, cancel")

    page.get_by_role("button", name="Remove condition 2").first.click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    form = RuleForm(QueryDict(posted[0]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["conditions"] == {
        "match": "all",
        "conditions": [
            {"field": "channel", "op": "in", "value": ["email", "sms"]},
            {"field": "answer", "op": "is_answered", "key": "why"},
            {
                "match": "any",
                "conditions": [{"field": "text", "op": "keywords", "value": ["refund", "cancel"]}],
            },
        ],
    }
    assert browser_issues.all() == []
