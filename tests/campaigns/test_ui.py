"""The campaign pages: create and edit, messages with their live preview, schedule, cancel, the fatigue
rules, and who may do what (outsiders 404, viewers 403 on changes)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from campaigns.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    FatiguePolicy,
    Invitation,
    InvitationStatus,
    SkipReason,
)
from contacts.models import ContactList, Segment
from feedback.models import Contact
from surveys.models import SurveyStatus
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(organization):
    return f"/o/{organization.slug}/campaigns"


@pytest.fixture
def audience(make_audience):
    return make_audience(n=3, name="March buyers")


@pytest.fixture
def draft(make_campaign, live_survey, audience):
    return make_campaign(live_survey, audience, status=CampaignStatus.DRAFT, scheduled_at=None)


def form_data(survey, audience, /, **overrides):
    return {
        "name": "Spring NPS",
        "survey": survey.pk,
        "channel": "email",
        "contact_list": audience.pk,
        "segment": "",
        "send_rate_per_minute": "120",
        "embed_first_question": "on",
        "reminder_after_days": "2",
        "max_reminders": "1",
        **overrides,
    }


def invite(campaign, contact=None, **fields):
    return Invitation.all_orgs.create(
        organization=campaign.organization,
        campaign=campaign,
        contact=contact,
        survey=campaign.survey,
        channel=campaign.channel,
        address=contact.email if contact else "",
        language=fields.pop("language", "en"),
        token=secrets.token_urlsafe(12)[:16],
        **fields,
    )


# --- create and edit ----------------------------------------------------------------------------------


def test_a_manager_creates_a_campaign_and_is_taken_to_its_messages(
    organization, manager, client_for, base, live_survey, audience
):
    client = client_for(manager)

    page = client.get(f"{base}/new/")
    created = client.post(f"{base}/new/", form_data(live_survey, audience))

    campaign = Campaign.all_orgs.get(organization=organization)
    assert page.status_code == 200
    assert (created.status_code, created["Location"]) == (302, f"{base}/{campaign.pk}/messages/")
    assert (
        campaign.name,
        campaign.survey_id,
        campaign.channel,
        campaign.contact_list_id,
        campaign.segment_id,
        campaign.send_rate_per_minute,
        campaign.embed_first_question,
        campaign.reminder_after_days,
        campaign.max_reminders,
        campaign.status,
        campaign.created_by_id,
    ) == ("Spring NPS", live_survey.pk, "email", audience.pk, None, 120, True, 2, 1, "draft", manager.user_id)
    assert list(
        AuditEvent.all_orgs.filter(organization=organization, action__startswith="campaign.").values_list(
            "action", "target_id"
        )
    ) == [("campaign.created", str(campaign.pk))]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_list": ""}, "contact_list"),
        ({"segment": "SEGMENT"}, "contact_list"),
        ({"name": "   "}, "name"),
        ({"channel": "fax"}, "channel"),
        ({"send_rate_per_minute": "0"}, "send_rate_per_minute"),
        ({"send_rate_per_minute": "lots"}, "send_rate_per_minute"),
        ({"send_rate_per_minute": "9" * 40}, "send_rate_per_minute"),
        ({"reminder_after_days": "61"}, "reminder_after_days"),
        ({"max_reminders": "4"}, "max_reminders"),
        ({"survey": "99999999"}, "survey"),
        ({"survey": "x"}, "survey"),
        ({"contact_list": "-1"}, "contact_list"),
    ],
)
def test_bad_campaign_input_is_shown_on_the_form(
    organization, manager, client_for, base, live_survey, audience, overrides, field
):
    segment = Segment.all_orgs.create(
        organization=organization, name="VIP", rules={"match": "all", "conditions": []}
    )
    overrides = {key: (segment.pk if value == "SEGMENT" else value) for key, value in overrides.items()}

    answer = client_for(manager).post(f"{base}/new/", form_data(live_survey, audience, **overrides))

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == [field]
    assert Campaign.all_orgs.filter(organization=organization).count() == 0


def test_only_published_surveys_and_own_lists_can_be_chosen(
    organization, other_organization, manager, client_for, base, live_survey, audience
):
    draft_survey = SurveyFactory(organization=organization, status=SurveyStatus.DRAFT)
    foreign_list = ContactList.all_orgs.create(organization=other_organization, name="Theirs")
    client = client_for(manager)

    unpublished = client.post(f"{base}/new/", form_data(draft_survey, audience))
    foreign = client.post(f"{base}/new/", form_data(live_survey, foreign_list))

    assert (unpublished.status_code, list(unpublished.context["form"].errors)) == (400, ["survey"])
    assert (foreign.status_code, list(foreign.context["form"].errors)) == (400, ["contact_list"])
    assert list(unpublished.context["form"].fields["survey"].queryset) == [live_survey]


def test_a_draft_is_edited_and_a_sent_campaign_is_not(
    organization, manager, client_for, base, draft, live_survey, make_audience
):
    other = make_audience(list(Contact.all_orgs.filter(organization=organization)[:1]), name="April buyers")
    client = client_for(manager)

    edited = client.post(
        f"{base}/{draft.pk}/edit/", form_data(live_survey, other, name="Renamed", channel="sms")
    )
    Campaign.all_orgs.filter(pk=draft.pk).update(status=CampaignStatus.SENT)
    refused = client.post(f"{base}/{draft.pk}/edit/", form_data(live_survey, other, name="Again"))

    draft.refresh_from_db()
    assert (edited.status_code, edited["Location"]) == (302, f"{base}/{draft.pk}/")
    assert (refused.status_code, refused["Location"]) == (302, f"{base}/{draft.pk}/")
    assert (draft.name, draft.channel, draft.contact_list_id) == ("Renamed", "sms", other.pk)


# --- messages and the preview --------------------------------------------------------------------------


def test_the_editor_offers_the_survey_languages_and_saves_a_text(
    organization, manager, client_for, base, draft
):
    client = client_for(manager)

    page = client.get(f"{base}/{draft.pk}/messages/?language=ru&kind=reminder")
    saved = client.post(
        f"{base}/{draft.pk}/messages/",
        {
            "language": "ru",
            "kind": "reminder",
            "subject": "Напоминание",
            "body": "Здравствуйте, {first_name}!\n\n{survey_link}",
            "save": "",
        },
    )

    message = CampaignMessage.all_orgs.get(organization=organization, campaign=draft)
    assert page.status_code == 200
    assert [(tab["kind"], tab["language"]) for tab in page.context["tabs"]] == [
        ("invitation", "en"),
        ("invitation", "ru"),
        ("reminder", "en"),
        ("reminder", "ru"),
    ]
    assert (page.context["language"], page.context["kind"]) == ("ru", "reminder")
    assert (saved.status_code, saved["Location"]) == (
        302,
        f"{base}/{draft.pk}/messages/?language=ru&kind=reminder",
    )
    assert (message.kind, message.language, message.subject, message.body) == (
        "reminder",
        "ru",
        "Напоминание",
        "Здравствуйте, {first_name}!\n\n{survey_link}",
    )


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("Hello", "No link here", "body"),
        ("Hello", "{survey_link} {coupon}", "body"),
        ("", "{survey_link}", "subject"),
        ("Hi {nickname}", "{survey_link}", "subject"),
        ("Hello", "", "body"),
    ],
)
def test_a_text_that_cannot_be_sent_is_refused(
    organization, manager, client_for, base, draft, subject, body, field
):
    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/",
        {"language": "en", "kind": "invitation", "subject": subject, "body": body, "save": ""},
    )

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == [field]
    assert CampaignMessage.all_orgs.filter(organization=organization).count() == 0


def test_an_sms_text_needs_no_subject(organization, manager, client_for, base, draft):
    Campaign.all_orgs.filter(pk=draft.pk).update(channel=CampaignChannel.SMS)

    saved = client_for(manager).post(
        f"{base}/{draft.pk}/messages/",
        {"language": "en", "kind": "invitation", "subject": "ignored", "body": "Rate us: {survey_link}"},
    )

    message = CampaignMessage.all_orgs.get(organization=organization)
    assert saved.status_code == 302
    assert (message.subject, message.body) == ("", "Rate us: {survey_link}")


def test_the_live_preview_renders_the_unsaved_text_in_a_sandboxed_frame(
    organization, manager, client_for, base, draft
):
    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/preview/",
        {
            "language": "en",
            "kind": "invitation",
            "subject": "Hi {first_name} from {organization}",
            "body": 'Dear {name},\n\nTell us: {survey_link} "><script>alert(1)</script>',
        },
        HTTP_HX_REQUEST="true",
    )

    preview = answer.context["preview"]
    assert answer.status_code == 200
    assert preview.subject == "Hi Alex from Acme"
    assert "Dear Alex Example," in preview.text
    assert "Dear Alex Example," in preview.html
    body = answer.content.decode()
    assert (
        '<iframe class="campaign-preview-frame" title="Email preview" sandbox srcdoc="&lt;!doctype html&gt;'
        in body
    )
    assert "<script" not in body
    assert CampaignMessage.all_orgs.filter(organization=organization).count() == 0


def test_the_preview_of_an_empty_text_shows_the_default_text(organization, manager, client_for, base, draft):
    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/preview/",
        {"language": "en", "kind": "invitation", "subject": "", "body": ""},
    )

    assert (answer.status_code, answer.context["preview"].subject) == (200, "Acme would like your feedback")


def test_the_preview_refuses_a_language_the_survey_does_not_have(manager, client_for, base, draft):
    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/preview/", {"language": "xx", "kind": "invitation", "body": "x"}
    )

    assert (answer.status_code, answer.context["preview"]) == (400, None)


def test_the_editor_page_shows_the_saved_texts_preview(organization, manager, client_for, base, draft):
    CampaignMessage.all_orgs.create(
        organization=organization,
        campaign=draft,
        kind="invitation",
        language="en",
        subject="Saved subject",
        body="Saved {survey_link}",
    )

    page = client_for(manager).get(f"{base}/{draft.pk}/messages/")

    assert (page.status_code, page.context["preview"].subject, page.context["is_written"]) == (
        200,
        "Saved subject",
        True,
    )


def test_a_text_is_removed(organization, manager, client_for, base, draft):
    CampaignMessage.all_orgs.create(
        organization=organization,
        campaign=draft,
        kind="invitation",
        language="ru",
        subject="S",
        body="{survey_link}",
    )

    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/delete/", {"kind": "invitation", "language": "ru"}
    )

    assert answer.status_code == 302
    assert CampaignMessage.all_orgs.filter(organization=organization).count() == 0


# --- schedule and cancel -------------------------------------------------------------------------------


def test_send_now_schedules_the_campaign_and_wakes_the_dispatcher(
    organization, manager, client_for, base, draft, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    before = timezone.now()

    page = client.get(f"{base}/{draft.pk}/schedule/")
    with django_capture_on_commit_callbacks() as queued:
        answer = client.post(f"{base}/{draft.pk}/schedule/", {"when": "now", "at": ""})

    draft.refresh_from_db()
    assert (page.status_code, page.context["audience_size"]) == (200, 3)
    assert (answer.status_code, answer["Location"]) == (302, f"{base}/{draft.pk}/")
    assert draft.status == CampaignStatus.SCHEDULED
    assert before <= draft.scheduled_at <= timezone.now()
    assert len(queued) == 1
    assert AuditEvent.all_orgs.filter(organization=organization, action="campaign.scheduled").count() == 1


def test_a_time_is_read_in_the_organisations_time_zone(organization, manager, client_for, base, draft):
    organization.timezone = "Europe/Berlin"
    organization.save(update_fields=["timezone"])

    answer = client_for(manager).post(
        f"{base}/{draft.pk}/schedule/", {"when": "later", "at": "2030-05-31T09:30"}
    )

    draft.refresh_from_db()
    assert answer.status_code == 302
    assert draft.scheduled_at == datetime(2030, 5, 31, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"when": "later", "at": ""}, "Choose the date and time to send at."),
        ({"when": "later", "at": "tomorrow-ish"}, "Enter a date and time such as 2030-05-31 09:30."),
        ({"when": "later", "at": "2001-01-01T10:00"}, "Choose a time in the future, or send now."),
        ({"when": "whenever"}, "Select a valid choice. whenever is not one of the available choices."),
    ],
)
def test_a_bad_time_is_refused(manager, client_for, base, draft, data, error):
    answer = client_for(manager).post(f"{base}/{draft.pk}/schedule/", data)

    draft.refresh_from_db()
    assert answer.status_code == 400
    assert error in [e for errors in answer.context["form"].errors.values() for e in errors]
    assert draft.status == CampaignStatus.DRAFT


def test_an_empty_audience_or_a_closed_survey_cannot_be_scheduled(
    organization, manager, client_for, base, draft, live_survey, make_audience
):
    client = client_for(manager)
    Campaign.all_orgs.filter(pk=draft.pk).update(contact_list=make_audience([], name="Nobody"))
    empty = client.post(f"{base}/{draft.pk}/schedule/", {"when": "now"})
    live_survey.status = SurveyStatus.CLOSED
    live_survey.save(update_fields=["status"])
    closed = client.post(f"{base}/{draft.pk}/schedule/", {"when": "now"})

    draft.refresh_from_db()
    assert (empty.status_code, empty.context["form"].non_field_errors()) == (
        400,
        ["The audience is empty: nobody would be invited."],
    )
    assert (closed.status_code, closed.context["form"].non_field_errors()) == (
        400,
        [
            "The audience is empty: nobody would be invited.",
            "The survey is closed at that time: it would take no responses.",
        ],
    )
    assert draft.status == CampaignStatus.DRAFT


def test_cancel_skips_what_was_not_sent(
    organization, manager, client_for, base, make_campaign, live_survey, audience
):
    campaign = make_campaign(live_survey, audience, status=CampaignStatus.SENDING)
    first, second, third = Contact.all_orgs.filter(organization=organization).order_by("pk")
    now = timezone.now()
    sent = invite(
        campaign, first, status=InvitationStatus.SENT, sent_at=now, reminder_due_at=now + timedelta(days=2)
    )
    pending = [invite(campaign, second), invite(campaign, third)]

    answer = client_for(manager).post(f"{base}/{campaign.pk}/cancel/")
    again = client_for(manager).post(f"{base}/{campaign.pk}/cancel/")

    campaign.refresh_from_db()
    sent.refresh_from_db()
    assert (answer.status_code, again.status_code) == (302, 302)
    assert campaign.status == CampaignStatus.CANCELLED
    assert (sent.status, sent.reminder_due_at) == (InvitationStatus.SENT, None)
    assert (
        sorted(
            Invitation.all_orgs.filter(pk__in=[i.pk for i in pending]).values_list("status", "skip_reason")
        )
        == [(InvitationStatus.SKIPPED, SkipReason.CANCELLED)] * 2
    )


# --- fatigue rules -------------------------------------------------------------------------------------


def test_the_fatigue_rules_are_shown_with_defaults_and_saved(organization, manager, client_for, base):
    client = client_for(manager)

    page = client.get(f"{base}/settings/fatigue/")
    saved = client.post(
        f"{base}/settings/fatigue/", {"cooldown_days": "14", "max_per_30_days": "2", "require_consent": "on"}
    )

    policy = FatiguePolicy.all_orgs.get(organization=organization)
    assert page.status_code == 200
    assert page.context["form"].initial == {
        "cooldown_days": 7,
        "max_per_30_days": 3,
        "require_consent": False,
    }
    assert (saved.status_code, saved["Location"]) == (302, f"{base}/settings/fatigue/")
    assert (policy.cooldown_days, policy.max_per_30_days, policy.require_consent) == (14, 2, True)
    assert (
        AuditEvent.all_orgs.filter(
            organization=organization, action="campaigns.fatigue_policy_updated"
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cooldown_days": "-1", "max_per_30_days": "3"}, "cooldown_days"),
        ({"cooldown_days": "366", "max_per_30_days": "3"}, "cooldown_days"),
        ({"cooldown_days": "7", "max_per_30_days": "0"}, "max_per_30_days"),
        ({"cooldown_days": "7", "max_per_30_days": "101"}, "max_per_30_days"),
        ({"cooldown_days": "seven", "max_per_30_days": "3"}, "cooldown_days"),
        ({"max_per_30_days": "3"}, "cooldown_days"),
    ],
)
def test_bad_fatigue_rules_are_refused(organization, manager, client_for, base, data, field):
    answer = client_for(manager).post(f"{base}/settings/fatigue/", data)

    assert (answer.status_code, list(answer.context["form"].errors)) == (400, [field])
    assert FatiguePolicy.all_orgs.filter(organization=organization).count() == 0


# --- who may do what -----------------------------------------------------------------------------------

READ_PAGES = ["", "{id}/"]
EDIT_GETS = ["new/", "{id}/edit/", "{id}/messages/", "{id}/schedule/", "settings/fatigue/"]
EDIT_POSTS = [
    "new/",
    "{id}/edit/",
    "{id}/messages/",
    "{id}/messages/preview/",
    "{id}/messages/delete/",
    "{id}/schedule/",
    "{id}/cancel/",
    "settings/fatigue/",
]


def test_a_viewer_reads_campaigns_but_changes_nothing(client_for, viewer, base, draft):
    client = client_for(viewer)

    reads = [client.get(f"{base}/{path.format(id=draft.pk)}").status_code for path in READ_PAGES]
    gets = [client.get(f"{base}/{path.format(id=draft.pk)}").status_code for path in EDIT_GETS]
    posts = [
        client.post(f"{base}/{path.format(id=draft.pk)}", {"when": "now"}).status_code for path in EDIT_POSTS
    ]

    draft.refresh_from_db()
    assert reads == [200, 200]
    assert gets == [403] * len(EDIT_GETS)
    assert posts == [403] * len(EDIT_POSTS)
    assert draft.status == CampaignStatus.DRAFT


def test_an_outsider_sees_nothing(client_for, outsider, base, draft):
    client = client_for(outsider)

    gets = [client.get(f"{base}/{path.format(id=draft.pk)}").status_code for path in READ_PAGES + EDIT_GETS]
    posts = [
        client.post(f"{base}/{path.format(id=draft.pk)}", {"when": "now"}).status_code for path in EDIT_POSTS
    ]

    draft.refresh_from_db()
    assert gets == [404] * len(READ_PAGES + EDIT_GETS)
    assert posts == [404] * len(EDIT_POSTS)
    assert draft.status == CampaignStatus.DRAFT


def test_another_organisations_campaign_is_missing(
    other_organization, manager, client_for, base, live_survey, make_audience
):
    survey = SurveyFactory(organization=other_organization)
    theirs = Campaign.all_orgs.create(
        organization=other_organization, name="Theirs", survey=survey, channel="email"
    )
    client = client_for(manager)

    answers = [
        client.get(f"{base}/{theirs.pk}/{path}").status_code
        for path in ("", "edit/", "messages/", "schedule/")
    ]
    cancel = client.post(f"{base}/{theirs.pk}/cancel/")

    theirs.refresh_from_db()
    assert answers == [404, 404, 404, 404]
    assert (cancel.status_code, theirs.status) == (404, CampaignStatus.DRAFT)


def test_the_list_shows_status_channel_and_counts(
    organization, viewer, client_for, base, make_campaign, live_survey, audience
):
    campaign = make_campaign(live_survey, audience, status=CampaignStatus.SENT)
    first, second, _third = Contact.all_orgs.filter(organization=organization).order_by("pk")
    now = timezone.now()
    invite(campaign, first, status=InvitationStatus.SENT, sent_at=now, answered_at=now)
    invite(campaign, second, status=InvitationStatus.SENT, sent_at=now)

    page = client_for(viewer).get(f"{base}/")

    row = page.context["campaigns"][0]
    assert page.status_code == 200
    assert (row.name, row.status, row.channel, row.sent_count, row.answered_count) == (
        "Spring NPS",
        "sent",
        "email",
        2,
        1,
    )
    assert page.context["can_edit"] is False


def test_nul_characters_in_a_previewed_text_are_dropped_not_an_error(
    organization, manager, client_for, base, draft
):
    answer = client_for(manager).post(
        f"{base}/{draft.pk}/messages/preview/",
        {
            "language": "en",
            "kind": "invitation",
            "subject": "Hi\x00 there",
            "body": "Tell us\x00: {survey_link}",
        },
        HTTP_HX_REQUEST="true",
    )

    assert answer.status_code == 200
    assert answer.context["preview"].subject == "Hi there"
    assert CampaignMessage.all_orgs.filter(organization=organization).count() == 0
