"""The hosted link survey (/s/<public_id>/) through Django's test client: the one-per-screen flow with
logic jumps, errors in the respondent's language, the first answer from the link, resume by cookie,
hidden fields and metadata, unavailable surveys, the all-on-one form, endings, and hostile input."""

from __future__ import annotations

import copy
import html
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from feedback.models import Response
from feedback.services import response_submit
from surveys.models import SurveyStatus
from surveys.services import survey_create, survey_publish, survey_set_status, survey_update_settings
from surveys.views.public.visit import COOKIE
from tests.factories import TouchpointFactory

pytestmark = pytest.mark.django_db

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def start_url(survey: Any) -> str:
    return f"/s/{survey.public_id}/"


def question_url(survey: Any, key: str) -> str:
    return f"/s/{survey.public_id}/q/{key}/"


def hidden_inputs(page: Any) -> dict[str, str]:
    """The hidden inputs of the page's form, as the browser would send them."""
    return {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page.content.decode())}


def text_of(page: Any) -> str:
    return page.content.decode()


def responses(survey: Any) -> list[Response]:
    return list(Response.all_orgs.filter(survey=survey))


@pytest.fixture
def publish(organization, manager):
    def make(definition: dict[str, Any], name: str = "Link survey") -> Any:
        survey = survey_create(
            organization=organization,
            name=name,
            touchpoint=TouchpointFactory(organization=organization),
            created_by=manager.user,
            definition=definition,
        )
        survey_publish(survey=survey, actor=manager)
        survey.refresh_from_db()
        return survey

    return make


# -- one question per screen ------------------------------------------------------------------------


def test_the_first_question_is_shown_with_progress_and_the_resume_cookie(client, live_survey):
    page = client.get(start_url(live_survey))

    cookie = page.cookies[COOKIE]
    body = text_of(page)
    assert page.status_code == 200
    assert '<html lang="en" class="theme-auto">' in body
    assert "How likely are you to recommend us?" in body
    assert "Question 1 of 3" in body
    assert f'action="{question_url(live_survey, "nps")}"' in body
    assert '<legend class="q-legend"><h1 class="q-title" id="q-nps-title">' in body
    assert body.count('type="radio" name="nps"') == 11
    assert str(uuid.UUID(cookie.value)) == cookie.value
    assert (cookie["path"], cookie["httponly"], cookie["samesite"], cookie["max-age"], cookie["secure"]) == (
        start_url(live_survey),
        True,
        "Lax",
        30 * 24 * 3600,
        "",
    )
    assert responses(live_survey) == []


def test_the_cookie_is_secure_over_https(client, live_survey):
    page = client.get(start_url(live_survey), secure=True)

    assert page.cookies[COOKIE]["secure"] is True


def test_a_detractor_answers_every_question_one_per_screen(client, live_survey):
    first = client.get(start_url(live_survey))
    state = hidden_inputs(first)

    to_why = client.post(question_url(live_survey, "nps"), {**state, "nps": "3"})
    why_page = client.get(to_why["Location"])
    to_email = client.post(question_url(live_survey, "why"), {"_lang": "en", "why": "  Slow delivery "})
    email_page = client.get(to_email["Location"])
    finished = client.post(question_url(live_survey, "email"), {"_lang": "en", "email": ""})
    ending = client.get(finished["Location"])

    [response] = responses(live_survey)
    assert (to_why.status_code, to_why["Location"]) == (302, question_url(live_survey, "why"))
    assert "Question 2 of 3" in text_of(why_page)
    assert f'href="{question_url(live_survey, "nps")}">Back</a>' in text_of(why_page)
    assert to_email["Location"] == question_url(live_survey, "email")
    assert "Question 3 of 3" in text_of(email_page)
    assert ">Submit</button>" in text_of(email_page)
    assert (finished.status_code, finished["Location"]) == (302, start_url(live_survey))
    assert '<h1 id="ending-title">Thank you!</h1>' in text_of(ending)
    assert response.answers == {"nps": 3, "why": "Slow delivery"}
    assert (response.survey_version_id, response.language, response.channel, response.ending) == (
        live_survey.current_version_id,
        "en",
        "link",
        "thanks",
    )
    assert response.finished_at is not None


