from core.env import env_int, env_rate

# Rate limits, "requests/seconds": per publishable key, per secret key, and per client address.
RATE_LIMIT_PUBLIC_KEY = env_rate("RATE_LIMIT_PUBLIC_KEY", "6000/60")
RATE_LIMIT_SECRET_KEY = env_rate("RATE_LIMIT_SECRET_KEY", "6000/60")
RATE_LIMIT_CLIENT_IP = env_rate("RATE_LIMIT_CLIENT_IP", "120/60")
# The widget config is read on every page view: its own, wider per-address limit.
RATE_LIMIT_CONFIG_IP = env_rate("RATE_LIMIT_CONFIG_IP", "600/60")
# The largest response body and batch the API accepts, in bytes.
INGEST_MAX_RESPONSE_BYTES = env_int("INGEST_MAX_RESPONSE_BYTES", 64 * 1024, minimum=1024)
INGEST_MAX_BATCH_BYTES = env_int("INGEST_MAX_BATCH_BYTES", 1024 * 1024, minimum=1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.authentication.SecretKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cxplatform API",
    "DESCRIPTION": "Collect customer feedback from every channel and act on it within 48 hours.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Serve Redoc from our own static files: the strict CSP allows no third-party script hosts.
    "REDOC_DIST": "SIDECAR",
}

# CORS is opened per request by the publishable-key endpoints for their own site's origins only.
CORS_ALLOW_ALL_ORIGINS = False
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = r"^/api/v1/public/.*$"
# The widget reads Retry-After to back off after a 429 or 503.
CORS_EXPOSE_HEADERS = ["Retry-After"]
