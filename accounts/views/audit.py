"""The audit log of administrative actions, readable by admins."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from accounts.models import AuditEvent
from accounts.roles import Perm
from accounts.selectors import audit_event_list
from accounts.views.common import PAGE_SIZE
from core.views import OrgViewMixin

# --- audit log ---------------------------------------------------------------------------------------


AUDIT_ACTIONS: dict[str, str | Promise] = {
    "organization.created": gettext_lazy("Organisation created"),
    "organization.updated": gettext_lazy("Organisation settings changed"),
    "member.role_changed": gettext_lazy("Member role changed"),
    "member.away_changed": gettext_lazy("Member away status changed"),
    "member.removed": gettext_lazy("Member removed"),
    "invitation.created": gettext_lazy("Invitation sent"),
    "invitation.accepted": gettext_lazy("Invitation accepted"),
    "invitation.revoked": gettext_lazy("Invitation withdrawn"),
    "team.created": gettext_lazy("Team created"),
    "team.updated": gettext_lazy("Team changed"),
    "team.deleted": gettext_lazy("Team deleted"),
    "access_group.created": gettext_lazy("Access group created"),
    "access_group.updated": gettext_lazy("Access group changed"),
    "access_group.deleted": gettext_lazy("Access group deleted"),
    "api_key.created": gettext_lazy("API key created"),
    "api_key.revoked": gettext_lazy("API key revoked"),
    "site.created": gettext_lazy("Website added"),
    "site.updated": gettext_lazy("Website changed"),
    "site.key_rotated": gettext_lazy("Website key rotated"),
    "site.revoked": gettext_lazy("Website key revoked"),
}


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action_label: str | Promise
    changes: list[AuditChange]


def _as_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def audit_row(event: AuditEvent) -> AuditRow:
    before, after = _as_dict(event.before), _as_dict(event.after)
    changes = [
        AuditChange(str(key), _as_text(before.get(key)), _as_text(after.get(key)))
        for key in sorted(set(before) | set(after), key=str)
    ]
    return AuditRow(event, AUDIT_ACTIONS.get(event.action, event.action), changes)


class AuditLogView(OrgViewMixin, ListView[AuditEvent]):
    permission = Perm.AUDIT_VIEW
    template_name = "accounts/audit_log.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_event_list(organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = [audit_row(event) for event in context["object_list"]]
        return context
