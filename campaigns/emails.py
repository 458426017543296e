"""What an invitation or a reminder says: the campaign's text for the language (or our default text),
the placeholders filled in, the HTML with the embedded first question, the email with its headers, and
the SMS body. Pure rendering: nothing here writes.

Placeholders: {first_name} {name} {survey_link} {unsubscribe_link} {organization}. In the HTML every
value is escaped; the links become anchors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignChannel, CampaignMessage, Invitation, MessageKind
from campaigns.services.links import answer_url, embeddable_question, invitation_url, pixel_url
from feedback.models import Contact
from surveys.definition.piping import localized
from surveys.definition.types import scale_of

PLACEHOLDERS = ("first_name", "name", "survey_link", "unsubscribe_link", "organization")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_LINKS = ("survey_link", "unsubscribe_link")
SAMPLE_NAME = "Alex Example"
PREVIEW_TOKEN = "preview"  # noqa: S105 -- the sample link's token, not a secret


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Button:
    value: int
    url: str


@dataclass(frozen=True)
class EmbeddedQuestion:
    text: str
    buttons: list[Button]
    low_label: str
    high_label: str


def _default_texts(kind: str, channel: str, has_name: bool) -> tuple[str, str]:
    """Our subject and body (in the active language) for a campaign without its own text."""
    greeting = _("Hello {first_name},") if has_name else _("Hello,")
    if channel == CampaignChannel.SMS:
        if kind == MessageKind.REMINDER:
            return "", _("{organization}: a reminder, we would still love your feedback: {survey_link}")
        return "", _("{organization}: how was your experience? Tell us here: {survey_link}")
    if kind == MessageKind.REMINDER:
        return (
            _("Reminder: {organization} would like your feedback"),
            greeting
            + "\n\n"
            + _(
                "A few days ago we asked about your experience with {organization}. If you have a minute, "
                "we would still love to hear from you.\n\nStart the survey: {survey_link}\n\nThank you!"
            ),
        )
    return (
        _("{organization} would like your feedback"),
        greeting
        + "\n\n"
        + _(
            "We would like to hear about your experience with {organization}. It takes about a minute."
            "\n\nStart the survey: {survey_link}\n\nThank you!"
        ),
    )


def campaign_messages(campaign: Campaign, kind: str) -> dict[str, CampaignMessage]:
    """The campaign's own texts of one kind, by language."""
    return {
        m.language: m
        for m in CampaignMessage.all_orgs.filter(
            organization_id=campaign.organization_id, campaign=campaign, kind=kind
        )
    }


def campaign_texts(
    campaign: Campaign,
    language: str,
    kind: str,
    *,
    has_name: bool,
    messages: dict[str, CampaignMessage] | None = None,
) -> tuple[str, str, str]:
    """(language, subject, body): the campaign's own text for the language, else for the survey's base
    language, else our default text in the invitation's language."""
    if messages is None:
        messages = campaign_messages(campaign, kind)
    for code in (language, campaign.survey.base_language):
        message = messages.get(code)
        if message is not None:
            return code, message.subject, message.body
    with translation.override(language):
        subject, body = _default_texts(kind, campaign.channel, has_name)
    return language, subject, body


