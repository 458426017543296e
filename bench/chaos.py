"""Load with faults: 100 responses/s while web workers, Celery workers, Redis and PostgreSQL die.

    .venv/bin/python -m bench.chaos [--json]     # CHAOS_SECONDS=60 for a quick run (default 300)

What it does, on loopback only, bounded in time, stopping by itself and stopping everything it started
(also on an error or Ctrl-C; a run killed outright is cleaned up by the next one):

1. Its own services in ``var/chaos/run``: a fresh PostgreSQL cluster (``fsync=on``) and a ``redis-server``
   (AOF ``everysec``, ``noeviction``), each on a free port of 127.0.0.1. It never touches the shared
   ones. Migrates, then creates through the services an organisation, a website with an allowed origin,
   a published NPS survey with an intercept, and an alert rule "NPS ≤ 6" whose action is a signed
   webhook to a receiver on loopback in this process.
2. The platform as in production: ``gunicorn cxplatform.wsgi --workers 2 --threads 4`` (DEBUG off), a
   Celery worker (prefork, ``--concurrency 2``, every queue) and beat. The ingestion rate limits are raised
   through their environment variables, as bench/ingest does (every client is 127.0.0.1).
3. An open-loop client: 100 finished responses a second for CHAOS_SECONDS to
   ``POST /api/v1/public/{key}/responses``, each with its own id, about 30 % detractors. An answer 429,
   5xx or a network error is retried like the widget does (frontend/widget/queue.ts: exponential backoff
   with jitter, at least Retry-After, the same id) until it is accepted, or until RETRY_GRACE_SECONDS
   after the load ends.
4. Faults at fixed fractions of the run: SIGKILL one gunicorn worker; SIGKILL one Celery pool child;
   SIGKILL the whole Celery worker and start a new one 10 s later; kill Redis (SIGKILL) and start it
   again on its port and AOF; ``pg_ctl stop -m immediate`` and start PostgreSQL again.
5. Then waits for the outbox to drain and the alert deliveries to settle (at most CHAOS_DRAIN_SECONDS,
   1800 by default, or until nothing moved for 5 minutes: the worker's pace sets the time, and at
   100 responses/s on two cores it falls behind during the load), and checks: every id answered 2xx is stored exactly once, every id was accepted in the end, no row
   without a 2xx, no unprocessed outbox event, exactly one sent webhook delivery per stored detractor
   response and none for the others, and never a 500 (a 503 with Retry-After while PostgreSQL restarts
   is expected). Webhooks the receiver got more than once for the same delivery are counted apart.

Exits non-zero when a target is missed (in ``--json`` mode ``run_all.py --strict`` does).
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType

from bench import cli
from bench.ingest import HEADERS, Figure, free_port, gunicorn, machine, percentile, server_env, setup_world

ROOT = Path(__file__).resolve().parents[1]
CHAOS_DIR = ROOT / "var" / "chaos"
RUN_DIR = CHAOS_DIR / "run"
RATE = 100
SECONDS = float(os.environ.get("CHAOS_SECONDS") or 300)
DETRACTOR_SHARE = 0.30
CLIENT_THREADS = 48
REQUEST_TIMEOUT = 30.0
# Gunicorn closes a keep-alive connection idle for 2 s; a browser would not reuse one idle that long.
IDLE_RECONNECT_SECONDS = 1.0
RETRY_GRACE_SECONDS = 120.0
# After the load, waiting for the outbox to drain and the alerts to settle ends at the latest after
# DRAIN_LIMIT_SECONDS, or when nothing moved for STALL_SECONDS (more than the 2-minute re-dispatch of
# core/outbox.py and the alert sweep's take-back).
DRAIN_LIMIT_SECONDS = float(os.environ.get("CHAOS_DRAIN_SECONDS") or 1800)
STALL_SECONDS = 300.0
WORKER_RESTART_SECONDS = 10.0
# The faults, at these fractions of the load.
FAULT_AT = {"web": 0.15, "pool child": 0.30, "worker": 0.45, "redis": 0.65, "postgres": 0.85}
RETRYABLE = {0, 429} | set(range(500, 600))


def log(message: str) -> None:
    print(f"[bench/chaos] {message}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------------


def is_root() -> bool:
    return os.geteuid() == 0


def pg_as(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: its own system user then (as scripts/lib.sh pg_as)."""
    return ["runuser", "-u", "postgres", "--", *command] if is_root() else command


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes()).replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_group(process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Registry:
    """Process groups started by this run, written down so that a run killed outright (SIGKILL, a
    time limit) is cleaned up by the next one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.groups: dict[int, str] = {}

    def add(self, process: subprocess.Popen[bytes], marker: str) -> None:
        self.groups[process.pid] = marker
        self.path.write_text(json.dumps(self.groups))

    @staticmethod
    def reap_stale(path: Path) -> None:
        try:
            groups = {int(k): v for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            return
        for pgid, marker in groups.items():
            if marker in cmdline(pgid):
                log(f"stopping process group {pgid} left by an earlier run ({marker})")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)


class Postgres:
    """A PostgreSQL cluster of its own, on a free port of 127.0.0.1."""

    def __init__(self, base: Path) -> None:
        self.data = base / "pg"
        self.run = base / "pgrun"  # socket and log, written by the postgres user
        self.port = free_port()
        self.url = f"postgres://cx@127.0.0.1:{self.port}/cxchaos"

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            pg_as(["pg_ctl", "-D", str(self.data), *args]),
            check=check,
            timeout=120,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def create(self) -> None:
        self.data.mkdir(parents=True)
        self.run.mkdir(parents=True)
        if is_root():
            shutil.chown(self.data, "postgres")
            shutil.chown(self.run, "postgres")
        subprocess.run(
            pg_as(
                ["initdb", "-D", str(self.data), "-U", "cx", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            timeout=120,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.run} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=on"
        )
        self._ctl("-l", str(self.run / "postgres.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str) -> None:
        self._ctl("-m", mode, "-w", "-t", "60", "stop", check=False)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self) -> None:
        import psycopg2

        connection = psycopg2.connect(f"postgres://cx@127.0.0.1:{self.port}/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE cxchaos")
        connection.close()


class RedisServer:
    """A redis-server of its own: AOF with fsync every second, no eviction (as scripts/lib.sh)."""

    def __init__(self, base: Path, registry: Registry) -> None:
        self.dir = base / "redis"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.registry = registry
        self.process: subprocess.Popen[bytes] | None = None
        self.log = base / "logs" / "redis.log"

    def start(self) -> None:
        command = [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction",
            "--save", "", "--daemonize", "no", "--logfile", str(self.log),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        self.registry.add(self.process, f"127.0.0.1:{self.port}")
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {self.port}; see {self.log}")

    def kill(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None


class Platform:
    """The Celery worker (replaceable) and beat; gunicorn is a context manager of bench/ingest."""

    def __init__(self, env: dict[str, str], logs: Path, registry: Registry) -> None:
        self.env, self.logs, self.registry = env, logs, registry
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None
        self.generation = 0

    def _celery(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        output = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the process owns it until it exits
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cxplatform", *args, "--loglevel", "WARNING"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        output.close()
        self.registry.add(process, "celery")
        return process

    def start_worker(self) -> None:
        self.generation += 1
        # No -Q: the worker consumes every queue the application declares.
        self.worker = self._celery(
            "worker",
            ["worker", "--pool", "prefork", "--concurrency", "2", "-n", f"chaos{self.generation}@%h"],
        )

    def start_beat(self) -> None:
        self.beat = self._celery("beat", ["beat", "--schedule", str(self.logs / "beat-schedule")])

    def kill_worker(self) -> None:
        if self.worker is not None:
            kill_group(self.worker)
            self.worker = None

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is not None and process.poll() is None:
                kill_group(process, signal.SIGTERM)
        self.worker = self.beat = None


# --- the webhook receiver ------------------------------------------------------------------------------


class Receiver:
    """Alert webhooks on loopback: how many POSTs arrived for each delivery id."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    state.counts[int(self.headers.get("X-Cx-Delivery", "0"))] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the open-loop client --------------------------------------------------------------------------------


@dataclass
class Job:
    id: str
    body: bytes
    scheduled: float
    detractor: bool
    attempts: int = 0
    first_ms: float | None = None
    accepted_ms: float | None = None
    statuses: list[int] = field(default_factory=list)
    created: int = 0  # answers 201: the server stored it then
    done: bool = False


@dataclass
class Outcome:
    status: int
    retry_after: float = 0.0
    created: bool = False
    header_missing: bool = False  # a 429 or 503 without Retry-After


class Connection:
    """One keep-alive connection; a new one after an error or when idle long enough to be closed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: http.client.HTTPConnection | None = None
        self.used = 0.0

    def post(self, path: str, data: bytes) -> Outcome:
        if self.http is None or time.monotonic() - self.used > IDLE_RECONNECT_SECONDS:
            self.close()
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.http.request("POST", path, data, HEADERS)
            answer = self.http.getresponse()
            payload = answer.read()
            self.used = time.monotonic()
            if answer.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            return Outcome(0)
        retry_after = answer.getheader("Retry-After")
        created = False
        if answer.status == 201:
            with contextlib.suppress(ValueError, AttributeError):
                created = bool(json.loads(payload).get("created"))
        return Outcome(
            answer.status,
            float(retry_after) if retry_after and retry_after.isdigit() else 0.0,
            created,
            answer.status in {429, 503} and not retry_after,
        )

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


def widget_delay(attempt: int, retry_after: float) -> float:
    """frontend/widget/queue.ts: min(2^n s, 300 s) x (0.5 + random/2), at least Retry-After."""
    return max(min(2.0**attempt, 300.0) * (0.5 + random.random() / 2), retry_after)


class Load:
    """RATE responses a second on a fixed schedule; retries are scheduled like the widget's."""

    def __init__(self, port: int, path: str, survey: str, seconds: float) -> None:
        self.port, self.path = port, path
        count = int(RATE * seconds)
        self.start = time.monotonic() + 1.0
        self.deadline = self.start + seconds + RETRY_GRACE_SECONDS
        self.jobs: list[Job] = []
        for index in range(count):
            response_id = str(uuid.uuid4())
            detractor = random.random() < DETRACTOR_SHARE
            score = random.randint(0, 6) if detractor else random.randint(7, 10)
            payload = {"id": response_id, "survey": survey, "answers": {"nps": score}, "finished": True}
            self.jobs.append(
                Job(response_id, json.dumps(payload).encode(), self.start + index / RATE, detractor)
            )
        self.heap: list[tuple[float, int, Job]] = [(job.scheduled, n, job) for n, job in enumerate(self.jobs)]
        self.sequence = itertools.count(len(self.jobs))
        self.pending = len(self.jobs)
        self.condition = threading.Condition()
        self.ready: queue.Queue[Job | None] = queue.Queue()
        self.statuses: Counter[int] = Counter()
        self.missing_retry_after = 0
        self.retried = 0
        self.ended = 0.0

    def run(self) -> None:
        threads = [threading.Thread(target=self._send, daemon=True) for _ in range(CLIENT_THREADS)]
        for thread in threads:
            thread.start()
        self._dispatch()
        for _ in threads:
            self.ready.put(None)
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 10)
        self.ended = time.monotonic()

    def _dispatch(self) -> None:
        """Hand each attempt to a sender at its time, until every job is done or the deadline."""
        with self.condition:
            while self.pending:
                now = time.monotonic()
                if now > self.deadline + REQUEST_TIMEOUT:
                    return
                if self.heap and self.heap[0][0] <= now:
                    self.ready.put(heapq.heappop(self.heap)[2])
                    continue
                wait = self.heap[0][0] - now if self.heap else 0.5
                self.condition.wait(min(wait, 0.5))

    def _send(self) -> None:
        connection = Connection(self.port)
        while (job := self.ready.get()) is not None:
            outcome = connection.post(self.path, job.body)
            answered = time.monotonic()
            with self.condition:
                job.attempts += 1
                job.statuses.append(outcome.status)
                self.statuses[outcome.status] += 1
                self.missing_retry_after += outcome.header_missing
                if job.first_ms is None:
                    job.first_ms = (answered - job.scheduled) * 1000
                job.created += outcome.created
                if 200 <= outcome.status < 300:
                    if job.accepted_ms is None:
                        job.accepted_ms = (answered - job.scheduled) * 1000
                    self._finish(job)
                elif outcome.status in RETRYABLE and answered < self.deadline:
                    self.retried += 1
                    due = min(answered + widget_delay(job.attempts, outcome.retry_after), self.deadline)
                    heapq.heappush(self.heap, (due, next(self.sequence), job))
                    self.condition.notify()
                else:  # refused for good (another 4xx), or out of time
                    self._finish(job)
        connection.close()

    def _finish(self, job: Job) -> None:
        job.done = True
        self.pending -= 1
        if not self.pending:
            self.condition.notify()


