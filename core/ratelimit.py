"""Rate limits counted atomically in Redis: a fixed window per key, one round trip per request (every
limit of a request is counted by one script).

Ingestion must not depend on Redis being up: when Redis cannot be reached the limiter lets the
request through (and says so in the log) rather than turning a cache outage into lost feedback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from core.netaddr import ip_hash

logger = logging.getLogger(__name__)

# INCR each window's counter and set its expiry on first use, atomically; one call counts every limit
# of a request. KEYS[i] expires after ARGV[i] seconds.
_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  counts[i] = count
end
return counts
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
    return check_all([(scope, identity, rate)])


def check_all(checks: list[tuple[str, str, Rate]]) -> Decision:
    """Every limit is counted (in one round trip); the request is refused if any is exceeded (the longest
    wait wins)."""
    if not checks:
        return Decision(allowed=True)
    now = int(time.time())
    starts = [now - now % rate.window for _, _, rate in checks]
    # The identity (a client address, a key) only ever enters Redis as its keyed hash.
    keys = [
        f"rl:{scope}:{ip_hash(identity)}:{start}"
        for (scope, identity, _), start in zip(checks, starts, strict=True)
    ]
    try:
        _redis()
        assert _script is not None
        counts = [int(count) for count in _script(keys=keys, args=[rate.window + 1 for _, _, rate in checks])]
    except redis.RedisError:
        logger.warning(
            "rate limiter: Redis unavailable, request allowed",
            extra={"scope": ",".join(c[0] for c in checks)},
        )
        return Decision(allowed=True)
    waits = [
        max(1, start + rate.window - now)
        for (_, _, rate), start, count in zip(checks, starts, counts, strict=True)
        if count > rate.limit
    ]
    if waits:
        return Decision(allowed=False, retry_after=max(waits))
    return Decision(allowed=True)
