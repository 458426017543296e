"""Sending a campaign through the SMTP sink: invitations built once, the email and its headers, the
personal link with the one-click NPS answer, one response per invitation, failures, finishing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from campaigns.emails import campaign_preview
from campaigns.models import (
    Campaign,
    CampaignMessage,
    CampaignStatus,
    Invitation,
    InvitationStatus,
    MessageKind,
    SkipReason,
)
from campaigns.services import campaign_send_batch, campaign_start_due, invitation_send
from campaigns.services.erasure import invitations_erase, invitations_export
from contacts.models import Suppression
from contacts.privacy import registered_erasers
from feedback.models import Channel, Consent, Contact, Response
from surveys.models import SurveyStatus
from tests.campaigns.conftest import run_outbox, send_all

pytestmark = pytest.mark.django_db

_NPS_LINK = re.compile(r'href="(http://[^"]+/i/([A-Za-z0-9_-]{12})\?v=(\d+))"')


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_start_builds_one_invitation_per_contact_once_in_the_contacts_language(
    organization, live_survey, make_audience, make_campaign
):
    contacts = Contact.all_orgs.bulk_create(
        [
            Contact(organization=organization, email="ru@example.net", language="ru"),
            Contact(organization=organization, email="de@example.net", language="de"),
            Contact(organization=organization, email="none@example.net"),
            Contact(organization=organization, phone="+4915112345678"),
        ]
    )
    campaign = make_campaign(live_survey, make_audience(contacts))

    assert campaign_start_due() == 1
    assert campaign_start_due() == 0

    campaign.refresh_from_db()
    invitations = list(Invitation.all_orgs.filter(campaign=campaign).order_by("contact_id"))
    assert campaign.status == CampaignStatus.SENDING
    assert campaign.audience_built_at is not None
    assert [(i.contact_id, i.language, i.address, i.status) for i in invitations] == [
        (contacts[0].pk, "ru", "ru@example.net", "pending"),
        (contacts[1].pk, "en", "de@example.net", "pending"),
        (contacts[2].pk, "en", "none@example.net", "pending"),
        (contacts[3].pk, "en", "", "pending"),
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{12}", i.token) for i in invitations)
    assert len({i.token for i in invitations}) == 4


def test_a_campaign_scheduled_later_waits(live_survey, make_audience, make_campaign):
    campaign = make_campaign(
        live_survey, make_audience(n=2), scheduled_at=timezone.now() + timedelta(hours=1)
    )

    assert campaign_start_due() == 0
    assert campaign_start_due(now=timezone.now() + timedelta(hours=2)) == 1
    assert Invitation.all_orgs.filter(campaign=campaign).count() == 2


def test_the_email_has_the_texts_headers_embedded_nps_and_escaped_values(
    organization, live_survey, make_audience, make_campaign, smtp_sink, settings
):
    settings.DEFAULT_FROM_EMAIL = "Feedback <feedback@cx.example>"
    organization.name = "Acme & Co"
    organization.save()
    contact = Contact.all_orgs.create(
        organization=organization, email="jo@example.net", name='<b>Jo</b> "Al"', language="ru"
    )
    campaign = make_campaign(live_survey, make_audience([contact]))
    CampaignMessage.all_orgs.create(
        organization=organization,
        campaign=campaign,
        kind=MessageKind.INVITATION,
        language="ru",
        subject="{first_name}, {organization} спрашивает",
        body="Здравствуйте, {name}!\n\nОтветьте: {survey_link}\n\nОтписаться: {unsubscribe_link}",
    )

    assert send_all(campaign) == 1

    invitation = Invitation.all_orgs.get(campaign=campaign)
    [message] = smtp_sink.messages
    html, text = _html(message), _text(message)
    link = f"http://localhost:8000/i/{invitation.token}"
    assert message["To"] == "jo@example.net"
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Acme & Co", "feedback@cx.example")
    assert message["Subject"] == "<b>Jo</b>, Acme & Co спрашивает"
    assert message["X-CX-Invitation"] == invitation.token
    assert json.loads(message["X-SMTPAPI"]) == {"unique_args": {"cx_invitation": invitation.token}}
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert re.fullmatch(r"<http://localhost:8000/u/[^>]+/>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert text.startswith(f'Здравствуйте, <b>Jo</b> "Al"!\n\nОтветьте: {link}\n\n')
    assert "&lt;b&gt;Jo&lt;/b&gt; &quot;Al&quot;" in html
    assert "<b>Jo</b>" not in html
    assert f'<a href="{link}">{link}</a>' in html
    assert "Порекомендуете ли вы нас?" in html
    assert [(token, int(value)) for _url, token, value in _NPS_LINK.findall(html)] == [
        (invitation.token, value) for value in range(11)
    ]
    assert f'<img src="{link}/o.gif" width="1" height="1" alt="">' in html
    assert invitation.status == InvitationStatus.SENT
    assert invitation.sent_at is not None
    assert invitation.reminder_due_at is None


def test_the_default_text_is_in_the_invitation_language(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    contact = Contact.all_orgs.create(organization=organization, email="kim@example.net", name="Kim Lee")
    campaign = make_campaign(live_survey, make_audience([contact]), embed_first_question=False)

    send_all(campaign)

    [message] = smtp_sink.messages
    assert message["Subject"] == f"{organization.name} would like your feedback"
    assert _text(message).startswith("Hello Kim,\n\nWe would like to hear about your experience")
    assert _NPS_LINK.findall(_html(message)) == []


def test_one_click_nps_records_the_answer_and_a_second_click_shows_the_ending(
    organization, live_survey, make_audience, make_campaign, smtp_sink, client
):
    contact = Contact.all_orgs.create(organization=organization, email="sam@example.net", name="Sam")
    campaign = make_campaign(live_survey, make_audience([contact]), reminder_after_days=2)
    send_all(campaign)
    [message] = smtp_sink.messages
    nine = next(url for url, _token, value in _NPS_LINK.findall(_html(message)) if value == "9")

    clicked = client.get(_path(nine))

    invitation = Invitation.all_orgs.get(campaign=campaign)
    assert clicked.status_code == 302
    assert clicked["Location"] == f"/s/{live_survey.public_id}/?i={invitation.token}&nps=9"
    answered = client.get(clicked["Location"])
    assert answered.status_code == 302
    assert answered["Location"] == f"/s/{live_survey.public_id}/q/email/"
    response = Response.all_orgs.get(survey=live_survey)
    assert (response.nps, response.contact_id, response.channel, response.client_id) == (
        9,
        contact.pk,
        Channel.EMAIL,
        invitation.client_id,
    )
    assert response.finished_at is None
    run_outbox()
    invitation.refresh_from_db()
    assert invitation.clicked_at is not None
    assert invitation.opened_at is not None
    assert invitation.started_at == response.started_at
    assert invitation.answered_at is None

    finished = client.post(answered["Location"], {"email": ""})
    assert finished.status_code == 302
    run_outbox()
    invitation.refresh_from_db()
    response.refresh_from_db()
    assert response.finished_at is not None
    assert (invitation.answered_at, invitation.response_id, invitation.reminder_due_at) == (
        response.finished_at,
        response.pk,
        None,
    )

    # Again, from another browser (no cookie) and with another number: the ending, no second response.
    other = type(client)()
    again = other.get(_path(nine).replace("v=9", "v=3"), follow=True)
    assert again.status_code == 200
    assert "Thank you!" in again.content.decode()
    assert Response.all_orgs.filter(survey=live_survey).count() == 1
    response.refresh_from_db()
    assert response.nps == 9


def test_the_personal_link_without_a_number_opens_the_survey_in_the_invitation_language(
    organization, live_survey, make_audience, make_campaign, smtp_sink, client
):
    contact = Contact.all_orgs.create(organization=organization, email="ru@example.net", language="ru")
    campaign = make_campaign(live_survey, make_audience([contact]))
    send_all(campaign)
    invitation = Invitation.all_orgs.get(campaign=campaign)

    page = client.get(f"/i/{invitation.token}", follow=True)

    assert page.status_code == 200
    body = page.content.decode()
    assert "Порекомендуете ли вы нас?" in body
    assert f'name="_m.invite" value="{invitation.token}"' in body
    # The first answer, posted from that page, belongs to the invitation.
    client.post(f"/s/{live_survey.public_id}/q/nps/", {"nps": "4", "_m.invite": invitation.token})
    response = Response.all_orgs.get(survey=live_survey)
    assert (response.client_id, response.contact_id, response.language, response.nps) == (
        invitation.client_id,
        contact.pk,
        "ru",
        4,
    )


def test_an_unknown_link_is_not_found_and_the_pixel_records_the_open(
    organization, live_survey, make_audience, make_campaign, client
):
    campaign = make_campaign(live_survey, make_audience(n=1))
    campaign_start_due()
    invitation = Invitation.all_orgs.get(campaign=campaign)

    missing = client.get("/i/AAAAAAAAAAAA?v=9")
    pixel = client.get(f"/i/{invitation.token}/o.gif")
    unknown_pixel = client.get("/i/AAAAAAAAAAAA/o.gif")

    assert missing.status_code == 404
    assert (pixel.status_code, pixel["Content-Type"], pixel.content[:6]) == (200, "image/gif", b"GIF89a")
    assert unknown_pixel.content == pixel.content
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    assert invitation.clicked_at is None


def test_a_closed_survey_shows_the_unavailable_page(
    organization, live_survey, make_audience, make_campaign, client
):
    campaign = make_campaign(live_survey, make_audience(n=1))
    campaign_start_due()
    invitation = Invitation.all_orgs.get(campaign=campaign)
    live_survey.status = SurveyStatus.CLOSED
    live_survey.save()

    page = client.get(f"/i/{invitation.token}?v=9", follow=True)

    assert page.status_code == 410
    assert "This survey is closed" in page.content.decode()
    assert Response.all_orgs.count() == 0


def test_the_unsubscribe_link_suppresses_the_contact_for_a_later_campaign(
    organization, live_survey, make_audience, make_campaign, smtp_sink, client
):
    contact = Contact.all_orgs.create(organization=organization, email="leave@example.net")
    audience = make_audience([contact])
    send_all(make_campaign(live_survey, audience))
    [message] = smtp_sink.messages
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")

    page = client.get(_path(unsubscribe))

    assert page.status_code == 200
    assert Suppression.all_orgs.filter(organization=organization, channel="email").count() == 1
    later = make_campaign(live_survey, audience, name="Autumn NPS")
    assert send_all(later) == 0
    skipped = Invitation.all_orgs.get(campaign=later)
    assert (skipped.status, skipped.skip_reason) == (InvitationStatus.SKIPPED, SkipReason.SUPPRESSED)
    assert len(smtp_sink.messages) == 1
    contact.refresh_from_db()
    assert contact.consent == Consent.WITHDRAWN
    run_outbox()
    first = Invitation.all_orgs.get(campaign__name="Spring NPS")
    assert (first.unsubscribed_at is not None, first.reminder_due_at) == (True, None)


def test_an_unreachable_mail_server_leaves_the_invitation_for_a_retry(
    organization, live_survey, make_audience, make_campaign, smtp_sink, settings
):
    campaign = make_campaign(live_survey, make_audience(n=1))
    campaign_start_due()
    smtp_sink.stop()

    assert campaign_send_batch(campaign_id=campaign.pk) == 0

    invitation = Invitation.all_orgs.get(campaign=campaign)
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.attempts == 1
    assert invitation.claimed_at is not None
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING
    # Not retried at once.
    assert campaign_send_batch(campaign_id=campaign.pk) == 0
    invitation.refresh_from_db()
    assert invitation.attempts == 1


def test_a_refused_address_fails_permanently_and_the_campaign_finishes(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    bad = Contact.all_orgs.create(organization=organization, email="bad\n@example.net")
    good = Contact.all_orgs.create(organization=organization, email="good@example.net")
    campaign = make_campaign(live_survey, make_audience([bad, good]))

    assert send_all(campaign) == 1

    statuses = dict(Invitation.all_orgs.filter(campaign=campaign).values_list("contact_id", "status"))
    assert statuses == {bad.pk: InvitationStatus.FAILED, good.pk: InvitationStatus.SENT}
    assert Invitation.all_orgs.get(contact=bad).error != ""
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.finished_at is not None


def test_invitation_send_sends_one_pending_invitation_once(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    campaign = make_campaign(live_survey, make_audience(n=1))
    campaign_start_due()
    invitation = Invitation.all_orgs.get(campaign=campaign)

    invitation_send(invitation_id=invitation.pk)
    invitation_send(invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert len(smtp_sink.messages) == 1


def test_a_cancelled_campaign_sends_nothing_more(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    campaign = make_campaign(live_survey, make_audience(n=3))
    campaign_start_due()
    Campaign.all_orgs.filter(pk=campaign.pk).update(status=CampaignStatus.CANCELLED)

    assert campaign_send_batch(campaign_id=campaign.pk) == 0
    assert smtp_sink.messages == []


def test_erasure_unlinks_the_contact_and_keeps_the_counts(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    contact = Contact.all_orgs.create(organization=organization, email="gone@example.net")
    campaign = make_campaign(live_survey, make_audience([contact]))
    send_all(campaign)

    exported = invitations_export(organization.pk, contact)
    changed = invitations_erase(organization.pk, contact)

    assert "campaigns" in registered_erasers()
    assert [(row["campaign"], row["address"], row["status"]) for row in exported] == [
        ("Spring NPS", "gone@example.net", "sent")
    ]
    assert changed == 1
    invitation = Invitation.all_orgs.get(campaign=campaign)
    assert (invitation.contact_id, invitation.address, invitation.status) == (None, "", "sent")


def test_the_preview_uses_a_sample_contact(organization, live_survey, make_audience, make_campaign):
    campaign = make_campaign(live_survey, make_audience(n=0))

    preview = campaign_preview(campaign=campaign, language="en", kind=MessageKind.REMINDER)

    assert preview.subject == f"Reminder: {organization.name} would like your feedback"
    assert preview.text.startswith("Hello Alex,\n\nA few days ago we asked")
    assert "How likely are you to recommend us?" in preview.html
    assert "/i/preview?v=10" in preview.html