def test_a_promoter_jumps_over_the_why_question(client, live_survey):
    client.get(start_url(live_survey))

    jumped = client.post(question_url(live_survey, "nps"), {"nps": "10"})
    email_page = client.get(jumped["Location"])
    client.post(question_url(live_survey, "email"), {"email": "ann@example.com"})

    [response] = responses(live_survey)
    assert jumped["Location"] == question_url(live_survey, "email")
    assert "Question 2 of 2" in text_of(email_page)
    assert response.answers == {"nps": 10, "email": "ann@example.com"}
    assert response.finished_at is not None


def test_going_back_and_changing_an_answer_drops_answers_off_the_new_path(client, live_survey):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "2"})
    client.post(question_url(live_survey, "why"), {"why": "Late"})

    back = client.get(question_url(live_survey, "nps"))
    client.post(question_url(live_survey, "nps"), {"nps": "9"})

    [response] = responses(live_survey)
    assert 'id="p-nps-2" value="2" checked' in text_of(back)
    assert response.answers == {"nps": 9}


def test_a_missing_required_answer_is_explained_next_to_the_question(client, live_survey):
    client.get(start_url(live_survey))

    page = client.post(question_url(live_survey, "nps"), {"_lang": "en", "nps": ""})

    body = text_of(page)
    assert page.status_code == 200
    assert 'aria-describedby="q-nps-error"' in body
    assert (
        '<p class="q-error" id="q-nps-error" role="alert"><span class="visually-hidden">Error: </span>'
        "Please answer this question.</p>"
    ) in body
    assert 'role="alert" tabindex="-1" aria-labelledby="error-summary-title" autofocus' in body
    assert '<li><a href="#p-nps-0">Please answer this question.</a></li>' in body
    assert responses(live_survey) == []


def test_an_out_of_range_answer_is_refused_with_the_scale(client, live_survey):
    page = client.post(question_url(live_survey, "nps"), {"nps": "11"})

    assert "Please choose a number from 0 to 10." in text_of(page)
    assert responses(live_survey) == []


def test_the_page_and_its_errors_follow_the_language_of_the_link(client, live_survey):
    first = client.get(start_url(live_survey) + "?lang=ru")
    state = hidden_inputs(first)

    page = client.post(question_url(live_survey, "nps"), {**state, "nps": ""})

    with translation.override("ru"):
        required, next_label = gettext("Please answer this question."), gettext("Next")
    assert '<html lang="ru"' in text_of(first)
    assert "Порекомендуете ли вы нас?" in text_of(first)
    assert state["_lang"] == "ru"
    assert '<html lang="ru"' in text_of(page)
    assert f"{required}</p>" in text_of(page)
    assert f">{next_label}</button>" in text_of(page)
    assert f'<a href="/s/{live_survey.public_id}/?lang=en" hreflang="en" lang="en">English</a>' in text_of(
        page
    )


def test_the_language_comes_from_the_browser_when_the_link_names_none(client, live_survey):
    page = client.get(start_url(live_survey), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    other = client.get(start_url(live_survey), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert '<html lang="ru"' in text_of(page)
    assert '<html lang="en"' in text_of(other)


def test_an_unknown_language_in_the_link_falls_back(client, live_survey):
    page = client.get(start_url(live_survey) + "?lang=xx-evil")

    assert '<html lang="en"' in text_of(page)
    assert hidden_inputs(page)["_lang"] == "en"


def test_the_language_stays_with_the_response(client, live_survey):
    first = client.get(start_url(live_survey) + "?lang=ru")
    client.post(question_url(live_survey, "nps"), {**hidden_inputs(first), "nps": "4"})

    why_page = client.get(question_url(live_survey, "why"))
    client.get(question_url(live_survey, "why") + "?lang=en")

    [response] = responses(live_survey)
    assert "Что пошло не так?" in text_of(why_page)
    assert response.language == "en"


# -- the first answer from the link ---------------------------------------------------------------------


def test_a_first_answer_in_the_link_is_saved_and_the_respondent_moves_on(client, live_survey):
    landed = client.get(start_url(live_survey) + "?nps=9&source=email")
    next_page = client.get(landed["Location"])

    [response] = responses(live_survey)
    assert (landed.status_code, landed["Location"]) == (302, question_url(live_survey, "email"))
    assert landed.cookies[COOKIE].value == str(response.client_id)
    assert (response.answers, response.nps, response.finished_at) == ({"nps": 9}, 9, None)
    assert (response.channel, response.meta["channel"], response.meta["source"]) == (
        "email",
        "email",
        "email",
    )
    assert "Question 2 of 2" in text_of(next_page)


@pytest.mark.parametrize(
    ("token", "stored"),
    [("Ab3_dE9-xY7zQ1w2", "Ab3_dE9-xY7zQ1w2"), ("short", None), ("has spaces in it at all", None)],
)
def test_a_follow_up_token_in_the_link_is_kept_with_the_response(client, live_survey, token, stored):
    client.get(start_url(live_survey) + f"?nps=8&followup={token}")

    [response] = responses(live_survey)
    assert response.meta.get("followup") == stored


@pytest.mark.parametrize("value", ["11", "nine", "", "9.5", "-1"])
def test_a_first_answer_that_does_not_fit_is_ignored(client, live_survey, value):
    page = client.get(start_url(live_survey) + f"?nps={value}")

    assert page.status_code == 200
    assert "Question 1 of 3" in text_of(page)
    assert responses(live_survey) == []


def test_a_first_answer_in_the_link_finishes_a_one_question_survey(client, publish, definition):
    definition["questions"] = definition["questions"][:1]
    definition["questions"][0]["jumps"] = []
    survey = publish(definition)

    landed = client.get(start_url(survey) + "?nps=10")

    [response] = responses(survey)
    assert landed["Location"] == start_url(survey)
    assert "Thank you!" in text_of(client.get(start_url(survey)))
    assert response.finished_at is not None


# -- resume -----------------------------------------------------------------------------------------------


def test_the_cookie_resumes_at_the_first_unanswered_question(client, live_survey):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "5"})

    resumed = client.get(start_url(live_survey))
    stranger = Client().get(start_url(live_survey))

    assert (resumed.status_code, resumed["Location"]) == (302, question_url(live_survey, "why"))
    assert stranger.status_code == 200
    assert "Question 1 of 3" in text_of(stranger)


