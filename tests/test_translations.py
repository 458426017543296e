"""The UI ships complete in English, Russian, Simplified Chinese and Indonesian.

- every message in each catalog is translated (none empty, none fuzzy) and keeps its placeholders;
- the catalogs hold every translatable string in the code: makemessages run on a copy of the tree
  finds nothing that the committed catalogs lack.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["ru", "zh_Hans", "id"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]+\}\}")


def parse_po(path: Path) -> list[dict[str, object]]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[n] and flags of each entry."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field = None

    def finish() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
        elif line.startswith("#,"):
            entry["flags"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        else:
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt)\s+"(.*)"$', line)
            if match:
                field = match.group(1)
                entry[field] = (
                    bytes(match.group(2), "utf-8").decode("unicode_escape").encode("latin-1").decode()
                )
            elif line.startswith('"') and field:
                entry[field] = (
                    str(entry[field])
                    + bytes(line[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode()
                )
    finish()
    return [e for e in entries if e["msgid"]]


def catalog(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    untranslated = [
        e["msgid"]
        for e in parse_po(catalog(language))
        if "fuzzy" in str(e.get("flags", ""))
        or not all(str(v).strip() for k, v in e.items() if str(k).startswith("msgstr"))
    ]

    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    broken = []
    for e in parse_po(catalog(language)):
        wanted = sorted(
            set(PLACEHOLDER.findall(str(e["msgid"])) + PLACEHOLDER.findall(str(e.get("msgid_plural", ""))))
        )
        for key, value in e.items():
            if str(key).startswith("msgstr") and sorted(set(PLACEHOLDER.findall(str(value)))) != wanted:
                broken.append((e["msgid"], value))

    assert broken == []


def test_the_catalogs_hold_every_translatable_string(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "node_modules",
            "var",
            "staticfiles",
            "static",
            "__pycache__",
            ".mypy_cache",
            ".ruff_cache",
            ".pytest_cache",
            ".hypothesis",
            "*.mo",
        ),
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxplatform.settings.test"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ru",
            "--no-obsolete",
            "--ignore=tests",
            "-v",
            "0",
        ],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = {(e.get("msgctxt"), e["msgid"]) for e in parse_po(catalog("ru"))}
    extracted = {(e.get("msgctxt"), e["msgid"]) for e in parse_po(tree / "locale/ru/LC_MESSAGES/django.po")}

    assert sorted(map(str, extracted - committed)) == []
