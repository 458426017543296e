"""`manage.py seed_demo`: create the demo organisation once; later runs only check that it is there."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from core.demo.closed_loop import ensure_demo_closed_loop
from core.demo.distribution import ensure_demo_distribution
from core.demo.insights import ensure_demo_insights
from core.demo.seed import (
    demo_organization,
    ensure_demo_website,
    read_password_file,
    reset_demo_password,
    seed_demo,
    write_password_file,
)
from core.demo.sites import DEMO_SITE_NAME
from core.demo.world import DEMO_OWNER_EMAIL, DEMO_SLUG


def default_password_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo_password.txt"


class Command(BaseCommand):
    help = "Seed the demo organisation (slug 'demo') with people, surveys and 90 days of feedback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password-file",
            type=Path,
            default=None,
            help="Where the shared demo password is kept (default: var/demo_password.txt).",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give every demo account a new password and rewrite the password file.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password_file: Path = options["password_file"] or default_password_file()
        organization = demo_organization()
        if organization is not None and options["reset_password"]:
            password, changed = reset_demo_password()
            write_password_file(password_file, password)
            self.stdout.write(
                self.style.SUCCESS(f"New demo password set on {changed} accounts, saved to {password_file}.")
            )
            return
        if organization is not None:
            self.stdout.write(
                f"The demo organisation “{organization.name}” (/o/{DEMO_SLUG}/) already exists."
            )
            if ensure_demo_website(organization):
                self.stdout.write(f"Added the demo website “{DEMO_SITE_NAME}” with its surveys.")
            if ensure_demo_closed_loop(organization):
                self.stdout.write(
                    "Added the closed loop: alert rules, team queues, SLA policies and tickets."
                )
            if ensure_demo_distribution(organization, now=timezone.now()):
                self.stdout.write(
                    "Added distribution: contacts list, segment, fatigue rules and a sent email campaign."
                )
            if ensure_demo_insights(organization):
                self.stdout.write(
                    "Added the analytics: themes, text analysis, rollups and a shared dashboard."
                )
            if read_password_file(password_file) is None:
                self.stdout.write(
                    f"Its password file {password_file} is missing: "
                    "run `manage.py seed_demo --reset-password` to set a new one."
                )
            return

        started = time.monotonic()
        result = seed_demo()
        write_password_file(password_file, result.password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded “{result.organization.name}” (/o/{DEMO_SLUG}/): {result.people} people, "
                f"{result.responses:,} responses in {time.monotonic() - started:.1f} s. "
                f"Sign in as {DEMO_OWNER_EMAIL}; the password is in {password_file}."
            )
        )