def test_a_question_beyond_the_next_required_one_cannot_be_opened(client, live_survey):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "5"})

    skipped = client.get(question_url(live_survey, "email"))
    without_response = Client().get(question_url(live_survey, "why"))

    assert (skipped.status_code, skipped["Location"]) == (302, start_url(live_survey))
    assert (without_response.status_code, without_response["Location"]) == (302, start_url(live_survey))


def test_a_finished_response_shows_its_ending_again_and_is_never_answered_twice(client, live_survey):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "10"})
    client.post(question_url(live_survey, "email"), {"email": ""})

    again = client.get(start_url(live_survey))
    replay = client.post(question_url(live_survey, "nps"), {"nps": "0"})
    prefill = client.get(start_url(live_survey) + "?nps=1")

    [response] = responses(live_survey)
    assert "Thank you!" in text_of(again)
    assert (replay.status_code, replay["Location"]) == (302, start_url(live_survey))
    assert "Thank you!" in text_of(prefill)
    assert response.answers == {"nps": 10}


def test_a_resumed_response_keeps_its_version_after_a_new_one_is_published(client, live_survey, manager):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "5"})
    first_version = live_survey.current_version_id
    live_survey.draft["questions"][1]["text"]["en"] = "What should we fix?"
    live_survey.save(update_fields=["draft"])
    survey_publish(survey=live_survey, actor=manager)

    page = client.get(question_url(live_survey, "why"))

    [response] = responses(live_survey)
    assert "What went wrong?" in text_of(page)
    assert response.survey_version_id == first_version


# -- hidden fields and metadata ------------------------------------------------------------------------


def test_only_declared_hidden_fields_and_the_link_metadata_are_stored(client, live_survey):
    first = client.get(
        start_url(live_survey) + "?plan=pro&secret=x&source=qr",
        HTTP_USER_AGENT=IPHONE,
        HTTP_REFERER="https://shop.example.com/order/42",
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8",
    )
    state = hidden_inputs(first)

    client.post(question_url(live_survey, "nps"), {**state, "_h.secret": "tampered", "nps": "7"})

    [response] = responses(live_survey)
    assert "_h.secret" not in state
    assert response.hidden_fields == {"plan": "pro"}
    assert response.meta == {
        "channel": "qr",
        "source": "qr",
        "device": "mobile",
        "url": f"http://testserver{start_url(live_survey)}",
        "referrer": "https://shop.example.com/order/42",
        "locale": "en-gb",
    }
    assert response.channel == "link"


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (IPHONE, "mobile"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "tablet"),
        ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "tablet"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
            "mobile",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "desktop"),
        ("", "desktop"),
    ],
)
def test_the_device_is_read_from_the_user_agent(client, live_survey, user_agent, device):
    page = client.get(start_url(live_survey), HTTP_USER_AGENT=user_agent)

    assert hidden_inputs(page)["_m.device"] == device


