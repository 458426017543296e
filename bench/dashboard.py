"""The dashboards over 1,000,000 responses: board and results pages, and exporting everything.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.dashboard [--json]

What it does, on loopback only, bounded in time, stopping by itself:

1. A dedicated database ``<name>_bench_dashboard`` next to DATABASE_URL's and Redis database 13 (flushed
   before and after). The first run (or when the seed command changed, or the row count does not match)
   recreates it, migrates it and seeds an organisation with 1,000,000 responses over 365 days with
   ``seed_volume`` (set-based; its timings are kept in ``var/bench/dashboard-seed.json``); later runs
   reuse it after ``migrate``, which keeps reruns minutes shorter. Every run rebuilds the rollups
   (``analytics.services.rollups_rebuild``) and times it.
2. Starts gunicorn with the production options (``--workers 2 --threads 4``, DEBUG off) and signs the
   organisation's owner in (a session cookie made with ``Client.force_login`` on the same database).
3. For the board dashboard (``/o/<org>/insights/board/``, its default period and 365 days) and the results
   page of the survey with the most responses (``/o/<org>/insights/results/<id>/``): 5 requests to warm
   up, then 50 one after the other, each timed from the request to the last byte on loopback: p50 and
   p95 (target p95 ≤ 150 ms). The SQL queries per page are counted in this process with
   ``CaptureQueriesContext`` and the test client on the same database.
4. The reference, in the same run: the headline sums (responses, NPS, CSAT, CES) by one plain
   ``GROUP BY channel`` over the 1,000,000 raw rows (median of 5); each page's p95 is shown as a ratio of
   it. The same headline numbers from the analytics read layer (rollups) must equal the raw SQL ones.
5. Exports: each of CSV and XLSX of all 1,000,000 responses and of the latest 100,000, through the
   export service the worker runs (``exports.services.export_job_run``), each in a fresh process: its
   time and its peak memory (the process's own ``ru_maxrss``, Django loaded included). Constant memory
   means the 1,000,000-row peak is about the 100,000-row peak. The files are deleted afterwards.

Parts that are not installed yet (a page, the export service, the rollups) are reported as not run.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import cli
from bench.ingest import Figure, flush_redis, gunicorn, machine, percentile, server_env

ROOT = Path(__file__).resolve().parents[1]
SEED_COMMAND = ROOT / "core" / "management" / "commands" / "seed_volume.py"
SEED_RECORD = ROOT / "var" / "bench" / "dashboard-seed.json"
BENCH_REDIS_DB = 13
ORG_SLUG = "bench"
# A smaller number only to try the harness quickly; the recorded figures are for 1,000,000.
RESPONSES = int(os.environ.get("BENCH_DASHBOARD_RESPONSES", "1000000"))
DAYS = 365
SMALL_EXPORT = min(100_000, RESPONSES // 10)
WARMUP_REQUESTS = 5
REQUESTS = 50
REFERENCE_RUNS = 5
P95_TARGET_MS = 150.0
SEED_TARGET_SECONDS = 300.0
EXPORT_TIME_LIMIT_SECONDS = 2400
# Constant memory: the 1,000,000-row export's peak within this factor of the 100,000-row one's.
MEMORY_FACTOR = 1.25


# --- environment ---------------------------------------------------------------------------------------


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"bench/dashboard: {name} must be set (make bench provisions it, like make test)")
    return value


def bench_urls() -> tuple[str, str, str]:
    """(admin database URL, bench database URL, bench Redis URL) derived from the environment."""
    database = urlsplit(_required("DATABASE_URL"))
    name = database.path.lstrip("/") or "cxplatform"
    admin = urlunsplit(database._replace(path="/postgres"))
    bench = urlunsplit(database._replace(path=f"/{name}_bench_dashboard"))
    redis = urlsplit(_required("REDIS_URL"))
    return admin, bench, urlunsplit(redis._replace(path=f"/{BENCH_REDIS_DB}"))


def seed_fingerprint() -> str:
    """Changes when the seed command changes: a database seeded by another version is seeded again."""
    return hashlib.sha256(SEED_COMMAND.read_bytes()).hexdigest()[:16]


def database_exists(admin_url: str, bench_url: str) -> bool:
    import psycopg2

    name = urlsplit(bench_url).path.lstrip("/")
    connection = psycopg2.connect(admin_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate_database(admin_url: str, bench_url: str) -> None:
    import psycopg2

    name = urlsplit(bench_url).path.lstrip("/")
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
    )


def read_seed_record(bench_url: str) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads(SEED_RECORD.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    database = urlsplit(bench_url).path.lstrip("/")
    fits = (
        record.get("database") == database
        and record.get("responses") == RESPONSES
        and record.get("fingerprint") == seed_fingerprint()
    )
    return record if fits else None


def seeded_count() -> int:
    from feedback.models import Response

    return Response.all_orgs.filter(organization__slug=ORG_SLUG).count()


def ensure_seeded(admin_url: str, bench_url: str, env: dict[str, str]) -> dict[str, Any]:
    """The seed record of the bench database, seeding it first when it cannot be reused."""
    record = read_seed_record(bench_url) if database_exists(admin_url, bench_url) else None
    if record is not None:
        migrate(env)
        setup_django(env)
        if seeded_count() == RESPONSES:
            log(f"reusing the database seeded on {record['seeded_at']}")
            record["reused"] = True
            return record
        from django.db import connection

        connection.close()
        log("the seeded database does not match: seeding it again")
    recreate_database(admin_url, bench_url)
    migrate(env)
    setup_django(env)
    from core.management.commands.seed_volume import seed_volume

    log(f"seeding {RESPONSES:,} responses over {DAYS} days (a few minutes)")
    started = time.perf_counter()
    report = seed_volume(slug=ORG_SLUG, responses=RESPONSES, days=DAYS, seed=1)
    seconds = time.perf_counter() - started
    for name, value in report.timings.items():
        log(f"  {name}: {value:.1f} s")
    record = {
        "database": urlsplit(bench_url).path.lstrip("/"),
        "responses": RESPONSES,
        "fingerprint": seed_fingerprint(),
        "seeded_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds, 1),
        # Rollups are rebuilt and timed on every run, so the seed's own time leaves them out.
        "seconds_without_rollups": round(seconds - report.timings.get("rollups", 0.0), 1),
        "timings": {name: round(value, 1) for name, value in report.timings.items()},
        "notes": report.notes,
    }
    SEED_RECORD.parent.mkdir(parents=True, exist_ok=True)
    SEED_RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    record["reused"] = False
    return record


def setup_django(env: dict[str, str]) -> None:
    from django.apps import apps

    if apps.ready:
        return
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL")}
    )
    os.environ["DJANGO_ALLOWED_HOSTS"] = env["DJANGO_ALLOWED_HOSTS"]
    os.environ["DJANGO_SECRET_KEY"] = env["DJANGO_SECRET_KEY"]
    import django

    django.setup()


# --- the world ------------------------------------------------------------------------------------------


def world() -> tuple[Any, Any, int | None]:
    """(organisation, owner membership, id of the survey with the most responses)."""
    from django.db.models import Count

    from accounts.models import Membership, Organization
    from accounts.roles import Role
    from feedback.models import Response

    organization = Organization.objects.get(slug=ORG_SLUG)
    owner = (
        Membership.all_orgs.select_related("user", "organization")
        .filter(organization=organization, role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    top = (
        Response.all_orgs.filter(organization=organization, survey__isnull=False)
        .values("survey_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return organization, owner, top["survey_id"] if top else None


def rebuild_rollups(organization: Any) -> float | None:
    from analytics import services

    rebuild = getattr(services, "rollups_rebuild", None)
    if rebuild is None:
        return None
    started = time.perf_counter()
    rebuild(organization=organization)
    return time.perf_counter() - started


def pages(organization: Any, survey_id: int | None) -> list[tuple[str, str]]:
    """(label, path) of each page measured; a page whose route does not exist yet is left out."""
    from django.urls import NoReverseMatch, reverse

    wanted: list[tuple[str, str, dict[str, Any], str]] = [
        ("Board dashboard, default period", "dashboards:board", {}, ""),
        ("Board dashboard, 365 days", "dashboards:board", {}, "?period=365"),
    ]
    if survey_id is not None:
        wanted.append(("Survey results page", "dashboards:results", {"survey_id": survey_id}, ""))
    found = []
    for label, name, kwargs, query in wanted:
        try:
            path = reverse(name, kwargs={"org_slug": organization.slug, **kwargs})
        except NoReverseMatch:
            log(f"  {label}: no route {name} yet, not measured")
            continue
        found.append((label, path + query))
    return found


def session_cookie(owner: Any) -> tuple[str, str]:
    """A signed-in session of the owner, stored where the servers read sessions."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner.user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def count_queries(owner: Any, path: str) -> tuple[int, int]:
    """(status, SQL queries) of one request in this process, after one to warm the caches."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner.user)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, len(queries.captured_queries)


def timed_requests(
    port: int, path: str, cookie: tuple[str, str], count: int
) -> tuple[list[float], dict[int, int]]:
    """``count`` GETs one after the other on one keep-alive connection: milliseconds to the last byte."""
    headers = {"Cookie": f"{cookie[0]}={cookie[1]}", "Accept": "text/html"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    try:
        for _ in range(count):
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        connection.close()
    return latencies, statuses


# --- the reference: plain SQL over the raw rows ------------------------------------------------------------

REFERENCE_SQL = """
SELECT channel,
       count(*), count(finished_at),
       count(nps), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6),
       count(csat), count(*) FILTER (WHERE csat >= 4),
       count(ces), COALESCE(sum(ces), 0), COALESCE(sum(ces * ces), 0), count(*) FILTER (WHERE ces >= 5)
