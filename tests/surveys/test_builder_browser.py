"""The survey builder in real headless Chromium against the live server: build a survey with a jump
and a Russian translation, reorder by drag and drop and by keyboard, publish, edit the live survey and
publish again; the unsaved-work warning, the conflict message, accessibility and CSP health."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from accounts.models import Membership, Organization
from surveys.definition.types import QUESTION_TYPES
from surveys.models import Survey, SurveyVersion
from surveys.services import survey_create, survey_save_draft
from tests.browser.conftest import BrowserIssues
from tests.factories import TouchpointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[..., None]
Axe = Callable[[Page], list[dict[str, Any]]]

RUSSIAN = {
    "How likely are you to recommend Acme?": "Насколько вероятно, что вы порекомендуете Acme?",
    "Not at all likely": "Совсем маловероятно",
    "Extremely likely": "Очень вероятно",
    "What is the main reason for your score?": "Какова главная причина вашей оценки?",
    "What did you buy?": "Что вы купили?",
    "Shoes": "Обувь",
    "Shirts": "Рубашки",
    "Thank you!": "Спасибо!",
}

EXPECTED_V1 = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en", "ru"],
    "hidden_fields": [],
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "text": {
                "en": "How likely are you to recommend Acme?",
                "ru": RUSSIAN["How likely are you to recommend Acme?"],
            },
            "required": True,
            "options": {
                "low_label": {"en": "Not at all likely", "ru": "Совсем маловероятно"},
                "high_label": {"en": "Extremely likely", "ru": "Очень вероятно"},
            },
            "jumps": [
                {"if": {"source": "answer", "key": "nps", "op": "gte", "value": 9}, "goto": "single_choice"}
            ],
        },
        {
            "key": "text",
            "type": "text",
            "text": {
                "en": "What is the main reason for your score?",
                "ru": "Какова главная причина вашей оценки?",
            },
            "options": {"variant": "long", "validation": "none"},
        },
        {
            "key": "single_choice",
            "type": "single_choice",
            "text": {"en": "What did you buy?", "ru": "Что вы купили?"},
            "choices": [
                {"key": "shoes", "label": {"en": "Shoes", "ru": "Обувь"}},
                {"key": "shirts", "label": {"en": "Shirts", "ru": "Рубашки"}},
            ],
        },
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!", "ru": "Спасибо!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""},
    "settings": {"layout": "one_per_screen", "progress": True},
}


@pytest.fixture
def blank_survey(organization: Organization, manager: Membership) -> Survey:
    return survey_create(
        organization=organization,
        name="Checkout feedback",
        touchpoint=TouchpointFactory(organization=organization, name="Checkout"),
        created_by=manager.user,
    )


def builder_url(survey: Survey) -> str:
    return f"/o/acme/surveys/{survey.pk}/builder/"


def add_question(page: Page, type_label: str) -> None:
    page.get_by_label("Question type").select_option(label=type_label)
    page.get_by_role("button", name="Add question").click()


def wait_saved(page: Page) -> None:
    expect(page.locator("#builder-status")).to_have_text("All changes saved.", timeout=10_000)


def list_order(page: Page) -> list[str]:
    return page.locator(".bld-qitem").evaluate_all("items => items.map((li) => li.dataset.question)")


def drag(page: Page, source: str, target: str) -> None:
    """Drag the handle of the list item ``source`` onto the item ``target`` with real mouse moves."""
    # Both in the viewport, away from its edges (where SortableJS would scroll the page).
    page.locator(f'.bld-qitem[data-question="{target}"]').evaluate(
        "el => el.scrollIntoView({block: 'center'})"
    )
    handle = page.locator(f'.bld-qitem[data-question="{source}"] .bld-drag-handle').bounding_box()
    goal = page.locator(f'.bld-qitem[data-question="{target}"]').bounding_box()
    assert handle is not None
    assert goal is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    # SortableJS follows the pointer on a timer: move in small steps and let it catch up.
    steps = 10
    for n in range(1, steps + 1):
        page.mouse.move(x, y + (goal["y"] + 5 - y) * n / steps)
        page.wait_for_timeout(40)
    page.wait_for_timeout(200)
    page.mouse.up()


def test_build_reorder_add_a_jump_translate_publish_and_edit_the_live_survey(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    manager: Membership,
    blank_survey: Survey,
) -> None:
    login(page, live_server, manager.user)
    page.goto(builder_url(blank_survey))
    expect(page.locator("#live-notice")).to_have_text("Not published yet")

    # Three questions; the editor opens each new one.
    add_question(page, "Net Promoter Score (0–10)")
    page.get_by_label("Question text (English)").fill("How likely are you to recommend Acme?")
    add_question(page, "Open text")
    page.get_by_label("Question text (English)").fill("What is the main reason for your score?")
    add_question(page, "Single choice")
    page.get_by_label("Question text (English)").fill("What did you buy?")
    page.get_by_label("Label of choice 1").fill("Shoes")
    page.get_by_label("Label of choice 2").fill("Shirts")
    page.get_by_role("button", name="Remove “Option 3”").click()
    expect(page.get_by_label("Key of choice 2")).to_have_value("shirts")
    assert list_order(page) == ["nps", "text", "single_choice"]

    # Drag and drop: the choice question goes above the text question.
    drag(page, "single_choice", "text")
    expect(page.locator(".bld-qitem").nth(1)).to_have_attribute("data-question", "single_choice")
    assert list_order(page) == ["nps", "single_choice", "text"]
    # ...and back down by keyboard; the focus stays on the moved question and the move is announced.
    move_down = page.get_by_role("button", name="Move “What did you buy?” down")
    move_down.focus()
    page.keyboard.press("Enter")
    assert list_order(page) == ["nps", "text", "single_choice"]
    expect(page.get_by_role("button", name="Move “What did you buy?” down")).to_be_focused()
    expect(page.locator("#builder-announce")).to_have_text("Moved to position 3 of 3")

    # Logic: after the NPS question, a score of 9 or more jumps to the choice question.
    page.locator('.bld-qitem[data-question="nps"] .bld-qselect').click()
    page.get_by_role("button", name="Add jump rule").click()
    rule = page.get_by_role("group", name="Condition 1")
    expect(rule.get_by_label("Answer to question")).to_have_value("nps")
    rule.get_by_label("Condition", exact=True).select_option(label="is at least")
    rule.get_by_label("Value").fill("9")
    page.get_by_label("Target question").select_option("single_choice")
    expect(page.get_by_label("Then")).to_have_value("goto")

    # Translations: Russian, with its missing texts counted until every one is filled in.
    page.get_by_role("tab", name="Translations").click()
    page.get_by_label("Russian", exact=True).check()
    summary = page.locator("#missing-summary")
    expect(summary).to_have_text("Texts without a Russian translation: 8")
    expect(page.locator(".bld-tr.is-missing")).to_have_count(8)
    for row in page.locator(".bld-tr").all():
        base = row.locator(".bld-base-text").inner_text()
        row.locator("input, textarea").fill(RUSSIAN[base])
    expect(summary).to_have_text("Every text has a Russian translation.")
    expect(page.locator(".bld-tr.is-missing")).to_have_count(0)

    page.get_by_role("button", name="Save").click()
    wait_saved(page)
    page.get_by_label("Note for this version (optional)").fill("First version")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Version 1 is live. New responses use it.")).to_be_visible()
    expect(page.locator("#live-notice")).to_have_text("Live version v1 — the draft matches it")

    v1 = SurveyVersion.all_orgs.get(survey_id=blank_survey.pk, number=1)
    assert (v1.definition, v1.note, v1.published_by_id) == (EXPECTED_V1, "First version", manager.user_id)

    # Editing the live survey changes only the draft until it is published as version 2.
    page.locator('.bld-qitem[data-question="text"] .bld-qselect').click()
    page.get_by_label("Question text (English)").fill("What is the main reason?")
    wait_saved(page)
    expect(page.locator("#live-notice")).to_have_text("Live version v1 — the draft has unpublished changes")
    expect(page.get_by_role("button", name="Publish")).to_be_enabled()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Version 2 is live. New responses use it.")).to_be_visible()

    expected_v2 = copy.deepcopy(EXPECTED_V1)
    expected_v2["questions"][1]["text"]["en"] = "What is the main reason?"
    versions = {v.number: v.definition for v in SurveyVersion.all_orgs.filter(survey_id=blank_survey.pk)}
    assert versions == {1: EXPECTED_V1, 2: expected_v2}
    blank_survey.refresh_from_db()
    assert (blank_survey.status, blank_survey.current_version.number) == ("live", 2)

    page.get_by_role("link", name="Version history").click()
    expect(page.get_by_role("row", name=re.compile(r"^v2 .* Live$"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^v1 .*First version"))).to_be_visible()
    assert browser_issues.all() == []


def test_the_preview_follows_the_jump_in_the_chosen_language_and_the_mobile_width(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    manager: Membership,
    live_survey: Survey,
) -> None:
    login(page, live_server, manager.user)
    page.goto(builder_url(live_survey))
    preview = page.locator(".bld-preview")

    preview.get_by_label("Preview language").select_option("ru")
    expect(preview.locator(".q-title").first).to_have_text("Порекомендуете ли вы нас? (required)")
    preview.get_by_label("10").check()
    preview.get_by_role("button", name="Next").click()
    # The jump skips "why" and lands on "email", in English because it has no Russian text.
    expect(preview.locator(".question .q-title")).to_have_text("Your email")
    preview.get_by_role("button", name="Mobile").click()
    width = preview.locator(".sv").evaluate("el => el.offsetWidth")
    preview.get_by_role("button", name="Finish").click()

    assert width == 375
    expect(preview.locator(".survey-ending .q-title")).to_have_text("Спасибо!")
    assert browser_issues.all() == []


def test_leaving_with_unsaved_work_asks_first_and_the_problem_is_shown_at_its_field(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    manager: Membership,
    live_survey: Survey,
) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    login(page, live_server, manager.user)
    page.goto(builder_url(live_survey))
    # An empty question text cannot be saved: the work stays unsaved.
    page.get_by_label("Question text (English)").fill("")
    expect(page.locator("#builder-status")).to_have_text(
        "Not saved: The draft has a problem: Write this text in the base language (en).", timeout=10_000
    )
    expect(page.get_by_label("Question text (English)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Question text (English)")).to_have_accessible_description(
        re.compile(r"Write this text in the base language \(en\)\.$")
    )
    expect(page.locator(".bld-editor .bld-server-issue")).to_have_text(
        "Write this text in the base language (en)."
    )
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    page.on("dialog", on_dialog)

    page.get_by_role("link", name="Version history").click()
    page.wait_for_timeout(500)

    assert dialogs == ["beforeunload"]
    assert page.url.endswith(builder_url(live_survey))
    assert Survey.all_orgs.get(pk=live_survey.pk).draft_revision == 0
    # The refused saves (400) are logged by the browser as failed loads; nothing else went wrong.
    assert [e for e in browser_issues.all() if "status of 400" not in e] == []


def test_a_colleagues_save_in_between_is_a_conflict_with_a_reload_button(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    manager: Membership,
    live_survey: Survey,
    definition: dict[str, Any],
) -> None:
    login(page, live_server, manager.user)
    page.goto(builder_url(live_survey))
    definition["questions"][1]["text"]["en"] = "Saved by a colleague"
    survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)

    page.get_by_label("Question text (English)").fill("Mine")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#builder-status")).to_have_text(
        "Someone else saved this survey while you were editing. Reload to see their changes."
    )
    page.get_by_role("button", name="Reload").click()
    expect(page.locator('.bld-qitem[data-question="why"] .bld-qtext')).to_have_text("Saved by a colleague")
    assert Survey.all_orgs.get(pk=live_survey.pk).draft == definition
    # The 409 answer is logged by the browser as a failed resource load; nothing else went wrong.
    assert [e for e in browser_issues.all() if "status of 409" not in e] == []


def test_the_builder_has_no_serious_accessibility_violations_in_any_tab(
    page: Page,
    live_server: Any,
    login: Login,
    axe: Axe,
    browser_issues: BrowserIssues,
    manager: Membership,
    live_survey: Survey,
) -> None:
    login(page, live_server, manager.user)
    page.goto(builder_url(live_survey))
    page.get_by_role("button", name="Add jump rule").click()
    page.get_by_role("button", name="Add condition").first.click()
    found = {"questions": axe(page)}
    for tab in ("Endings", "Hidden fields", "Translations", "Design"):
        page.get_by_role("tab", name=tab).click()
        found[tab] = axe(page)

    assert found == {"questions": [], "Endings": [], "Hidden fields": [], "Translations": [], "Design": []}
    assert browser_issues.all() == []


def test_every_question_type_hidden_fields_endings_and_design_are_edited_and_saved(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    manager: Membership,
    blank_survey: Survey,
) -> None:
    login(page, live_server, manager.user)
    page.goto(builder_url(blank_survey))
    for qtype in QUESTION_TYPES.values():
        add_question(page, str(qtype.label))
    wait_saved(page)

    # Duplicate, delete, undo, delete again.
    page.locator('.bld-qitem[data-question="nps"]').get_by_role(
        "button", name=re.compile("^Duplicate")
    ).click()
    assert list_order(page)[:3] == ["nps", "nps_copy", "csat"]
    page.locator('.bld-qitem[data-question="nps_copy"]').get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    expect(page.get_by_role("button", name="Undo")).to_be_focused()
    page.get_by_role("button", name="Undo").click()
    assert list_order(page)[:3] == ["nps", "nps_copy", "csat"]
    page.locator('.bld-qitem[data-question="nps_copy"]').get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    assert "nps_copy" not in list_order(page)

    # A hidden field, and a question shown only for one of its values.
    page.get_by_role("tab", name="Hidden fields").click()
    page.get_by_label("New hidden field name").fill("plan")
    page.get_by_role("button", name="Add hidden field").click()
    page.get_by_role("tab", name="Questions").click()
    page.locator('.bld-qitem[data-question="csat"] .bld-qselect').click()
    page.get_by_label("Show this question only if…").check()
    rule = page.get_by_role("group", name="Condition 1")
    rule.get_by_label("Look at").select_option("hidden")
    expect(rule.get_by_label("Hidden field")).to_have_value("plan")
    rule.get_by_label("Value").fill("pro")

    # A second ending that redirects, chosen by a jump after the first question.
    page.get_by_role("tab", name="Endings").click()
    page.get_by_role("button", name="Add ending").click()
    second = page.locator(".bld-ending").nth(1)
    second.get_by_label("What happens at the end").select_option("redirect")
    second.get_by_label("Redirect address").fill("https://example.com/review")
    page.get_by_role("tab", name="Questions").click()
    page.locator('.bld-qitem[data-question="nps"] .bld-qselect').click()
    page.get_by_role("button", name="Add jump rule").click()
    page.get_by_label("Then").select_option("end")
    page.get_by_label("Ending", exact=True).select_option("ending")

    # Design.
    page.get_by_role("tab", name="Design").click()
    page.get_by_label("Dark").check()
    page.get_by_label("All questions on one page").check()
    page.get_by_label("Brand colour as a hex code").fill("#aa3300")
    wait_saved(page)

    draft = Survey.all_orgs.get(pk=blank_survey.pk).draft
    assert [q["type"] for q in draft["questions"]] == list(QUESTION_TYPES)
    assert [q["key"] for q in draft["questions"]] == list(QUESTION_TYPES)
    assert draft["hidden_fields"] == ["plan"]
    assert draft["questions"][1]["visible_if"] == {
        "source": "hidden",
        "key": "plan",
        "op": "eq",
        "value": "pro",
    }
    assert draft["questions"][0]["jumps"] == [
        {"if": {"source": "answer", "key": "nps", "op": "answered"}, "end": "ending"}
    ]
    assert draft["endings"][1] == {"key": "ending", "type": "redirect", "url": "https://example.com/review"}
    assert (draft["theme"], draft["settings"]) == (
        {"brand_color": "#aa3300", "mode": "dark", "logo_url": ""},
        {"layout": "all_on_one", "progress": True},
    )
    assert browser_issues.all() == []
