"""Outgoing email about people: invitations."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.services import IssuedInvitation


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})


def send_invitation_email(*, issued: IssuedInvitation) -> None:
    """Send the invitation link, in the organisation's default language and time zone.

    The plaintext token exists only here and in the email: it cannot be handed to a worker later, so
    the email is sent while the request still holds it.
    """
    invitation = issued.invitation
    organization = invitation.organization
    inviter = invitation.invited_by
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(organization.default_language), timezone.override(zone):
        context = {
            "organization": organization,
            "inviter_name": inviter.display_name if inviter is not None else organization.name,
            "role": invitation.get_role_display(),
            "link": invitation_link(issued.token),
            "expires_at": invitation.expires_at,
        }
        subject = _("%(inviter)s invited you to %(organization)s on cxplatform") % {
            "inviter": context["inviter_name"],
            "organization": organization.name,
        }
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
