"""The widget's weight and safety budget, on the built files (`node scripts/build_assets.mjs`, run by
`make test`): everything a page downloads to show any survey (every widgets/static/widgets/*.js, that is
cx.js and cx-survey.js) is at most 10 KB gzipped; no eval; the loader does not carry the renderer."""

from __future__ import annotations

import gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ROOT / "widgets/static/widgets"
BUDGET = 10 * 1024
# Only the renderer builds question containers: its marker must never be in the loader.
RENDERER_MARKER = b"data-cx-q"


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def bundles() -> list[Path]:
    return sorted(WIDGETS.glob("*.js"))


def test_both_widget_files_are_built() -> None:
    assert {path.name for path in bundles()} >= {"cx.js", "cx-survey.js"}, (
        "The widget is not built: run `node scripts/build_assets.mjs`."
    )


def test_the_widget_is_within_10_kb_gzipped() -> None:
    sizes = {path.name: gzipped(path) for path in bundles()}

    assert set(sizes) >= {"cx.js", "cx-survey.js"}
    assert sum(sizes.values()) <= BUDGET, f"over budget: {sizes}, {sum(sizes.values())} > {BUDGET} bytes"


def test_the_widget_uses_no_eval() -> None:
    code = {path.name: path.read_bytes() for path in bundles()}

    found = {name: (b"eval(" in text, b"new Function" in text) for name, text in code.items()}
    assert found == dict.fromkeys(code, (False, False))


def test_the_loader_does_not_carry_the_renderer() -> None:
    assert RENDERER_MARKER in (WIDGETS / "cx-survey.js").read_bytes()
    assert RENDERER_MARKER not in (WIDGETS / "cx.js").read_bytes()
