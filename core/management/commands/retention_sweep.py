"""`manage.py retention_sweep [--org slug] [--dry-run] [--batch-size N]`: delete what is past each
organisation's retention period now (beat runs ``accounts.retention_sweep`` every hour)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from core.retention import DEFAULT_BATCH_SIZE, retention_sweep


class Command(BaseCommand):
    help = "Delete feedback and logs older than each organisation's retention period, and print counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", default="", help="The organisation's slug (default: every organisation)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per transaction."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["org"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        organizations = Organization.objects.filter(retention_days__isnull=False).order_by("pk")
        if slug:
            found = Organization.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No organisation with the slug {slug!r}.")
            if found.retention_days is None:
                self.stdout.write(f"{slug}: no retention period, nothing to delete")
                return
            organizations = organizations.filter(pk=found.pk)
        reports = retention_sweep(
            organizations=organizations, batch_size=options["batch_size"], dry_run=options["dry_run"]
        )
        verb = "would delete" if options["dry_run"] else "deleted"
        for report in reports:
            counts = ", ".join(f"{name} {count}" for name, count in report.counts.items())
            self.stdout.write(
                f"{report.slug} (before {report.cutoff}): {verb} {report.total} row(s): {counts}"
            )
