"""Writes that only the demo organisation may do, which is why they live here and not in the apps.

The demo people are accounts that can sign in at once, all sharing one password: they bypass sign-up on
purpose (no confirmation email, the address is marked verified). Demo surveys are moved back in time so
that their history comes before the seeded feedback, and the seeded responses get the version they
answered. A demo campaign gets the history of a send that happened weeks ago.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from campaigns.models import Campaign, CampaignStatus, Invitation, InvitationStatus
from feedback.models import Contact, Response
from surveys.models import Survey, SurveyVersion


@transaction.atomic
def demo_user_ensure(*, email: str, name: str, language: str, timezone_name: str, password_hash: str) -> User:
    """Create the account (or take over an existing one with this email) with a verified address.

    ``password_hash`` is an already encoded password: hashing once for all demo people keeps the seed
    fast with the production hasher.
    """
    email = email.lower()
    user, _created = User.objects.update_or_create(
        email=email,
        defaults={"name": name, "language": language, "timezone": timezone_name, "is_active": True},
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def demo_password_set(*, emails: Iterable[str], password: str) -> int:
    """Give every listed demo account the same new password; returns how many accounts changed."""
    return User.objects.filter(email__in=[e.lower() for e in emails]).update(password=make_password(password))


@transaction.atomic
def demo_survey_backdate(
    *, survey: Survey, created_at: datetime, published_at: Mapping[int, datetime]
) -> None:
    """Move a demo survey and its versions back in time, so that its history comes before the months
    of seeded feedback. ``published_at`` maps version numbers to when they went live."""
    versions = SurveyVersion.all_orgs.filter(organization_id=survey.organization_id, survey=survey)
    for number, moment in published_at.items():
        versions.filter(number=number).update(published_at=moment)
    updated_at = max([created_at, *published_at.values()])
    Survey.all_orgs.filter(organization_id=survey.organization_id, pk=survey.pk).update(
        created_at=created_at, updated_at=updated_at
    )


@dataclass(frozen=True)
class VersionLink:
    """Stored demo responses (by client id or external id) that answered ``version_id`` and reached
    ``ending``."""

    version_id: int
    ending: str
    client_ids: Sequence[UUID]
    external_ids: Sequence[str]


@transaction.atomic
def demo_responses_link_versions(
    *, organization: Organization, links: Sequence[VersionLink], batch_size: int = 1000
) -> int:
    """Attach the survey version and the ending to bulk-stored demo responses; returns how many.

    Historical rows go in through ``feedback.services.response_bulk_create``, whose rows carry no
    version or ending yet, so the demo sets them right after, in the same transaction.
    """
    version_ids = {link.version_id for link in links}
    owned = SurveyVersion.all_orgs.filter(organization=organization, pk__in=version_ids).count()
    if owned != len(version_ids):
        raise ValidationError({"survey_version": _("Some ids do not belong to this organisation.")})
    responses = Response.all_orgs.filter(organization=organization)
    linked = 0
    for link in links:
        changes = {"survey_version_id": link.version_id, "ending": link.ending}
        for start in range(0, len(link.client_ids), batch_size):
            client_ids = link.client_ids[start : start + batch_size]
            linked += responses.filter(client_id__in=client_ids).update(**changes)
        for start in range(0, len(link.external_ids), batch_size):
            external_ids = link.external_ids[start : start + batch_size]
            linked += responses.filter(external_id__in=external_ids).update(**changes)
    return linked


@dataclass(frozen=True)
class DemoInvitation:
    """What became of one contact's invitation: skipped (with a reason) or sent, and then what."""

    contact: Contact
    skip_reason: str = ""
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    response: Response | None = None
    reminded_at: datetime | None = None


@transaction.atomic
def demo_campaign_history(
    *, campaign: Campaign, invitations: Sequence[DemoInvitation], sent_at: datetime
) -> int:
    """Record ``campaign`` as sent at ``sent_at`` with these invitations; returns how many.

    An answered invitation takes its response's client id, so that its personal link opens the answer
    already given, exactly as a live campaign's would.
    """
    rows: list[Invitation] = []
    for item in invitations:
        response = item.response
        status = (
            InvitationStatus.SKIPPED
            if item.skip_reason
            else InvitationStatus.FAILED
            if item.bounced_at
            else InvitationStatus.SENT
        )
        rows.append(
            Invitation(
                organization_id=campaign.organization_id,
                campaign=campaign,
                contact=item.contact,
                survey_id=campaign.survey_id,
                channel=campaign.channel,
                address=item.contact.email,
                language=item.contact.language,
                token=secrets.token_urlsafe(9),
                client_id=(response.client_id if response is not None else None) or uuid.uuid4(),
                status=status,
                skip_reason=item.skip_reason,
                error="550 5.1.1 mailbox unavailable" if item.bounced_at else "",
                response=response,
                reminders_sent=1 if item.reminded_at else 0,
                created_at=sent_at - timedelta(minutes=1),
                claimed_at=item.sent_at,
                sent_at=item.sent_at,
                delivered_at=item.delivered_at,
                opened_at=item.opened_at,
                clicked_at=item.clicked_at,
                started_at=response.started_at if response is not None else None,
                answered_at=response.finished_at if response is not None else None,
                bounced_at=item.bounced_at,
                last_reminded_at=item.reminded_at,
            )
        )
    Invitation.all_orgs.bulk_create(rows, batch_size=500)
    last = max((row.sent_at for row in rows if row.sent_at is not None), default=sent_at)
    Campaign.all_orgs.filter(organization_id=campaign.organization_id, pk=campaign.pk).update(
        status=CampaignStatus.SENT,
        scheduled_at=sent_at,
        audience_built_at=sent_at,
        started_at=sent_at,
        finished_at=last,
        created_at=sent_at - timedelta(days=1),
        updated_at=last,
    )
    return len(rows)
