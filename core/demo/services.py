"""Writes that only the demo organisation may do, which is why they live here and not in the apps.

The demo people are accounts that can sign in at once, all sharing one password: they bypass sign-up on
purpose (no confirmation email, the address is marked verified). Demo surveys are moved back in time so
that their history comes before the seeded feedback, and the seeded responses get the version they
answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from feedback.models import Response
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
