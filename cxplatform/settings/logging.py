from django.core.exceptions import ImproperlyConfigured

from core.env import env_str

# Checked here because logging.config would otherwise fail later with "Unable to configure logger",
# an error that does not name the variable.
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in _LOG_LEVELS:
    raise ImproperlyConfigured(
        f"Environment variable LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {LOG_LEVEL!r}."
    )
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured(
        f"Environment variable LOG_FORMAT must be 'json' or 'console', got {LOG_FORMAT!r}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "console": {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "default": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (the PDF board report) logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
    },
}

# Celery would otherwise replace the root handler with its own plain-text format in workers and beat;
# keep the configuration above so that every process logs the same structured lines.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