def test_the_language_switcher_keeps_the_link_state_but_not_our_own_referrer(client, live_survey):
    page = client.get(start_url(live_survey) + "?plan=pro&source=qr")
    switched = client.get(
        start_url(live_survey) + "?plan=pro&source=qr&lang=ru",
        HTTP_REFERER=f"http://testserver{start_url(live_survey)}",
    )

    assert f'href="{start_url(live_survey)}?plan=pro&amp;source=qr&amp;lang=ru"' in text_of(page)
    assert "_m.referrer" not in hidden_inputs(switched)
    assert hidden_inputs(switched)["_h.plan"] == "pro"


def test_hidden_fields_are_piped_into_text_and_escaped(client, publish, definition):
    definition["hidden_fields"] = ["name"]
    definition["questions"][0]["text"]["en"] = "Hi {{hidden.name|friend}}, would you recommend us?"
    survey = publish(definition)

    named = client.get(start_url(survey) + "?name=%3Cb%3EBob%3C%2Fb%3E")
    anonymous = Client().get(start_url(survey))

    assert "Hi &lt;b&gt;Bob&lt;/b&gt;, would you recommend us?" in text_of(named)
    assert "Hi friend, would you recommend us?" in text_of(anonymous)


# -- surveys that take no answers ------------------------------------------------------------------------


def test_a_paused_survey_says_so(client, live_survey, manager):
    survey_set_status(survey=live_survey, status=SurveyStatus.PAUSED, actor=manager)

    page = client.get(start_url(live_survey))

    assert page.status_code == 200
    assert "This survey is paused. Please come back later." in text_of(page)
    assert COOKIE not in page.cookies


def test_a_closed_survey_is_gone(client, live_survey, manager):
    survey_set_status(survey=live_survey, status=SurveyStatus.CLOSED, actor=manager)

    page = client.get(start_url(live_survey))
    question = client.get(question_url(live_survey, "nps"))

    assert (page.status_code, question.status_code) == (410, 410)
    assert "This survey is closed. Thank you for your interest." in text_of(page)


def test_a_survey_past_its_closing_date_is_closed(client, live_survey, manager):
    _update_settings(live_survey, manager, ends_at=timezone.now() - timedelta(minutes=1))
    # The closing date may only be set after the opening date; an open survey without start is fine.

    assert client.get(start_url(live_survey)).status_code == 410


def test_a_survey_that_has_not_opened_yet_says_when(client, live_survey, manager):
    _update_settings(live_survey, manager, starts_at=timezone.now() + timedelta(days=1))

    page = client.get(start_url(live_survey))

    assert page.status_code == 200
    assert "This survey is not open yet." in text_of(page)


def test_a_full_survey_says_so(client, live_survey, manager):
    _update_settings(live_survey, manager, response_limit=1)
    response_submit(
        survey=live_survey, client_id=uuid.uuid4(), answers={"nps": 10}, finished=True, channel="link"
    )

    page = client.get(start_url(live_survey))

    assert page.status_code == 200
    assert "This survey has received all the responses it needs. Thank you!" in text_of(page)


def test_an_unpublished_survey_is_not_found(client, organization, manager, definition):
    draft = survey_create(
        organization=organization,
        name="Draft",
        touchpoint=TouchpointFactory(organization=organization),
        created_by=manager.user,
        definition=definition,
    )

    page = client.get(start_url(draft))
    post = client.post(question_url(draft, "nps"), {"nps": "5"})

    assert (page.status_code, post.status_code) == (404, 404)
    assert "This survey has not been published yet." in text_of(page)
    assert responses(draft) == []


def test_an_unknown_survey_is_a_404_page_not_a_login(client, db):
    page = client.get("/s/nothing-here/")
    question = client.post("/s/nothing-here/q/nps/", {"nps": "1"})

    assert (page.status_code, question.status_code) == (404, 404)
    assert '<h1 id="not-found-title">Survey not found</h1>' in text_of(page)


def test_the_unavailable_page_speaks_the_survey_language(client, live_survey, manager):
    survey_set_status(survey=live_survey, status=SurveyStatus.PAUSED, actor=manager)

    page = client.get(start_url(live_survey) + "?lang=ru")

    with translation.override("ru"):
        title = gettext("This survey is paused")
        message = gettext("This survey is paused. Please come back later.")
    assert '<html lang="ru"' in text_of(page)
    assert f'<h1 id="unavailable-title">{title}</h1>' in text_of(page)
    assert message in text_of(page)


