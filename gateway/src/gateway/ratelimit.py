"""Fixed-window rate limits in Redis, per signed-in user and per client IP.

A fixed window (INCR, and EXPIRE on a window's first request) is the cheapest correct limiter; its known weakness
(up to twice the budget across a window boundary) is acceptable for abuse protection.
"""

from __future__ import annotations

import time

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.errors import RateLimited
from lms_shared.logging import get_logger

log = get_logger(__name__)

RATE_LIMITED = Counter("lms_gateway_rate_limited_total", "Requests refused by a rate limit", ["bucket"])


class RateLimiter:
    """Counts requests per (bucket, identity) per minute and refuses those over the budget."""

    def __init__(self, redis: Redis, window_seconds: int = 60) -> None:
        """Fixed windows of ``window_seconds``."""
        self.redis = redis
        self.window = window_seconds

    async def hit(self, bucket: str, identity: str, limit: int) -> None:
        """Count one request; raise :class:`RateLimited` when ``identity`` is over ``limit`` in this window."""
        now = time.time()
        window = int(now // self.window)
        key = f"gw:rl:{bucket}:{identity}:{window}"
        try:
            # One command per request: only the window's first request sets its expiry. (Were the
            # process to die between the two, the key would outlive its window, unused: its name
            # carries the window number.)
            count = await self.redis.incr(key)
            if int(count) == 1:
                await self.redis.expire(key, self.window + 1)
        except RedisError as exc:
            # Failing open: a Redis outage must not take the whole API down with it.
            log.warning("ratelimit.unavailable", error=type(exc).__name__)
            return
        if int(count) > limit:
            RATE_LIMITED.labels(bucket).inc()
            retry_after = max(1, int((window + 1) * self.window - now) + 1)
            raise RateLimited(
                f"Too many requests: the limit is {limit} per minute. Try again in {retry_after} seconds.",
                retry_after=retry_after,
            )