def fill_text(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


def fill_html(template: str, values: dict[str, str]) -> SafeString:
    """The text as HTML paragraphs: the member's text and every value escaped, the links as anchors."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(escape(template[position : match.start()]))
        name, value = match.group(1), values.get(match.group(1), "")
        parts.append(
            format_html('<a href="{}">{}</a>', value, value) if name in _LINKS and value else escape(value)
        )
        position = match.end()
    parts.append(escape(template[position:]))
    html = "".join(parts).replace("\r\n", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html) if p.strip()]
    return mark_safe("".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))  # noqa: S308 -- escaped above


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else ""


def _embedded(campaign: Campaign, language: str, token: str) -> EmbeddedQuestion | None:
    version = campaign.survey.current_version
    if campaign.channel != CampaignChannel.EMAIL or not campaign.embed_first_question or version is None:
        return None
    definition: dict[str, Any] = version.definition
    question = embeddable_question(definition)
    scale = scale_of(question) if question is not None else None
    if question is None or scale is None:
        return None
    base = str(definition.get("base_language", "en"))
    low, high = scale
    labels = {"nps": (_("Not at all likely"), _("Extremely likely"))}.get(str(question["type"]), ("", ""))
    return EmbeddedQuestion(
        text=localized(question.get("text"), language, base),
        buttons=[Button(value, answer_url(token, value)) for value in range(low, high + 1)],
        low_label=labels[0],
        high_label=labels[1],
    )


def render_message(
    *,
    campaign: Campaign,
    language: str,
    kind: str,
    name: str,
    token: str,
    unsubscribe_link: str,
    messages: dict[str, CampaignMessage] | None = None,
) -> RenderedMessage:
    """The subject, text and HTML of one invitation or reminder (``messages``: the campaign's texts of
    that kind, when the caller already has them)."""
    code, subject, body = campaign_texts(
        campaign, language, kind, has_name=bool(_first_name(name)), messages=messages
    )
    values = {
        "first_name": _first_name(name),
        "name": name,
        "survey_link": invitation_url(token),
        "unsubscribe_link": unsubscribe_link,
        "organization": campaign.organization.name,
    }
    text_subject = " ".join(fill_text(subject, values).split())
    text = fill_text(body, values)
    if campaign.channel == CampaignChannel.SMS:
        return RenderedMessage(subject="", text=text, html="")
    with translation.override(code):
        context = {
            "language": code,
            "subject": text_subject,
            "body": fill_html(body, values),
            "text": text,
            "question": _embedded(campaign, code, token),
            "survey_link": values["survey_link"],
            "unsubscribe_link": unsubscribe_link,
            "organization": campaign.organization.name,
            "pixel": pixel_url(token) if token != PREVIEW_TOKEN else "",
        }
        return RenderedMessage(
            subject=text_subject,
            text=render_to_string("campaigns/email/message.txt", context),
            html=render_to_string("campaigns/email/message.html", context),
        )


def sender_address(organization_name: str) -> str:
    """DEFAULT_FROM_EMAIL's address with the organisation's name as the display name."""
    _display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join(organization_name.split())
    return formataddr((name, address)) if address else settings.DEFAULT_FROM_EMAIL


def unsubscribe_link_for(organization_id: int, contact_id: int) -> str:
    from contacts.services import unsubscribe_url

    return unsubscribe_url(organization_id=organization_id, contact_id=contact_id)


def invitation_email(
    invitation: Invitation, contact: Contact, kind: str, messages: dict[str, CampaignMessage] | None = None
) -> EmailMultiAlternatives:
    """The email of an invitation (or its reminder) to ``invitation.address``, with the headers that let
    mail clients unsubscribe in one click and the provider's events find the invitation again."""
    campaign = invitation.campaign
    unsubscribe = unsubscribe_link_for(invitation.organization_id, contact.pk)
    rendered = render_message(
        campaign=campaign,
        language=invitation.language,
        kind=kind,
        name=contact.name,
        token=invitation.token,
        unsubscribe_link=unsubscribe,
        messages=messages,
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender_address(campaign.organization.name),
        to=[invitation.address],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-CX-Invitation": invitation.token,
            "X-SMTPAPI": json.dumps({"unique_args": {"cx_invitation": invitation.token}}),
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def invitation_sms(
    invitation: Invitation, contact: Contact, kind: str, messages: dict[str, CampaignMessage] | None = None
) -> str:
    return render_message(
        campaign=invitation.campaign,
        language=invitation.language,
        kind=kind,
        name=contact.name,
        token=invitation.token,
        unsubscribe_link="",
        messages=messages,
    ).text


def campaign_preview(*, campaign: Campaign, language: str, kind: str) -> RenderedMessage:
    """The message as a sample contact ("Alex") would get it, for the campaign's message editor."""
    return render_message(
        campaign=campaign,
        language=language,
        kind=kind,
        name=SAMPLE_NAME,
        token=PREVIEW_TOKEN,
        unsubscribe_link=f"{settings.SITE_URL}/u/{PREVIEW_TOKEN}/",
    )