def test_a_started_response_may_be_finished_after_the_survey_pauses(client, live_survey, manager):
    client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "10"})
    survey_set_status(survey=live_survey, status=SurveyStatus.PAUSED, actor=manager)

    finished = client.post(question_url(live_survey, "email"), {"email": ""})

    [response] = responses(live_survey)
    assert finished["Location"] == start_url(live_survey)
    assert response.finished_at is not None


def _update_settings(survey: Any, manager: Any, **changes: Any) -> None:
    values = {
        "name": survey.name,
        "touchpoint": survey.touchpoint,
        "starts_at": None,
        "ends_at": None,
        "response_limit": None,
        "sampling_percent": 100,
        "recontact_days": None,
    }
    survey_update_settings(survey=survey, actor=manager, **{**values, **changes})


# -- all on one page -----------------------------------------------------------------------------------


@pytest.fixture
def one_page_survey(publish, definition):
    definition["settings"] = {"layout": "all_on_one", "progress": False}
    return publish(definition)


def test_all_questions_are_in_one_form_with_the_logic_for_the_page_script(client, one_page_survey):
    page = client.get(start_url(one_page_survey))

    body = text_of(page)
    assert page.status_code == 200
    assert body.count('<form class="survey-form"') == 1
    assert f'action="{start_url(one_page_survey)}"' in body
    assert re.findall(r'data-question="([a-z_]+)"', body) == ["nps", "why", "email"]
    assert '<script id="survey-logic" type="application/json">' in body
    assert '<h1 class="survey-title">Your feedback</h1>' in body
    assert '<h2 class="q-title" id="q-nps-title">' in body


def test_the_one_page_form_drops_answers_that_the_logic_hides(client, one_page_survey):
    page = client.get(start_url(one_page_survey))

    done = client.post(
        start_url(one_page_survey),
        {**hidden_inputs(page), "nps": "10", "why": "x" * 6000, "email": "ann@example.com"},
    )

    [response] = responses(one_page_survey)
    assert (done.status_code, done["Location"]) == (302, start_url(one_page_survey))
    assert response.answers == {"nps": 10, "email": "ann@example.com"}
    assert response.finished_at is not None
    assert "Thank you!" in text_of(client.get(start_url(one_page_survey)))


def test_the_one_page_form_shows_every_error_on_the_path(client, one_page_survey):
    page = client.post(start_url(one_page_survey), {"nps": "3", "why": "", "email": "not-an-email"})

    body = text_of(page)
    assert page.status_code == 200
    assert '<li><a href="#q-why-input">Please answer this question.</a></li>' in body
    assert '<li><a href="#q-email-input">Please enter a valid email address.</a></li>' in body
    assert 'value="not-an-email"' in body
    assert 'id="p-nps-3" value="3" checked' in body
    assert responses(one_page_survey) == []


def test_the_one_page_form_saves_partial_answers_for_resume(client, one_page_survey):
    client.get(start_url(one_page_survey))

    saved = client.post(start_url(one_page_survey), {"_partial": "1", "nps": "4", "email": "broken"})
    resumed = client.get(start_url(one_page_survey))

    [response] = responses(one_page_survey)
    assert saved.json() == {"saved": True}
    assert (response.answers, response.finished_at) == ({"nps": 4}, None)
    assert 'id="p-nps-4" value="4" checked' in text_of(resumed)


# -- every question type -------------------------------------------------------------------------------

