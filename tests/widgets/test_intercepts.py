"""Intercepts: the targeting rules, the services that put surveys on a site, and the migration from the
plain site-survey links."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import InterceptFactory, SiteFactory, SurveyFactory
from widgets.models import Intercept, Site
from widgets.services import (
    intercept_create,
    intercept_delete,
    intercept_update,
    site_seen,
    site_set_button,
    site_update,
)
from widgets.targeting import default_targeting, validate_targeting

DEFAULTS = {
    "trigger": {"type": "page_view"},
    "delay_seconds": 0,
    "urls": [],
    "devices": [],
    "languages": [],
    "frequency": "until_answered",
    "placement": "bottom_right",
}


# --- targeting ---------------------------------------------------------------------------------------


def test_an_empty_targeting_gets_every_default():
    assert (validate_targeting({}), default_targeting()) == (DEFAULTS, DEFAULTS)


@pytest.mark.parametrize(
    ("trigger", "normalised"),
    [
        ({"type": "page_view"}, {"type": "page_view"}),
        ({"type": "time_on_page", "seconds": 30}, {"type": "time_on_page", "seconds": 30}),
        ({"type": "scroll", "percent": 100}, {"type": "scroll", "percent": 100}),
        ({"type": "exit_intent"}, {"type": "exit_intent"}),
        ({"type": "click", "selector": "  #buy .btn  "}, {"type": "click", "selector": "#buy .btn"}),
        ({"type": "rage_click"}, {"type": "rage_click", "clicks": 3, "within_ms": 1000}),
        (
            {"type": "rage_click", "clicks": 10, "within_ms": 300},
            {"type": "rage_click", "clicks": 10, "within_ms": 300},
        ),
        (
            {"type": "event", "name": "checkout:step-2.done_"},
            {"type": "event", "name": "checkout:step-2.done_"},
        ),
        ({"type": "manual"}, {"type": "manual"}),
    ],
)
def test_every_trigger_is_normalised_with_its_defaults(trigger, normalised):
    assert validate_targeting({"trigger": trigger}) == {**DEFAULTS, "trigger": normalised}


def test_a_full_targeting_is_normalised():
    targeting = validate_targeting(
        {
            "trigger": {"type": "time_on_page", "seconds": 3600},
            "delay_seconds": 3600,
            "urls": [
                {"op": "starts_with", "value": " /checkout ", "exclude": False},
                {"op": "regex", "value": r"^https://shop\.example/(cart|pay)(?=\?|$)"},
                {"op": "contains", "value": "preview=1", "exclude": True},
            ],
            "devices": ["mobile", "desktop"],
            "languages": ["ru", "en"],
            "frequency": "every_days",
            "every_days": 365,
            "placement": "center",
        }
    )

    assert targeting == {
        "trigger": {"type": "time_on_page", "seconds": 3600},
        "delay_seconds": 3600,
        "urls": [
            {"op": "starts_with", "value": "/checkout", "exclude": False},
            {"op": "regex", "value": r"^https://shop\.example/(cart|pay)(?=\?|$)", "exclude": False},
            {"op": "contains", "value": "preview=1", "exclude": True},
        ],
        "devices": ["desktop", "mobile"],
        "languages": ["en", "ru"],
        "frequency": "every_days",
        "every_days": 365,
        "placement": "center",
    }


def test_every_days_is_dropped_unless_the_frequency_uses_it():
    assert validate_targeting({"frequency": "once", "every_days": 3}) == {**DEFAULTS, "frequency": "once"}


RANGE = "Enter a whole number from %d to %d."
JS_ONLY = (
    "Named groups written (?P…), comments, atomic groups, conditionals and inline flags are Python-only: "
    "the widget runs JavaScript regular expressions."
)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"trigger": {"type": "hover"}}, {"trigger.type": ["Choose when the survey appears."]}),
        ({"trigger": "page_view"}, {"trigger.type": ["Choose when the survey appears."]}),
        (
            {"trigger": {"type": "time_on_page"}},
            {"trigger.seconds": ["Enter after how many seconds on the page the survey appears."]},
        ),
        ({"trigger": {"type": "time_on_page", "seconds": 0}}, {"trigger.seconds": [RANGE % (1, 3600)]}),
        ({"trigger": {"type": "time_on_page", "seconds": "10"}}, {"trigger.seconds": [RANGE % (1, 3600)]}),
        ({"trigger": {"type": "time_on_page", "seconds": True}}, {"trigger.seconds": [RANGE % (1, 3600)]}),
        (
            {"trigger": {"type": "scroll"}},
            {"trigger.percent": ["Enter how far down the page, in percent, the visitor must scroll."]},
        ),
        ({"trigger": {"type": "scroll", "percent": 101}}, {"trigger.percent": [RANGE % (1, 100)]}),
        (
            {"trigger": {"type": "click", "selector": " "}},
            {"trigger.selector": ["Enter the CSS selector of the element, such as #buy or .help."]},
        ),
        (
            {"trigger": {"type": "click", "selector": "#a" * 101}},
            {"trigger.selector": ["Keep the selector on one line, at most 200 characters."]},
        ),
        (
            {"trigger": {"type": "click", "selector": "#a\n#b"}},
            {"trigger.selector": ["Keep the selector on one line, at most 200 characters."]},
        ),
        (
            {"trigger": {"type": "rage_click", "clicks": 2, "within_ms": 5001}},
            {"trigger.clicks": [RANGE % (3, 10)], "trigger.within_ms": [RANGE % (300, 5000)]},
        ),
        (
            {"trigger": {"type": "event", "name": "add to cart"}},
            {"trigger.name": ["Use 1 to 64 letters, digits and the signs _ . : - for the event name."]},
        ),
        (
            {"trigger": {"type": "event", "name": "e" * 65}},
            {"trigger.name": ["Use 1 to 64 letters, digits and the signs _ . : - for the event name."]},
        ),
        (
            {"trigger": {"type": "page_view", "seconds": 5}},
            {"trigger.seconds": ["This trigger has no setting “seconds”."]},
        ),
        ({"colour": "red"}, {"colour": ["Targeting has no setting “colour”."]}),
        ({"delay_seconds": 3601}, {"delay_seconds": [RANGE % (0, 3600)]}),
        ({"delay_seconds": -1}, {"delay_seconds": [RANGE % (0, 3600)]}),
        ({"urls": "/checkout"}, {"urls": ["URL rules must be a list."]}),
        ({"urls": [{"op": "contains", "value": "x"}] * 21}, {"urls": ["Use at most 20 URL rules."]}),
        ({"urls": ["/checkout"]}, {"urls.0": ["Each URL rule needs a match and a value."]}),
        ({"urls": [{"op": "glob", "value": "/a/*"}]}, {"urls.0.op": ["Choose how the address is matched."]}),
        ({"urls": [{"op": "exact", "value": "  "}]}, {"urls.0.value": ["Enter the address or part of it."]}),
        (
            {"urls": [{"op": "exact", "value": "/" + "a" * 500}]},
            {"urls.0.value": ["Use at most 500 characters."]},
        ),
        (
            {"urls": [{"op": "exact", "value": "/", "exclude": "yes"}]},
            {"urls.0.exclude": ["Choose whether the rule includes or excludes pages."]},
        ),
        (
            {"urls": [{"op": "exact", "value": "/", "flags": "i"}]},
            {"urls.0.flags": ["A URL rule has no setting “flags”."]},
        ),
        (
            {"urls": [{"op": "regex", "value": "[a-"}]},
            {"urls.0.value": ["This is not a valid regular expression."]},
        ),
        ({"urls": [{"op": "regex", "value": "(?P<step>\\d+)"}]}, {"urls.0.value": [JS_ONLY]}),
        ({"urls": [{"op": "regex", "value": "a(?#comment)"}]}, {"urls.0.value": [JS_ONLY]}),
        ({"urls": [{"op": "regex", "value": "(?i)checkout"}]}, {"urls.0.value": [JS_ONLY]}),
        ({"urls": [{"op": "regex", "value": "(?>a+)b"}]}, {"urls.0.value": [JS_ONLY]}),
        (
            {"urls": [{"op": "regex", "value": "\\Ahttps://"}]},
            {
                "urls.0.value": [
                    "Use ^ and $ instead of \\A and \\Z: the widget runs JavaScript regular expressions."
                ]
            },
        ),
        (
            {"urls": [{"op": "regex", "value": "pay\\Z"}]},
            {
                "urls.0.value": [
                    "Use ^ and $ instead of \\A and \\Z: the widget runs JavaScript regular expressions."
                ]
            },
        ),
        (
            {"urls": [{"op": "regex", "value": "a++"}]},
            {
                "urls.0.value": [
                    "Possessive quantifiers are Python-only: the widget runs JavaScript regular expressions."
                ]
            },
        ),
        ({"devices": ["watch"]}, {"devices": ["Choose from the options shown."]}),
        ({"devices": "mobile"}, {"devices": ["Choose from the options shown."]}),
        ({"languages": ["fr"]}, {"languages": ["Choose from the options shown."]}),
        ({"frequency": "daily"}, {"frequency": ["Choose how often the survey may appear."]}),
        (
            {"frequency": "every_days"},
            {"every_days": ["Enter after how many days the survey may appear again."]},
        ),
        ({"frequency": "every_days", "every_days": 0}, {"every_days": [RANGE % (1, 365)]}),
        ({"placement": "top"}, {"placement": ["Choose where the survey appears."]}),
    ],
)
def test_each_rule_refuses_what_it_must_with_a_message_on_its_field(data, errors):
    with pytest.raises(ValidationError) as caught:
        validate_targeting(data)

    assert caught.value.message_dict == errors


def test_a_targeting_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_targeting(["page_view"])

    assert caught.value.message_dict == {"targeting": ["The targeting must be a JSON object."]}


@pytest.mark.parametrize(
    "pattern",
    [
        r"^https://shop\.example/(?:cart|checkout)/?$",
        r"[(?P]",  # the characters of a class, not a group
        r"\(?P",  # an escaped parenthesis
        r"(?<=/)pay",  # lookbehind works in JavaScript too
        r"(?<!beta\.)example\.com",
    ],
)
def test_regular_expressions_that_javascript_reads_the_same_are_accepted(pattern):
    targeting = validate_targeting({"urls": [{"op": "regex", "value": pattern}]})

    assert targeting["urls"] == [{"op": "regex", "value": pattern, "exclude": False}]


def test_several_errors_are_reported_together():
    with pytest.raises(ValidationError) as caught:
        validate_targeting(
            {"trigger": {"type": "scroll", "percent": 0}, "placement": "top", "devices": ["tv"]}
        )

    assert sorted(caught.value.message_dict) == ["devices", "placement", "trigger.percent"]


# --- services ----------------------------------------------------------------------------------------


@pytest.fixture
def site(organization):
    return SiteFactory(organization=organization, name="Shop", origins=["https://shop.example"])


@pytest.fixture
def survey(organization):
    return SurveyFactory(organization=organization, name="Exit survey")


def audit_actions(organization):
    return list(
        AuditEvent.all_orgs.filter(organization=organization).order_by("pk").values_list("action", flat=True)
    )


def test_intercept_create_stores_the_normalised_targeting_and_audits_it(owner, site, survey):
    intercept = intercept_create(
        site=site, survey=survey, targeting={"trigger": {"type": "exit_intent"}}, actor=owner
    )

    event = AuditEvent.all_orgs.get(action="site.intercept_added")
    assert (intercept.organization_id, intercept.site_id, intercept.survey_id) == (
        site.organization_id,
        site.pk,
        survey.pk,
    )
    assert intercept.targeting == {**DEFAULTS, "trigger": {"type": "exit_intent"}}
    assert list(site.surveys.through.all_orgs.values_list("survey_id", flat=True)) == [survey.pk]
    assert (event.actor_id, event.target_type, event.target_id, event.after) == (
        owner.user_id,
        "widgets.site",
        str(site.pk),
        {
            "survey": survey.public_id,
            "survey_name": "Exit survey",
            "targeting": {**DEFAULTS, "trigger": {"type": "exit_intent"}},
        },
    )


def test_intercept_create_refuses_a_survey_of_another_organisation(owner, site, other_organization):
    foreign = SurveyFactory(organization=other_organization)

    with pytest.raises(ValidationError) as caught:
        intercept_create(site=site, survey=foreign, targeting={}, actor=owner)

    assert caught.value.message_dict == {"survey": ["Choose one of this organisation's surveys."]}
    assert (Intercept.all_orgs.count(), AuditEvent.all_orgs.count()) == (0, 0)


def test_a_member_of_another_organisation_cannot_put_surveys_on_a_site(outsider, site, survey):
    with pytest.raises(ValidationError) as caught:
        intercept_create(site=site, survey=survey, targeting={}, actor=outsider)

    assert caught.value.messages == ["This website belongs to another organisation."]
    assert (Intercept.all_orgs.count(), AuditEvent.all_orgs.count()) == (0, 0)


def test_a_survey_is_on_a_site_once(owner, site, survey):
    intercept_create(site=site, survey=survey, targeting={}, actor=owner)

    with pytest.raises(ValidationError) as caught:
        intercept_create(site=site, survey=survey, targeting={"trigger": {"type": "manual"}}, actor=owner)

    assert caught.value.message_dict == {"survey": ["This survey is already on this website."]}
    assert (Intercept.all_orgs.count(), audit_actions(site.organization)) == (1, ["site.intercept_added"])


def test_an_invalid_targeting_stores_nothing(owner, site, survey):
    with pytest.raises(ValidationError) as caught:
        intercept_create(site=site, survey=survey, targeting={"trigger": {"type": "scroll"}}, actor=owner)

    assert list(caught.value.message_dict) == ["trigger.percent"]
    assert (Intercept.all_orgs.count(), AuditEvent.all_orgs.count()) == (0, 0)


def test_intercept_update_audits_before_and_after(owner, site, survey):
    intercept = InterceptFactory(site=site, survey=survey)
    created = intercept.updated_at

    intercept_update(
        intercept=intercept,
        targeting={"trigger": {"type": "scroll", "percent": 50}, "devices": ["mobile"]},
        actor=owner,
    )

    intercept.refresh_from_db()
    event = AuditEvent.all_orgs.get(action="site.intercept_updated")
    assert intercept.targeting == {
        **DEFAULTS,
        "trigger": {"type": "scroll", "percent": 50},
        "devices": ["mobile"],
    }
    assert intercept.updated_at > created
    assert (event.before["targeting"], event.after["targeting"]) == (DEFAULTS, intercept.targeting)


def test_intercept_update_refuses_an_invalid_targeting_and_keeps_the_old_one(owner, site, survey):
    intercept = InterceptFactory(site=site, survey=survey)

    with pytest.raises(ValidationError):
        intercept_update(intercept=intercept, targeting={"placement": "top"}, actor=owner)

    intercept.refresh_from_db()
    assert (intercept.targeting, AuditEvent.all_orgs.count()) == (DEFAULTS, 0)


def test_intercept_delete_removes_it_and_the_button_that_opened_its_survey(owner, site, survey):
    site_set_button(site=site, survey=survey, label="Tell us", side="left", actor=owner)
    intercept = Intercept.all_orgs.get(site=site, survey=survey)

    intercept_delete(intercept=intercept, actor=owner)

    site.refresh_from_db()
    event = AuditEvent.all_orgs.get(action="site.intercept_removed")
    assert (Intercept.all_orgs.count(), site.button_survey_id, site.button_label) == (0, None, "Tell us")
    assert (event.before["survey"], event.after) == (survey.public_id, {"button_cleared": True})


def test_intercept_delete_keeps_a_button_that_opens_another_survey(owner, site, survey, organization):
    other = SurveyFactory(organization=organization)
    site_set_button(site=site, survey=other, label="", side="right", actor=owner)
    intercept = InterceptFactory(site=site, survey=survey)

    intercept_delete(intercept=intercept, actor=owner)

    site.refresh_from_db()
    assert (site.button_survey_id, list(Intercept.all_orgs.values_list("survey_id", flat=True))) == (
        other.pk,
        [other.pk],
    )


def test_the_button_adds_its_survey_to_the_site_with_a_manual_trigger(owner, site, survey):
    site_set_button(site=site, survey=survey, label=" Feedback? ", side="left", actor=owner)

    site.refresh_from_db()
    intercept = Intercept.all_orgs.get(site=site)
    button_event = AuditEvent.all_orgs.get(action="site.button_updated")
    assert (site.button_survey_id, site.button_label, site.button_side) == (survey.pk, "Feedback?", "left")
    assert (intercept.survey_id, intercept.targeting) == (
        survey.pk,
        {**DEFAULTS, "trigger": {"type": "manual"}},
    )
    assert audit_actions(site.organization) == ["site.intercept_added", "site.button_updated"]
    assert (button_event.before, button_event.after) == (
        {"button_survey": None, "button_label": "", "button_side": "right"},
        {"button_survey": survey.public_id, "button_label": "Feedback?", "button_side": "left"},
    )


def test_the_button_keeps_the_targeting_of_a_survey_already_on_the_site(owner, site, survey):
    intercept = intercept_create(
        site=site, survey=survey, targeting={"trigger": {"type": "exit_intent"}}, actor=owner
    )

    site_set_button(site=site, survey=survey, label="", side="right", actor=owner)

    assert list(Intercept.all_orgs.values_list("pk", "targeting")) == [
        (intercept.pk, {**DEFAULTS, "trigger": {"type": "exit_intent"}})
    ]


def test_no_button_keeps_the_intercept(owner, site, survey):
    site_set_button(site=site, survey=survey, label="", side="right", actor=owner)

    site_set_button(site=site, survey=None, label="", side="right", actor=owner)

    site.refresh_from_db()
    assert (site.button_survey_id, Intercept.all_orgs.count()) == (None, 1)


@pytest.mark.parametrize(
    ("label", "side", "errors"),
    [
        ("x" * 41, "right", {"label": ["Use at most 40 characters for the label."]}),
        ("", "top", {"side": ["Choose the left or the right side."]}),
    ],
)
def test_the_button_refuses_a_long_label_or_an_unknown_side(owner, site, survey, label, side, errors):
    with pytest.raises(ValidationError) as caught:
        site_set_button(site=site, survey=survey, label=label, side=side, actor=owner)

    assert caught.value.message_dict == errors
    assert (Intercept.all_orgs.count(), AuditEvent.all_orgs.count()) == (0, 0)


def test_the_button_refuses_a_survey_of_another_organisation(owner, site, other_organization):
    foreign = SurveyFactory(organization=other_organization)

    with pytest.raises(ValidationError) as caught:
        site_set_button(site=site, survey=foreign, label="", side="right", actor=owner)

    site.refresh_from_db()
    assert caught.value.message_dict == {"survey": ["Choose one of this organisation's surveys."]}
    assert (site.button_survey_id, Intercept.all_orgs.count(), AuditEvent.all_orgs.count()) == (None, 0, 0)


def test_site_update_changes_the_cooldown_and_none_keeps_it(owner, site):
    site_update(site=site, actor=owner, name="Shop", origins=site.origins, cooldown_days=0)
    site_update(site=site, actor=owner, name="Shop 2", origins=site.origins)

    site.refresh_from_db()
    assert (site.name, site.cooldown_days) == ("Shop 2", 0)
    assert (
        AuditEvent.all_orgs.filter(action="site.updated").order_by("pk").first().after["cooldown_days"] == 0
    )


@pytest.mark.parametrize("days", [-1, 366])
def test_site_update_refuses_a_cooldown_out_of_range(owner, site, days):
    with pytest.raises(ValidationError) as caught:
        site_update(site=site, actor=owner, name="Shop", origins=site.origins, cooldown_days=days)

    site.refresh_from_db()
    assert caught.value.message_dict == {"cooldown_days": ["Enter a number of days from 0 to 365."]}
    assert site.cooldown_days == 7


def test_site_seen_writes_at_most_once_a_minute(site, django_assert_num_queries):
    now = timezone.now()

    first = site_seen(site=site, now=now)
    with django_assert_num_queries(0):
        fresh = site_seen(site=site, now=now + dt.timedelta(seconds=59))
    later = site_seen(site=site, now=now + dt.timedelta(seconds=61))

    site.refresh_from_db()
    assert (first, fresh, later, site.last_seen_at) == (True, False, True, now + dt.timedelta(seconds=61))


def test_site_seen_does_not_write_when_another_process_just_did(site):
    now = timezone.now()
    Site.all_orgs.filter(pk=site.pk).update(last_seen_at=now)

    # This request loaded the site before the other one wrote: the conditional UPDATE changes nothing.
    recorded = site_seen(site=site, now=now + dt.timedelta(seconds=1))

    site.refresh_from_db()
    assert (recorded, site.last_seen_at) == (False, now)


# --- the migration from plain links ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_site_survey_links_into_intercepts_with_the_default_targeting():
    executor = MigrationExecutor(connection)
    before = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "widgets"] + [
        ("widgets", "0002_site_surveys")
    ]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        organization = old.get_model("accounts", "Organization").objects.create(name="Old", slug="old")
        stage = old.get_model("surveys", "JourneyStage").objects.create(organization=organization, name="Buy")
        touchpoint = old.get_model("surveys", "Touchpoint").objects.create(
            organization=organization, name="Web", stage=stage
        )
        survey_model = old.get_model("surveys", "Survey")
        first = survey_model.objects.create(
            organization=organization, name="A", touchpoint=touchpoint, public_id="aaa"
        )
        second = survey_model.objects.create(
            organization=organization, name="B", touchpoint=touchpoint, public_id="bbb"
        )
        old_site = old.get_model("widgets", "Site").objects.create(
            organization=organization, name="Shop", public_key="cx_pk_old"
        )
        old_site.surveys.add(first, second)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    site = Site.all_orgs.get(public_key="cx_pk_old")
    intercepts = Intercept.all_orgs.filter(site=site).order_by("survey__name")
    assert [(i.organization_id, i.survey.name, i.targeting) for i in intercepts] == [
        (site.organization_id, "A", DEFAULTS),
        (site.organization_id, "B", DEFAULTS),
    ]
    assert (site.cooldown_days, site.button_survey_id, site.button_label, site.button_side) == (
        7,
        None,
        "",
        "right",
    )
    assert sorted(site.surveys.through.all_orgs.filter(site=site).values_list("survey__name", flat=True)) == [
        "A",
        "B",
    ]
