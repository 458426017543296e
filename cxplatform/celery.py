import os
from enum import StrEnum

from celery import Celery
from kombu import Queue as KombuQueue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxplatform.settings")


class Queue(StrEnum):
    """The work queues, so that each kind of work can get its own workers (docs/scaling.md)."""

    # Follow-up work of every stored response: the outbox, rollups, outgoing webhooks.
    INGEST = "ingest"
    # Alert deliveries and digests: the closed loop's first minute.
    ALERTS = "alerts"
    # SLA scans and ticket emails: the 48-hour clock.
    SLA = "sla"
    # Long jobs a person waits for: exports, imports, rebuilds, weekly digests.
    REPORTS = "reports"
    # Everything else (campaign sending).
    DEFAULT = "default"


app = Celery("cxplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = Queue.DEFAULT.value
# Declared, so that a worker started without -Q consumes every queue (make run, the tests).
app.conf.task_queues = [KombuQueue(queue.value, routing_key=queue.value) for queue in Queue]
app.autodiscover_tasks()
