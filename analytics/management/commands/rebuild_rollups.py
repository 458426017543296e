"""`manage.py rebuild_rollups [--org slug]`: rebuild the rollups of one organisation or of all."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from analytics.services import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups from the raw responses (after a time-zone change or a restore)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", default="", help="The organisation's slug (default: every organisation)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["org"]
        organizations = Organization.objects.order_by("pk")
        if slug:
            organizations = organizations.filter(slug=slug)
            if not organizations.exists():
                raise CommandError(f"No organisation with the slug {slug!r}.")
        for organization in organizations:
            started = time.monotonic()
            days = rollups_rebuild(organization=organization)
            self.stdout.write(
                f"{organization.slug}: {days} day(s) rebuilt in {time.monotonic() - started:.1f} s"
            )