EVERY_TYPE: dict[str, Any] = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en"],
    "hidden_fields": ["name"],
    "questions": [
        {
            "key": "intro",
            "type": "info",
            "text": {"en": "Hello {{hidden.name|friend}}"},
            "description": {"en": "It takes two minutes."},
        },
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "Recommend us?"},
            "options": {"low_label": {"en": "Not likely"}, "high_label": {"en": "Very likely"}},
        },
        {"key": "csat", "type": "csat", "text": {"en": "Satisfied?"}, "options": {"style": "faces"}},
        {"key": "ces", "type": "ces", "text": {"en": "Easy?"}},
        {
            "key": "stars",
            "type": "rating",
            "text": {"en": "Stars?"},
            "options": {"points": 5, "style": "stars"},
        },
        {"key": "thumbs", "type": "rating", "text": {"en": "Thumbs?"}, "options": {"style": "thumbs"}},
        {
            "key": "plan",
            "type": "single_choice",
            "text": {"en": "Your plan, {{answer.nps}}?"},
            "choices": [{"key": "free", "label": {"en": "Free"}}, {"key": "pro", "label": {"en": "Pro"}}],
            "options": {"allow_other": True},
        },
        {
            "key": "country",
            "type": "dropdown",
            "text": {"en": "Country?"},
            "choices": [
                {"key": "de", "label": {"en": "Germany"}},
                {"key": "id", "label": {"en": "Indonesia"}},
            ],
        },
        {
            "key": "features",
            "type": "multiple_choice",
            "text": {"en": "Features?"},
            "choices": [
                {"key": "api", "label": {"en": "API"}},
                {"key": "sso", "label": {"en": "SSO"}},
                {"key": "export", "label": {"en": "Export"}},
            ],
            "options": {"allow_other": True, "max_selected": 3},
        },
        {"key": "phone", "type": "text", "text": {"en": "Phone?"}, "options": {"validation": "phone"}},
        {
            "key": "amount",
            "type": "text",
            "text": {"en": "Amount?"},
            "options": {"validation": "number", "max_length": 10},
        },
        {"key": "again", "type": "yes_no", "text": {"en": "Again?"}},
        {
            "key": "grid",
            "type": "matrix",
            "text": {"en": "Rate us"},
            "rows": [{"key": "speed", "label": {"en": "Speed"}}, {"key": "price", "label": {"en": "Price"}}],
            "columns": [
                {"key": "bad", "label": {"en": "Bad"}},
                {"key": "ok", "label": {"en": "OK"}},
                {"key": "good", "label": {"en": "Good"}},
            ],
        },
        {
            "key": "order",
            "type": "ranking",
            "text": {"en": "Order these"},
            "choices": [
                {"key": "x", "label": {"en": "Price"}},
                {"key": "y", "label": {"en": "Quality"}},
                {"key": "z", "label": {"en": "Speed"}},
            ],
        },
        {
            "key": "gdpr",
            "type": "consent",
            "required": True,
            "text": {"en": "Consent"},
            "options": {"label": {"en": "I agree to be contacted"}},
        },
        {
            "key": "me",
            "type": "contact",
            "text": {"en": "Your details"},
            "options": {"fields": {"name": {}, "email": {"required": True}}},
        },
    ],
    "endings": [
        {
            "key": "thanks",
            "type": "message",
            "title": {"en": "Thanks!"},
            "text": {"en": "Bye {{answer.me.name}}"},
        }
    ],
    "theme": {"brand_color": "#ffcc00", "mode": "dark", "logo_url": "https://cdn.example.com/logo.png"},
    "settings": {"layout": "all_on_one", "progress": False},
}

EVERY_ANSWER = {
    "nps": "9",
    "csat": "4",
    "ces": "2",
    "stars": "5",
    "thumbs": "1",
    "plan": "other",
    "plan.other": "Enterprise",
    "country": "de",
    "features": ["api", "other"],
    "features.other": "Webhooks",
    "phone": "+49 30 1234567",
    "amount": "12,5",
    "again": "true",
    "grid.speed": "good",
    "grid.price": "ok",
    "order": ["z", "x", "y"],
    "gdpr": "true",
    "me.name": "Ann",
    "me.email": "ann@example.com",
}


@pytest.fixture
def every_type(publish):
    return publish(copy.deepcopy(EVERY_TYPE))


