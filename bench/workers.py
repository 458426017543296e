"""The capacity of the Celery workers per process: how fast they drain the follow-up work of stored responses.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.workers [--json]

What it does, on loopback only, bounded in time, stopping by itself:

1. Creates a dedicated database ``<name>_bench_workers`` next to DATABASE_URL's (dropped and migrated
   afresh each run) and uses Redis database 13 of REDIS_URL's server (flushed before and after). Through
   the services: an organisation, a published survey (NPS and an optional comment), an alert rule
   "NPS ≤ 6" with a signed webhook action, and a webhook endpoint subscribed to ``response.created`` and
   ``response.finished``, both pointing at HTTP receivers on loopback.
2. For each worker size (``--concurrency 1``, then ``2``): stores 1,000 responses through
   ``feedback_ingest`` (the service behind the API) with no worker running, so that the relay's tasks
   wait in Redis; 30 % are detractors that match the rule, 30 % carry a comment for the text analysis.
   The waiting tasks are set aside (a Redis RENAME of the queue's list), one worker is started with the
   production options (``celery -A cxplatform worker``, every queue) and once it answers a ping they are
   put back: the clock starts. The follow-up work is everything a response causes in production: the
   outbox events (text analysis, alert rules, rollup marks, webhook deliveries created), the rollup
   flushes the worker asks for itself, the alert webhooks and the two webhook deliveries per response.
   The end of each part is read from the timestamps the worker writes (``processed_at``, ``sent_at``,
   ``delivered_at``), not from polling; the CPU time of the worker and of the PostgreSQL backends serving
   it is read from /proc.
3. The reference, in the same run on the same broker: a no-op task (``bench.noop``, declared below with
   the same acknowledgement options as the project's tasks), 2,000 of them drained by one worker at each
   size: the rate of the queue machinery alone.
4. Counts: every event processed, every delivery sent exactly once (the receivers count duplicates).

``BENCH_WORKERS_RESPONSES`` sets another count than 1,000 responses per size (a quick run on a busy
machine). The receivers are on loopback, so the run allows webhooks to private networks
(``WEBHOOK_ALLOW_PRIVATE_NETWORKS``) in its own processes only.

There is no beat: the periodic sweeps would re-send events queued more than two minutes ago
(``core.outbox.REDISPATCH_AFTER``) and blur what one worker does; the relay's own hand-over is measured.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import cli
from bench.alerts import Receiver, wait
from bench.ingest import Figure, bench_urls, flush_redis, machine, recreate_database, server_env
from cxplatform.celery import Queue, app

ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_DB = 13
# Per worker size; BENCH_WORKERS_RESPONSES sets another count for a quick run on a busy machine.
RESPONSES = int(os.environ.get("BENCH_WORKERS_RESPONSES", "1000"))
DETRACTOR_SHARE = 0.3
COMMENT_SHARE = 0.3
NOOP_TASKS = 2_000
CONCURRENCIES = (1, 2)
DRAIN_LIMIT_SECONDS = 300.0
START_LIMIT_SECONDS = 60.0
HELD_SUFFIX = ":held-by-bench"
DEFINITION = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en"],
    "hidden_fields": [],
    "questions": [
        {"key": "nps", "type": "nps", "required": True, "text": {"en": "How likely are you to recommend us?"}},
        {"key": "comment", "type": "text", "text": {"en": "What is the main reason?"}, "options": {"variant": "long"}},
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "auto"},
    "settings": {"layout": "one_per_screen", "progress": True},
}  # fmt: skip
COMMENTS = (
    "The delivery was late again and nobody answered the phone.",
    "Friendly staff, quick checkout, I will come back.",
    "The app crashed twice while I was paying, very frustrating.",
    "Great prices but the shop was messy and the queue was long.",
    "Support solved my problem in five minutes, thank you!",
)


@app.task(
    name="bench.noop",
    queue=Queue.INGEST.value,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def noop_task() -> None:
    """The reference: a task that does nothing, with the acknowledgement options of the project's tasks."""


