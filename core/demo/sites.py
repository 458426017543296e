"""The demo website: "Demo shop" on localhost:8001 with an exit-intent survey and a feedback button.

Serve any page with the snippet on port 8001 (for example ``python -m http.server 8001``) to see the
widget with the demo data. Everything goes through the widgets and surveys services, like a CX manager
in the app would, and running it again changes nothing.
"""

from __future__ import annotations

from typing import Final

from accounts.models import Membership, Organization
from core.demo import world
from surveys.library import template_definition
from surveys.models import Survey, SurveyStatus, Touchpoint
from surveys.services import survey_create, survey_publish, survey_set_status, touchpoint_create
from widgets.models import Site
from widgets.services import intercept_create, site_create, site_set_button

DEMO_SITE_NAME: Final = "Demo shop"
DEMO_SITE_ORIGINS: Final = ("http://localhost:8001", "http://127.0.0.1:8001")
EXIT_INTENT_SURVEY: Final = next(s for s in world.SURVEYS if s.key == "exit_intent")
WEBSITE_FEEDBACK_SURVEY: Final = next(s for s in world.SURVEYS if s.key == "website_feedback")


def _live(survey: Survey, actor: Membership) -> Survey:
    """The survey taking responses: published when it is a draft, resumed when paused or closed."""
    if survey.current_version_id is None or survey.status == SurveyStatus.DRAFT:
        survey_publish(survey=survey, actor=actor)
    elif survey.status != SurveyStatus.LIVE:
        survey_set_status(survey=survey, status=SurveyStatus.LIVE, actor=actor)
    return Survey.all_orgs.get(organization=survey.organization_id, pk=survey.pk)


def _website_touchpoint(organization: Organization) -> Touchpoint:
    touchpoint = Touchpoint.all_orgs.filter(
        organization=organization, name=EXIT_INTENT_SURVEY.touchpoint
    ).first()
    if touchpoint is None:
        touchpoint = touchpoint_create(organization=organization, name=EXIT_INTENT_SURVEY.touchpoint)
    return touchpoint


def _exit_intent_survey(organization: Organization, actor: Membership) -> Survey:
    survey = Survey.all_orgs.filter(organization=organization, name=EXIT_INTENT_SURVEY.name).first()
    if survey is None:
        # Someone removed it from the demo: make a new one from the template, as in the app.
        survey = survey_create(
            organization=organization,
            name=EXIT_INTENT_SURVEY.name,
            touchpoint=_website_touchpoint(organization),
            created_by=actor.user,
            definition=template_definition(EXIT_INTENT_SURVEY.template, EXIT_INTENT_SURVEY.base_language),
        )
    return _live(survey, actor)


def demo_site_ensure(*, organization: Organization, actor: Membership) -> tuple[Site, bool]:
    """The demo website, created with its intercepts when missing; returns it and whether it was new."""
    existing = Site.all_orgs.filter(organization=organization, name=DEMO_SITE_NAME).first()
    if existing is not None:
        return existing, False
    site = site_create(
        organization=organization,
        actor=actor,
        name=DEMO_SITE_NAME,
        origins=DEMO_SITE_ORIGINS,
        # No pause between surveys, so that a demo can be shown again and again.
        cooldown_days=0,
    )
    intercept_create(
        site=site,
        survey=_exit_intent_survey(organization, actor),
        targeting={"trigger": {"type": "exit_intent"}, "frequency": "until_answered"},
        actor=actor,
    )
    feedback = Survey.all_orgs.filter(organization=organization, name=WEBSITE_FEEDBACK_SURVEY.name).first()
    if feedback is not None:
        site_set_button(site=site, survey=_live(feedback, actor), label="", side="right", actor=actor)
    return site, True
