import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from core.models import OutboxEvent
from core.outbox import outbox_process
from feedback.models import Response
from feedback.services.submit import record_response_events
from surveys.models import SurveyVersion
from tests import factories
from textanalysis.models import ResponseTag, Tag, Theme
from textanalysis.services import (
    THEMES_CHANGED,
    handle_response_event,
    reanalyse_step,
    response_analyse,
    response_tag_add,
    response_tag_remove,
    responses_analyse_batch,
    tag_create,
    tag_delete,
    tag_rename,
    theme_delete,
    theme_save,
    themes_install_defaults,
)

pytestmark = pytest.mark.django_db


def test_response_analyse_stores_the_analysis_and_records_a_change(
    organization, delivery_theme, changed_events
):
    response = factories.ResponseFactory(
        organization=organization, comment="The courier was rude and the parcel was damaged.", language="en"
    )

    assert response_analyse(response=response) is True

    response.refresh_from_db()
    assert response.sentiment == "negative"
    assert response.sentiment_score == -0.9138  # (−2.5 − 2) / √((−4.5)² + 4)
    assert response.keywords == ["courier", "rude", "parcel", "damaged"]
    assert response.theme_ids == [delivery_theme.pk]
    assert response.analysed_at is not None
    assert changed_events(organization) == [response.pk]


def test_response_analyse_is_idempotent(organization, delivery_theme, changed_events):
    response = factories.ResponseFactory(
        organization=organization, comment="Kurirnya ramah sekali.", language="id"
    )
    response_analyse(response=response)
    analysed_at = Response.all_orgs.get(pk=response.pk).analysed_at

    assert response_analyse(response=response) is False

    assert Response.all_orgs.get(pk=response.pk).analysed_at == analysed_at
    assert changed_events(organization) == [response.pk]


def test_empty_comment_has_no_sentiment_and_no_themes(organization, delivery_theme, changed_events):
    response = factories.ResponseFactory(organization=organization, comment="", language="en")

    assert response_analyse(response=response) is False

    response.refresh_from_db()
    assert (response.sentiment, response.sentiment_score, response.keywords, response.theme_ids) == (
        "",
        None,
        [],
        [],
    )
    assert response.analysed_at is not None
    assert changed_events(organization) == []


def test_text_answers_are_analysed_with_the_comment(organization, live_survey, delivery_theme):
    version = SurveyVersion.all_orgs.filter(survey=live_survey).order_by("-pk").first()
    response = factories.ResponseFactory(
        organization=organization,
        survey=live_survey,
        survey_version=version,
        comment="",
        answers={"nps": 3, "why": "Курьер опоздал на три часа.", "email": "a@example.net"},
        language="ru",
    )

    response_analyse(response=response)

    response.refresh_from_db()
    assert response.sentiment == "negative"
    assert response.theme_ids == [delivery_theme.pk]
    assert response.keywords == ["курьер", "опоздал"]


def test_outbox_handler_analyses_created_responses(organization, delivery_theme):
    response = factories.ResponseFactory(
        organization=organization, comment="快递很快，很满意。", language="zh-hans"
    )
    record_response_events(response=response, created=True, finished=False)
    event = OutboxEvent.all_orgs.get(topic="response.created", payload__response_id=response.pk)

    assert outbox_process(event.pk) is True

    response.refresh_from_db()
    assert (response.sentiment, response.theme_ids) == ("positive", [delivery_theme.pk])


def test_theme_save_validates_and_audits(organization, owner):
    with pytest.raises(ValidationError) as missing:
        theme_save(organization=organization, actor=owner, name=" ", keywords={"en": ["x"]})
    with pytest.raises(ValidationError) as empty:
        theme_save(organization=organization, actor=owner, name="Price", keywords={"en": ["  ", ""]})
    theme = theme_save(
        organization=organization,
        actor=owner,
        name="  Price ",
        keywords={"en": ["price", " Price ", "discount"], "ru": ["цена"], "fr": ["prix"]},
    )
    with pytest.raises(ValidationError) as duplicate:
        theme_save(organization=organization, actor=owner, name="price", keywords={"en": ["cost"]})

    assert missing.value.message_dict == {"name": ["Give the theme a name."]}
    assert empty.value.message_dict == {"keywords": ["Give at least one keyword in one language."]}
    assert duplicate.value.message_dict == {"name": ["A theme with this name already exists."]}
    assert (theme.name, theme.keywords) == ("Price", {"en": ["price", "discount"], "ru": ["цена"]})
    assert list(AuditEvent.all_orgs.filter(organization=organization).values_list("action", flat=True)) == [
        "theme.created"
    ]
    assert OutboxEvent.all_orgs.filter(organization=organization, topic=THEMES_CHANGED).count() == 1