# --- faults ----------------------------------------------------------------------------------------------


@dataclass
class Fault:
    at: float  # seconds after the load started
    name: str
    action: Callable[[], str]
    done_at: float | None = None
    effect: str = ""


def gunicorn_master() -> int:
    masters = [pid for pid in children(os.getpid()) if "gunicorn" in cmdline(pid)]
    if len(masters) != 1:
        raise RuntimeError(f"expected one gunicorn master among this process's children, found {masters}")
    return masters[0]


def run_faults(faults: list[Fault], start: float, stop: threading.Event) -> None:
    for fault in faults:
        if stop.wait(max(0.0, start + fault.at - time.monotonic())):
            return
        began = time.monotonic()
        try:
            fault.effect = fault.action()
        except Exception as exc:  # recorded and reported: a fault that did not happen fails the run
            fault.effect = f"FAILED: {type(exc).__name__}: {exc}"
        fault.done_at = began - start
        log(f"t={fault.done_at:.0f} s {fault.name}: {fault.effect}")


def build_faults(
    seconds: float, platform: Platform, redis_server: RedisServer, postgres: Postgres
) -> list[Fault]:
    def kill_web_worker() -> str:
        workers = children(gunicorn_master())
        if not workers:
            raise RuntimeError("no gunicorn worker")
        os.kill(workers[0], signal.SIGKILL)
        return f"SIGKILL gunicorn worker {workers[0]} (of {len(workers)})"

    def kill_pool_child() -> str:
        assert platform.worker is not None
        pool = children(platform.worker.pid)
        if not pool:
            raise RuntimeError("no Celery pool child")
        os.kill(pool[0], signal.SIGKILL)
        return f"SIGKILL Celery pool child {pool[0]} (of {len(pool)})"

    def kill_worker() -> str:
        assert platform.worker is not None
        pid = platform.worker.pid
        pool = children(pid)
        platform.kill_worker()
        time.sleep(WORKER_RESTART_SECONDS)
        platform.start_worker()
        return f"SIGKILL Celery worker {pid} and its {len(pool)} pool children; a new worker {WORKER_RESTART_SECONDS:.0f} s later"

    def restart_redis() -> str:
        began = time.monotonic()
        redis_server.kill()
        redis_server.start()
        return f"SIGKILL redis-server, started again on its AOF; answering after {time.monotonic() - began:.1f} s"

    def restart_postgres() -> str:
        began = time.monotonic()
        postgres.stop("immediate")
        postgres.start()
        return f"pg_ctl stop -m immediate, then start; accepting connections after {time.monotonic() - began:.1f} s"

    actions = {
        "web": ("Web worker killed", kill_web_worker),
        "pool child": ("Celery pool child killed", kill_pool_child),
        "worker": ("Celery worker killed", kill_worker),
        "redis": ("Redis restarted", restart_redis),
        "postgres": ("PostgreSQL restarted (immediate)", restart_postgres),
    }
    return [Fault(FAULT_AT[key] * seconds, *actions[key]) for key in FAULT_AT]


