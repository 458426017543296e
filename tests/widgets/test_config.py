"""GET /api/v1/public/{site_key}/config: what the widget loads on every page of a website."""

import copy
import datetime as dt
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from surveys.models import Survey, SurveyStatus, SurveyVersion
from tests.conftest import DEFINITION
from tests.factories import InterceptFactory, ResponseFactory, SiteFactory, SurveyFactory
from widgets.models import Intercept, Site
from widgets.selectors import intercept_states
from widgets.services import intercept_update, site_set_button
from widgets.targeting import default_targeting

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"
DEFINITION_KEYS = ("base_language", "languages", "hidden_fields", "questions", "endings", "theme", "settings")
EN_STRINGS = {
    "close": "Close",
    "next": "Next",
    "submit": "Submit",
    "back": "Back",
    "other": "Other",
    "other_label": "If other, please specify",
    "yes": "Yes",
    "no": "No",
    "feedback": "Feedback",
    "survey": "Survey",
    "progress": "Question {n} of {total}",
    "thanks": "Thank you!",
    "required": "Please answer this question.",
    "scale": "Please choose a number from {low} to {high}.",
    "choose_one": "Please choose one of the options.",
    "choose_many": "Please choose one or more options.",
    "other_text": "Please tell us what “other” means for you.",
    "type": "Please type your answer.",
    "email": "Please enter a valid email address.",
    "number": "Please enter a number.",
    "phone": "Please enter a valid phone number.",
    "yes_no": "Please answer yes or no.",
}


def get_config(site_key, **headers):
    return Client().get(f"/api/v1/public/{site_key}/config", **headers)


def published(organization, definition=None, **fields):
    """A survey with a current published version (without going through the builder)."""
    survey = SurveyFactory(organization=organization, **fields)
    version = SurveyVersion.all_orgs.create(
        organization=organization, survey=survey, number=1, definition=definition or copy.deepcopy(DEFINITION)
    )
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


@pytest.fixture
def site(organization):
    return SiteFactory(organization=organization, origins=[ORIGIN])


def test_the_config_lists_the_site_surveys_with_targeting_button_and_strings(site, live_survey, owner):
    InterceptFactory(
        site=site, survey=live_survey, targeting={**default_targeting(), "trigger": {"type": "exit_intent"}}
    )
    site_set_button(site=site, survey=live_survey, label="", side="left", actor=owner)

    response = get_config(site.public_key)

    body = response.json()
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert {key: body[key] for key in ("v", "cooldown_days", "button")} == {
        "v": 1,
        "cooldown_days": 7,
        "button": {"survey": live_survey.public_id, "label": None, "side": "left"},
    }
    assert body["surveys"] == [
        {
            "id": live_survey.public_id,
            "definition": {key: DEFINITION[key] for key in DEFINITION_KEYS},
            "sampling": 100,
            "recontact_days": None,
            "targeting": {
                "trigger": {"type": "exit_intent"},
                "delay_seconds": 0,
                "urls": [],
                "devices": [],
                "languages": [],
                "frequency": "until_answered",
                "placement": "bottom_right",
            },
        }
    ]
    assert list(body["strings"]) == ["en", "ru"]
    assert body["strings"]["en"] == {**EN_STRINGS, "max_chars.5000": "Please keep it under 5000 characters."}


def test_the_strings_are_the_servers_own_translations(site, organization):
    definition = {**copy.deepcopy(DEFINITION), "languages": ["en", "ru", "zh-hans", "id"]}
    InterceptFactory(site=site, survey=published(organization, definition))

    strings = get_config(site.public_key).json()["strings"]

    assert list(strings) == ["en", "ru", "zh-hans", "id"]
    assert {key: strings["ru"][key] for key in ("close", "progress", "scale", "max_chars.5000")} == {
        "close": "Закрыть",
        "progress": "Вопрос {n} из {total}",
        "scale": "Пожалуйста, выберите число от {low} до {high}.",
        "max_chars.5000": "Пожалуйста, уложитесь в 5000 символов.",
    }
    assert [set(strings[lang]) for lang in strings] == [set(strings["en"])] * 4
    assert [key for key in strings["en"] if strings["ru"][key] == strings["en"][key]] == []
    assert [key for key in strings["en"] if strings["zh-hans"][key] == strings["en"][key]] == []


