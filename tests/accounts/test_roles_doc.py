"""docs/roles.md and accounts/roles.py describe the same permissions: they cannot drift apart."""

from pathlib import Path

from django.utils import translation

from accounts.roles import ASSIGNABLE_ROLES, PERMISSION_LABELS, PERMISSIONS, Perm, Role

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
CHECK = "✓"


def _table_after(first_header_cell: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the Markdown table whose header starts so."""
    lines = ROLES_DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header_cell} |"))
    rows: list[list[str]] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [rows[0], *rows[2:]]


def _role_labels() -> list[str]:
    with translation.override("en"):
        return [str(role.label) for role in Role]


def test_the_permission_table_has_a_column_per_role_in_order():
    header = _table_after("Permission")[0]

    assert header == ["Permission", "What it allows", *_role_labels()]


def test_the_permission_table_equals_the_code():
    documented = {
        row[0]: (row[1], [cell == CHECK for cell in row[2:]]) for row in _table_after("Permission")[1:]
    }

    with translation.override("en"):
        expected = {
            f"`{perm.value}`": (str(PERMISSION_LABELS[perm]), [role in PERMISSIONS[perm] for role in Role])
            for perm in Perm
        }
    assert documented == expected


def test_the_permission_table_lists_every_permission_once_and_only_check_marks():
    rows = _table_after("Permission")[1:]

    assert [row[0] for row in rows] == [f"`{perm.value}`" for perm in Perm]
    assert {cell for row in rows for cell in row[2:]} == {CHECK, ""}


def test_the_grant_table_equals_the_code():
    header, *rows = _table_after("A member who is…")

    assert header == ["A member who is…", *_role_labels()]
    assert {row[0]: [cell == CHECK for cell in row[1:]] for row in rows} == {
        label: [granted in ASSIGNABLE_ROLES.get(role, frozenset()) for granted in Role]
        for label, role in zip(_role_labels(), Role, strict=True)
    }
    assert {cell for row in rows for cell in row[1:]} == {CHECK, ""}
