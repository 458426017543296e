"""Run every benchmark in bench/ and rewrite the results table in docs/benchmarks.md.

    .venv/bin/python bench/run_all.py [--only ingest] [--strict]

Each benchmark is a module ``bench/<name>.py`` with a ``run()`` function; it is run in its own process
(``python -m bench.<name> --json``) and prints one JSON object: the machine, its set-up and its figures,
each with its target and the reference measured in the same run. The part of docs/benchmarks.md between
the two markers is rewritten, one section per benchmark: the sections of the benchmarks that ran are
replaced, the others kept; the rest of the page is left as written.

Benchmarks in OPT_IN are not part of the default set: they run only when named with ``--only`` (``make
chaos`` runs ``--only chaos --strict``). ``--strict`` exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"
NOT_BENCHMARKS = {"__init__", "run_all", "bare_app"}
# Run only when asked for by name: bench/chaos kills processes and restarts its own services (`make chaos`).
OPT_IN = {"chaos"}
TIME_LIMIT_SECONDS = 900
# Benchmarks that need longer: bench/dashboard seeds a million responses on its first run and exports them.
TIME_LIMITS = {"dashboard": 7200, "chaos": 3600}


def benchmarks() -> list[str]:
    return sorted(
        path.stem
        for path in (ROOT / "bench").glob("*.py")
        if path.stem not in NOT_BENCHMARKS | OPT_IN and "def run(" in path.read_text(encoding="utf-8")
    )


def run_one(name: str) -> dict[str, Any]:
    print(f"==> bench/{name}", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=TIME_LIMITS.get(name, TIME_LIMIT_SECONDS),
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _verdict(passed: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[passed]


def _value(figure: dict[str, Any]) -> str:
    value = figure["value"]
    number = f"{value:,.0f}" if isinstance(value, int | float) and value >= 100 else f"{value:g}"
    return f"{number} {figure['unit']}".strip()


def render_one(result: dict[str, Any], when: dt.datetime) -> str:
    machine = result.get("machine", {})
    lines = [
        f"### bench/{result['benchmark']}",
        "",
        f"Measured on {when:%Y-%m-%d %H:%M} UTC by `{result.get('command', 'make bench')}`. Machine: "
        + ", ".join(f"{key} {value}" for key, value in machine.items())
        + ".",
        "",
        f"Set-up: {result['setup']}.",
        "",
        "| figure | measured | target | result | reference, same run |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {f['name']} | {_value(f)} | {f['target']} | {_verdict(f['passed'])} | {f['reference']} |"
        for f in result["figures"]
    ]
    rows = result.get("rows")
    if rows:
        lines += ["", "Rows counted in the database: " + ", ".join(f"{k} {v}" for k, v in rows.items()) + "."]
    notes = result.get("notes")
    if notes:
        lines += ["", *notes]
    lines.append("")
    return "\n".join(lines)


def _sections(block: str) -> dict[str, str]:
    """The benchmark sections already on the page, by name (kept when only some benchmarks run)."""
    sections: dict[str, str] = {}
    for chunk in block.split("### bench/")[1:]:
        name = chunk.split("\n", 1)[0].strip()
        sections[name] = "### bench/" + chunk.rstrip("\n") + "\n"
    return sections


def summary(sections: dict[str, str]) -> str:
    """One table of every figure that has a target, gathered from the sections (each from its own run)."""
    lines = [
        "### Summary: every figure with a target",
        "",
        "Each row comes from its benchmark's latest run below (date, machine and set-up are there).",
        "",
        "| benchmark | figure | measured | target | result | reference, same run |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(sections):
        for row in sections[name].splitlines():
            cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
            if not row.startswith("| ") or len(cells) != 5 or cells[0] == "figure" or not cells[2]:
                continue
            lines.append(f"| bench/{name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(results: list[dict[str, Any]], when: dt.datetime) -> str:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n## Latest results\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    block, after = rest.split(END, 1)
    sections = _sections(block)
    for result in results:
        sections[result["benchmark"]] = render_one(result, when)
    table = "\n".join([START, summary(sections), *(sections[name] for name in sorted(sections)), END])
    DOC.write_text(before + table + after, encoding="utf-8")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks and record them in docs/benchmarks.md.")
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--strict", action="store_true", help="exit non-zero when a target is missed")
    args = parser.parse_args()
    names = args.only or benchmarks()
    results = [run_one(name) for name in names]
    table = write(results, dt.datetime.now(dt.UTC))
    print(table)
    missed = [f["name"] for r in results for f in r["figures"] if f["passed"] is False]
    if missed:
        print("Targets missed: " + "; ".join(missed), file=sys.stderr)
        if args.strict:
            sys.exit(1)


if __name__ == "__main__":
    main()
