"""Saved queue views: a member's named filters and sort, private or shared with the organisation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from tickets.models import SavedView

# The queue's filter names (tickets.forms.QueueFilterForm); anything else in a saved view is dropped.
FILTER_NAMES = ("status", "assignee", "team", "priority", "sla", "q")
SORTS = ("deadline", "created", "-created", "priority")


@transaction.atomic
def saved_view_create(
    *,
    organization: Organization,
    owner: Membership,
    name: str,
    shared: bool,
    filters: Mapping[str, Sequence[str]],
    sort: str = "deadline",
) -> SavedView:
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Give the view a name (up to 120 characters).")})
    kept = {
        key: [str(value) for value in values]
        for key, values in filters.items()
        if key in FILTER_NAMES and values
    }
    return SavedView.all_orgs.create(
        organization=organization,
        owner=owner,
        name=name,
        shared=shared,
        filters=kept,
        sort=sort if sort in SORTS else "deadline",
    )


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: Membership) -> None:
    if view.owner_id != actor.pk:
        raise ValidationError(_("Only the member who saved a view can delete it."))
    view.delete()