FROM feedback_response
WHERE organization_id = %s
GROUP BY channel
"""


def reference(organization: Any) -> tuple[float, dict[str, float | None], dict[str, float | None]]:
    """(median ms of the plain GROUP BY, headline numbers from it, the same from analytics)."""
    from django.db import connection

    timings = []
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for run in range(REFERENCE_RUNS + 1):
            started = time.perf_counter()
            cursor.execute(REFERENCE_SQL, [organization.pk])
            rows = cursor.fetchall()
            if run:  # the first one warms the cache
                timings.append((time.perf_counter() - started) * 1000)
    sums = [sum(int(row[i]) for row in rows) for i in range(1, 12)]
    responses, _finished, nps_n, promoters, detractors, csat_n, satisfied, ces_n, ces_sum, _sq, easy = sums
    raw = {
        "responses": float(responses),
        "nps": round((promoters - detractors) / nps_n * 100, 4) if nps_n else None,
        "csat": round(satisfied / csat_n * 100, 4) if csat_n else None,
        "ces": round(ces_sum / ces_n, 4) if ces_n else None,
        "ces_easy": round(easy / ces_n * 100, 4) if ces_n else None,
    }
    return statistics.median(timings), raw, analytics_headline(organization)


def analytics_headline(organization: Any) -> dict[str, float | None]:
    try:
        from accounts.selectors import AccessScope
        from analytics.filters import MetricFilters
        from analytics.metrics import estimate
        from analytics.selectors import tally
    except ImportError:
        return {}
    total = tally(organization=organization, scope=AccessScope(unrestricted=True), filters=MetricFilters())
    headline: dict[str, float | None] = {"responses": float(total.responses)}
    for metric in ("nps", "csat", "ces", "ces_easy"):
        value = estimate(total, metric).value
        headline[metric] = round(value, 4) if value is not None else None
    return headline


# --- exports, each in a fresh process ------------------------------------------------------------------------


def export_available() -> bool:
    try:
        from exports.services import export_job_create, export_job_run  # noqa: F401
    except ImportError:
        return False
    return True


def latest_cutoff(organization: Any, rows: int) -> datetime:
    """The moment from which the latest ``rows`` responses were received."""
    from feedback.models import Response

    moments = Response.all_orgs.filter(organization=organization).order_by("-received_at")
    moment: datetime = moments.values_list("received_at", flat=True)[rows - 1]
    return moment


def export_once(
    owner: Any, env: dict[str, str], file_format: str, received_from: datetime | None
) -> dict[str, Any]:
    """Ask for the export as a member would, then run it in a fresh process; what it measured."""
    from exports.services import export_job_create

    filters: dict[str, Any] = {"received_from": received_from.isoformat() if received_from else None}
    job = export_job_create(membership=owner, kind="responses", file_format=file_format, filters=filters)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.dashboard", "--export-child", str(job.pk)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            timeout=EXPORT_TIME_LIMIT_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        # The child is killed; its job stays "running" in this bench database, its file unsaved.
        return {"status": "timeout", "rows": 0, "bytes": 0, "seconds": float(EXPORT_TIME_LIMIT_SECONDS),
                "rss_before_kib": 0, "rss_peak_kib": 0, "wall_seconds": float(EXPORT_TIME_LIMIT_SECONDS),
                "failure": f"stopped after {EXPORT_TIME_LIMIT_SECONDS} s"}  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def export_child(job_id: int) -> None:
    """In the child process: run one export job, report time, rows, size and peak memory, delete the file."""
    import django

    django.setup()
    from django.core.files.storage import default_storage

    from exports.models import ExportJob
    from exports.services import export_job_run

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    status = export_job_run(job_id=job_id)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = ExportJob.all_orgs.get(pk=job_id)
    if job.file_path:
        default_storage.delete(job.file_path)
    print(
        json.dumps(
            {
                "status": status,
                "rows": job.processed_rows,
                "bytes": job.file_size or 0,
                "seconds": seconds,
                "rss_before_kib": before,
                "rss_peak_kib": peak,
                "failure": job.failure_reason,
            }
        )
    )


def measure_pages(
    env: dict[str, str],
    organization: Any,
    owner: Any,
    survey_id: int | None,
    reference_ms: float,
    notes: list[str],
) -> list[Figure]:
    """p50/p95 over the network and SQL queries in process, per page."""
    figures: list[Figure] = []
    measured = pages(organization, survey_id)
    queries = {path: count_queries(owner, path) for _label, path in measured}
    cookie = session_cookie(owner)
    from django.db import connection

    connection.close()
    with (
        tempfile.TemporaryDirectory(prefix="cx-bench-") as logs,
        gunicorn("cxplatform.wsgi", env, Path(logs)) as port,
    ):
        for label, path in measured:
            log(f"{label}: {path}")
            timed_requests(port, path, cookie, WARMUP_REQUESTS)
            latencies, statuses = timed_requests(port, path, cookie, REQUESTS)
            status, query_count = queries[path]
            ok = statuses.get(200, 0) == REQUESTS and status == 200
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            log(f"  p50 {p50:.1f} ms, p95 {p95:.1f} ms, {query_count} queries, statuses {statuses}")
            figures += [
                Figure(f"{label}, p50", round(p50, 1), "ms"),
                Figure(f"{label}, p95", round(p95, 1), "ms", f"≤ {P95_TARGET_MS:.0f} ms",
                       ok and p95 <= P95_TARGET_MS, f"{p95 / reference_ms:.2f} × the plain GROUP BY"),
                Figure(f"{label}, SQL queries", query_count, "queries", reference=f"HTTP {status}"),
            ]  # fmt: skip
            if not ok:
                notes.append(f"{label}: statuses {statuses} over the network, {status} in process.")
    if not measured:
        notes.append("Not run: the board and results pages are not installed.")

    return figures


def measure_exports(env: dict[str, str], organization: Any, owner: Any, notes: list[str]) -> list[Figure]:
    """Time and peak memory of each export, 100,000 rows then 1,000,000, in a fresh process each."""
    from django.db import connection

    if not export_available():
        notes.append("Not run: exports.services (export_job_create, export_job_run) is not installed.")
        return []
    figures: list[Figure] = []
    cutoff = latest_cutoff(organization, SMALL_EXPORT)
    for file_format in ("csv", "xlsx"):
        peaks: dict[int, float] = {}
        for rows, received_from in ((SMALL_EXPORT, cutoff), (RESPONSES, None)):
            log(f"export of {rows:,} responses to {file_format.upper()}")
            result = export_once(owner, env, file_format, received_from)
            connection.close()
            peaks[rows] = result["rss_peak_kib"] / 1024
            log(f"  {result['status']}: {result['rows']:,} rows, {result['bytes'] / 1e6:.0f} MB in "
                f"{result['seconds']:.1f} s, peak {peaks[rows]:.0f} MiB")  # fmt: skip
            if result["status"] != "done":
                notes.append(
                    f"Export to {file_format} of {rows:,} rows: {result['status']} {result['failure']}"
                )
        done = result["status"] == "done"
        constant = done and peaks[RESPONSES] <= MEMORY_FACTOR * peaks[SMALL_EXPORT]
        speed = (
            f"{result['rows'] / result['seconds']:,.0f} rows/s, {result['bytes'] / 1e6:,.0f} MB"
            if done
            else ""
        )
        figures += [
            Figure(f"Export of {RESPONSES:,} responses to {file_format.upper()}", round(result["seconds"], 1),
                   "s", reference=speed or result["status"]),
            Figure(f"Export to {file_format.upper()}, peak memory of the process, {RESPONSES:,} rows",
                   round(peaks[RESPONSES]), "MiB", f"≤ {MEMORY_FACTOR:g} × the {SMALL_EXPORT:,}-row peak",
                   constant, f"{SMALL_EXPORT:,} rows: {peaks[SMALL_EXPORT]:.0f} MiB; Django loaded, before the "
                   f"export: {result['rss_before_kib'] / 1024:.0f} MiB"),
        ]  # fmt: skip
    return figures


# --- the run ------------------------------------------------------------------------------------------------


def run() -> dict[str, object]:
    admin_url, database_url, redis_url = bench_urls()
    host = machine()
    env = server_env(database_url, redis_url)
    log(f"database {urlsplit(database_url).path.lstrip('/')}, redis db {BENCH_REDIS_DB}")
    flush_redis(redis_url)
    record = ensure_seeded(admin_url, database_url, env)
    figures: list[Figure] = []
    notes: list[str] = [f"Seed: {note}." for note in record.get("notes", [])]
    seeded_how = (
        f"database seeded on {record['seeded_at']} and reused" if record["reused"] else "seeded in this run"
    )
    seed_seconds = float(record["seconds_without_rollups"])
    figures.append(
        Figure(f"Seeding {RESPONSES:,} responses with tickets (seed_volume, without rollups)",
               round(seed_seconds, 1), "s", f"≤ {SEED_TARGET_SECONDS:.0f} s", seed_seconds <= SEED_TARGET_SECONDS,
               seeded_how)
    )  # fmt: skip

    organization, owner, survey_id = world()
    log("rebuilding the rollups")
    rollup_seconds = rebuild_rollups(organization)
    if rollup_seconds is None:
        notes.append("Not run: analytics.services.rollups_rebuild is not installed.")
    else:
        figures.append(Figure(f"Rollups rebuilt from {RESPONSES:,} responses", round(rollup_seconds, 1), "s"))

    log("reference: one plain GROUP BY channel over the raw rows")
    reference_ms, raw, headline = reference(organization)
    figures.append(
        Figure(f"Plain SQL GROUP BY channel over {RESPONSES:,} raw rows (median of {REFERENCE_RUNS})",
               round(reference_ms, 1), "ms", reference="reference")
    )  # fmt: skip
    if headline:
        same = headline == raw
        shown = ", ".join(
            f"{key} {value:,.0f}" if key == "responses" else f"{key} {value:g}"
            for key, value in raw.items()
            if value is not None
        )
        figures.append(
            Figure("Headline numbers from the read layer equal the plain SQL ones", int(same), "", "1", same, shown)
        )  # fmt: skip
        if not same:
            notes.append(f"Read layer: {headline}; plain SQL: {raw}.")
    else:
        notes.append("Not compared: analytics.selectors is not installed.")

    figures += measure_pages(env, organization, owner, survey_id, reference_ms, notes)
    figures += measure_exports(env, organization, owner, notes)
    from django.db import connection

    connection.close()
    flush_redis(redis_url)

    return {
        "benchmark": "dashboard",
        "machine": host,
        "setup": (
            f"{RESPONSES:,} responses over {DAYS} days in one organisation ({seeded_how}); gunicorn --workers 2 "
            f"--threads 4, DEBUG off, PostgreSQL and Redis on loopback; per page {WARMUP_REQUESTS} warm-up then "
            f"{REQUESTS} sequential requests of the signed-in owner; queries counted in process; exports through "
            "the export service in a fresh process each"
        ),
        "figures": [asdict(figure) for figure in figures],
        "notes": notes,
    }


def log(message: str) -> None:
    print(f"[bench/dashboard] {message}", file=sys.stderr, flush=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--export-child":
        export_child(int(sys.argv[2]))
        return
    cli.main(run, __doc__)


if __name__ == "__main__":
    main()
