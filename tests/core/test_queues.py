"""Every task goes to one of the declared queues, and the processes we ship consume all of them."""

import shlex
from pathlib import Path

import yaml
from django.conf import settings

from cxplatform.celery import Queue, app

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "accounts.retention_sweep": Queue.DEFAULT,
    "alerts.deliver": Queue.ALERTS,
    "alerts.digests": Queue.ALERTS,
    "alerts.sweep": Queue.ALERTS,
    "analytics.rollups_flush": Queue.INGEST,
    "analytics.rollups_rebuild": Queue.REPORTS,
    "campaigns.dispatch": Queue.DEFAULT,
    "contacts.import_run": Queue.REPORTS,
    "core.outbox_process": Queue.INGEST,
    "core.outbox_sweep": Queue.INGEST,
    "dashboards.weekly_digests": Queue.REPORTS,
    "exports.run": Queue.REPORTS,
    "exports.sweep": Queue.REPORTS,
    "feedback.import_run": Queue.REPORTS,
    "textanalysis.reanalyse": Queue.REPORTS,
    "tickets.email_sweep": Queue.SLA,
    "tickets.notification_email": Queue.SLA,
    "tickets.send_reply": Queue.SLA,
    "tickets.sla_scan": Queue.SLA,
    "webhooks.deliver": Queue.INGEST,
    "webhooks.sweep": Queue.INGEST,
}


def our_tasks() -> dict[str, str]:
    app.loader.import_default_modules()
    return {name: task.queue for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_is_routed_to_its_queue():
    tasks = our_tasks()

    assert {name: queue for name, queue in tasks.items() if name in EXPECTED} == {
        name: queue.value for name, queue in EXPECTED.items()
    }
    # A task added later without a queue of its own lands in the default one.
    assert {
        name: queue for name, queue in tasks.items() if name not in EXPECTED and queue != Queue.DEFAULT
    } == {}


def test_every_beat_entry_names_a_registered_task():
    tasks = our_tasks()

    assert (
        sorted(
            str(entry["task"])
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] not in tasks
        )
        == []
    )


def test_a_worker_without_q_and_the_shipped_workers_consume_every_queue():
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    procfile_args = shlex.split(procfile["worker"])
    compose_args = compose["services"]["worker"]["command"]
    every_queue = sorted(queue.value for queue in Queue)

    assert sorted(queue.name for queue in app.conf.task_queues) == every_queue
    assert sorted(procfile_args[procfile_args.index("-Q") + 1].split(",")) == every_queue
    assert sorted(compose_args[compose_args.index("-Q") + 1].split(",")) == every_queue
