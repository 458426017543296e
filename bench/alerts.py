"""How fast the closed loop reacts: alert webhooks after a response commits, SLA notices after their moment.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.alerts [--json]

What it does, on loopback only, bounded in time, stopping by itself:

1. A fresh ``<name>_bench`` database and Redis database 12 (like bench/ingest), an organisation, a team of
   two agents, and an alert rule "NPS ≤ 6" whose actions are a signed webhook to a local HTTP receiver
   and "open a ticket", created through the services.
2. One Celery worker (``--concurrency 2``, the production default on two cores) and beat, as ``make run``
   starts them.
3. Alerts: 200 detractor responses are stored through ``feedback_ingest`` at 10 a second. For each, the
   time from the moment its transaction committed to the moment the receiver got its webhook.
4. SLA: 20 of the tickets those responses opened get first-contact deadlines a few seconds ahead,
   spread over 40 s. For each, the time from the deadline to the breach notice the scan (beat, every
   ``SLA_SCAN_SECONDS``, 15 s by default) raised, and the number of notices (exactly one each).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import cli
from bench.ingest import Figure, bench_urls, flush_redis, machine, percentile, recreate_database, server_env

ROOT = Path(__file__).resolve().parents[1]
RESPONSES = 200
RATE_PER_SECOND = 10
SLA_TICKETS = 20
SLA_SPREAD_SECONDS = 40
TIME_LIMIT_SECONDS = 240.0
DEFINITION = {
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


class Receiver:
    """A webhook receiver on loopback: the wall-clock time each delivery id first arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.requests = 0
        lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    state.requests += 1
                    state.arrivals.setdefault(int(self.headers.get("X-Cx-Delivery", "0")), arrived)
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


def processes(env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    started = []
    for name, command in (
        ("worker", ["worker", "--concurrency", "2", "--without-heartbeat", "--without-gossip", "--without-mingle"]),
        ("beat", ["beat", "--schedule", str(log_dir / "beat-schedule")]),
    ):  # fmt: skip
        log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it until it exits
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "cxplatform", *command, "--loglevel", "WARNING"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        )
    return started


def setup(receiver_url: str) -> tuple[Any, Any]:
    from accounts.models import Membership, User
    from accounts.roles import Role
    from accounts.services import organization_create, team_save
    from core.tenancy import organization_context
    from feedback.alerts.services import alert_rule_create
    from surveys.services import survey_create, survey_publish, touchpoint_create
    from tickets.services.routing import routing_rule_create

    user = User.objects.create_user(email="bench@bench.invalid", password=uuid.uuid4().hex)
    organization = organization_create(name="Bench", owner=user, slug="bench")
    owner = Membership.all_orgs.get(organization=organization, user=user)
    agents = []
    for n in range(2):
        agent_user = User.objects.create_user(email=f"agent{n}@bench.invalid", password=uuid.uuid4().hex)
        agents.append(Membership.all_orgs.create(organization=organization, user=agent_user, role=Role.AGENT))
    with organization_context(organization):
        touchpoint = touchpoint_create(organization=organization, name="Delivery")
        survey = survey_create(
            organization=organization,
            name="Bench NPS",
            touchpoint=touchpoint,
            created_by=user,
            definition=DEFINITION,
        )
        survey_publish(survey=survey, actor=owner)
        survey.refresh_from_db()
        team = team_save(
            organization=organization, actor=owner, name="Care", lead_id=agents[0].pk,
            member_ids=[agent.pk for agent in agents],
        )  # fmt: skip
        routing_rule_create(organization=organization, actor=owner, name="All", conditions={}, team=team)
        alert_rule_create(
            organization=organization,
            actor=owner,
            name="Detractors",
            conditions={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]},
            actions=[
                {"type": "webhook", "url": receiver_url, "secret": "whsec_bench-" + uuid.uuid4().hex},
                {"type": "ticket", "priority": "normal"},
            ],
        )
    return organization, survey


def submit_detractors(organization: Any, survey: Any) -> dict[int, float]:
    """Store the responses at a steady rate; the wall-clock time each one's transaction committed."""
    from feedback.services.contacts import ContactRef
    from feedback.services.items import FeedbackItem, feedback_ingest

    committed: dict[int, float] = {}
    began = time.monotonic()
    for n in range(RESPONSES):
        due = began + n / RATE_PER_SECOND
        time.sleep(max(0.0, due - time.monotonic()))
        item = FeedbackItem(
            channel="api",
            external_id=f"bench-alert-{n}",
            survey_public_id=survey.public_id,
            answers={"nps": n % 7},
            contact=ContactRef(email=f"customer{n}@bench.invalid"),
        )
        result = feedback_ingest(organization_id=organization.pk, item=item)
        committed[result.response.pk] = time.time()
    return committed