@dataclass
class Drain:
    concurrency: int
    responses: int
    events: int
    tasks: int
    store_seconds: float
    outbox_seconds: float
    alerts_seconds: float
    webhooks_seconds: float
    done_seconds: float
    cpu_seconds: float
    database_cpu_seconds: float
    alert_deliveries: int
    alerts_sent: int
    alerts_received: int
    alert_requests: int
    webhook_deliveries: int
    webhooks_sent: int
    webhooks_received: int
    webhook_requests: int
    unprocessed: int

    @property
    def completed(self) -> float:
        """The share of the work done: 1 once drained; within the time limit, the parts done."""
        total = self.events + self.alert_deliveries + self.webhook_deliveries
        done = self.events - self.unprocessed + self.alerts_sent + self.webhooks_sent
        return done / total if total else 0.0

    @property
    def responses_done(self) -> float:
        return self.responses * self.completed

    @property
    def responses_per_second(self) -> float:
        return self.responses_done / self.done_seconds if self.done_seconds else 0.0

    @property
    def events_per_second(self) -> float:
        processed = self.events - self.unprocessed
        return processed / self.outbox_seconds if self.outbox_seconds else 0.0

    @property
    def tasks_per_second(self) -> float:
        return self.tasks * self.completed / self.done_seconds if self.done_seconds else 0.0

    @property
    def cpu_ms_per_response(self) -> float:
        return 1000 * self.cpu_seconds / self.responses_done if self.responses_done else 0.0

    @property
    def database_cpu_ms_per_response(self) -> float:
        return 1000 * self.database_cpu_seconds / self.responses_done if self.responses_done else 0.0


# --- environment -------------------------------------------------------------------------------------


def workers_urls() -> tuple[str, str, str]:
    """(admin database URL, ``<name>_bench_workers`` URL, Redis database 13 URL), from bench/ingest's."""
    admin, bench, redis_url = bench_urls()
    database = urlsplit(bench)
    redis = urlsplit(redis_url)
    return (
        admin,
        urlunsplit(database._replace(path=f"{database.path}_workers")),
        urlunsplit(redis._replace(path=f"/{BENCH_REDIS_DB}")),
    )


@functools.cache
def redis_client(redis_url: str) -> Any:
    import redis

    return redis.Redis.from_url(redis_url, socket_connect_timeout=2)


# --- the world ---------------------------------------------------------------------------------------