def test_plural_messages_come_for_each_number_the_surveys_use(site, organization):
    definition = {
        **copy.deepcopy(DEFINITION),
        "languages": ["en"],
        "questions": [
            {
                "key": "why",
                "type": "text",
                "text": {"en": "Why?"},
                "options": {"max_length": 200, "min_length": 5},
            },
            {
                "key": "plan",
                "type": "single_choice",
                "text": {"en": "Plan?"},
                "choices": [{"key": "a", "label": {"en": "A"}}],
                "options": {"allow_other": True},
            },
            {
                "key": "topics",
                "type": "multiple_choice",
                "text": {"en": "Topics?"},
                "choices": [{"key": k, "label": {"en": k}} for k in "abcd"],
                "options": {"min_selected": 1, "max_selected": 3},
            },
            {"key": "long", "type": "text", "text": {"en": "More?"}, "options": {"max_length": 9000}},
        ],
    }
    InterceptFactory(site=site, survey=published(organization, definition))

    strings = get_config(site.public_key).json()["strings"]["en"]

    assert {key: text for key, text in strings.items() if "." in key} == {
        "max_chars.200": "Please keep it under 200 characters.",
        "max_chars.500": "Please keep it under 500 characters.",
        "max_chars.5000": "Please keep it under 5000 characters.",
        "min_chars.5": "Please write at least 5 characters.",
        "min_selected.1": "Please choose at least 1 option.",
        "max_selected.3": "Please choose at most 3 options.",
    }


MATRIX = {
    **DEFINITION,
    "questions": [
        DEFINITION["questions"][0],
        {
            "key": "grid",
            "type": "matrix",
            "text": {"en": "Rate"},
            "rows": [{"key": "a", "label": {"en": "A"}}],
            "columns": [{"key": "x", "label": {"en": "X"}}],
        },
        {
            "key": "order",
            "type": "ranking",
            "text": {"en": "Order"},
            "choices": [{"key": "a", "label": {"en": "A"}}],
        },
    ],
}


def make_unlisted(organization, state):
    now = timezone.now()
    if state == "draft":
        return SurveyFactory(organization=organization, status=SurveyStatus.DRAFT)
    if state == "full":
        survey = published(organization, response_limit=1)
        ResponseFactory(organization=organization, survey=survey, finished_at=now)
        return survey
    fields = {
        "paused": {"status": SurveyStatus.PAUSED},
        "closed": {"status": SurveyStatus.CLOSED},
        "ended": {"ends_at": now - dt.timedelta(minutes=1)},
        "not_started": {"starts_at": now + dt.timedelta(days=1)},
        "unsupported": {},
    }[state]
    return published(organization, copy.deepcopy(MATRIX) if state == "unsupported" else None, **fields)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("draft", "the survey is not published yet"),
        ("paused", "the survey is paused"),
        ("closed", "the survey is closed"),
        ("ended", "the survey is closed"),
        ("not_started", "the survey is not open yet"),
        ("full", "the survey has all the responses it needs"),
        ("unsupported", "it has question types the widget cannot show (Matrix (Likert grid), Ranking)"),
    ],
)
def test_surveys_the_widget_cannot_show_now_are_left_out_with_a_reason(
    site, organization, owner, state, reason
):
    listed = published(organization, response_limit=5)
    ResponseFactory(organization=organization, survey=listed, finished_at=timezone.now())
    unlisted = make_unlisted(organization, state)
    InterceptFactory(site=site, survey=listed)
    InterceptFactory(site=site, survey=unlisted)
    site_set_button(site=site, survey=unlisted, label="Help", side="right", actor=owner)

    body = get_config(site.public_key).json()

    assert ([s["id"] for s in body["surveys"]], body["button"]) == ([listed.public_id], None)
    assert [state.not_shown for state in intercept_states(organization=organization, site=site)] == [
        None,
        reason,
    ]


