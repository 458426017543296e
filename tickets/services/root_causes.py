"""The organisation's root-cause taxonomy: categories with one level of children."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from tickets.models import RootCause, Ticket

NAME_LIMIT = 120


def _clean(organization: Organization, name: str, parent: RootCause | None, current: RootCause | None) -> str:
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the root cause a name.")
    elif len(name) > NAME_LIMIT:
        errors["name"] = _("Keep the name under %(limit)d characters.") % {"limit": NAME_LIMIT}
    if parent is not None:
        if parent.organization_id != organization.pk:
            errors["parent"] = _("Choose a category from the list.")
        elif parent.parent_id is not None:
            errors["parent"] = _("Choose a top-level category: root causes have one level of children.")
        elif current is not None and (parent.pk == current.pk or current.children.exists()):
            errors["parent"] = _("A category with its own root causes cannot move under another one.")
    if errors:
        raise ValidationError(errors)
    return name


def _duplicate() -> ValidationError:
    return ValidationError({"name": _("A root cause with this name already exists here.")})


@transaction.atomic
def root_cause_create(
    *, organization: Organization, actor: Membership, name: str, parent: RootCause | None = None
) -> RootCause:
    name = _clean(organization, name, parent, None)
    try:
        with transaction.atomic():
            cause = RootCause.all_orgs.create(organization=organization, name=name, parent=parent)
    except IntegrityError:
        raise _duplicate() from None
    audit_record(
        organization=organization,
        actor=actor.user,
        action="root_cause.created",
        target=cause,
        after={"name": str(cause)},
    )
    return cause


@transaction.atomic
def root_cause_update(
    *,
    root_cause: RootCause,
    actor: Membership,
    name: str,
    parent: RootCause | None = None,
    active: bool = True,
) -> RootCause:
    name = _clean(root_cause.organization, name, parent, root_cause)
    before = {"name": str(root_cause), "active": root_cause.active}
    root_cause.name, root_cause.parent, root_cause.active = name, parent, active
    try:
        with transaction.atomic():
            root_cause.save(update_fields=["name", "parent", "active"])
    except IntegrityError:
        raise _duplicate() from None
    audit_record(
        organization=root_cause.organization,
        actor=actor.user,
        action="root_cause.updated",
        target=root_cause,
        before=before,
        after={"name": str(root_cause), "active": root_cause.active},
    )
    return root_cause


@transaction.atomic
def root_cause_delete(*, root_cause: RootCause, actor: Membership) -> bool:
    """Delete a root cause no ticket uses; one in use (or with children in use) is deactivated instead.

    Returns True when it was deleted, False when deactivated.
    """
    used = Ticket.all_orgs.filter(organization_id=root_cause.organization_id).filter(
        Q(root_cause=root_cause) | Q(root_cause__parent=root_cause)
    )
    if used.exists():
        RootCause.all_orgs.filter(Q(pk=root_cause.pk) | Q(parent=root_cause)).update(active=False)
        root_cause.active = False
        audit_record(
            organization=root_cause.organization,
            actor=actor.user,
            action="root_cause.deactivated",
            target=root_cause,
        )
        return False
    audit_record(
        organization=root_cause.organization,
        actor=actor.user,
        action="root_cause.deleted",
        target=root_cause,
        before={"name": str(root_cause)},
    )
    root_cause.delete()
    return True
