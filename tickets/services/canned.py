"""Canned responses: reply templates with placeholders, filled in for a ticket."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from tickets.models import CannedResponse, Ticket

PLACEHOLDERS = ("contact_name", "contact_email", "ticket_number", "agent_name", "organization_name")
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
NAME_LIMIT = 120
BODY_LIMIT = 20_000


def _check_placeholders(body: str) -> None:
    unknown = sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            {
                "body": _("Unknown placeholder %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            }
        )


def _clean(name: str, body: str, language: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    name, body = name.strip(), body.strip()
    if not name:
        errors["name"] = _("Give the canned response a name.")
    elif len(name) > NAME_LIMIT:
        errors["name"] = _("Keep the name under %(limit)d characters.") % {"limit": NAME_LIMIT}
    if not body:
        errors["body"] = _("Write the text of the canned response.")
    elif len(body) > BODY_LIMIT:
        errors["body"] = _("Keep the text under %(limit)d characters.") % {"limit": BODY_LIMIT}
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose a language from the list.")
    if errors:
        raise ValidationError(errors)
    _check_placeholders(body)
    return name, body, language


def _duplicate() -> ValidationError:
    return ValidationError({"name": _("A canned response with this name already exists.")})


def _state(canned: CannedResponse) -> dict[str, Any]:
    return {"name": canned.name, "language": canned.language}


@transaction.atomic
def canned_response_create(
    *, organization: Organization, actor: Membership, name: str, body: str, language: str = ""
) -> CannedResponse:
    name, body, language = _clean(name, body, language)
    try:
        with transaction.atomic():
            canned = CannedResponse.all_orgs.create(
                organization=organization, name=name, body=body, language=language, created_by=actor.user
            )
    except IntegrityError:
        raise _duplicate() from None
    audit_record(
        organization=organization,
        actor=actor.user,
        action="canned.created",
        target=canned,
        after=_state(canned),
    )
    return canned


@transaction.atomic
def canned_response_update(
    *, canned: CannedResponse, actor: Membership, name: str, body: str, language: str = ""
) -> CannedResponse:
    name, body, language = _clean(name, body, language)
    before = _state(canned)
    canned.name, canned.body, canned.language = name, body, language
    try:
        with transaction.atomic():
            canned.save(update_fields=["name", "body", "language"])
    except IntegrityError:
        raise _duplicate() from None
    audit_record(
        organization=canned.organization,
        actor=actor.user,
        action="canned.updated",
        target=canned,
        before=before,
        after=_state(canned),
    )
    return canned


@transaction.atomic
def canned_response_delete(*, canned: CannedResponse, actor: Membership) -> None:
    audit_record(
        organization=canned.organization,
        actor=actor.user,
        action="canned.deleted",
        target=canned,
        before=_state(canned),
    )
    canned.delete()


def canned_render(*, canned: CannedResponse, ticket: Ticket, agent: Membership) -> str:
    """The canned text with its placeholders filled in for ``ticket``; an unknown one is an error."""
    if canned.organization_id != ticket.organization_id:
        raise ValidationError(_("Choose a canned response of this organisation."))
    _check_placeholders(canned.body)
    contact = ticket.contact
    values = {
        "contact_name": (contact.name or "") if contact is not None else "",
        "contact_email": (contact.email or "") if contact is not None else "",
        "ticket_number": str(ticket.pk),
        "agent_name": agent.user.display_name,
        "organization_name": ticket.organization.name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], canned.body)
