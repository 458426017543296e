"""Redis for the cache, the rate limiters and the Celery broker."""

from core.env import env_int, env_url

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
CACHE_REDIS_URL = env_url("CACHE_REDIS_URL", REDIS_URL, schemes=("redis", "rediss"))

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "cx",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", REDIS_URL, schemes=("redis", "rediss"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that is not acknowledged within this many seconds is delivered again (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    "socket_connect_timeout": 2,
}
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Hands over outbox events whose relay after commit was lost (broker down, worker killed).
    "outbox-sweep": {"task": "core.outbox_sweep", "schedule": env_int("OUTBOX_SWEEP_SECONDS", 10, minimum=1)},
    # Queues due webhook retries and takes back deliveries whose worker died.
    "webhooks-sweep": {"task": "webhooks.sweep", "schedule": 30},
    # Raises SLA warnings, breaches and escalations that are due (each exactly once).
    "sla-scan": {"task": "tickets.sla_scan", "schedule": env_int("SLA_SCAN_SECONDS", 15, minimum=1)},
    # Queues due alert deliveries (retries, the end of quiet hours) and takes back those of dead workers.
    "alerts-sweep": {"task": "alerts.sweep", "schedule": 15},
    # Sends hourly and daily alert digests that are due.
    "alerts-digests": {"task": "alerts.digests", "schedule": 60},
    # Re-sends ticket replies and notification emails whose task was lost.
    "tickets-email-sweep": {"task": "tickets.email_sweep", "schedule": 60},
    # Rebuilds the rollups of days whose responses changed (dashboards lag by a few seconds).
    "rollups-flush": {
        "task": "analytics.rollups_flush",
        "schedule": env_int("ROLLUP_FLUSH_SECONDS", 5, minimum=1),
    },
    # Sends the weekly board digest to opted-in members (Monday from 08:00 organisation-local, once a
    # week); every 15 minutes so that it leaves close to 08:00 in every time zone.
    "dashboards-weekly-digests": {"task": "dashboards.weekly_digests", "schedule": 900},
    # Takes back exports whose worker died, fails those that never finish, deletes files after 7 days.
    "exports-sweep": {"task": "exports.sweep", "schedule": 60},
    # Starts scheduled campaigns, sends the next throttled batch of each, and sends due reminders.
    "campaigns-dispatch": {
        "task": "campaigns.dispatch",
        "schedule": env_int("CAMPAIGN_DISPATCH_SECONDS", 2, minimum=1),
    },
    # Deletes what is past each organisation's retention period, in batches (idempotent, cheap when
    # nothing is due; a run stopped by its time limit is continued by the next one).
    "retention-sweep": {"task": "accounts.retention_sweep", "schedule": 3600},
}
