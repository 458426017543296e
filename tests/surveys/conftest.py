import copy

import pytest

from accounts.roles import Role
from surveys.services import survey_create, survey_publish
from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures for the browser tests here
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.factories import TouchpointFactory

DEFINITION = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en", "ru"],
    "hidden_fields": ["plan"],
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "How likely are you to recommend us?", "ru": "Порекомендуете ли вы нас?"},
            "jumps": [{"if": {"source": "answer", "key": "nps", "op": "gte", "value": 9}, "goto": "email"}],
        },
        {
            "key": "why",
            "type": "text",
            "required": True,
            "text": {"en": "What went wrong?", "ru": "Что пошло не так?"},
            "options": {"variant": "long"},
        },
        {"key": "email", "type": "text", "text": {"en": "Your email"}, "options": {"validation": "email"}},
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!", "ru": "Спасибо!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "auto"},
    "settings": {"layout": "one_per_screen", "progress": True},
}


@pytest.fixture
def definition():
    return copy.deepcopy(DEFINITION)


@pytest.fixture
def manager(organization, make_member):
    return make_member(organization, Role.CX_MANAGER, email="manager@acme.test")


@pytest.fixture
def live_survey(organization, manager, definition):
    survey = survey_create(
        organization=organization,
        name="Relationship NPS",
        touchpoint=TouchpointFactory(organization=organization),
        created_by=manager.user,
        definition=definition,
    )
    survey_publish(survey=survey, actor=manager)
    survey.refresh_from_db()
    return survey
