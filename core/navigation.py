"""The sidebar: one list of entries; each page that exists adds itself by URL name.

Entries whose URL name does not resolve yet are left out, so a later app only has to add its line.
Sections are ordered by what a role does most: agents work the queue, viewers (executives) read
dashboards, CX managers build surveys.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.roles import Perm, Role, role_has


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str | Promise
    url_name: str
    perm: Perm
    icon: str = ""


SECTIONS: dict[str, str | Promise] = {
    "insights": _("Insights"),
    "measure": _("Measure"),
    "act": _("Act"),
    "settings": _("Settings"),
}

SECTION_ORDER: dict[str, tuple[str, ...]] = {
    Role.AGENT: ("act", "insights", "measure", "settings"),
    Role.VIEWER: ("insights", "act", "measure", "settings"),
}
DEFAULT_ORDER = ("insights", "measure", "act", "settings")

ITEMS: list[NavItem] = [
    NavItem("insights", _("Overview"), "org_home", Perm.DASHBOARDS_VIEW, "home"),
    NavItem("insights", _("Board dashboard"), "dashboards:board", Perm.DASHBOARDS_VIEW, "chart"),
    NavItem("insights", _("Survey results"), "dashboards:results_index", Perm.DASHBOARDS_VIEW, "bars"),
    NavItem("insights", _("Dashboards"), "dashboards:custom_list", Perm.DASHBOARDS_VIEW, "grid"),
    NavItem("insights", _("Responses"), "feedback:response_list", Perm.RESPONSES_VIEW, "inbox"),
    NavItem("insights", _("Themes and tags"), "textanalysis:theme_list", Perm.SURVEYS_VIEW, "tag"),
    NavItem("insights", _("Exports"), "exports:export_list", Perm.RESPONSES_EXPORT, "download"),
    NavItem("measure", _("Surveys"), "surveys:survey_list", Perm.SURVEYS_VIEW, "form"),
    NavItem("measure", _("Touchpoints"), "surveys:touchpoint_list", Perm.SURVEYS_VIEW, "map"),
    NavItem("measure", _("Websites"), "widgets:site_list", Perm.SITES_MANAGE, "globe"),
    NavItem("measure", _("Imports"), "feedback:import_list", Perm.SURVEYS_EDIT, "upload"),
    NavItem("measure", _("Contacts"), "contacts:contact_list", Perm.RESPONSES_VIEW, "users"),
    NavItem("measure", _("Campaigns"), "campaigns:campaign_list", Perm.RESPONSES_VIEW, "send"),
    NavItem("measure", _("Text messages"), "sms:message_list", Perm.RESPONSES_VIEW, "message"),
    NavItem("act", _("Ticket queue"), "tickets:queue", Perm.TICKETS_VIEW, "ticket"),
    NavItem("act", _("Alert rules"), "feedback:alert_rule_list", Perm.ALERTS_MANAGE, "bell"),
    NavItem("act", _("Alert deliveries"), "feedback:alert_delivery_list", Perm.ALERTS_MANAGE, "send"),
    NavItem("act", _("Routing rules"), "tickets:routing_rule_list", Perm.ALERTS_MANAGE, "route"),
    NavItem("act", _("Root causes"), "tickets:root_cause_list", Perm.ALERTS_MANAGE, "tag"),
    NavItem("act", _("Canned responses"), "tickets:canned_list", Perm.ALERTS_MANAGE, "text"),
    NavItem("act", _("SLA policies"), "sla:policy_list", Perm.ALERTS_MANAGE, "clock"),
    NavItem("act", _("Business hours"), "sla:calendar_list", Perm.ALERTS_MANAGE, "calendar"),
    NavItem("settings", _("Organisation"), "accounts:org_settings", Perm.ORG_MANAGE, "cog"),
    NavItem("settings", _("Members"), "accounts:member_list", Perm.SURVEYS_VIEW, "users"),
    NavItem("settings", _("Teams"), "accounts:team_list", Perm.SURVEYS_VIEW, "team"),
    NavItem("settings", _("Access groups"), "accounts:access_group_list", Perm.ACCESS_GROUPS_MANAGE, "lock"),
    NavItem("settings", _("API keys"), "accounts:api_key_list", Perm.API_KEYS_MANAGE, "key"),
    NavItem("settings", _("Fatigue rules"), "campaigns:fatigue_settings", Perm.SURVEYS_EDIT, "clock"),
    NavItem("settings", _("Webhooks"), "webhooks:endpoint_list", Perm.API_KEYS_MANAGE, "hook"),
    NavItem("settings", _("Audit log"), "accounts:audit_log", Perm.AUDIT_VIEW, "list"),
]


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url: str
    icon: str
    active: bool


def build_navigation(membership: Membership, current_path: str) -> list[tuple[str | Promise, list[NavLink]]]:
    slug = membership.organization.slug
    entries: list[tuple[NavItem, str]] = []
    for item in ITEMS:
        if not role_has(membership.role, item.perm):
            continue
        try:
            entries.append((item, reverse(item.url_name, kwargs={"org_slug": slug})))
        except NoReverseMatch:
            continue
    # The current page belongs to the entry with the longest URL it starts with (the overview only on an
    # exact match), so /surveys/touchpoints/ marks "Touchpoints" and not "Surveys" too.
    matching = [url for item, url in entries if item.url_name != "org_home" and current_path.startswith(url)]
    active_url = max(matching, key=len) if matching else None
    grouped: dict[str, list[NavLink]] = {key: [] for key in SECTIONS}
    for item, url in entries:
        active = current_path == url if item.url_name == "org_home" else url == active_url
        grouped[item.section].append(NavLink(item.label, url, item.icon, active))
    order = SECTION_ORDER.get(membership.role, DEFAULT_ORDER)
    return [(SECTIONS[key], grouped[key]) for key in order if grouped[key]]
