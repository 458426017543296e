"""What an alert says: the summary of a response, the email, the digest, and chat/webhook payloads.

Pure rendering: nothing here writes. Texts are rendered in the active language, so callers wrap them
in ``translation.override`` for the recipient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from feedback.alerts.models import AlertDelivery, AlertRule
from feedback.models import Response

COMMENT_EXCERPT = 500
ALERT_EVENT = "alert.fired"


@dataclass(frozen=True)
class AlertSummary:
    rule_id: int
    rule_name: str
    response_id: int
    headline: str  # "NPS 3"
    who: str  # "Jane Doe"
    comment: str
    channel: str
    survey: str
    url: str
    received_at: datetime


def response_url(response: Response) -> str:
    path = reverse(
        "feedback:response_detail",
        kwargs={"org_slug": response.organization.slug, "response_id": response.pk},
    )
    return f"{settings.SITE_URL}{path}"


def _headline(response: Response) -> str:
    for label, value in (("NPS", response.nps), ("CSAT", response.csat), ("CES", response.ces)):
        if value is not None:
            return f"{label} {value}"
    return _("new feedback")


def _who(response: Response) -> str:
    contact = response.contact
    if contact is not None:
        return contact.name or contact.email or contact.phone or contact.external_id or _("a known contact")
    return _("an anonymous respondent")


def summarize(rule: AlertRule, response: Response) -> AlertSummary:
    """The facts every alert message shows, in the active language."""
    comment = response.comment.strip()
    if len(comment) > COMMENT_EXCERPT:
        comment = comment[: COMMENT_EXCERPT - 1] + "…"
    return AlertSummary(
        rule_id=rule.pk,
        rule_name=rule.name,
        response_id=response.pk,
        headline=_headline(response),
        who=_who(response),
        comment=comment,
        channel=str(response.get_channel_display()),
        survey=response.survey.name if response.survey is not None else "",
        url=response_url(response),
        received_at=response.received_at,
    )


def alert_subject(summary: AlertSummary) -> str:
    return _("[Alert] %(rule)s: %(headline)s from %(who)s") % {
        "rule": summary.rule_name,
        "headline": summary.headline,
        "who": summary.who,
    }


def alert_email(summary: AlertSummary, to: list[str]) -> EmailMultiAlternatives:
    context = {"summary": summary}
    message = EmailMultiAlternatives(
        subject=alert_subject(summary),
        body=render_to_string("alerts/email_alert.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(render_to_string("alerts/email_alert.html", context), "text/html")
    return message


def digest_email(summaries: list[AlertSummary], to: str, organization_name: str) -> EmailMultiAlternatives:
    context = {"summaries": summaries, "organization_name": organization_name}
    message = EmailMultiAlternatives(
        subject=_("[Alerts] %(count)d alerts for %(organization)s")
        % {"count": len(summaries), "organization": organization_name},
        body=render_to_string("alerts/email_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string("alerts/email_digest.html", context), "text/html")
    return message


def _text_line(summary: AlertSummary) -> str:
    return alert_subject(summary)


def slack_payload(summary: AlertSummary) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` for notifications, ``blocks`` for the layout."""
    details = [f"*{summary.headline}* · {summary.who}", f"{_('Channel')}: {summary.channel}"]
    if summary.survey:
        details.append(f"{_('Survey')}: {summary.survey}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{summary.rule_name}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(details)}},
    ]
    if summary.comment:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": summary.comment[:2900]}})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": _("Open the response")},
                    "url": summary.url,
                }
            ],
        }
    )
    return {"text": f"{_text_line(summary)} {summary.url}", "blocks": blocks}


def teams_payload(summary: AlertSummary) -> dict[str, Any]:
    """A Teams message with an Adaptive Card: accepted by incoming webhooks and Workflows alike."""
    facts = [
        {"title": _("Score"), "value": summary.headline},
        {"title": _("From"), "value": summary.who},
        {"title": _("Channel"), "value": summary.channel},
    ]
    if summary.survey:
        facts.append({"title": _("Survey"), "value": summary.survey})
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _text_line(summary),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "FactSet", "facts": facts},
    ]
    if summary.comment:
        body.append({"type": "TextBlock", "text": summary.comment, "wrap": True})
    return {
        "type": "message",
        "summary": _text_line(summary),
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [
                        {"type": "Action.OpenUrl", "title": _("Open the response"), "url": summary.url}
                    ],
                },
            }
        ],
    }


def webhook_body(delivery: AlertDelivery, summary: AlertSummary) -> bytes:
    """The signed webhook's body: the envelope of ``webhooks`` with the rule and the response."""
    from webhooks.services import response_payload

    envelope = {
        "id": delivery.pk,
        "type": ALERT_EVENT,
        "created_at": delivery.created_at.isoformat(),
        "data": {
            "rule": {"id": summary.rule_id, "name": summary.rule_name},
            "url": summary.url,
            "response": response_payload(delivery.response),
        },
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