def test_the_button_label_is_sent_when_set(site, organization, owner):
    survey = published(organization)
    site_set_button(site=site, survey=survey, label="Tell us", side="right", actor=owner)

    body = get_config(site.public_key).json()

    assert body["button"] == {"survey": survey.public_id, "label": "Tell us", "side": "right"}
    assert body["surveys"][0]["targeting"]["trigger"] == {"type": "manual"}


def test_a_site_without_surveys_gets_an_empty_config(site):
    response = get_config(site.public_key)

    assert response.json() == {"v": 1, "cooldown_days": 7, "button": None, "surveys": [], "strings": {}}


def test_the_etag_is_the_hash_of_the_body_and_an_unchanged_config_answers_304(site, live_survey, owner):
    intercept = InterceptFactory(site=site, survey=live_survey)
    first = get_config(site.public_key)
    etag = first["ETag"]

    answers = [
        get_config(site.public_key, HTTP_IF_NONE_MATCH=value)
        for value in (etag, f"W/{etag}", f'"other", {etag}', "*")
    ]
    intercept_update(
        intercept=intercept, targeting={"trigger": {"type": "scroll", "percent": 40}}, actor=owner
    )
    changed = get_config(site.public_key, HTTP_IF_NONE_MATCH=etag)

    assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    assert [(a.status_code, a.content, a["ETag"]) for a in answers] == [(304, b"", etag)] * 4
    assert (changed.status_code, changed["ETag"] != etag) == (200, True)
    assert changed.json()["surveys"][0]["targeting"]["trigger"] == {"type": "scroll", "percent": 40}


def test_the_config_is_revalidated_on_every_load_and_varies_by_origin(site):
    response = get_config(site.public_key, HTTP_ORIGIN=ORIGIN)
    not_modified = get_config(site.public_key, HTTP_ORIGIN=ORIGIN, HTTP_IF_NONE_MATCH=response["ETag"])

    assert [r["Cache-Control"] for r in (response, not_modified)] == ["no-cache"] * 2
    assert ["Origin" in r["Vary"].split(", ") for r in (response, not_modified)] == [True, True]


def test_cors_headers_go_to_the_sites_own_origins_only(site):
    own = get_config(site.public_key, HTTP_ORIGIN=ORIGIN)
    other = get_config(site.public_key, HTTP_ORIGIN="https://evil.example")

    assert (own["Access-Control-Allow-Origin"], own["Access-Control-Expose-Headers"]) == (
        ORIGIN,
        "Retry-After",
    )
    assert ("Access-Control-Allow-Origin" in other, other.status_code) == (False, 200)


def test_the_install_check_is_written_at_most_once_a_minute(site, django_assert_num_queries):
    get_config(site.public_key)
    site.refresh_from_db()
    seen = site.last_seen_at

    with django_assert_num_queries(2):  # the key, the intercepts: no write while fresh
        get_config(site.public_key)
    site.refresh_from_db()
    unchanged = site.last_seen_at
    Site.all_orgs.filter(pk=site.pk).update(last_seen_at=seen - dt.timedelta(minutes=2))
    get_config(site.public_key)
    site.refresh_from_db()

    assert (seen is not None, unchanged, site.last_seen_at > seen) == (True, seen, True)


def test_a_304_is_an_install_check_too(site):
    etag = get_config(site.public_key)["ETag"]
    Site.all_orgs.filter(pk=site.pk).update(last_seen_at=None)

    get_config(site.public_key, HTTP_IF_NONE_MATCH=etag)

    site.refresh_from_db()
    assert site.last_seen_at is not None


