"""`manage.py demo_login_hint --url URL`: what to open and how to sign in, printed by `make run`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.demo.seed import read_password_file
from core.demo.world import PEOPLE
from core.management.commands.seed_demo import default_password_file


class Command(BaseCommand):
    help = "Print the URL and the demo accounts with their password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://localhost:8000", help="Where the web server listens.")
        parser.add_argument("--password-file", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["url"].rstrip("/")
        password_file: Path = options["password_file"] or default_password_file()
        password = read_password_file(password_file)
        owner, others = PEOPLE[0], PEOPLE[1:]
        width = max(len(p.email) for p in PEOPLE)
        rule = "─" * 72
        lines = [
            rule,
            f"  Open      {url}/",
            f"  Sign in   {owner.email}  ({owner.title})",
        ]
        if password is None:
            lines += [
                f"  Password  unknown: {password_file} is missing.",
                "            Set a new one with: .venv/bin/python manage.py seed_demo --reset-password",
            ]
        else:
            lines.append(f"  Password  {password}")
        lines += ["", "  Other demo accounts, same password:"]
        lines += [f"    {p.email.ljust(width)}  {p.title}" for p in others]
        lines.append(rule)
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
