"""The builder's pages and its JSON endpoint, through Django's test client: who may open and change
what, saving the draft (happy path, conflicts, invalid and hostile bodies), publishing and versions."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from surveys.definition.logic import OPERATORS
from surveys.definition.schema import META_KEYS, validate_definition
from surveys.definition.types import (
    CONTACT_FIELDS,
    CSAT_STYLES,
    QUESTION_TYPES,
    RATING_STYLES,
    TEXT_VALIDATIONS,
)
from surveys.models import Survey, SurveyVersion
from surveys.services import survey_create, survey_publish
from surveys.views.builder import MAX_DRAFT_BYTES, STRINGS, question_defaults
from tests.factories import ResponseFactory, SurveyFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

BUILDER_TS = Path(settings.BASE_DIR) / "frontend" / "builder"


@pytest.fixture
def survey(organization, manager, definition):
    return survey_create(
        organization=organization,
        name="Checkout CES",
        touchpoint=TouchpointFactory(organization=organization, name="Checkout"),
        created_by=manager.user,
        definition=definition,
    )


def url(name, survey, org_slug="acme"):
    return reverse(f"surveys:{name}", kwargs={"org_slug": org_slug, "survey_id": survey.pk})


def post_draft(client, survey, body, **extra):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url("builder_draft", survey), data=raw, content_type="application/json", **extra)


def snapshot(survey):
    row = Survey.all_orgs.values("draft", "draft_revision", "status", "current_version_id").get(pk=survey.pk)
    versions = list(SurveyVersion.all_orgs.filter(survey_id=survey.pk).values("number", "definition"))
    return row, versions


def embedded_data(response):
    match = re.search(
        r'<script id="builder-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(match.group(1))


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- who may do what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "manager"])
def test_owners_and_cx_managers_open_the_builder_and_the_versions(request, client_for, survey, actor):
    client = client_for(request.getfixturevalue(actor))

    builder = client.get(url("builder", survey))
    versions = client.get(url("survey_versions", survey))

    assert (builder.status_code, versions.status_code) == (200, 200)
    assert embedded_data(builder)["revision"] == 0


def test_a_viewer_reads_the_version_history_but_may_not_build(client_for, viewer, survey):
    client = client_for(viewer)
    before = snapshot(survey)

    statuses = [
        client.get(url("survey_versions", survey)).status_code,
        client.get(url("builder", survey)).status_code,
        post_draft(client, survey, {"definition": survey.draft, "revision": 0}).status_code,
        client.post(url("builder_publish", survey), {"note": "go"}).status_code,
    ]

    assert statuses == [200, 403, 403, 403]
    assert snapshot(survey) == before


def test_an_outsider_sees_and_changes_nothing(client_for, outsider, survey):
    client = client_for(outsider)
    before = snapshot(survey)

    statuses = [
        client.get(url("builder", survey)).status_code,
        client.get(url("survey_versions", survey)).status_code,
        post_draft(client, survey, {"definition": survey.draft, "revision": 0}).status_code,
        client.post(url("builder_publish", survey), {"note": "go"}).status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    assert snapshot(survey) == before


def test_another_organisations_survey_is_missing_under_ones_own_organisation(client_for, outsider, survey):
    client = client_for(outsider)
    before = snapshot(survey)

    statuses = [
        client.get(url("builder", survey, org_slug="globex")).status_code,
        client.get(url("survey_versions", survey, org_slug="globex")).status_code,
        client.post(
            url("builder_draft", survey, org_slug="globex"),
            data=json.dumps({"definition": survey.draft, "revision": 0}),
            content_type="application/json",
        ).status_code,
        client.post(url("builder_publish", survey, org_slug="globex")).status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    assert snapshot(survey) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, survey):
    response = client.get(url("builder", survey))

    assert (response.status_code, response.url.split("?")[0]) == (302, "/accounts/login/")


def test_the_draft_endpoint_only_accepts_post(client_for, manager, survey):
    response = client_for(manager).get(url("builder_draft", survey))

    assert response.status_code == 405


def test_saving_the_draft_needs_the_csrf_token(manager, survey, definition):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager.user)
    page = client.get(url("builder", survey))
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.content.decode()).group(1)
    body = json.dumps({"definition": definition, "revision": 0})

    refused = client.post(url("builder_draft", survey), data=body, content_type="application/json")
    accepted = client.post(
        url("builder_draft", survey), data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert (refused.status_code, accepted.status_code) == (403, 200)


# --- the page -------------------------------------------------------------------------------------------


def test_the_builder_page_embeds_what_the_script_needs(client_for, manager, survey):
    response = client_for(manager).get(url("builder", survey))
    data = embedded_data(response)

    assert data["definition"] == survey.draft
    assert (data["revision"], data["live"], data["issues"]) == (0, None, [])
    assert data["survey"] == {"name": "Checkout CES", "touchpoint": "Checkout", "status": "draft"}
    assert [t["key"] for t in data["question_types"]] == list(QUESTION_TYPES)
    assert data["question_types"][0] == {
        "key": "nps",
        "label": "Net Promoter Score (0–10)",
        "answerable": True,
        "has_choices": False,
        "scale": [0, 10],
    }
    assert [lang["code"] for lang in data["languages"]] == ["en", "ru", "zh-hans", "id"]
    assert data["urls"] == {
        "builder": f"/o/acme/surveys/{survey.pk}/builder/",
        "draft": f"/o/acme/surveys/{survey.pk}/builder/draft",
        "publish": f"/o/acme/surveys/{survey.pk}/builder/publish",
        "versions": f"/o/acme/surveys/{survey.pk}/versions/",
    }
    assert data["meta_keys"] == list(META_KEYS)
    assert (data["strings"]["saved"], data["choice_label"]) == ("All changes saved.", "Option %(number)s")
    assert "Not published yet" in response.content.decode()


def test_the_builder_page_allows_https_logos_in_the_preview_and_nothing_inline(client_for, manager, survey):
    response = client_for(manager).get(url("builder", survey))
    policy = response["Content-Security-Policy"]
    html = response.content.decode()

    assert "img-src 'self' data: https:" in policy
    assert "'unsafe-inline'" not in policy
    assert 'style="' not in html
    assert re.findall(r"<script(?![^>]*nonce=)(?![^>]*application/json)[^>]*>", html) == []


def test_the_builder_tells_when_the_draft_differs_from_the_live_version(
    client_for, manager, live_survey, definition
):
    client = client_for(manager)
    same = client.get(url("builder", live_survey)).content.decode()
    definition["questions"][1]["text"]["en"] = "What should we improve?"
    post_draft(client, live_survey, {"definition": definition, "revision": 0})
    changed = client.get(url("builder", live_survey))

    assert "Live version v1 — the draft matches it" in same
    assert "Live version v1 — the draft has unpublished changes" in changed.content.decode()
    assert embedded_data(changed)["live"] == {
        "number": 1,
        "definition": live_survey.current_version.definition,
    }


def test_a_new_question_of_every_type_is_valid_in_every_language():
    for language, _name in settings.LANGUAGES:
        defaults = question_defaults(language)
        questions = [{"key": qtype, "type": qtype, **defaults[qtype]} for qtype in QUESTION_TYPES]
        definition = {
            "schema": 1,
            "base_language": language,
            "languages": [language],
            "hidden_fields": [],
            "questions": questions,
            "endings": [{"key": "thanks", "type": "message", "title": {language: "Thanks"}}],
            "theme": {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""},
            "settings": {"layout": "one_per_screen", "progress": True},
        }

        assert validate_definition(definition, for_publish=True) is None
    assert sorted(question_defaults("en")) == sorted(QUESTION_TYPES)


def test_every_string_the_script_uses_is_translated_on_the_server():
    source = "\n".join(path.read_text() for path in sorted(BUILDER_TS.glob("*.ts")))
    literal = set(re.findall(r'\bt\("([a-z_]+)"', source))
    # Keys the script composes: t(`op_${op}`), t(`style_${s}`), t(`meta_${k}`)...
    composed = (
        {f"op_{op}" for op in OPERATORS}
        | {"op_answered_field", "op_not_answered_field"}
        | {f"op_{op}_list" for op in ("contains", "not_contains", "in", "eq")}
        | {f"style_{s}" for s in (*RATING_STYLES, *CSAT_STYLES)}
        | {f"meta_{k}" for k in META_KEYS}
        | {f"contact_{f}" for f in CONTACT_FIELDS}
        | {f"validation_{v}" for v in TEXT_VALIDATIONS}
        | {"low_label", "high_label", "placeholder", "consent_label"}
    )

    assert (literal | composed) - set(STRINGS) == set()


# --- saving the draft -----------------------------------------------------------------------------------


def test_saving_the_draft_returns_the_next_revision_and_the_missing_translations(
    client_for, manager, survey, definition
):
    definition["questions"][0]["text"] = {"en": "Would you recommend our checkout?"}

    response = post_draft(client_for(manager), survey, {"definition": definition, "revision": 0})
    survey.refresh_from_db()

    assert response.status_code == 200
    assert response.json() == {
        "revision": 1,
        "warnings": [
            {"question": "nps", "field": "text", "language": "ru"},
            {"question": "email", "field": "text", "language": "ru"},
        ],
    }
    assert (survey.draft, survey.draft_revision) == (definition, 1)


def test_saving_twice_moves_the_revision_on(client_for, manager, survey, definition):
    client = client_for(manager)

    first = post_draft(client, survey, {"definition": definition, "revision": 0}).json()["revision"]
    second = post_draft(client, survey, {"definition": definition, "revision": first}).json()["revision"]

    assert (first, second) == (1, 2)


def test_a_stale_revision_is_a_conflict_and_saves_nothing(client_for, manager, survey, definition):
    client = client_for(manager)
    post_draft(client, survey, {"definition": definition, "revision": 0})
    before = snapshot(survey)
    definition["questions"][1]["text"]["en"] = "Overwritten?"

    response = post_draft(client, survey, {"definition": definition, "revision": 0})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Someone else saved this survey while you were editing. Reload to see their changes."
    }
    assert snapshot(survey) == before


def test_an_invalid_definition_is_refused_with_issues_pointing_at_the_question_and_field(
    client_for, manager, survey, definition
):
    definition["questions"][0]["jumps"][0]["goto"] = "nowhere"
    definition["questions"][2]["type"] = "slider"
    before = snapshot(survey)

    response = post_draft(client_for(manager), survey, {"definition": definition, "revision": 0})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The draft has 2 problems. The first: The jump points to a missing question “nowhere”.",
        "issues": [
            {
                "path": "questions[0].jumps[0].goto",
                "question": "nps",
                "message": "The jump points to a missing question “nowhere”.",
            },
            {"path": "questions[2].type", "question": "email", "message": "Unknown question type “slider”."},
        ],
    }
    assert snapshot(survey) == before


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "The body is not valid JSON (Expecting property name enclosed in double quotes)."),
        (b"\xff\xfe", "The body must be UTF-8 encoded JSON."),
        (b"", "The body is not valid JSON (Expecting value)."),
        (b'{"definition": NaN, "revision": 0}', "NaN is not valid JSON."),
        (b"[1, 2]", "Send an object with the definition and the revision it was loaded at."),
        (b'"text"', "Send an object with the definition and the revision it was loaded at."),
        (b'{"revision": 0}', "Send an object with the definition and the revision it was loaded at."),
        (b'{"definition": {}}', "The revision must be a whole number."),
        (b'{"definition": {}, "revision": true}', "The revision must be a whole number."),
        (b'{"definition": {}, "revision": "0"}', "The revision must be a whole number."),
        (b'{"definition": {}, "revision": -1}', "The revision must be a whole number."),
        (b'{"definition": {"schema": 1e999}, "revision": 0}', "Numbers must be finite."),
        (
            b'{"definition": {"base_language": "en\\u0000"}, "revision": 0}',
            "Text may not contain NUL characters.",
        ),
        (b'{"definition": {"\\u0000": 1}, "revision": 0}', "Text may not contain NUL characters."),
        (
            b'{"definition": {"base_language": "\\ud800"}, "revision": 0}',
            "Text may not contain unpaired surrogate characters.",
        ),
        (
            b'{"definition": ' + b"[" * 40 + b"]" * 40 + b', "revision": 0}',
            "The JSON is nested too deeply.",
        ),
        (
            b'{"definition": ' + b"[" * 5000 + b"]" * 5000 + b', "revision": 0}',
            "The JSON is nested too deeply.",
        ),
        (
            b'{"definition": [], "revision": 0}',
            "The draft has a problem: The definition must be a JSON object.",
        ),
    ],
)
def test_malformed_bodies_are_refused_without_a_server_error(client_for, manager, survey, body, detail):
    before = snapshot(survey)

    response = post_draft(client_for(manager), survey, body)

    assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert snapshot(survey) == before


@pytest.mark.parametrize(
    "change",
    [
        {"base_language": ["en"]},
        {"languages": [["en"]]},
        {"questions": [{"key": "a", "type": "multiple_choice", "text": {"en": "?"}, "choices": 5}]},
        {
            "questions": [
                {"key": "a", "type": "nps", "text": {"en": "?"}, "jumps": [{"if": None, "end": ["x"]}]}
            ]
        },
        {
            "questions": [
                {"key": "a", "type": "nps", "text": {"en": "?"}, "jumps": [{"if": None, "goto": {}}]}
            ]
        },
    ],
)
def test_values_of_a_wholly_wrong_type_are_refused_without_a_server_error(
    client_for, manager, survey, definition, change
):
    before = snapshot(survey)

    response = post_draft(
        client_for(manager), survey, {"definition": {**definition, **change}, "revision": 0}
    )

    assert response.status_code == 400
    assert response.json()["issues"] != []
    assert snapshot(survey) == before


def test_a_body_above_the_limit_is_too_large(client_for, manager, survey, definition):
    padding = "x" * MAX_DRAFT_BYTES
    definition["questions"][0]["description"] = {"en": padding}
    before = snapshot(survey)

    response = post_draft(client_for(manager), survey, {"definition": definition, "revision": 0})

    assert (response.status_code, response.json()["detail"]) == (
        413,
        "The survey is too large to save (at most 512 KB).",
    )
    assert snapshot(survey) == before


def test_a_body_above_djangos_upload_limit_is_too_large_too(client_for, manager, survey):
    before = snapshot(survey)

    response = post_draft(client_for(manager), survey, b'{"definition": "' + b"x" * (3 * 1024 * 1024) + b'"}')

    assert response.status_code == 413
    assert snapshot(survey) == before


# --- publishing and versions ----------------------------------------------------------------------------


def test_publishing_creates_version_one_then_a_draft_edit_and_version_two(
    client_for, manager, survey, definition
):
    client = client_for(manager)

    first = client.post(url("builder_publish", survey), {"note": "First launch"}, follow=True)
    edited = copy.deepcopy(definition)
    edited["questions"][1]["text"]["en"] = "What should we improve?"
    post_draft(client, survey, {"definition": edited, "revision": 0})
    second = client.post(url("builder_publish", survey), {"note": ""}, follow=True)
    versions = {v.number: v for v in SurveyVersion.all_orgs.filter(survey_id=survey.pk)}
    survey.refresh_from_db()

    assert first.redirect_chain == [(url("builder", survey), 302)]
    assert messages_of(first) == ["Version 1 is live. New responses use it."]
    assert messages_of(second) == ["Version 2 is live. New responses use it."]
    assert sorted(versions) == [1, 2]
    assert (versions[1].definition, versions[1].note, versions[1].published_by) == (
        definition,
        "First launch",
        manager.user,
    )
    assert (versions[2].definition, versions[2].note) == (edited, "")
    assert (survey.status, survey.current_version_id) == ("live", versions[2].pk)


def test_publishing_an_empty_survey_shows_the_issues_and_creates_nothing(client_for, manager, organization):
    survey = survey_create(
        organization=organization, name="Blank", touchpoint=TouchpointFactory(organization=organization)
    )

    response = client_for(manager).post(url("builder_publish", survey), follow=True)

    assert messages_of(response) == [
        "Not published: fix these problems first.",
        "questions: Add at least one question before publishing.",
    ]
    assert SurveyVersion.all_orgs.filter(survey_id=survey.pk).count() == 0


def test_publishing_an_unchanged_draft_says_so(client_for, manager, live_survey):
    response = client_for(manager).post(url("builder_publish", live_survey))

    assert messages_of(response) == ["Nothing has changed since the last published version."]
    assert SurveyVersion.all_orgs.filter(survey_id=live_survey.pk).count() == 1


def test_a_note_longer_than_the_field_is_refused(client_for, manager, survey):
    response = client_for(manager).post(url("builder_publish", survey), {"note": "n" * 201})

    assert messages_of(response) == ["Ensure this value has at most 200 characters (it has 201)."]
    assert SurveyVersion.all_orgs.filter(survey_id=survey.pk).count() == 0


def test_a_note_with_a_nul_character_is_refused(client_for, manager, survey):
    response = client_for(manager).post(url("builder_publish", survey), {"note": "bad\x00note"})

    assert messages_of(response) == ["Null characters are not allowed."]
    assert SurveyVersion.all_orgs.filter(survey_id=survey.pk).count() == 0


def test_the_version_history_lists_versions_with_publisher_time_and_responses(
    client_for, manager, organization, survey, definition
):
    manager.user.timezone = "Asia/Tokyo"
    manager.user.save(update_fields=["timezone"])
    first = survey_publish(survey=survey, actor=manager, note="Launch")
    definition["questions"][1]["text"]["en"] = "What should we improve?"
    survey.refresh_from_db()
    client = client_for(manager)
    post_draft(client, survey, {"definition": definition, "revision": 0})
    second = survey_publish(survey=survey, actor=manager)
    SurveyVersion.all_orgs.filter(pk=first.pk).update(
        published_at=dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    )
    ResponseFactory.create_batch(2, organization=organization, survey=survey, survey_version=first)
    ResponseFactory(organization=organization, survey=survey, survey_version=second)
    other = SurveyFactory(organization=organization)
    ResponseFactory(organization=organization, survey=other)

    response = client.get(url("survey_versions", survey))
    html = response.content.decode()

    rows = [
        (v.number, v.response_count, v.note, v.published_by.display_name)
        for v in response.context["versions"]
    ]
    assert rows == [(2, 1, "", manager.user.display_name), (1, 2, "Launch", manager.user.display_name)]
    assert '<time datetime="2025-01-02T12:04:00+09:00">' in html
    assert html.count('class="badge badge-success"') == 1
    assert re.search(r"<th scope=\"row\">v2</th>.*?Live", html, re.S) is not None
