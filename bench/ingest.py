"""Public ingestion against a bare JSON endpoint, on the production server configuration, in one run.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.ingest [--json]

What it does, on loopback only, bounded in time, stopping by itself:

1. Creates a dedicated database ``<name>_bench`` next to DATABASE_URL's (dropped and migrated afresh
   each run) and uses Redis database 12 of REDIS_URL's server (flushed before and after). Creates an
   organisation, a website and a published one-question NPS survey through the services.
2. Starts two gunicorns with the production options (``--workers 2 --threads 4``, DEBUG off):
   ``cxplatform.wsgi`` and ``bench.bare_app`` (the same application plus bare JSON endpoints).
3. Maximum throughput, closed loop, N keep-alive clients, for each of: the bare JSON endpoint through
   Django's stack (the reference), ``POST /api/v1/public/{key}/responses`` with a new response id
   each time, and gunicorn alone (for information). Ratio = public / bare.
4. Open loop at 100 responses/s: latency p50/p95/p99, measured from each request's scheduled time (a
   slow answer delays nothing else, so queueing is counted, not hidden).
5. Counts the rows: every id answered 2xx is stored exactly once and nothing else is stored.

The rate limits are raised for the run through their environment variables (every client is
127.0.0.1); nothing else differs from production.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import cli

ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_DB = 12
WORKERS = 2
THREADS = 4
CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 8
THROUGHPUT_SECONDS = 15.0
WARMUP_SECONDS = 3.0
OPEN_LOOP_RATE = 100
OPEN_LOOP_SECONDS = 20.0
RATIO_TARGET = 0.50
P99_TARGET_MS = 50.0
HEADERS = {"Content-Type": "text/plain", "Origin": "https://shop.example"}


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    reference: str = ""


@dataclass
class Load:
    ok: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    accepted_ids: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def merge(self, other: Load) -> None:
        self.ok += other.ok
        self.failed += other.failed
        for code, count in other.statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + count
        self.accepted_ids += other.accepted_ids
        self.latencies_ms += other.latencies_ms

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- environment -------------------------------------------------------------------------------------


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"bench/ingest: {name} must be set (make bench provisions it, like make test)")
    return value


def bench_urls() -> tuple[str, str, str]:
    """(admin database URL, bench database URL, bench Redis URL) derived from the environment."""
    database = urlsplit(_required("DATABASE_URL"))
    name = database.path.lstrip("/") or "cxplatform"
    admin = urlunsplit(database._replace(path="/postgres"))
    bench = urlunsplit(database._replace(path=f"/{name}_bench"))
    redis = urlsplit(_required("REDIS_URL"))
    return admin, bench, urlunsplit(redis._replace(path=f"/{BENCH_REDIS_DB}"))


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "GUNICORN_CMD_ARGS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cxplatform.settings",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        LOG_LEVEL="WARNING",
        LOG_FORMAT="console",
        RATE_LIMIT_PUBLIC_KEY="100000000/60",
        RATE_LIMIT_CLIENT_IP="100000000/60",
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database(admin_url: str, bench_url: str) -> None:
    import psycopg2

    name = urlsplit(bench_url).path.lstrip("/")
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url, socket_connect_timeout=2).flushdb()


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    load = os.getloadavg()[0]
    return {
        "cores": str(os.cpu_count() or 0),
        # Other work on the machine takes cores from the servers: read the figures with this in mind.
        "load average at start": f"{load:.1f}",
        "memory": f"{kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "python": sys.version.split()[0],
    }


# --- the world: an organisation, a website, a live survey ---------------------------------------------


SURVEY = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en"],
    "hidden_fields": [],
    "questions": [
        {"key": "nps", "type": "nps", "required": True, "text": {"en": "How likely are you to recommend us?"}}
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "auto"},
    "settings": {"layout": "one_per_screen", "progress": True},
}


def setup_world() -> tuple[int, str, str]:
    """(organisation id, publishable key, survey public id), created through the services."""
    from accounts.models import Membership, User
    from accounts.services import organization_create
    from core.tenancy import organization_context
    from surveys.services import survey_create, survey_publish, touchpoint_create
    from widgets.services import intercept_create, site_create

    user = User.objects.create_user(email="bench@bench.invalid", password=uuid.uuid4().hex)
    organization = organization_create(name="Bench", owner=user, slug="bench")
    owner = Membership.all_orgs.get(organization=organization, user=user)
    with organization_context(organization):
        touchpoint = touchpoint_create(organization=organization, name="Website")
        survey = survey_create(
            organization=organization,
            name="Bench NPS",
            touchpoint=touchpoint,
            created_by=user,
            definition=SURVEY,
        )
        survey_publish(survey=survey, actor=owner)
        site = site_create(
            organization=organization, actor=owner, name="Shop", origins=["https://shop.example"]
        )
        intercept_create(site=site, survey=survey, targeting={"trigger": {"type": "manual"}}, actor=owner)
        survey.refresh_from_db()
    return organization.pk, site.public_key, survey.public_id


def count_rows(organization_id: int, accepted: set[str]) -> dict[str, int]:
    from core.models import OutboxEvent
    from feedback.models import Response

    stored = [
        str(value)
        for value in Response.all_orgs.filter(organization_id=organization_id).values_list(
            "client_id", flat=True
        )
    ]
    unique = set(stored)
    return {
        "accepted": len(accepted),
        "stored": len(stored),
        "lost": len(accepted - unique),
        "duplicated": len(stored) - len(unique),
        "unacknowledged": len(unique - accepted),
        "outbox_events": OutboxEvent.all_orgs.filter(organization_id=organization_id).count(),
    }


# --- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], log_dir: Path) -> Iterator[int]:
    port = free_port()
    log = open(log_dir / f"{app.replace(':', '_')}.log", "wb")  # noqa: SIM115 - closed below
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--threads", str(THREADS),
        "--graceful-timeout", "5", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_until_up(port, process, log_dir)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


def wait_until_up(port: int, process: subprocess.Popen[bytes], log_dir: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench/ingest: gunicorn exited; see the logs in {log_dir}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"bench/ingest: gunicorn did not answer /healthz within 30 s; see {log_dir}")


# --- load ------------------------------------------------------------------------------------------------


def body(survey: str) -> tuple[str, bytes]:
    response_id = str(uuid.uuid4())
    payload = {"id": response_id, "survey": survey, "answers": {"nps": 9}, "finished": True}
    return response_id, json.dumps(payload).encode()


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, path: str, data: bytes) -> int:
        try:
            self.connection.request("POST", path, data, HEADERS)
            answer = self.connection.getresponse()
            answer.read()
            if answer.getheader("Connection", "").lower() == "close":
                self.connection.close()
            return answer.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            return 0


def _client_process(port: int, path: str, survey: str, threads: int, seconds: float) -> Load:
    total = Load()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop() -> None:
        mine = Load()
        client = Client(port)
        while time.monotonic() < stop_at:
            response_id, data = body(survey)
            started = time.perf_counter()
            status = client.post(path, data)
            mine.latencies_ms.append((time.perf_counter() - started) * 1000)
            mine.statuses[status] = mine.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                mine.ok += 1
                mine.accepted_ids.append(response_id)
            else:
                mine.failed += 1
        client.connection.close()
        with lock:
            total.merge(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return total


def closed_loop(port: int, path: str, survey: str, seconds: float) -> Load:
    """As many requests as CLIENT_PROCESSES x THREADS_PER_PROCESS keep-alive clients can send."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(CLIENT_PROCESSES, mp_context=context) as pool:
        futures = [
            pool.submit(_client_process, port, path, survey, THREADS_PER_PROCESS, seconds)
            for _ in range(CLIENT_PROCESSES)
        ]
        total = Load(seconds=seconds)  # each client process runs for exactly ``seconds``
        for future in futures:
            total.merge(future.result(timeout=seconds + 60))
    return total


