"""Writes of the SLA settings: policy versions, business-hours calendars and holidays, team queues."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.services import audit_record
from tickets.models import AssignmentMode, BusinessCalendar, Holiday, SlaPolicy, TeamQueue
from tickets.sla.calendar import parse_hours, zone_or_none

if TYPE_CHECKING:
    from accounts.models import Membership, Organization, Team, User


def _user(actor: Membership | None) -> User | None:
    return actor.user if actor is not None else None


def _clean_warnings(warn_at: list[int]) -> list[int]:
    cleaned = sorted(set(warn_at))
    if any(not 0 < value < 100 for value in cleaned):
        raise ValidationError({"warn_at": _("Warnings are percentages between 1 and 99.")})
    return cleaned


def _policy_fields(
    *,
    name: str,
    first_response_hours: int,
    resolution_hours: int | None,
    business_hours: bool,
    warn_at: list[int],
    escalate_to_manager_after_hours: int,
) -> dict[str, Any]:
    if not name.strip():
        raise ValidationError({"name": _("Give the policy a name.")})
    if first_response_hours < 1:
        raise ValidationError({"first_response_hours": _("First contact needs at least one hour.")})
    if resolution_hours is not None and resolution_hours < first_response_hours:
        raise ValidationError({"resolution_hours": _("Resolution cannot be due before first contact.")})
    return {
        "name": name.strip(),
        "first_response_hours": first_response_hours,
        "resolution_hours": resolution_hours,
        "business_hours": business_hours,
        "warn_at": _clean_warnings(warn_at),
        "escalate_to_manager_after_hours": escalate_to_manager_after_hours,
    }


@transaction.atomic
def sla_policy_create(
    *,
    organization: Organization,
    actor: Membership | None,
    name: str,
    first_response_hours: int,
    resolution_hours: int | None,
    business_hours: bool,
    warn_at: list[int],
    escalate_to_manager_after_hours: int,
    key: str = "",
) -> SlaPolicy:
    """A new policy (version 1). Its key comes from the name unless given; keys are unique."""
    fields = _policy_fields(
        name=name,
        first_response_hours=first_response_hours,
        resolution_hours=resolution_hours,
        business_hours=business_hours,
        warn_at=warn_at,
        escalate_to_manager_after_hours=escalate_to_manager_after_hours,
    )
    key = slugify(key or name)[:60] or "policy"
    if SlaPolicy.all_orgs.filter(organization=organization, key=key).exists():
        raise ValidationError({"name": _("A policy with this name already exists.")})
    try:
        with transaction.atomic():
            policy: SlaPolicy = SlaPolicy.all_orgs.create(
                organization=organization,
                key=key,
                version=1,
                is_current=True,
                created_by=_user(actor),
                **fields,
            )
    except IntegrityError:
        raise ValidationError({"name": _("A policy with this name already exists.")}) from None
    audit_record(
        organization=organization, actor=_user(actor), action="sla_policy.create", target=policy, after=fields
    )
    return policy


@transaction.atomic
def sla_policy_update(
    *,
    policy: SlaPolicy,
    actor: Membership | None,
    name: str,
    first_response_hours: int,
    resolution_hours: int | None,
    business_hours: bool,
    warn_at: list[int],
    escalate_to_manager_after_hours: int,
) -> SlaPolicy:
    """Saving a policy adds a version: the old one stays, unchanged, for the tickets that use it."""
    fields = _policy_fields(
        name=name,
        first_response_hours=first_response_hours,
        resolution_hours=resolution_hours,
        business_hours=business_hours,
        warn_at=warn_at,
        escalate_to_manager_after_hours=escalate_to_manager_after_hours,
    )
    # Lock the current version so two editors cannot both make version n+1.
    current: SlaPolicy | None = (
        SlaPolicy.all_orgs.select_for_update()
        .filter(organization_id=policy.organization_id, key=policy.key, is_current=True)
        .first()
    )
    if current is None or current.pk != policy.pk:
        raise ValidationError(_("This policy was changed meanwhile: open its latest version and try again."))
    before = {name: getattr(current, name) for name in fields}
    if before == fields:
        return current
    latest = (
        SlaPolicy.all_orgs.filter(organization_id=policy.organization_id, key=policy.key)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    SlaPolicy.all_orgs.filter(pk=current.pk).update(is_current=False)
    new: SlaPolicy = SlaPolicy.all_orgs.create(
        organization_id=policy.organization_id,
        key=policy.key,
        version=(latest or 0) + 1,
        is_current=True,
        created_by=_user(actor),
        **fields,
    )
    policy.is_current = False
    audit_record(
        organization=new.organization,
        actor=_user(actor),
        action="sla_policy.update",
        target=new,
        before=before,
        after=fields,
    )
    return new


def _calendar_fields(*, name: str, timezone: str, hours: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the calendar a name.")
    if zone_or_none(timezone) is None:
        errors["timezone"] = _("“%(zone)s” is not a time zone.") % {"zone": timezone}
    try:
        intervals = parse_hours(hours)
    except ValueError:
        errors["hours"] = _(
            "Working hours must be start–end times on the same day, in order and not overlapping."
        )
    else:
        if not any(intervals.values()):
            errors["hours"] = _("Give at least one working interval in the week.")
    if errors:
        raise ValidationError(errors)
    return {"name": name.strip(), "timezone": timezone, "hours": hours}


@transaction.atomic
def business_calendar_save(
    *,
    organization: Organization,
    actor: Membership | None,
    name: str,
    timezone: str,
    hours: dict[str, Any],
    calendar: BusinessCalendar | None = None,
) -> BusinessCalendar:
    """Create or update a calendar. Deadlines already stored on tickets are not moved."""
    fields = _calendar_fields(name=name, timezone=timezone, hours=hours)
    clash = BusinessCalendar.all_orgs.filter(organization=organization, name__iexact=fields["name"])
    if calendar is not None:
        clash = clash.exclude(pk=calendar.pk)
    if clash.exists():
        raise ValidationError({"name": _("A calendar with this name already exists.")})
    try:
        with transaction.atomic():
            if calendar is None:
                calendar = BusinessCalendar.all_orgs.create(organization=organization, **fields)
                action = "business_calendar.create"
            else:
                for field_name, value in fields.items():
                    setattr(calendar, field_name, value)
                calendar.save(update_fields=list(fields))
                action = "business_calendar.update"
    except IntegrityError:
        raise ValidationError({"name": _("A calendar with this name already exists.")}) from None
    audit_record(organization=organization, actor=_user(actor), action=action, target=calendar, after=fields)
    return calendar


@transaction.atomic
def holiday_add(
    *, calendar: BusinessCalendar, actor: Membership | None, day: date, name: str = ""
) -> Holiday:
    if Holiday.all_orgs.filter(
        organization_id=calendar.organization_id, calendar=calendar, date=day
    ).exists():
        raise ValidationError({"date": _("This date is already a holiday.")})
    try:
        with transaction.atomic():
            holiday: Holiday = Holiday.all_orgs.create(
                organization_id=calendar.organization_id, calendar=calendar, date=day, name=name.strip()[:120]
            )
    except IntegrityError:
        raise ValidationError({"date": _("This date is already a holiday.")}) from None
    audit_record(
        organization=calendar.organization,
        actor=_user(actor),
        action="business_calendar.holiday_add",
        target=calendar,
        after={"date": day.isoformat(), "name": holiday.name},
    )
    return holiday


@transaction.atomic
def holiday_remove(*, holiday: Holiday, actor: Membership | None) -> None:
    calendar = holiday.calendar
    day = holiday.date
    holiday.delete()
    audit_record(
        organization=calendar.organization,
        actor=_user(actor),
        action="business_calendar.holiday_remove",
        target=calendar,
        before={"date": day.isoformat()},
    )


@transaction.atomic
def team_queue_update(
    *,
    organization: Organization,
    actor: Membership | None,
    team: Team,
    assignment: str,
    calendar: BusinessCalendar | None,
    sla_policy_key: str,
    escalation_manager: Membership | None,
) -> TeamQueue:
    """How the team works tickets. New tickets use it; tickets already open keep their deadlines."""
    if assignment not in AssignmentMode.values:
        raise ValidationError({"assignment": _("Choose an assignment mode.")})
    for obj in (team, calendar, escalation_manager):
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError(_("That choice does not belong to this organisation."))
    if (
        sla_policy_key
        and not SlaPolicy.all_orgs.filter(organization=organization, key=sla_policy_key).exists()
    ):
        raise ValidationError({"sla_policy_key": _("Choose an SLA policy.")})
    queue, _created = TeamQueue.all_orgs.select_for_update().get_or_create(
        organization=organization, team=team
    )
    fields = {
        "assignment": assignment,
        "calendar": calendar,
        "sla_policy_key": sla_policy_key,
        "escalation_manager": escalation_manager,
    }
    for field_name, value in fields.items():
        setattr(queue, field_name, value)
    queue.save(update_fields=list(fields))
    audit_record(
        organization=organization,
        actor=_user(actor),
        action="team_queue.update",
        target=team,
        after={
            "assignment": assignment,
            "calendar": calendar.pk if calendar else None,
            "sla_policy_key": sla_policy_key,
            "escalation_manager": escalation_manager.pk if escalation_manager else None,
        },
    )
    return queue
