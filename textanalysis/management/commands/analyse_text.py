"""Analyse response texts now, in batches: ``manage.py analyse_text [--org slug] [--all]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from textanalysis.services import BATCH_SIZE, responses_analyse_batch


class Command(BaseCommand):
    help = "Analyse sentiment, keywords and themes of responses not analysed yet (or all with --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="only this organisation (slug)")
        parser.add_argument("--all", action="store_true", help="re-analyse every response, not only new ones")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.order_by("pk")
        if options["org"]:
            organizations = organizations.filter(slug=options["org"])
            if not organizations.exists():
                raise CommandError(f"No organisation with slug {options['org']!r}.")
        batch_size = max(1, int(options["batch_size"]))
        for organization in organizations:
            changed_total = 0
            after_id = 0
            while True:
                changed, last_id = responses_analyse_batch(
                    organization_id=organization.pk,
                    after_id=after_id,
                    limit=batch_size,
                    only_unanalysed=not options["all"],
                )
                if last_id is None:
                    break
                changed_total += changed
                after_id = last_id
            self.stdout.write(f"{organization.slug}: {changed_total} response(s) changed")
