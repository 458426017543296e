"""Reads for exports: a member's jobs, and the rows an export streams (within the member's scope)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Func, QuerySet

from accounts.models import Membership, Organization
from accounts.roles import Perm, role_has
from accounts.selectors import AccessScope
from exports.models import ExportJob
from feedback.models import Response
from feedback.selectors import ResponseFilters, response_filtered
from surveys.models import SurveyVersion
from textanalysis.models import ResponseTag, Theme
from tickets.models import Ticket
from tickets.selectors import TicketFilters, ticket_list

# Columns made from the keys of hidden fields and metadata: at most this many of each.
MAX_KEY_COLUMNS = 200
# Never exported: the keyed hash of the respondent's address is for rate limits, not for readers.
PRIVATE_META_KEYS = frozenset({"ip_hash"})


def sees_every_export(membership: Membership) -> bool:
    """Admins see (and may download) every export of the organisation; others only their own."""
    return role_has(membership.role, Perm.ORG_MANAGE)


def export_job_list(*, organization: Organization, membership: Membership) -> QuerySet[ExportJob]:
    jobs = ExportJob.all_orgs.filter(organization=organization)
    if not sees_every_export(membership):
        jobs = jobs.filter(created_by_id=membership.user_id)
    return jobs.select_related("created_by").order_by("-created_at", "-pk")


def export_job_get(*, organization: Organization, membership: Membership, job_id: int) -> ExportJob:
    """ExportJob.DoesNotExist for a missing job, another organisation's and another member's alike."""
    return export_job_list(organization=organization, membership=membership).get(pk=job_id)


# --- the rows ----------------------------------------------------------------------------------------


def export_responses(
    *, organization: Organization, scope: AccessScope, filters: ResponseFilters
) -> QuerySet[Response]:
    """The responses of the list with these filters, newest first, with what each row shows joined in.

    The survey version is not joined: its definition is large and shared by many rows, so the writer
    reads each version once (``export_versions``).
    """
    return (
        response_filtered(organization=organization, scope=scope, filters=filters)
        .select_related("survey", "touchpoint__stage", "contact")
        # Only the survey's name is written: its working draft is large JSON, decoded per row otherwise.
        .defer("survey__draft")
        .order_by("-received_at", "-pk")
    )


def export_versions(responses: QuerySet[Response]) -> list[SurveyVersion]:
    """The survey versions the responses were given with, each survey's newest first."""
    version_ids = responses.order_by().values("survey_version_id").distinct()
    return list(
        SurveyVersion.all_orgs.filter(pk__in=version_ids)
        .select_related("survey")
        .only("pk", "number", "definition", "survey__id", "survey__name")
        .order_by("survey__name", "survey_id", "-number")
    )


def export_json_keys(responses: QuerySet[Response], field: str) -> list[str]:
    """Every key found in the JSON object ``field`` (hidden fields or metadata) of the responses."""
    keys = (
        responses.order_by()
        .annotate(json_key=Func(F(field), function="jsonb_object_keys"))
        .values_list("json_key", flat=True)
        .distinct()
    )
    found = sorted(str(key) for key in keys[: MAX_KEY_COLUMNS + len(PRIVATE_META_KEYS)])
    return [key for key in found if field != "meta" or key not in PRIVATE_META_KEYS][:MAX_KEY_COLUMNS]


def export_theme_names(*, organization: Organization) -> dict[int, str]:
    return dict(Theme.all_orgs.filter(organization=organization).values_list("pk", "name"))


def export_tag_names(*, organization: Organization, response_ids: Iterable[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    rows = (
        ResponseTag.all_orgs.filter(organization=organization, response_id__in=list(response_ids))
        .order_by("tag__name")
        .values_list("response_id", "tag__name")
    )
    for response_id, name in rows:
        tags[response_id].append(name)
    return tags


def export_tickets(
    *, organization: Organization, membership: Membership, filters: TicketFilters
) -> QuerySet[Ticket]:
    """The member's queue with these filters: their teams' tickets (and their own) when access groups
    restrict them, exactly as the queue shows it."""
    return ticket_list(organization=organization, membership=membership, filters=filters).select_related(
        "root_cause__parent"
    )
