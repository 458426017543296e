"""Rate limits counted atomically in Redis: a fixed window per key, one round trip per check.

Ingestion must not depend on Redis being up: when Redis cannot be reached the limiter lets the
request through (and says so in the log) rather than turning a cache outage into lost feedback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# INCR the window's counter and set its expiry on first use, atomically.
_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

_client: redis.Redis | None = None
_script = None


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"600/60"`` → 600 requests per 60 seconds."""
        count, _, seconds = text.partition("/")
        return cls(int(count), int(seconds or 60))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


def _redis() -> redis.Redis:
    global _client, _script  # noqa: PLW0603 - one connection pool per process
    if _client is None:
        _client = redis.Redis.from_url(
            str(settings.CACHES["default"]["LOCATION"]), socket_connect_timeout=0.5, socket_timeout=0.5
        )
        _script = _client.register_script(_SCRIPT)
    return _client


def hit(scope: str, identity: str, rate: Rate) -> Decision:
    """Count one request of ``identity`` in ``scope``; refuse once ``rate`` is exceeded."""
    now = int(time.time())
    window_start = now - now % rate.window
    key = f"rl:{scope}:{identity}:{window_start}"
    try:
        _redis()
        assert _script is not None
        count = int(_script(keys=[key], args=[rate.window + 1]))
    except redis.RedisError:
        logger.warning("rate limiter: Redis unavailable, request allowed", extra={"scope": scope})
        return Decision(allowed=True)
    if count > rate.limit:
        return Decision(allowed=False, retry_after=max(1, window_start + rate.window - now))
    return Decision(allowed=True)


def check_all(checks: list[tuple[str, str, Rate]]) -> Decision:
    """Every limit is counted; the request is refused if any is exceeded (the longest wait wins)."""
    refused = [decision for decision in (hit(*check) for check in checks) if not decision.allowed]
    if refused:
        return Decision(allowed=False, retry_after=max(d.retry_after for d in refused))
    return Decision(allowed=True)
