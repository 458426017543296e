"""Test overrides: a separate Redis database, fast hashing, English, no real outbound email."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("LOG_FORMAT", "console")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_URL", "locmem://")

from . import *  # noqa: F403
from . import CACHES, REDIS_URL

_test_redis = os.environ.get("TEST_REDIS_URL", REDIS_URL.rsplit("/", 1)[0] + "/15")
CACHES["default"]["LOCATION"] = _test_redis
CACHES["default"]["KEY_PREFIX"] = "cxtest"
CELERY_BROKER_URL = _test_redis
# Tests assert the production default whatever a developer's .env says.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
# The tests' webhook receivers listen on loopback; tests/webhooks/test_outbound.py turns this off.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
