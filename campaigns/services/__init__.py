"""Writes about campaigns: sending (``sending``), reminders (``reminders``), the beat's dispatcher
(``dispatch``), the fatigue rules (``fatigue``), personal links
(``links``), tracking (``tracking``) and erasure (``erasure``)."""

from campaigns.emails import RenderedMessage, campaign_preview
from campaigns.services.dispatch import campaigns_dispatch
from campaigns.services.fatigue import fatigue_policy_for, skip_reason_for
from campaigns.services.links import invitation_click, invitation_open, invitation_url
from campaigns.services.reminders import reminder_send, reminders_send_due
from campaigns.services.sending import (
    campaign_finish_if_done,
    campaign_send_batch,
    campaign_start,
    campaign_start_due,
    invitation_send,
)
from campaigns.services.tracking import invitation_record_answered, invitation_record_started

__all__ = [
    "RenderedMessage",
    "campaign_finish_if_done",
    "campaign_preview",
    "campaign_send_batch",
    "campaign_start",
    "campaign_start_due",
    "campaigns_dispatch",
    "fatigue_policy_for",
    "invitation_click",
    "invitation_open",
    "invitation_record_answered",
    "invitation_record_started",
    "invitation_send",
    "invitation_url",
    "reminder_send",
    "reminders_send_due",
    "skip_reason_for",
]