def test_every_question_type_is_rendered_with_accessible_markup(client, every_type):
    page = client.get(start_url(every_type) + "?name=Ann")

    body = text_of(page)
    assert page.status_code == 200
    assert '<html lang="en" class="theme-dark">' in body
    assert '<body data-brand="#ffcc00">' in body
    assert '<img class="survey-logo" src="https://cdn.example.com/logo.png" alt="Acme">' in body
    assert "img-src 'self' data: https:" in page["Content-Security-Policy"]
    assert '<h2 class="q-title" id="q-intro-title">Hello Ann</h2>' in body
    assert '<p class="q-description" id="q-intro-desc">It takes two minutes.</p>' in body
    assert 'aria-describedby="q-nps-ends"' in body
    assert '<span class="visually-hidden">0: </span>Not likely' in body
    assert '<span class="visually-hidden">4 of 5</span>' in body
    assert '<span class="visually-hidden">3 stars</span>' in body
    assert '<span class="visually-hidden">Thumbs up</span>' in body
    assert 'id="o-plan" value="other"' in body
    assert '<label for="o-plan-text">If other, please specify</label>' in body
    assert '<label for="q-country-input">Country?</label>' in body
    assert '<option value="">Choose an option</option>' in body
    assert body.count('type="checkbox" name="features"') == 4
    assert 'type="tel" id="q-phone-input" name="phone" value="" maxlength="5000" autocomplete="tel"' in body
    assert 'maxlength="10" autocomplete="off" inputmode="decimal"' in body
    assert '<th scope="col">Good</th>' in body
    assert '<th scope="row" id="m-grid-speed">Speed</th>' in body
    assert 'aria-labelledby="m-grid-speed m-grid-speed-good-label"' in body
    assert body.count('name="order"') == 3
    assert '<label for="r-order-1">Place 1</label>' in body
    assert "<span>I agree to be contacted</span>" in body
    assert 'autocomplete="email" maxlength="254" aria-required="true"' in body
    assert 'autocomplete="name"' in body


def test_every_question_type_is_stored_as_its_answer(client, every_type):
    page = client.get(start_url(every_type))

    done = client.post(start_url(every_type), {**hidden_inputs(page), **EVERY_ANSWER})
    ending = client.get(start_url(every_type))

    [response] = responses(every_type)
    assert done.status_code == 302
    assert response.answers == {
        "nps": 9,
        "csat": 4,
        "ces": 2,
        "stars": 5,
        "thumbs": 1,
        "plan": {"other": "Enterprise"},
        "country": "de",
        "features": ["api", {"other": "Webhooks"}],
        "phone": "+49 30 1234567",
        "amount": "12,5",
        "again": True,
        "grid": {"speed": "good", "price": "ok"},
        "order": ["z", "x", "y"],
        "gdpr": True,
        "me": {"name": "Ann", "email": "ann@example.com"},
    }
    assert '<h1 id="ending-title">Thanks!</h1>' in text_of(ending)


def test_a_required_consent_must_be_ticked(client, every_type):
    answers = {k: v for k, v in EVERY_ANSWER.items() if k != "gdpr"}

    page = client.post(start_url(every_type), answers)

    assert "Please tick the box to give your consent." in text_of(page)
    assert responses(every_type) == []


def test_randomised_choices_keep_their_order_for_one_response(publish, definition):
    definition["questions"].insert(
        1,
        {
            "key": "colour",
            "type": "single_choice",
            "text": {"en": "Colour?"},
            "choices": [
                {"key": k, "label": {"en": k.title()}} for k in ("red", "green", "blue", "cyan", "pink")
            ],
            "options": {"randomize": True},
        },
    )
    definition["settings"]["layout"] = "all_on_one"
    survey = publish(definition)
    first, second = Client(), Client()
    first.cookies[COOKIE] = "00000000-0000-4000-8000-000000000001"
    second.cookies[COOKIE] = "00000000-0000-4000-8000-000000000002"

    def order(client: Client) -> list[str]:
        return re.findall(r'name="colour" id="c-colour-([a-z]+)"', text_of(client.get(start_url(survey))))

    assert order(first) == order(first)
    assert sorted(order(first)) == ["blue", "cyan", "green", "pink", "red"]
    assert order(first) != order(second)


# -- endings ---------------------------------------------------------------------------------------------


@pytest.fixture
def redirecting_survey(publish, definition):
    definition["endings"] = [
        {"key": "store", "type": "redirect", "url": "https://reviews.example.com/acme?from=survey"},
        {"key": "thanks", "type": "message", "title": {"en": "Thank you!"}},
    ]
    return publish(definition)


def test_a_redirect_ending_sends_the_respondent_away_after_finishing(client, redirecting_survey):
    page = client.get(start_url(redirecting_survey))
    client.post(question_url(redirecting_survey, "nps"), {**hidden_inputs(page), "nps": "10"})

    finished = client.post(question_url(redirecting_survey, "email"), {"email": ""})
    again = client.get(start_url(redirecting_survey))

    [response] = responses(redirecting_survey)
    assert "form-action 'self' https://reviews.example.com" in page["Content-Security-Policy"]
    assert (finished.status_code, finished["Location"]) == (
        302,
        "https://reviews.example.com/acme?from=survey",
    )
    assert again["Location"] == "https://reviews.example.com/acme?from=survey"
    assert response.ending == "store"


