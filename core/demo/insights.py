"""The demo's analytics: themes, text analysis of every comment, rollups, a shared dashboard and the
executive's weekly digest, so that every tile and chart has something to show on first run."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Membership, Organization
from accounts.roles import Role
from analytics.services import rollups_rebuild
from core.tenancy import organization_context
from dashboards.models import DigestSubscription, TileKind
from dashboards.services import dashboard_create, tile_create
from textanalysis.models import Theme
from textanalysis.services import responses_analyse_batch, themes_install_defaults

DEMO_DASHBOARD_NAME = "Weekly CX review"

# (kind, title, config): one tile of every kind.
_TILES: tuple[tuple[str, str, dict[str, object]], ...] = (
    (TileKind.METRIC, "NPS", {"metric": "nps"}),
    (TileKind.METRIC, "CSAT", {"metric": "csat"}),
    (TileKind.TREND, "NPS by week", {"metric": "nps", "interval": "week"}),
    (TileKind.BREAKDOWN, "NPS by channel", {"metric": "nps", "group_by": "channel"}),
    (
        TileKind.CROSSTAB,
        "CSAT: channel × journey stage",
        {"metric": "csat", "rows": "channel", "columns": "stage"},
    ),
    (TileKind.THEMES, "What customers write about", {"limit": 8}),
    (TileKind.FEED, "Latest comments", {"limit": 10}),
)


def seed_insights(*, organization: Organization, author: Membership, executive: Membership | None) -> None:
    """Run inside the demo's transaction and tenancy context."""
    themes_install_defaults(organization=organization, actor=author)
    after_id = 0
    while True:
        _changed, last_id = responses_analyse_batch(organization_id=organization.pk, after_id=after_id)
        if last_id is None:
            break
        after_id = last_id
    rollups_rebuild(organization=organization)
    dashboard = dashboard_create(
        organization=organization,
        actor=author,
        name=DEMO_DASHBOARD_NAME,
        shared=True,
        filters={"period": "90d"},
    )
    for kind, title, config in _TILES:
        tile_create(dashboard=dashboard, actor=author, kind=kind, title=title, config=config)
    if executive is not None:
        DigestSubscription.all_orgs.update_or_create(
            organization=organization, membership=executive, defaults={"weekly": True}
        )


def insights_seeded(organization: Organization) -> bool:
    return Theme.all_orgs.filter(organization=organization).exists()


def ensure_demo_insights(organization: Organization) -> bool:
    """Add the analytics to a demo organisation seeded before they existed; True when they were added."""
    if insights_seeded(organization):
        return False
    author = (
        Membership.all_orgs.filter(organization=organization, role=Role.CX_MANAGER).order_by("pk").first()
        or Membership.all_orgs.filter(organization=organization, role=Role.OWNER).order_by("pk").first()
    )
    if author is None:
        return False
    executive = Membership.all_orgs.filter(organization=organization, role=Role.VIEWER).order_by("pk").first()
    with transaction.atomic(), organization_context(organization):
        seed_insights(organization=organization, author=author, executive=executive)
    return True
