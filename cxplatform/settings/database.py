import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import env_int, env_url

_database_url = env_url("DATABASE_URL", schemes=("postgres", "postgresql"))
try:
    _database = dj_database_url.parse(
        _database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
except ValueError as exc:  # pragma: no cover - dj_database_url's own validation
    raise ImproperlyConfigured(f"Environment variable DATABASE_URL has a malformed value: {exc}") from exc
_database["OPTIONS"] = {
    "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1),
    "application_name": "cxplatform",
}
DATABASES = {"default": _database}
