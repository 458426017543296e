"""Shared test helpers: SMS invitations, and Twilio-signed webhook requests through the test client."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from django.test.client import Client as TestClient
from django.urls import reverse

from accounts.models import Organization
from campaigns.models import Campaign, CampaignChannel, Invitation, InvitationStatus
from feedback.models import Contact
from sms.signature import twilio_signature
from tests import factories
from tests.sms.fake_twilio import AUTH_TOKEN

FORM = "application/x-www-form-urlencoded"


def sms_invitation(organization: Organization, contact: Contact) -> Invitation:
    survey = factories.SurveyFactory(organization=organization)
    campaign = Campaign.all_orgs.create(
        organization=organization, name="Check-in", survey=survey, channel=CampaignChannel.SMS
    )
    return Invitation.all_orgs.create(
        organization=organization,
        campaign=campaign,
        contact=contact,
        survey=survey,
        channel=CampaignChannel.SMS,
        address=contact.phone,
        token=secrets.token_urlsafe(12),
        status=InvitationStatus.SENT,
    )


def signed_post(
    client: Client | TestClient, url_name: str, params: dict[str, str], *, token: str = AUTH_TOKEN
) -> Any:
    path = reverse(url_name)
    signature = twilio_signature(token, f"{settings.SITE_URL}{path}", {k: [v] for k, v in params.items()})
    return client.post(path, data=urlencode(params), content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature)
