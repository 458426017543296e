"""A 10,000-row CSV import through a real Celery worker, and the same file imported again.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.imports [--json]

What it does, on loopback only, bounded in time, stopping by itself:

1. A fresh ``<name>_bench`` database and Redis database 12 (like bench/ingest), an organisation and its
   owner, through the services.
2. Uploads a generated CSV of 10,000 rows (external id, date, NPS, comment, email), checks it with the
   guessed column mapping (the validation report over every row) and starts it; one Celery worker
   (``--concurrency 2``, the production default on two cores) imports it in chunks, handing itself the
   next chunk, while it also runs the outbox work every imported row records.
3. Times the check, and the import from the start to the job's "done"; then uploads the same file
   again and imports it: the external ids make every row a duplicate of a stored one, so nothing new
   may be stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import cli
from bench.ingest import Figure, bench_urls, flush_redis, machine, recreate_database, server_env

ROOT = Path(__file__).resolve().parents[1]
ROWS = 10_000
TIME_LIMIT_SECONDS = 600.0


def generated_csv(count: int) -> bytes:
    lines = ["id,date,nps,comment,email"]
    lines += [
        f"bench-{n},2026-03-{n % 28 + 1:02d} 10:{n % 60:02d},{n % 11},Comment number {n},c{n % 500}@example.com"
        for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def worker(env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    log = open(log_dir / "worker.log", "wb")  # noqa: SIM115 - the process owns it until it exits
    command = [
        sys.executable, "-m", "celery", "-A", "cxplatform", "worker", "--concurrency", "2",
        "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def import_once(organization: Any, owner: Any, data: bytes, name: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from feedback.imports.mapping import ImportMapping, guess_targets
    from feedback.imports.services import import_job_check, import_job_create, import_job_start
    from feedback.models import ImportJob

    job = import_job_create(
        organization=organization, created_by=owner.user, upload=SimpleUploadedFile(name, data)
    )
    began = time.perf_counter()
    job = import_job_check(job=job, mapping=ImportMapping(targets=tuple(guess_targets(job.columns))))
    checked = time.perf_counter() - began
    began = time.perf_counter()
    import_job_start(job=job)
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    while time.monotonic() < deadline:
        job = ImportJob.all_orgs.get(pk=job.pk)
        if job.status in {"done", "failed"}:
            break
        time.sleep(0.2)
    return {
        "check_seconds": checked,
        "import_seconds": time.perf_counter() - began,
        "status": job.status,
        "imported": job.created_rows,
        "duplicates": job.existing_rows,
        "failed": job.failed_rows,
    }


def run() -> dict[str, object]:
    admin_url, database_url, redis_url = bench_urls()
    host = machine()
    env = server_env(database_url, redis_url)
    recreate_database(admin_url, database_url)
    flush_redis(redis_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL")}
    )
    import django

    django.setup()
    from django.core.files.storage import default_storage

    from accounts.models import Membership, User
    from accounts.services import organization_create
    from feedback.models import ImportJob, Response

    user = User.objects.create_user(email="bench@bench.invalid", password=uuid.uuid4().hex)
    organization = organization_create(name="Bench", owner=user, slug="bench")
    owner = Membership.all_orgs.get(organization=organization, user=user)
    data = generated_csv(ROWS)

    with tempfile.TemporaryDirectory(prefix="cx-bench-") as logs:
        process = worker(env, Path(logs))
        try:
            log(f"importing {ROWS:,} rows through a worker")
            first = import_once(organization, owner, data, "feedback.csv")
            log(f"  {first}")
            log("importing the same file again")
            again = import_once(organization, owner, data, "feedback-again.csv")
            log(f"  {again}")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    stored = Response.all_orgs.filter(organization=organization).count()
    for job in ImportJob.all_orgs.filter(organization=organization):
        default_storage.delete(job.file_path)
    flush_redis(redis_url)

    rate = first["imported"] / first["import_seconds"] if first["import_seconds"] else 0.0
    figures = [
        Figure(f"Validation report over {ROWS:,} rows", round(first["check_seconds"], 1), "s"),
        Figure(f"Import of {ROWS:,} rows, start to done", round(first["import_seconds"], 1), "s",
               reference=f"{rate:,.0f} rows/s, status {first['status']}"),
        Figure("Rows imported", first["imported"], "rows", f"{ROWS:,}", first["imported"] == ROWS),
        Figure("Same file again: new rows stored", again["imported"], "rows", "0",
               again["imported"] == 0 and again["status"] == "done",
               f"{again['duplicates']:,} recognised as duplicates in {again['import_seconds']:.1f} s"),
        Figure("Responses in the database", stored, "rows", f"{ROWS:,}", stored == ROWS),
    ]  # fmt: skip
    return {
        "benchmark": "imports",
        "machine": host,
        "setup": (
            f"a generated CSV of {ROWS:,} rows; one Celery worker (--concurrency 2) on loopback PostgreSQL and "
            "Redis, also running the outbox work of every imported row"
        ),
        "figures": [asdict(figure) for figure in figures],
    }


def log(message: str) -> None:
    print(f"[bench/imports] {message}", file=sys.stderr, flush=True)


def main() -> None:
    cli.main(run, __doc__)


if __name__ == "__main__":
    main()
