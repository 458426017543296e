"""Writes about alert rules: create, update, delete, switch on and off. Every change is audited."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from feedback.alerts.actions import validate_actions
from feedback.alerts.models import AlertRule, CooldownScope

MAX_COOLDOWN_MINUTES = 60 * 24 * 30


def _audit_state(rule: AlertRule) -> dict[str, Any]:
    # Never a webhook secret: the audit log is readable by more people than this page, and kept forever.
    actions = [{k: v for k, v in a.items() if k != "secret"} for a in rule.actions if isinstance(a, dict)]
    return {
        "name": rule.name,
        "active": rule.active,
        "conditions": rule.conditions,
        "actions": actions,
        "cooldown_minutes": rule.cooldown_minutes,
        "cooldown_scope": rule.cooldown_scope,
        "quiet_hours": [
            rule.quiet_hours_start.isoformat() if rule.quiet_hours_start else None,
            rule.quiet_hours_end.isoformat() if rule.quiet_hours_end else None,
        ],
    }


def _clean(
    *,
    organization: Organization,
    name: str,
    conditions: object,
    actions: object,
    cooldown_minutes: int,
    cooldown_scope: str,
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
) -> dict[str, Any]:
    from feedback.alerts.conditions import validate_conditions

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"name": name.strip()}
    if not cleaned["name"]:
        errors["name"] = [_("Give the rule a name.")]
    try:
        cleaned["conditions"] = validate_conditions(conditions)
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    try:
        cleaned["actions"] = validate_actions(actions, organization=organization)
    except ValidationError as exc:
        errors["actions"] = exc.messages
    else:
        if not cleaned["actions"]:
            errors["actions"] = [_("Choose at least one thing to do when the rule matches.")]
    if not 0 <= cooldown_minutes <= MAX_COOLDOWN_MINUTES:
        errors["cooldown_minutes"] = [_("Enter a cooldown between 0 and 43200 minutes (30 days).")]
    if cooldown_scope not in CooldownScope.values:
        errors["cooldown_scope"] = [_("Choose from the list.")]
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        errors["quiet_hours_end"] = [_("Give both the start and the end of quiet hours, or neither.")]
    elif quiet_hours_start is not None and quiet_hours_start == quiet_hours_end:
        errors["quiet_hours_end"] = [_("Quiet hours must end at another time than they start.")]
    if errors:
        raise ValidationError(errors)
    cleaned.update(
        cooldown_minutes=cooldown_minutes,
        cooldown_scope=cooldown_scope,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
    )
    return cleaned


def _keep_secret(old_actions: object, new_actions: list[Any]) -> list[Any]:
    """An edit that does not send the webhook secret keeps the one the receiver already knows."""
    old = (
        next(
            (a for a in old_actions if isinstance(a, dict) and a.get("type") == "webhook"),
            None,
        )
        if isinstance(old_actions, list)
        else None
    )
    for action in new_actions:
        if isinstance(action, dict) and action.get("type") == "webhook" and not action.get("secret") and old:
            action["secret"] = old.get("secret", "")
    return new_actions


@transaction.atomic
def alert_rule_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    description: str = "",
    active: bool = True,
    conditions: object,
    actions: object,
    cooldown_minutes: int = 0,
    cooldown_scope: str = CooldownScope.CONTACT,
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
) -> AlertRule:
    cleaned = _clean(
        organization=organization,
        name=name,
        conditions=conditions,
        actions=actions,
        cooldown_minutes=cooldown_minutes,
        cooldown_scope=cooldown_scope,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
    )
    last = AlertRule.all_orgs.filter(organization=organization).aggregate(last=Max("position"))["last"]
    rule = AlertRule.all_orgs.create(
        organization=organization,
        description=description.strip(),
        active=active,
        position=0 if last is None else last + 1,
        created_by=actor.user,
        **cleaned,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="alert_rule.created",
        target=rule,
        after=_audit_state(rule),
    )
    return rule


@transaction.atomic
def alert_rule_update(
    *,
    rule: AlertRule,
    actor: Membership,
    name: str,
    description: str = "",
    active: bool = True,
    conditions: object,
    actions: object,
    cooldown_minutes: int = 0,
    cooldown_scope: str = CooldownScope.CONTACT,
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
) -> AlertRule:
    if isinstance(actions, list):
        actions = _keep_secret(rule.actions, [dict(a) if isinstance(a, dict) else a for a in actions])
    cleaned = _clean(
        organization=rule.organization,
        name=name,
        conditions=conditions,
        actions=actions,
        cooldown_minutes=cooldown_minutes,
        cooldown_scope=cooldown_scope,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
    )
    before = _audit_state(rule)
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.description = description.strip()
    rule.active = active
    rule.updated_at = timezone.now()
    rule.save()
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="alert_rule.updated",
        target=rule,
        before=before,
        after=_audit_state(rule),
    )
    return rule


@transaction.atomic
def alert_rule_set_active(*, rule: AlertRule, actor: Membership, active: bool) -> AlertRule:
    before = _audit_state(rule)
    rule.active = active
    rule.updated_at = timezone.now()
    rule.save(update_fields=["active", "updated_at"])
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="alert_rule.activated" if active else "alert_rule.deactivated",
        target=rule,
        before=before,
        after=_audit_state(rule),
    )
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule, actor: Membership) -> None:
    """Delete the rule with its trace and delivery log; deliveries not yet sent are dropped."""
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="alert_rule.deleted",
        target=rule,
        before=_audit_state(rule),
    )
    rule.delete()