def test_unknown_revoked_and_malformed_keys_answer_the_same_404(site, organization):
    revoked = SiteFactory(organization=organization, revoked_at=timezone.now())

    answers = [
        get_config(key) for key in ("cx_pk_doesnotexist", revoked.public_key, "nope", "cx_pk_" + "x" * 60)
    ]

    assert [(a.status_code, a.json()) for a in answers] == [
        (404, {"detail": "Unknown key or survey.", "errors": {}})
    ] * 4
    assert Site.all_orgs.filter(last_seen_at__isnull=False).count() == 0


@override_settings(RATE_LIMIT_CONFIG_IP="2/60", RATE_LIMIT_CLIENT_IP="1/60")
def test_too_many_loads_from_one_address_answer_429_with_retry_after(site):
    """Config loads have a limit of their own (RATE_LIMIT_CONFIG_IP): here a stricter answers' limit
    does not hold them back."""
    answers = [get_config(site.public_key, REMOTE_ADDR="203.0.113.9", HTTP_ORIGIN=ORIGIN) for _ in range(3)]
    elsewhere = get_config(site.public_key, REMOTE_ADDR="203.0.113.10")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"detail": "Too many requests. Try again later.", "errors": {}}
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert answers[2]["Access-Control-Allow-Origin"] == ORIGIN
    assert elsewhere.status_code == 200


def test_loading_the_config_takes_a_bounded_number_of_queries(
    site, organization, django_assert_num_queries, django_assert_max_num_queries
):
    for index in range(5):
        InterceptFactory(site=site, survey=published(organization, response_limit=100 if index % 2 else None))

    # Cold: the key, the install check, the intercepts, the finished counts, one query per new version.
    with django_assert_max_num_queries(4 + 5):
        first = get_config(site.public_key)
    # Warm (definitions cached in the process, install check fresh): the key, intercepts, counts.
    with django_assert_num_queries(3):
        second = get_config(site.public_key)

    assert (len(first.json()["surveys"]), second.content) == (5, first.content)


def test_the_body_is_compact_json_in_utf8(site, live_survey):
    InterceptFactory(site=site, survey=live_survey)

    response = get_config(site.public_key)

    assert response.content == json.dumps(response.json(), ensure_ascii=False, separators=(",", ":")).encode()
    assert "Порекомендуете ли вы нас?".encode() in response.content


def test_the_demo_shop_shows_the_exit_intent_survey_and_the_feedback_button(tmp_path):
    password_file = str(tmp_path / "demo_password.txt")
    call_command("seed_demo", "--password-file", password_file, stdout=StringIO())
    site = Site.all_orgs.get(name="Demo shop")
    exit_intent = Survey.all_orgs.get(organization=site.organization, name="Exit-intent survey")
    feedback = Survey.all_orgs.get(organization=site.organization, name="Website feedback")

    body = get_config(site.public_key, HTTP_ORIGIN="http://localhost:8001")

    config = body.json()
    assert (site.origins, site.cooldown_days) == (["http://localhost:8001", "http://127.0.0.1:8001"], 0)
    assert body["Access-Control-Allow-Origin"] == "http://localhost:8001"
    assert [(s["id"], s["targeting"]["trigger"]) for s in config["surveys"]] == [
        (exit_intent.public_id, {"type": "exit_intent"}),
        (feedback.public_id, {"type": "manual"}),
    ]
    assert config["button"] == {"survey": feedback.public_id, "label": None, "side": "right"}
    assert list(config["strings"]) == ["en", "ru", "zh-hans", "id"]


def test_a_demo_seeded_before_the_demo_shop_gets_it_on_the_next_run_and_only_once(tmp_path):
    password_file = str(tmp_path / "demo_password.txt")
    call_command("seed_demo", "--password-file", password_file, stdout=StringIO())
    Site.all_orgs.filter(name="Demo shop").delete()

    outputs = []
    for _run in range(2):
        out = StringIO()
        call_command("seed_demo", "--password-file", password_file, stdout=out)
        outputs.append(out.getvalue())

    assert ["Added the demo website “Demo shop”" in output for output in outputs] == [True, False]
    assert (Site.all_orgs.count(), Intercept.all_orgs.count()) == (1, 2)