def open_loop(port: int, path: str, survey: str, rate: int, seconds: float) -> Load:
    """``rate`` requests per second on a fixed schedule; latency counted from each scheduled time."""
    count = int(rate * seconds)
    total = Load(seconds=seconds)
    lock = threading.Lock()
    next_index = iter(range(count))
    start = time.perf_counter() + 0.2

    def loop() -> None:
        mine = Load()
        client = Client(port)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            scheduled = start + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            response_id, data = body(survey)
            status = client.post(path, data)
            mine.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
            mine.statuses[status] = mine.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                mine.ok += 1
                mine.accepted_ids.append(response_id)
            else:
                mine.failed += 1
        client.connection.close()
        with lock:
            total.merge(mine)

    workers = [threading.Thread(target=loop) for _ in range(32)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    return total


# --- the run -------------------------------------------------------------------------------------------


def run() -> dict[str, object]:
    admin_url, database_url, redis_url = bench_urls()
    host = machine()
    env = server_env(database_url, redis_url)
    log(f"database {urlsplit(database_url).path.lstrip('/')} (fresh), redis db {BENCH_REDIS_DB}")
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
    from django.db import connection

    organization_id, site_key, survey = setup_world()
    connection.close()
    public_path = f"/api/v1/public/{site_key}/responses"

    with tempfile.TemporaryDirectory(prefix="cx-bench-") as logs:
        log_dir = Path(logs)
        with (
            gunicorn("cxplatform.wsgi", env, log_dir) as app_port,
            gunicorn("bench.bare_app:application", env, log_dir) as bare_port,
        ):
            log(f"warming up ({WARMUP_SECONDS:.0f} s each)")
            warm = [
                closed_loop(bare_port, "/bench/bare", survey, WARMUP_SECONDS),
                closed_loop(app_port, public_path, survey, WARMUP_SECONDS),
            ]
            clients = CLIENT_PROCESSES * THREADS_PER_PROCESS
            log(f"bare JSON endpoint through Django, {clients} clients, {THROUGHPUT_SECONDS:.0f} s")
            bare = closed_loop(bare_port, "/bench/bare", survey, THROUGHPUT_SECONDS)
            log(f"  {bare.per_second:.0f} requests/s, statuses {bare.statuses}")
            log(f"public responses endpoint, {clients} clients, {THROUGHPUT_SECONDS:.0f} s")
            public = closed_loop(app_port, public_path, survey, THROUGHPUT_SECONDS)
            log(f"  {public.per_second:.0f} responses/s, statuses {public.statuses}")
            log(f"gunicorn alone (no Django), {clients} clients, {THROUGHPUT_SECONDS:.0f} s")
            floor = closed_loop(bare_port, "/bench/wsgi", survey, THROUGHPUT_SECONDS)
            log(f"  {floor.per_second:.0f} requests/s, statuses {floor.statuses}")
            log(f"open loop: {OPEN_LOOP_RATE} responses/s for {OPEN_LOOP_SECONDS:.0f} s")
            steady = open_loop(app_port, public_path, survey, OPEN_LOOP_RATE, OPEN_LOOP_SECONDS)
            log(f"  statuses {steady.statuses}")
        accepted = set(warm[1].accepted_ids) | set(public.accepted_ids) | set(steady.accepted_ids)
        acknowledged = len(warm[1].accepted_ids) + len(public.accepted_ids) + len(steady.accepted_ids)
        rows = count_rows(organization_id, accepted)
        rows["acknowledged_twice"] = acknowledged - len(accepted)
    connection.close()
    flush_redis(redis_url)

    ratio = public.per_second / bare.per_second if bare.per_second else 0.0
    p50, p95, p99 = (percentile(steady.latencies_ms, f) for f in (0.50, 0.95, 0.99))
    zero_lost = (
        rows["lost"] == rows["duplicated"] == rows["unacknowledged"] == rows["acknowledged_twice"] == 0
    )
    figures = [
        Figure("Bare JSON endpoint through Django, max throughput", round(bare.per_second), "requests/s",
               reference="reference"),
        Figure("Public responses endpoint, max throughput", round(public.per_second), "responses/s",
               reference=f"{ratio:.0%} of the bare endpoint"),
        Figure("Throughput ratio, public / bare", round(ratio * 100, 1), "%", f"≥ {RATIO_TARGET:.0%}",
               ratio >= RATIO_TARGET),
        Figure("Gunicorn alone (no Django), max throughput", round(floor.per_second), "requests/s",
               reference=f"public is {public.per_second / floor.per_second:.0%} of it" if floor.per_second else ""),
        Figure(f"Latency p50 at {OPEN_LOOP_RATE} responses/s", round(p50, 1), "ms"),
        Figure(f"Latency p95 at {OPEN_LOOP_RATE} responses/s", round(p95, 1), "ms"),
        Figure(f"Latency p99 at {OPEN_LOOP_RATE} responses/s", round(p99, 1), "ms", f"≤ {P99_TARGET_MS:.0f} ms",
               p99 <= P99_TARGET_MS),
        Figure("Responses acknowledged (2xx) / stored rows", rows["accepted"], "responses",
               reference=f"{rows['stored']} rows stored"),
        Figure("Lost or duplicated responses", rows["lost"] + rows["duplicated"] + rows["unacknowledged"], "responses",
               "0", zero_lost),
    ]  # fmt: skip
    return {
        "benchmark": "ingest",
        "machine": host,
        "setup": (
            f"gunicorn --workers {WORKERS} --threads {THREADS}, DEBUG off, PostgreSQL and Redis on loopback; "
            f"{CLIENT_PROCESSES * THREADS_PER_PROCESS} keep-alive clients for {THROUGHPUT_SECONDS:.0f} s per "
            f"endpoint; open loop {OPEN_LOOP_RATE}/s for {OPEN_LOOP_SECONDS:.0f} s"
        ),
        "rows": rows,
        "figures": [asdict(figure) for figure in figures],
    }


def log(message: str) -> None:
    print(f"[bench/ingest] {message}", file=sys.stderr, flush=True)


def main() -> None:
    result = cli.main(run, __doc__)
    if result is not None:
        print(json.dumps(result["rows"]))


if __name__ == "__main__":
    main()