# --- the world and the checks ------------------------------------------------------------------------------


def create_alert_rule(organization_id: int, receiver_url: str) -> None:
    from accounts.models import Membership, Organization
    from core.tenancy import organization_context
    from feedback.alerts.services import alert_rule_create

    organization = Organization.objects.get(pk=organization_id)
    owner = Membership.all_orgs.filter(organization=organization).order_by("pk").first()
    assert owner is not None
    with organization_context(organization):
        alert_rule_create(
            organization=organization,
            actor=owner,
            name="Detractors",
            conditions={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
            actions=[{"type": "webhook", "url": receiver_url, "secret": "whsec_chaos-" + uuid.uuid4().hex}],
        )


@dataclass
class State:
    stored: list[tuple[int, str]]  # (response pk, client id)
    unprocessed: int
    deliveries: dict[int, list[tuple[int, str]]]  # response pk -> [(delivery pk, status)]


def read_state(organization_id: int) -> State:
    from django.db import connection

    from core.models import OutboxEvent
    from feedback.alerts.models import AlertChannel, AlertDelivery
    from feedback.models import Response

    connection.close()  # a connection from before a restart of PostgreSQL is gone
    stored = [
        (pk, str(client_id))
        for pk, client_id in Response.all_orgs.filter(organization_id=organization_id).values_list(
            "pk", "client_id"
        )
    ]
    unprocessed = OutboxEvent.all_orgs.filter(
        organization_id=organization_id, processed_at__isnull=True
    ).count()
    deliveries: dict[int, list[tuple[int, str]]] = {}
    for pk, response_id, status in AlertDelivery.all_orgs.filter(
        organization_id=organization_id, channel=AlertChannel.WEBHOOK
    ).values_list("pk", "response_id", "status"):
        deliveries.setdefault(response_id, []).append((pk, status))
    return State(stored, unprocessed, deliveries)


def backlog(organization_id: int) -> list[str]:
    """What is left in the outbox, by topic: count, how many failed, most hand-overs, a last error."""
    from django.db.models import Count, Max, Q

    from core.models import OutboxEvent

    rows = (
        OutboxEvent.all_orgs.filter(organization_id=organization_id, processed_at__isnull=True)
        .values("topic")
        .annotate(
            count=Count("pk"), failed=Count("pk", filter=~Q(last_error="")), handed=Max("dispatch_count")
        )
        .order_by("topic")
    )
    lines = []
    for row in rows:
        error = (
            OutboxEvent.all_orgs.filter(
                organization_id=organization_id, topic=row["topic"], processed_at__isnull=True
            )
            .exclude(last_error="")
            .values_list("last_error", flat=True)
            .first()
        )
        lines.append(
            f"{row['topic']}: {row['count']} unprocessed, {row['failed']} with an error, handed over at most "
            f"{row['handed']} times" + (f"; e.g. {error[:300]}" if error else "")
        )
    return lines


def settled(state: State, detractors: set[str]) -> tuple[bool, bool]:
    """(the outbox drained, every alert delivery of a detractor response finished)."""
    finished = {"sent", "failed", "skipped"}
    alerts_done = all(
        any(status in finished for _pk, status in state.deliveries.get(pk, []))
        and all(status in finished for _pk, status in state.deliveries.get(pk, []))
        for pk, client_id in state.stored
        if client_id in detractors
    )
    return state.unprocessed == 0, alerts_done


@dataclass
class Drain:
    backlog: int = 0  # outbox events unprocessed when the load ended
    drained_after: float | None = None  # seconds after the load until none was left
    settled_after: float | None = None  # ... and every detractor's delivery had finished
    stalled: bool = False  # no progress for STALL_SECONDS: stopped waiting


def wait_for_drain(organization_id: int, detractors: set[str], load_end: float) -> tuple[State, Drain]:
    """Poll until the outbox drained and the deliveries settled, or no progress for STALL_SECONDS, or
    DRAIN_LIMIT_SECONDS. The worker's pace sets the time: the backlog of a fast load can be large."""
    from django.db import Error

    drain = Drain()
    deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
    reported = progress_at = 0.0
    best: int | None = None
    while time.monotonic() < deadline:
        try:
            state = read_state(organization_id)
        except Error as exc:
            log(f"  database not reachable yet ({type(exc).__name__}); polling again")
            time.sleep(2)
            continue
        drained, alerts_done = settled(state, detractors)
        now = time.monotonic()
        unsent = sum(1 for rows in state.deliveries.values() for _pk, status in rows if status != "sent")
        if best is None:
            drain.backlog = state.unprocessed
        if best is None or state.unprocessed + unsent < best:
            best, progress_at = state.unprocessed + unsent, now
        if now - reported >= 15:
            reported = now
            log(
                f"  t+{now - load_end:.0f} s: {state.unprocessed} outbox events unprocessed, {unsent} deliveries not sent"
            )
        drain.drained_after = (drain.drained_after or now - load_end) if drained else None
        if drained and alerts_done:
            drain.settled_after = now - load_end
            break
        if now - progress_at > STALL_SECONDS:
            drain.stalled = True
            log(f"  no progress for {STALL_SECONDS:.0f} s: stopped waiting")
            break
        time.sleep(2)
    time.sleep(5)  # a late second send of a delivery would show up now
    return read_state(organization_id), drain


# --- the run -------------------------------------------------------------------------------------------


class Stopped(Exception):
    """SIGTERM or SIGHUP: stop like Ctrl-C, cleaning up."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def run_dir() -> Iterator[Path]:
    """A fresh var/chaos/run, after stopping whatever a run killed outright left running."""
    CHAOS_DIR.mkdir(parents=True, exist_ok=True)
    if RUN_DIR.exists():
        Registry.reap_stale(RUN_DIR / "processes.json")
        if (RUN_DIR / "pg" / "postmaster.pid").exists():
            log("stopping the PostgreSQL cluster left by an earlier run")
            subprocess.run(
                pg_as(["pg_ctl", "-D", str(RUN_DIR / "pg"), "-m", "immediate", "-w", "stop"]), check=False
            )
        shutil.rmtree(RUN_DIR)
    (RUN_DIR / "logs").mkdir(parents=True)
    yield RUN_DIR


def run() -> dict[str, object]:
    if SECONDS < 20:
        sys.exit("bench/chaos: CHAOS_SECONDS must be at least 20 (the faults need room)")
    host = machine()
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with contextlib.ExitStack() as stack:
            base = stack.enter_context(run_dir())
            return _run(stack, base, host)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def services(stack: contextlib.ExitStack, base: Path, registry: Registry) -> tuple[Postgres, RedisServer]:
    """PostgreSQL and Redis of this run, started; stopped and deleted when ``stack`` closes."""
    postgres = Postgres(base)
    log(f"PostgreSQL of its own on 127.0.0.1:{postgres.port} (fsync on), in {postgres.data}")
    postgres.create()
    postgres.start()
    stack.callback(lambda: shutil.rmtree(postgres.data, ignore_errors=True))
    stack.callback(lambda: postgres.stop("fast") if postgres.running() else None)
    postgres.create_database()
    redis_server = RedisServer(base, registry)
    log(f"Redis of its own on 127.0.0.1:{redis_server.port} (AOF everysec, noeviction)")
    stack.callback(lambda: shutil.rmtree(redis_server.dir, ignore_errors=True))
    stack.callback(redis_server.kill)
    redis_server.start()
    return postgres, redis_server


def _run(stack: contextlib.ExitStack, base: Path, host: dict[str, str]) -> dict[str, object]:
    logs = base / "logs"
    registry = Registry(base / "processes.json")
    postgres, redis_server = services(stack, base, registry)
    env = server_env(postgres.url, redis_server.url)
    # The alert webhook's receiver listens on loopback, which production refuses (core/outbound.py).
    env.update(OUTBOX_SWEEP_SECONDS="5", CX_CHAOS="1", WEBHOOK_ALLOW_PRIVATE_NETWORKS="true")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_DEBUG",
                "DATABASE_URL",
                "REDIS_URL",
                "DJANGO_SECRET_KEY",
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
            )
        }
    )
    import django

    django.setup()
    from django.db import connection

    receiver = Receiver()
    stack.callback(receiver.stop)
    organization_id, site_key, survey = setup_world()
    create_alert_rule(organization_id, receiver.url)
    connection.close()

    platform = Platform(env, logs, registry)
    stack.callback(platform.stop)
    platform.start_worker()
    platform.start_beat()
    port = stack.enter_context(gunicorn("cxplatform.wsgi", env, logs))
    for pid in [gunicorn_master()]:
        registry.groups[pid] = "gunicorn"
    registry.path.write_text(json.dumps(registry.groups))
    time.sleep(3)  # the worker connects to the broker

    load = Load(port, f"/api/v1/public/{site_key}/responses", survey, SECONDS)
    faults = build_faults(SECONDS, platform, redis_server, postgres)
    stop_faults = threading.Event()
    fault_thread = threading.Thread(target=run_faults, args=(faults, load.start, stop_faults), daemon=True)
    log(f"open loop: {RATE} responses/s for {SECONDS:.0f} s, retries until {RETRY_GRACE_SECONDS:.0f} s after")
    fault_thread.start()
    try:
        load.run()
    finally:
        stop_faults.set()
        fault_thread.join(timeout=WORKER_RESTART_SECONDS + 130)
    if platform.worker is None:  # the load ended while the worker was down
        platform.start_worker()
    load_end = load.ended
    log(f"load done in {load_end - load.start:.0f} s; statuses {dict(sorted(load.statuses.items()))}")

    detractors = {job.id for job in load.jobs if job.detractor}
    log(f"waiting for the outbox to drain and the alerts to settle (at most {DRAIN_LIMIT_SECONDS:.0f} s)")
    state, drain = wait_for_drain(organization_id, detractors, load_end)
    log(f"  drained after {drain.drained_after} s, alerts settled after {drain.settled_after} s")
    left = backlog(organization_id) if state.unprocessed else []
    for line in left:
        log(f"  outbox: {line}")
    write_requests(load, logs / "requests.csv")
    connection.close()
    return result(host, load, faults, state, receiver, drain, left, logs)


def write_requests(load: Load, path: Path) -> None:
    """One line per response id, for a closer look: schedule offset, attempts, statuses, latencies."""
    with path.open("w", encoding="utf-8") as out:
        out.write("id,scheduled_s,detractor,attempts,statuses,first_ms,accepted_ms\n")
        for job in load.jobs:
            statuses = " ".join(map(str, job.statuses))
            first = f"{job.first_ms:.1f}" if job.first_ms is not None else ""
            accepted = f"{job.accepted_ms:.1f}" if job.accepted_ms is not None else ""
            out.write(
                f"{job.id},{job.scheduled - load.start:.2f},{int(job.detractor)},{job.attempts},{statuses},"
                f"{first},{accepted}\n"
            )


def result(
    host: dict[str, str],
    load: Load,
    faults: list[Fault],
    state: State,
    receiver: Receiver,
    drain: Drain,
    left: list[str],
    logs: Path,
) -> dict[str, object]:
    drained_after, settled_after = drain.drained_after, drain.settled_after
    sent_ids = {job.id for job in load.jobs}
    accepted = {job.id for job in load.jobs if job.accepted_ms is not None}
    detractors = {job.id for job in load.jobs if job.detractor}
    stored_ids = [client_id for _pk, client_id in state.stored]
    unique = set(stored_ids)
    lost = len(accepted - unique)
    duplicated = len(stored_ids) - len(unique)
    unacknowledged = len(unique - accepted)
    foreign = len(unique - sent_ids)
    never_accepted = len(sent_ids - accepted)
    created_twice = sum(1 for job in load.jobs if job.created > 1)

    expected = sent_once = 0
    wrong: list[str] = []
    for pk, client_id in state.stored:
        rows = state.deliveries.get(pk, [])
        if client_id in detractors:
            expected += 1
            sent = [d for d in rows if d[1] == "sent"]
            if len(rows) == 1 and len(sent) == 1:
                sent_once += 1
            else:
                wrong.append(f"response {pk}: deliveries {rows}")
        elif rows:
            wrong.append(f"response {pk} (a promoter or passive): deliveries {rows}")
    sent_delivery_ids = {pk for rows in state.deliveries.values() for pk, status in rows if status == "sent"}
    on_wire_twice = sum(count - 1 for count in receiver.counts.values() if count > 1)
    responses_twice_on_wire = sum(1 for count in receiver.counts.values() if count > 1)
    sent_not_received = len(sent_delivery_ids - set(receiver.counts))
    if wrong:
        log("deliveries not exactly once: " + "; ".join(wrong[:20]))

    statuses = dict(sorted(load.statuses.items()))
    server_errors = sum(count for code, count in statuses.items() if code >= 500 and code != 503)
    first = [job.first_ms for job in load.jobs if job.first_ms is not None]
    accept = [job.accepted_ms for job in load.jobs if job.accepted_ms is not None]
    retried_ids = sum(1 for job in load.jobs if job.attempts > 1)
    faults_ok = all(f.done_at is not None and not f.effect.startswith("FAILED") for f in faults)

    def ms(values: list[float], fraction: float) -> float:
        return round(percentile(values, fraction), 1) if values else 0.0

    def status_name(code: int) -> str:
        return "network error" if code == 0 else f"HTTP {code}"

    figures = [
        Figure("Responses sent (unique ids)", len(sent_ids), "responses", reference=f"{RATE}/s for {SECONDS:.0f} s"),
        Figure("Ids accepted (2xx) in the end", len(accepted), "responses", f"{len(sent_ids)}",
               len(accepted) == len(sent_ids), f"{never_accepted} never accepted"),
        Figure("Lost: answered 2xx, not stored", lost, "responses", "0", lost == 0),
        Figure("Duplicated rows", duplicated, "rows", "0", duplicated == 0),
        Figure("Stored without a 2xx", unacknowledged + foreign, "rows", "0", unacknowledged + foreign == 0),
        Figure("Ids answered 201 Created more than once", created_twice, "responses", "0", created_twice == 0),
        Figure("Requests retried", load.retried, "requests",
               reference=f"{retried_ids} ids needed a retry; {sum(statuses.values())} requests in all"),
        Figure("HTTP 500 and other 5xx but 503", server_errors, "answers", "0", server_errors == 0),
        Figure("429 or 503 without Retry-After", load.missing_retry_after, "answers", "0",
               load.missing_retry_after == 0),
        *[Figure(f"Answers {status_name(code)}", count, "") for code, count in statuses.items()],
        Figure("First attempt latency p50", ms(first, 0.50), "ms", reference="from the scheduled time"),
        Figure("First attempt latency p95", ms(first, 0.95), "ms"),
        Figure("First attempt latency p99", ms(first, 0.99), "ms"),
        Figure("Scheduled to accepted p50", ms(accept, 0.50), "ms", reference="retries included"),
        Figure("Scheduled to accepted p95", ms(accept, 0.95), "ms"),
        Figure("Scheduled to accepted p99", ms(accept, 0.99), "ms"),
        Figure("Outbox events unprocessed at the end", state.unprocessed, "events", "0", state.unprocessed == 0),
        Figure("Outbox backlog when the load ended", drain.backlog, "events",
               reference="follow-up work the worker had not caught up with"),
        Figure("Time to drain the outbox after the load", round(drained_after, 1) if drained_after is not None else -1,
               "s", f"≤ {DRAIN_LIMIT_SECONDS:.0f} s", drained_after is not None,
               f"{drain.backlog / drained_after:.0f} events/s" if drained_after else ""),
        Figure("Time until every alert delivery settled", round(settled_after, 1) if settled_after is not None else -1,
               "s", f"≤ {DRAIN_LIMIT_SECONDS:.0f} s", settled_after is not None,
               "stalled: no progress for 5 min" if drain.stalled else ""),
        Figure("Detractor responses with exactly one sent delivery", sent_once, "responses", f"{expected}",
               sent_once == expected and not wrong, f"{len(wrong)} not exactly once"),
        Figure("Sent deliveries the receiver never got", sent_not_received, "deliveries", "0", sent_not_received == 0),
        Figure("Webhooks received more than once (same delivery id)", on_wire_twice, "requests",
               reference=f"{responses_twice_on_wire} deliveries; at-least-once on the wire, the id lets receivers dedupe"),
        Figure("Faults injected", sum(1 for f in faults if f.done_at is not None), "", f"{len(faults)}", faults_ok),
    ]  # fmt: skip
    notes = ["Faults, seconds after the load started:", ""]
    notes += [
        f"- t = {fault.done_at:.0f} s: {fault.name}: {fault.effect}" if fault.done_at is not None else
        f"- {fault.name}: not injected (the run stopped first)"
        for fault in faults
    ]  # fmt: skip
    if left:
        notes += ["", "Left in the outbox:", "", *(f"- {line}" for line in left)]
    return {
        "benchmark": "chaos",
        "command": "make chaos",
        "machine": host,
        "setup": (
            f"its own PostgreSQL (fsync on) and Redis (AOF everysec, noeviction) on loopback; gunicorn --workers 2 "
            f"--threads 4 (DEBUG off), one Celery worker (prefork, --concurrency 2) and beat; an open loop of "
            f"{RATE} finished responses/s for {SECONDS:.0f} s with unique ids, about {DETRACTOR_SHARE:.0%} "
            f"detractors matching an alert rule with a signed webhook; 429, 5xx and network errors retried like "
            f"the widget for up to {RETRY_GRACE_SECONDS:.0f} s after the load; logs in {logs.relative_to(ROOT)}"
        ),
        "rows": {
            "sent": len(sent_ids),
            "accepted": len(accepted),
            "stored": len(stored_ids),
            "lost": lost,
            "duplicated": duplicated,
            "unacknowledged": unacknowledged + foreign,
            "detractors stored": expected,
            "webhook deliveries sent": len(sent_delivery_ids),
            "webhook requests received": sum(receiver.counts.values()),
        },
        "notes": notes,
        "figures": [asdict(figure) for figure in figures],
    }


def main() -> None:
    outcome = cli.main(run, __doc__)
    if outcome is not None:
        for note in outcome["notes"]:
            print(note)
        missed = [f["name"] for f in outcome["figures"] if f["passed"] is False]
        if missed:
            print("Targets missed: " + "; ".join(missed), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
