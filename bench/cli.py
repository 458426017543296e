"""The command line every benchmark shares: ``python -m bench.<name> [--json]``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any


def main(run: Callable[[], dict[str, Any]], doc: str | None) -> dict[str, Any] | None:
    """Run the benchmark; print its result as JSON (``--json``, for run_all) or as a table.

    Returns the result after printing the table, so a benchmark can print more below it.
    """
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    args = parser.parse_args()
    result = run()
    if args.json:
        print(json.dumps(result))
        return None
    for figure in result["figures"]:
        verdict = {True: "ok", False: "MISSED", None: ""}[figure["passed"]]
        print(
            f"{figure['name']:<60} {figure['value']:>10} {figure['unit']:<8} {figure['target']:<8} {verdict}"
        )
    return result