def setup(alert_url: str, webhook_url: str) -> tuple[Any, Any]:
    from accounts.models import Membership, User
    from accounts.services import organization_create
    from core.tenancy import organization_context
    from feedback.alerts.services import alert_rule_create
    from surveys.services import survey_create, survey_publish, touchpoint_create
    from webhooks.services import webhook_endpoint_create

    user = User.objects.create_user(email="bench@bench.invalid", password=uuid.uuid4().hex)
    organization = organization_create(name="Bench", owner=user, slug="bench")
    owner = Membership.all_orgs.get(organization=organization, user=user)
    with organization_context(organization):
        touchpoint = touchpoint_create(organization=organization, name="Shop")
        survey = survey_create(
            organization=organization,
            name="Bench NPS",
            touchpoint=touchpoint,
            created_by=user,
            definition=DEFINITION,
        )
        survey_publish(survey=survey, actor=owner)
        survey.refresh_from_db()
        alert_rule_create(
            organization=organization,
            actor=owner,
            name="Detractors",
            conditions={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
            actions=[{"type": "webhook", "url": alert_url, "secret": "whsec_bench-" + uuid.uuid4().hex}],
        )
        webhook_endpoint_create(
            organization=organization,
            actor=owner,
            name="Data warehouse",
            url=webhook_url,
            events=["response.created", "response.finished"],
        )
    return organization, survey


def store(organization: Any, survey: Any, batch: str) -> tuple[list[int], float]:
    """Store RESPONSES responses one transaction each; (their ids, seconds it took)."""
    from feedback.services.items import FeedbackItem, feedback_ingest

    ids = []
    began = time.perf_counter()
    for n in range(RESPONSES):
        detractor = n % 10 < DETRACTOR_SHARE * 10
        answers: dict[str, Any] = {"nps": n % 7 if detractor else 7 + n % 4}
        if (n * 7) % 10 < COMMENT_SHARE * 10:
            answers["comment"] = COMMENTS[n % len(COMMENTS)]
        item = FeedbackItem(
            channel="api",
            external_id=f"bench-{batch}-{n}",
            survey_public_id=survey.public_id,
            answers=answers,
        )
        ids.append(feedback_ingest(organization_id=organization.pk, item=item).response.pk)
    return ids, time.perf_counter() - began


# --- processes ---------------------------------------------------------------------------------------


def start_worker(
    app_module: str, concurrency: int, env: dict[str, str], log_dir: Path
) -> subprocess.Popen[bytes]:
    log = open(log_dir / f"worker-{app_module}-{concurrency}.log", "wb")  # noqa: SIM115 - the process owns it
    command = [
        sys.executable, "-m", "celery", "-A", app_module, "worker",
        "--concurrency", str(concurrency), "-Q", ",".join(queue.value for queue in Queue),
        "--hostname", f"bench-{uuid.uuid4().hex[:8]}@%h",
        "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_ready(process: subprocess.Popen[bytes], concurrency: int) -> None:
    """Until the worker and its ``concurrency`` children have started and it answers a ping."""
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("bench/workers: the Celery worker exited at start; see its log")
        if app.control.ping(timeout=0.5) and len(group_pids(process.pid)) > concurrency:
            time.sleep(1.0)  # the children finish importing
            return
    sys.exit(f"bench/workers: the Celery worker did not answer within {START_LIMIT_SECONDS:.0f} s")


def group_pids(group: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:  # pgrp: the worker's session leader and its pool children
                pids.append(int(entry))
    return pids


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of one process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_seconds(group: int) -> float:
    """CPU seconds of the worker and its pool children so far."""
    return sum(process_cpu(pid) for pid in group_pids(group))


def database_cpu() -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend serving the bench database but this process."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid: process_cpu(pid) for (pid,) in cursor.fetchall()}


def database_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds the backends used since ``before`` (a backend that connected since counts in full)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in database_cpu().items())


# --- holding the queue back --------------------------------------------------------------------------


def hold(redis_url: str) -> dict[str, int]:
    """Set every queue's waiting messages aside; {queue: messages}."""
    client = redis_client(redis_url)
    held = {}
    for queue in Queue:
        length = int(client.llen(queue.value))
        if length:
            client.rename(queue.value, queue.value + HELD_SUFFIX)
            held[queue.value] = length
    return held


def release(redis_url: str, held: dict[str, int]) -> None:
    client = redis_client(redis_url)
    pipe = client.pipeline(transaction=True)
    for queue in held:
        pipe.rename(queue + HELD_SUFFIX, queue)
    pipe.execute()


def queues_empty(redis_url: str) -> bool:
    client = redis_client(redis_url)
    waiting = sum(int(client.llen(queue.value)) for queue in Queue)
    return waiting == 0 and int(client.hlen("unacked")) == 0


# --- one drain ---------------------------------------------------------------------------------------


def drain(
    *,
    concurrency: int,
    organization: Any,
    survey: Any,
    env: dict[str, str],
    redis_url: str,
    log_dir: Path,
    alerts: Receiver,
    webhooks: Receiver,
) -> Drain:
    from django.db.models import Max

    from core.models import OutboxEvent
    from feedback.alerts.models import AlertDelivery
    from webhooks.models import WebhookDelivery

    first_event = (OutboxEvent.all_orgs.aggregate(last=Max("pk"))["last"] or 0) + 1
    alerts_before, webhooks_before = len(alerts.arrivals), len(webhooks.arrivals)
    alert_requests_before, webhook_requests_before = alerts.requests, webhooks.requests
    flush_redis(redis_url)  # what an earlier size left undone stays out of this one
    log(f"--concurrency {concurrency}: storing {RESPONSES} responses with no worker running")
    ids, stored = store(organization, survey, f"c{concurrency}")
    log(f"  stored in {stored:.1f} s ({RESPONSES / stored:.0f}/s in process)")
    held = hold(redis_url)
    log(f"  set aside: {held}")
    worker = start_worker("cxplatform", concurrency, env, log_dir)
    try:
        wait_ready(worker, concurrency)
        cpu_before = cpu_seconds(worker.pid)
        database_before = database_cpu()
        release(redis_url, held)
        started = time.time()
        log("  released: the worker drains the queue")
        events = OutboxEvent.all_orgs.filter(pk__gte=first_event)
        alert_rows = AlertDelivery.all_orgs.filter(response_id__in=ids)
        webhook_rows = WebhookDelivery.all_orgs.filter(event_id__gte=first_event)

        def finished() -> bool:
            expected_alerts = sum(1 for n in range(RESPONSES) if n % 10 < DETRACTOR_SHARE * 10)
            return (
                not events.filter(processed_at__isnull=True).exists()
                and alert_rows.filter(status="sent").count() >= expected_alerts
                and webhook_rows.filter(status="succeeded").count() >= 2 * RESPONSES
                and queues_empty(redis_url)
            )

        if not wait(finished, DRAIN_LIMIT_SECONDS):
            log(f"  not drained within {DRAIN_LIMIT_SECONDS:.0f} s: the figures below count what was done")
        cpu = cpu_seconds(worker.pid) - cpu_before
        database_cpu_used = database_cpu_since(database_before)
    finally:
        stop_worker(worker)

    def seconds(moment: datetime | None) -> float:
        return max(0.0, moment.timestamp() - started) if moment is not None else float("nan")

    outbox_end = events.aggregate(last=Max("processed_at"))["last"]
    alerts_end = alert_rows.aggregate(last=Max("sent_at"))["last"]
    webhooks_end = webhook_rows.aggregate(last=Max("delivered_at"))["last"]
    alert_count, webhook_count = alert_rows.count(), webhook_rows.count()
    event_count = events.count()
    done = max(seconds(outbox_end), seconds(alerts_end), seconds(webhooks_end))
    # Tasks run: one per relay hand-over (one transaction's events), one per delivery, plus flushes.
    handovers = RESPONSES
    result = Drain(
        concurrency=concurrency,
        responses=RESPONSES,
        events=event_count,
        tasks=handovers + alert_count + webhook_count,
        store_seconds=stored,
        outbox_seconds=seconds(outbox_end),
        alerts_seconds=seconds(alerts_end),
        webhooks_seconds=seconds(webhooks_end),
        done_seconds=done,
        cpu_seconds=cpu,
        database_cpu_seconds=database_cpu_used,
        alert_deliveries=alert_count,
        alerts_sent=alert_rows.filter(status="sent").count(),
        alerts_received=len(alerts.arrivals) - alerts_before,
        alert_requests=alerts.requests - alert_requests_before,
        webhook_deliveries=webhook_count,
        webhooks_sent=webhook_rows.filter(status="succeeded").count(),
        webhooks_received=len(webhooks.arrivals) - webhooks_before,
        webhook_requests=webhooks.requests - webhook_requests_before,
        unprocessed=events.filter(processed_at__isnull=True).count(),
    )
    log(
        f"  {result.responses_per_second:.0f} responses/s, {result.events_per_second:.0f} events/s, "
        f"all done in {done:.1f} s, CPU: worker {cpu:.1f} s, PostgreSQL {database_cpu_used:.1f} s"
    )
    return result


def noop_rate(concurrency: int, env: dict[str, str], redis_url: str, log_dir: Path) -> float:
    """No-op tasks per second one worker of ``concurrency`` drains from the same broker."""
    flush_redis(redis_url)
    for _ in range(NOOP_TASKS):
        app.send_task("bench.noop", queue=Queue.INGEST.value)
    held = hold(redis_url)
    worker = start_worker("bench.workers", concurrency, env, log_dir)
    try:
        wait_ready(worker, concurrency)
        release(redis_url, held)
        started = time.perf_counter()
        deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
        while not queues_empty(redis_url) and time.monotonic() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        stop_worker(worker)
    rate = NOOP_TASKS / elapsed
    log(f"no-op tasks, --concurrency {concurrency}: {rate:.0f} tasks/s")
    return rate


# --- the run -----------------------------------------------------------------------------------------


def run() -> dict[str, object]:
    admin_url, database_url, redis_url = workers_urls()
    host = machine()
    env = server_env(database_url, redis_url)
    env["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true"  # the receivers listen on loopback
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
    # This process hands the relay's tasks to the same Redis database as the workers read.
    os.environ["CELERY_BROKER_URL"] = os.environ["CACHE_REDIS_URL"] = redis_url
    os.environ["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true"
    import django

    django.setup()
    from django.db import connection

    alerts, webhooks = Receiver(), Receiver()
    organization, survey = setup(alerts.url, webhooks.url)
    drains: list[Drain] = []
    noop: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="cx-bench-") as logs:
            log_dir = Path(logs)
            for concurrency in CONCURRENCIES:
                noop[concurrency] = noop_rate(concurrency, env, redis_url, log_dir)
            for concurrency in CONCURRENCIES:
                drains.append(
                    drain(
                        concurrency=concurrency,
                        organization=organization,
                        survey=survey,
                        env=env,
                        redis_url=redis_url,
                        log_dir=log_dir,
                        alerts=alerts,
                        webhooks=webhooks,
                    )
                )
    finally:
        alerts.stop()
        webhooks.stop()
        connection.close()
        flush_redis(redis_url)
    return summarise(host, drains, noop)


def summarise(host: dict[str, str], drains: list[Drain], noop: dict[int, float]) -> dict[str, object]:
    one, two = drains[0], drains[-1]
    figures: list[Figure] = []
    for d in drains:
        c = d.concurrency
        queue_share = d.tasks_per_second / noop[c] if noop[c] else 0.0
        figures += [
            Figure(f"No-op task, --concurrency {c}", round(noop[c]), "tasks/s", reference="reference: the queue alone"),
            Figure(f"Follow-up work drained, --concurrency {c}", round(d.responses_per_second, 1), "responses/s",
                   reference=(f"{d.tasks} tasks in {d.done_seconds:.1f} s" if d.completed >= 1 else
                              f"only {d.completed:.0%} of {d.tasks} tasks done in the {d.done_seconds:.0f} s limit")
                   + f": {d.tasks_per_second:.0f} tasks/s, {queue_share:.0%} of the no-op rate"),
            Figure(f"Outbox events processed, --concurrency {c}", round(d.events_per_second), "events/s",
                   reference=f"{d.events - d.unprocessed} of {d.events} events in {d.outbox_seconds:.1f} s"),
            Figure(f"Alert webhooks sent, --concurrency {c}, last at", round(d.alerts_seconds, 1), "s",
                   reference=f"{d.alerts_sent} of {d.alert_deliveries} after the clock started"),
            Figure(f"Webhook deliveries sent, --concurrency {c}, last at", round(d.webhooks_seconds, 1), "s",
                   reference=f"{d.webhooks_sent} of {d.webhook_deliveries}"),
            Figure(f"Worker CPU per response, --concurrency {c}", round(d.cpu_ms_per_response, 1), "ms",
                   reference=f"{d.cpu_seconds:.1f} CPU-s in {d.done_seconds:.1f} s: "
                   f"{d.cpu_seconds / d.done_seconds if d.done_seconds else 0:.2f} cores busy"),
            Figure(f"PostgreSQL CPU per response (the worker's connections), --concurrency {c}",
                   round(d.database_cpu_ms_per_response, 1), "ms",
                   reference=f"{d.database_cpu_seconds:.1f} CPU-s"),
            Figure(f"Responses per core-second, from CPU time (worker + PostgreSQL), --concurrency {c}",
                   round(1000 / (d.cpu_ms_per_response + d.database_cpu_ms_per_response), 1)
                   if d.cpu_ms_per_response + d.database_cpu_ms_per_response else 0, "responses/s",
                   reference="estimate: what one otherwise idle core would drain"),
        ]  # fmt: skip
    expected_alerts = sum(1 for n in range(RESPONSES) if n % 10 < DETRACTOR_SHARE * 10)
    exact = all(
        d.unprocessed == 0
        and d.alerts_sent == d.alert_deliveries == d.alerts_received == d.alert_requests == expected_alerts
        and d.webhooks_sent
        == d.webhook_deliveries
        == d.webhooks_received
        == d.webhook_requests
        == 2 * RESPONSES
        for d in drains
    )
    scaling = two.responses_per_second / one.responses_per_second if one.responses_per_second else 0.0
    noop_scaling = noop[CONCURRENCIES[-1]] / noop[CONCURRENCIES[0]] if noop[CONCURRENCIES[0]] else 0.0
    figures += [
        Figure("Scaling, --concurrency 2 / --concurrency 1", round(scaling, 2), "×",
               reference=f"no-op tasks: {noop_scaling:.2f}×; PostgreSQL, Redis and the receivers share the 2 cores"),
        Figure("Every event processed, every delivery sent and received exactly once", int(exact), "", "1", exact,
               f"{expected_alerts} alert webhooks and {2 * RESPONSES} webhook deliveries per run"),
        Figure("Storing through feedback_ingest, one process (information)", round(one.responses / one.store_seconds),
               "responses/s", reference="no worker running; the web capacity is bench/ingest's"),
    ]  # fmt: skip
    return {
        "benchmark": "workers",
        "machine": host,
        "setup": (
            f"per worker size, {RESPONSES:,} responses stored through feedback_ingest with no worker running "
            f"({DETRACTOR_SHARE:.0%} match an alert rule with a webhook action, {COMMENT_SHARE:.0%} with a comment, "
            "a webhook endpoint subscribed to response.created and response.finished, receivers on loopback), "
            "then drained by one `celery -A cxplatform worker` on every queue, no beat; "
            f"reference: {NOOP_TASKS:,} no-op tasks on the same broker; PostgreSQL and Redis on loopback"
        ),
        "rows": {
            f"c{d.concurrency}": (
                f"{d.events} events, {d.alert_deliveries} alert deliveries ({d.alert_requests} requests received), "
                f"{d.webhook_deliveries} webhook deliveries ({d.webhook_requests} requests received), "
                f"{d.unprocessed} unprocessed"
            )
            for d in drains
        },
        "figures": [asdict(figure) for figure in figures],
    }


def log(message: str) -> None:
    print(f"[bench/workers] {message}", file=sys.stderr, flush=True)


def main() -> None:
    result = cli.main(run, __doc__)
    if result is not None:
        print(json.dumps(result["rows"]))


if __name__ == "__main__":
    main()
