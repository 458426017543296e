"""What an alert rule does when it fires: the shape of ``AlertRule.actions`` and its validation.

``actions`` is a list with at most one action per channel::

    {"type": "email", "recipients": [{"member": <membership id>, "frequency": "immediate|hourly|daily"},
                                     {"email": "x@y", "frequency": "immediate"}]}
    {"type": "webhook", "url": "https://...", "secret": "whsec_..."}
    {"type": "slack", "url": "https://hooks.slack.com/..."}
    {"type": "teams", "url": "https://...webhook.office.com/..."}
    {"type": "ticket", "priority": "normal"}
"""

from __future__ import annotations

import secrets
from typing import Any, Literal, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from feedback.alerts.models import AlertChannel, DigestFrequency

SECRET_PREFIX = "whsec_"  # noqa: S105 -- the same recognisable label as webhooks' secrets
MAX_RECIPIENTS = 50


class Recipient(TypedDict):
    frequency: str
    member: NotRequired[int]
    email: NotRequired[str]


class Action(TypedDict):
    type: str
    recipients: NotRequired[list[Recipient]]
    url: NotRequired[str]
    secret: NotRequired[str]
    priority: NotRequired[str]


# Channels whose messages wait for the end of quiet hours. Tickets and signed webhooks are never held:
# machines and SLA clocks do not sleep.
HELD_IN_QUIET_HOURS = frozenset({AlertChannel.EMAIL, AlertChannel.SLACK, AlertChannel.TEAMS})
URL_CHANNELS: tuple[Literal["webhook", "slack", "teams"], ...] = ("webhook", "slack", "teams")


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _channel_label(channel: str) -> str:
    return str(AlertChannel(channel).label) if channel in AlertChannel.values else channel


def _recipient(item: object) -> tuple[str, Recipient]:
    """One recipient, normalised, with a key that spots duplicates."""
    if not isinstance(item, dict):
        raise ValidationError(_("Email: each recipient is a member or an email address."))
    frequency = item.get("frequency", DigestFrequency.IMMEDIATE)
    if frequency not in DigestFrequency.values:
        raise ValidationError(_("Email: choose at once, hourly or daily for each recipient."))
    if "member" in item:
        member = item["member"]
        if isinstance(member, bool) or not isinstance(member, int):
            raise ValidationError(_("Email: choose members from the list."))
        return f"m{member}", {"member": member, "frequency": frequency}
    if "email" not in item:
        raise ValidationError(_("Email: each recipient is a member or an email address."))
    address = str(item["email"]).strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            _("Email: “%(address)s” is not a valid email address.") % {"address": address[:100]}
        ) from None
    if frequency != DigestFrequency.IMMEDIATE:
        # Digests are per member: their time zone says when the daily one is due.
        raise ValidationError(_("Email: digests are for members; other addresses get alerts at once."))
    return f"e{address.casefold()}", {"email": address, "frequency": frequency}


def _validate_recipients(raw: object, organization: Organization) -> list[Recipient]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError(_("Email: add at least one recipient."))
    if len(raw) > MAX_RECIPIENTS:
        raise ValidationError(_("Email: at most %(n)d recipients.") % {"n": MAX_RECIPIENTS})
    recipients: list[Recipient] = []
    seen: set[str] = set()
    for item in raw:
        key, recipient = _recipient(item)
        if key in seen:
            raise ValidationError(_("Email: a recipient is listed twice."))
        seen.add(key)
        recipients.append(recipient)
    member_ids = {r["member"] for r in recipients if "member" in r}
    if member_ids:
        known = set(
            Membership.all_orgs.filter(organization=organization, pk__in=member_ids).values_list(
                "pk", flat=True
            )
        )
        if known != member_ids:
            raise ValidationError(_("Email: a recipient is not a member of this organisation."))
    return recipients


def _validate_url(channel: str, item: dict[str, Any]) -> str:
    from webhooks.services import url_refusal

    url = str(item.get("url") or "").strip()
    refusal = url_refusal(url) if url else _("Enter a URL.")
    if refusal is not None:
        raise ValidationError(
            _("%(channel)s: %(reason)s") % {"channel": _channel_label(channel), "reason": refusal}
        )
    if len(url) > 2000:
        raise ValidationError(_("%(channel)s: the URL is too long.") % {"channel": _channel_label(channel)})
    return url


def validate_actions(data: object, *, organization: Organization) -> list[Action]:
    """A normalised copy of a rule's actions; raises ``ValidationError`` naming the channel at fault."""
    from tickets.models import Priority

    if not isinstance(data, list):
        raise ValidationError(_("Actions must be a list."))
    actions: list[Action] = []
    seen: set[str] = set()
    for item in data:
        if not isinstance(item, dict) or item.get("type") not in AlertChannel.values:
            raise ValidationError(_("Each action must be one of email, webhook, Slack, Teams or ticket."))
        channel = str(item["type"])
        if channel in seen:
            raise ValidationError(
                _("%(channel)s: only one action per channel.") % {"channel": _channel_label(channel)}
            )
        seen.add(channel)
        if channel == AlertChannel.EMAIL:
            actions.append(
                {"type": channel, "recipients": _validate_recipients(item.get("recipients"), organization)}
            )
        elif channel == AlertChannel.WEBHOOK:
            secret = str(item.get("secret") or "") or new_secret()
            if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
                raise ValidationError(_("Signed webhook: the signing secret must start with whsec_."))
            actions.append({"type": channel, "url": _validate_url(channel, item), "secret": secret})
        elif channel in (AlertChannel.SLACK, AlertChannel.TEAMS):
            actions.append({"type": channel, "url": _validate_url(channel, item)})
        else:
            priority = item.get("priority") or Priority.NORMAL
            if priority not in Priority.values:
                raise ValidationError(_("Open a ticket: choose a priority from the list."))
            actions.append({"type": channel, "priority": str(priority)})
    order = list(AlertChannel.values)
    actions.sort(key=lambda action: order.index(action["type"]))
    return actions


def action_for(actions: object, channel: str) -> Action | None:
    """The rule's action for ``channel`` as stored (already validated), or None."""
    if not isinstance(actions, list):
        return None
    for item in actions:
        if isinstance(item, dict) and item.get("type") == channel:
            return item  # type: ignore[return-value]
    return None
