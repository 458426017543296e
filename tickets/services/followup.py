"""Closing the loop: a follow-up survey after resolution, and whether a detractor was recovered."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.models import OutboxEvent
from feedback.models import Response
from feedback.services import survey_unavailable_reason
from surveys.models import Survey
from tickets.models import Ticket
from tickets.services.common import new_token
from tickets.services.events import ticket_event_record
from tickets.services.messages import reply_record

logger = logging.getLogger(__name__)

DETRACTOR_MAX = 6
RECOVERED_MIN = 7


def followup_link(*, survey: Survey, token: str) -> str:
    path = reverse("public_survey:start", kwargs={"public_id": survey.public_id})
    return f"{settings.SITE_URL}{path}?followup={token}"


@transaction.atomic
def ticket_followup_send(*, ticket: Ticket, survey: Survey, actor: Membership) -> None:
    """Email the customer a link to ``survey``; the answer comes back with the ticket's follow-up token."""
    if survey.organization_id != ticket.organization_id:
        raise ValidationError({"followup_survey": _("Choose a survey of this organisation.")})
    if survey_unavailable_reason(survey) is not None:
        raise ValidationError(
            {"followup_survey": _("This survey takes no responses now: publish or reopen it first.")}
        )
    contact = ticket.contact
    if contact is None or not contact.email:
        raise ValidationError(
            {"followup_survey": _("This customer has no email address to send the survey to.")}
        )
    Ticket.all_orgs.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).first()
    ticket.followup_token = ticket.followup_token or new_token()
    ticket.followup_survey = survey
    ticket.followup_sent_at = timezone.now()
    ticket.save(update_fields=["followup_token", "followup_survey", "followup_sent_at"])
    language = contact.language or ticket.organization.default_language
    with translation.override(language):
        body = render_to_string(
            "tickets/email/followup.txt",
            {
                "ticket": ticket,
                "organization": ticket.organization,
                "contact": contact,
                "link": followup_link(survey=survey, token=ticket.followup_token),
            },
        ).strip()
    message = reply_record(ticket=ticket, author=actor, body=body, to_email=contact.email)
    ticket_event_record(
        ticket=ticket,
        actor=actor.user,
        kind="followup_sent",
        data={"survey": survey.pk, "survey_name": survey.name, "message": message.pk},
    )


@transaction.atomic
def followup_record(*, response: Response) -> Ticket | None:
    """Link a finished follow-up response to its ticket and decide whether the customer was recovered.

    Recovered: the ticket's original feedback was a detractor's (NPS ≤ 6) and the follow-up NPS is 7 or
    more; None when the original was not a detractor's. The first follow-up answer counts; idempotent.
    """
    token = response.meta.get("followup") if isinstance(response.meta, dict) else None
    if not isinstance(token, str) or not token:
        return None
    ticket = (
        Ticket.all_orgs.select_for_update()
        .filter(organization_id=response.organization_id, followup_token=token)
        .first()
    )
    if ticket is None or ticket.followup_response_id is not None:
        return ticket
    original = (
        Response.all_orgs.filter(pk=ticket.response_id).values_list("nps", flat=True).first()
        if ticket.response_id
        else None
    )
    if original is None or original > DETRACTOR_MAX:
        recovered = None
    else:
        recovered = response.nps is not None and response.nps >= RECOVERED_MIN
    ticket.followup_response = response
    ticket.recovered = recovered
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["followup_response", "recovered", "updated_at"])
    ticket_event_record(
        ticket=ticket,
        actor=None,
        kind="recovered" if recovered else "followup_answered",
        data={"response": response.pk, "nps": response.nps, "original_nps": original, "recovered": recovered},
    )
    return ticket


def handle_response_finished(event: OutboxEvent) -> None:
    """Outbox handler for "response.finished": only follow-up responses carry a token."""
    response_id = event.payload.get("response_id")
    # Filtered in the query: the rows of ordinary responses are not even read.
    response = Response.all_orgs.filter(
        organization_id=event.organization_id, pk=response_id, meta__has_key="followup"
    ).first()
    if response is None or not (isinstance(response.meta, dict) and response.meta.get("followup")):
        return
    followup_record(response=response)
