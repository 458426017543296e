"""docs/security.md names the tests that prove each promise: every one it names must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def test_every_test_the_security_page_names_exists():
    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(page)
    missing = [
        f"{path}::{name}" if name else path
        for path, name in references
        if not (ROOT / path).is_file()
        or (
            name and not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
        )
    ]

    assert len(references) >= 25
    assert missing == []
