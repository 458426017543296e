"""The beat's dispatcher (``campaigns.dispatch``, every 2 s): start due campaigns, send due reminders,
and keep sending the throttled batches of every sending campaign."""

from __future__ import annotations

import time
from dataclasses import dataclass

from campaigns.models import Campaign, CampaignStatus
from campaigns.services.reminders import reminders_send_due
from campaigns.services.sending import campaign_send_batch, campaign_start_due

# The dispatcher's pause between rounds while campaigns are sending (the bucket refills meanwhile).
DISPATCH_TICK = 0.2


@dataclass(frozen=True)
class DispatchResult:
    started: int
    sent: int
    reminders: int


def campaigns_dispatch(*, seconds: float = 1.8) -> DispatchResult:
    """Start due campaigns, send due reminders, and keep sending the throttled batches of every sending
    campaign for about ``seconds`` (the beat runs this every 2 s; the bucket holds only one second's
    worth, so one batch per beat would halve the rate)."""
    deadline = time.monotonic() + seconds
    started = campaign_start_due()
    reminders = reminders_send_due()
    sent = 0
    while True:
        sending = list(
            Campaign.all_orgs.filter(status=CampaignStatus.SENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for campaign_id in sending:
            sent += campaign_send_batch(campaign_id=campaign_id)
        if not sending or time.monotonic() + DISPATCH_TICK >= deadline:
            break
        time.sleep(DISPATCH_TICK)
    return DispatchResult(started=started, sent=sent, reminders=reminders)