def test_theme_change_reanalyses_responses_in_batches(organization, owner, changed_events):
    responses = [
        factories.ResponseFactory(organization=organization, comment=text, language="en")
        for text in ("Too expensive.", "Great discount!", "The courier was late.")
    ]
    responses_analyse_batch(organization_id=organization.pk)
    assert changed_events(organization) == [r.pk for r in responses]

    theme = theme_save(
        organization=organization, actor=owner, name="Price", keywords={"en": ["expensive", "discount"]}
    )
    after = reanalyse_step(organization_id=organization.pk, after_id=0, generation=0)

    assert after == responses[-1].pk
    assert reanalyse_step(organization_id=organization.pk, after_id=after, generation=0) is None
    assert [Response.all_orgs.get(pk=r.pk).theme_ids for r in responses] == [[theme.pk], [theme.pk], []]
    assert changed_events(organization) == [*(r.pk for r in responses), responses[0].pk, responses[1].pk]

    theme_delete(theme=theme, actor=owner)
    reanalyse_step(organization_id=organization.pk, after_id=0, generation=0)

    assert [Response.all_orgs.get(pk=r.pk).theme_ids for r in responses] == [[], [], []]


def test_install_defaults_is_idempotent_and_named_in_the_org_language(organization):
    organization.default_language = "ru"
    organization.save(update_fields=["default_language"])

    created = themes_install_defaults(organization=organization)
    again = themes_install_defaults(organization=organization)

    assert len(created) == 7
    assert again == []
    assert Theme.all_orgs.filter(organization=organization).count() == 7
    assert all(set(t.keywords) == {"en", "ru", "zh-hans", "id"} for t in created)


def test_tags_add_remove_are_unique_and_record_changes(organization, owner, changed_events):
    response = factories.ResponseFactory(organization=organization)

    first = response_tag_add(response=response, actor=owner, name=" Follow  up ")
    again = response_tag_add(response=response, actor=owner, name="follow up")
    removed = response_tag_remove(response=response, tag=first.tag, actor=owner)
    removed_again = response_tag_remove(response=response, tag=first.tag, actor=owner)

    assert first.pk == again.pk
    assert Tag.all_orgs.get(organization=organization).name == "Follow up"
    assert (removed, removed_again) == (True, False)
    assert changed_events(organization) == [response.pk, response.pk]


def test_tag_rename_and_delete(organization, owner, changed_events):
    responses = factories.ResponseFactory.create_batch(2, organization=organization)
    tag = tag_create(organization=organization, actor=owner, name="VIP")
    tag_create(organization=organization, actor=owner, name="Churn risk")
    for response in responses:
        response_tag_add(response=response, actor=owner, tag=tag)

    with pytest.raises(ValidationError) as duplicate:
        tag_rename(tag=tag, actor=owner, name="churn RISK")
    tag_rename(tag=tag, actor=owner, name="Key account")
    tag_delete(tag=tag, actor=owner)

    assert duplicate.value.message_dict == {"name": ["A tag with this name already exists."]}
    assert ResponseTag.all_orgs.filter(organization=organization).count() == 0
    assert changed_events(organization) == [r.pk for r in responses] * 2
    assert list(
        AuditEvent.all_orgs.filter(organization=organization).order_by("pk").values_list("action", flat=True)
    ) == ["tag.created", "tag.created", "tag.renamed", "tag.deleted"]


def test_tag_from_another_organisation_is_refused(organization, other_organization, owner, outsider):
    response = factories.ResponseFactory(organization=organization)
    foreign = tag_create(organization=other_organization, actor=outsider, name="Theirs")

    with pytest.raises(ValidationError):
        response_tag_add(response=response, actor=owner, tag=foreign)


def test_the_handler_skips_a_response_without_text_in_one_query(
    organization, delivery_theme, changed_events, django_assert_num_queries
):
    response = factories.ResponseFactory(organization=organization, comment="", language="en")
    event = OutboxEvent.all_orgs.create(
        organization=organization, topic="response.finished", payload={"response_id": response.pk}
    )

    with django_assert_num_queries(1):
        handle_response_event(event)

    assert Response.all_orgs.get(pk=response.pk).analysed_at is None
    assert changed_events(organization) == []