def test_a_jump_may_end_with_a_chosen_ending(client, publish, definition):
    definition["questions"][0]["jumps"] = [
        {"if": {"source": "answer", "key": "nps", "op": "lte", "value": 2}, "end": "sorry"}
    ]
    definition["endings"].append({"key": "sorry", "type": "message", "title": {"en": "Sorry to hear that"}})
    survey = publish(definition)
    page = client.get(start_url(survey))

    done = client.post(question_url(survey, "nps"), {**hidden_inputs(page), "nps": "1"})

    [response] = responses(survey)
    assert done["Location"] == start_url(survey)
    assert "Sorry to hear that" in text_of(client.get(start_url(survey)))
    assert (response.ending, response.answers) == ("sorry", {"nps": 1})


# -- hostile input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"nps": "abc"}, 200),
        ({"nps": "99999999999999999999999999"}, 200),
        ({"nps": ["1", "2"]}, 302),
        ({"nps": "\x00"}, 200),
        ({"unknown": "1", "nps": "5"}, 302),
        ({"_lang": "<script>", "nps": "5"}, 302),
        ({"_h.plan": "y" * 10_000, "_m.url": "javascript:alert(1)", "_m.evil": "x", "nps": "5"}, 302),
        ({}, 200),
    ],
)
def test_tampered_answers_never_break_the_page(client, live_survey, data, status):
    page = client.post(question_url(live_survey, "nps"), data)

    assert page.status_code == status


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"nps": "5", "why": ["a", "b"], "email": "x" * 10_000}, 200),
        ({"nps": "5", "why": "ok", "unknown": "1", "_partial": "yes"}, 302),
        ({"nps": {"a": 1}}, 200),
        ({"_partial": "1", "nps": "x", "why": "\x00"}, 200),
    ],
)
def test_tampered_one_page_forms_never_break_the_page(client, one_page_survey, data, status):
    page = client.post(start_url(one_page_survey), data)

    assert page.status_code == status


def test_tampered_answers_of_every_type_are_refused_politely(client, every_type):
    garbage = {
        **EVERY_ANSWER,
        "plan": "vip",
        "features": ["api", "api", "nope"],
        "grid.speed": "terrible",
        "order": ["x", "x", "y"],
        "again": "maybe",
        "me.email": "nope",
    }

    page = client.post(start_url(every_type), garbage)

    body = text_of(page)
    assert page.status_code == 200
    assert "Please choose one of the options." in body
    assert "Please choose each option once." in body
    assert "Please choose from the options shown." in body
    assert "Please put every option in order." in body
    assert "Please answer yes or no." in body
    assert "Please enter a valid email address." in body
    assert responses(every_type) == []


def test_hostile_urls_and_cookies_are_handled(client, live_survey):
    client.cookies[COOKIE] = "not-a-uuid"
    garbage_cookie = client.get(start_url(live_survey))
    unknown_question = client.get(question_url(live_survey, "nope"))
    wrong_method = client.put(start_url(live_survey))
    start_post = client.post(start_url(live_survey), {"nps": "5"})

    assert garbage_cookie.status_code == 200
    assert garbage_cookie.cookies[COOKIE].value != "not-a-uuid"
    assert (unknown_question.status_code, unknown_question["Location"]) == (302, start_url(live_survey))
    assert wrong_method.status_code == 405
    assert (start_post.status_code, start_post["Location"]) == (302, start_url(live_survey))
    assert responses(live_survey) == []


def test_a_cookie_of_another_surveys_response_starts_afresh(client, live_survey, publish, definition):
    other = publish(definition, name="Other")
    foreign = response_submit(
        survey=other, client_id=uuid.uuid4(), answers={"nps": 1}, finished=False, channel="link"
    )
    client.cookies[COOKIE] = str(foreign.response.client_id)

    page = client.get(start_url(live_survey))
    client.post(question_url(live_survey, "nps"), {"nps": "6"})

    [response] = responses(live_survey)
    assert page.status_code == 200
    assert response.client_id != foreign.response.client_id
    assert Response.all_orgs.get(pk=foreign.response.pk).answers == {"nps": 1}


def test_the_forms_are_csrf_protected(live_survey):
    client = Client(enforce_csrf_checks=True)

    refused = client.post(question_url(live_survey, "nps"), {"nps": "5"})
    page = client.get(start_url(live_survey))
    accepted = client.post(question_url(live_survey, "nps"), {**hidden_inputs(page), "nps": "5"})

    assert (refused.status_code, accepted.status_code) == (403, 302)