def wait(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return bool(predicate())


def alert_latencies(committed: dict[int, float], receiver: Receiver) -> list[float]:
    from feedback.models import AlertDelivery

    wait(lambda: len(receiver.arrivals) >= RESPONSES, 60)
    by_delivery = dict(
        AlertDelivery.all_orgs.filter(channel="webhook", response_id__in=committed).values_list(
            "pk", "response_id"
        )
    )
    return [
        arrived - committed[by_delivery[delivery_id]]
        for delivery_id, arrived in receiver.arrivals.items()
        if delivery_id in by_delivery
    ]


def sla_latencies(organization: Any) -> tuple[list[float], int, int]:
    """Deadlines a few seconds ahead for some tickets; (seconds from deadline to breach notice, notices, tickets)."""
    from django.utils import timezone

    from core.tenancy import organization_context
    from tickets.models import SlaNotice, Ticket
    from tickets.sla.clocks import sla_reschedule

    wait(lambda: Ticket.all_orgs.filter(organization=organization).count() >= SLA_TICKETS, 60)
    tickets = list(Ticket.all_orgs.filter(organization=organization).order_by("pk")[:SLA_TICKETS])
    start = timezone.now() + timedelta(seconds=5)
    with organization_context(organization):
        for n, ticket in enumerate(tickets):
            due = start + timedelta(seconds=SLA_SPREAD_SECONDS * n / SLA_TICKETS)
            # The feedback arrived 48 hours before the deadline; its 75 % warning is long past.
            Ticket.all_orgs.filter(pk=ticket.pk).update(
                feedback_at=due - timedelta(hours=48), first_response_due_at=due
            )
            ticket.refresh_from_db()
            sla_reschedule(ticket=ticket)
    ids = [ticket.pk for ticket in tickets]
    breaches = SlaNotice.all_orgs.filter(ticket_id__in=ids, clock="first_response", kind="breach")
    wait(lambda: breaches.count() >= len(ids), SLA_SPREAD_SECONDS + 90)
    time.sleep(20)  # one more scan: a second notice would show up now
    latencies = [(notice.raised_at - notice.due_at).total_seconds() for notice in breaches]
    return latencies, breaches.count(), len(ids)


def run() -> dict[str, object]:
    admin_url, database_url, redis_url = bench_urls()
    host = machine()
    env = server_env(database_url, redis_url)
    # The receiver listens on loopback, which production refuses for webhooks (core/outbound.py).
    env["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true"
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
        {
            k: env[k]
            for k in (
                "DJANGO_SETTINGS_MODULE",
                "DJANGO_DEBUG",
                "DATABASE_URL",
                "REDIS_URL",
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
            )
        }
    )
    import django

    django.setup()
    from django.conf import settings

    receiver = Receiver()
    organization, survey = setup(receiver.url)
    scan_seconds = settings.CELERY_BEAT_SCHEDULE["sla-scan"]["schedule"]
    with tempfile.TemporaryDirectory(prefix="cx-bench-") as logs:
        started = processes(env, Path(logs))
        try:
            time.sleep(3)  # the worker connects to the broker
            log(f"storing {RESPONSES} detractor responses at {RATE_PER_SECOND}/s")
            committed = submit_detractors(organization, survey)
            alerts = alert_latencies(committed, receiver)
            log(f"  {len(alerts)} webhooks received")
            log(f"moving {SLA_TICKETS} first-contact deadlines a few seconds ahead")
            sla, notices, tickets = sla_latencies(organization)
            log(f"  {notices} breach notices for {tickets} tickets")
        finally:
            for process in started:
                os.killpg(process.pid, signal.SIGTERM)
            for process in started:
                process.wait(timeout=30)
            receiver.stop()
    flush_redis(redis_url)

    p95 = percentile(alerts, 0.95) if alerts else float("inf")
    worst_sla = max(sla) if sla else float("inf")
    figures = [
        Figure("Alert webhooks received", len(alerts), "", f"{RESPONSES}", len(alerts) == RESPONSES),
        Figure("Commit to webhook received, p50", round(percentile(alerts, 0.5), 3) if alerts else 0, "s"),
        Figure("Commit to webhook received, p95", round(p95, 3), "s", "≤ 2 s", p95 <= 2.0,
               "Zendesk automations run hourly"),
        Figure("SLA breach notices (one per ticket)", notices, "", f"{tickets}", notices == tickets),
        Figure("SLA moment to breach notice, worst", round(worst_sla, 1), "s", "≤ 60 s", worst_sla <= 60,
               f"scan every {scan_seconds} s; Zendesk hourly, Zammad about 15 min"),
        Figure("SLA moment to breach notice, median", round(percentile(sla, 0.5), 1) if sla else 0, "s"),
    ]  # fmt: skip
    return {
        "benchmark": "alerts",
        "machine": host,
        "setup": (
            f"{RESPONSES} detractor responses at {RATE_PER_SECOND}/s through feedback_ingest; one rule with a signed "
            "webhook to a loopback receiver and a ticket action; one Celery worker (--concurrency 2) and beat on "
            f"loopback PostgreSQL and Redis; {SLA_TICKETS} first-contact deadlines spread over {SLA_SPREAD_SECONDS} s"
        ),
        "figures": [asdict(figure) for figure in figures],
    }


def log(message: str) -> None:
    print(f"[bench/alerts] {message}", file=sys.stderr, flush=True)


def main() -> None:
    cli.main(run, __doc__)


if __name__ == "__main__":
    main()
