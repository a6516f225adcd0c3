"""Catalogue caching.

Two layers, for two kinds of data:

- :class:`PublishedVersions` (process memory): a published course version never changes, so it is
  kept for the life of the process (bounded LRU). Enrolments pin a version, so the learner dashboard
  reads course structure from here after the first request.
- :class:`CatalogueCache` (Redis, shared by every gateway instance): the public catalogue (course
  lists and a course's latest published version as anonymous visitors and learners see them). It is
  invalidated by ``course.published`` and ``course.archived`` events (and by the gateway's own publish
  and archive mutations); the TTL is only a safety net for a missed event.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from cachetools import LRUCache
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms_shared.logging import get_logger

log = get_logger(__name__)

CACHE_LOOKUPS = Counter("lms_gateway_cache_lookups_total", "Gateway cache lookups", ["cache", "result"])

# Bound once: resolving the labels costs more than the cache lookup itself.
_VERSION_HITS = CACHE_LOOKUPS.labels("published_version", "hit")
_VERSION_MISSES = CACHE_LOOKUPS.labels("published_version", "miss")

PREFIX = "gw:catalogue:"


class PublishedVersions:
    """Immutable published course versions, keyed by (course id, version); least recently used go first."""

    def __init__(self, max_entries: int = 2000) -> None:
        self._items: LRUCache[tuple[str, int], dict[str, Any]] = LRUCache(maxsize=max_entries)

    def get(self, course_id: str, version: int) -> dict[str, Any] | None:
        """The cached version, or None (counted as a hit or a miss)."""
        try:
            item = self._items[(course_id, version)]
        except KeyError:
            _VERSION_MISSES.inc()
            return None
        _VERSION_HITS.inc()
        return item

    def put(self, course: dict[str, Any], version: int) -> None:
        """Keep a published version; the least recently used go beyond the bound."""
        self._items[(str(course["id"]), version)] = course

    def forget_course(self, course_id: str) -> None:
        """Drop a course's versions (archiving changes the status they show; the structure stays)."""
        for key in [k for k in self._items if k[0] == course_id]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


class CatalogueCache:
    """The public catalogue in Redis. Redis trouble degrades to no caching, never to an error."""

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    @staticmethod
    def key(kind: str, args: dict[str, Any]) -> str:
        """A Redis key for one catalogue answer: its kind and a digest of its arguments."""
        digest = hashlib.sha256(orjson.dumps(args, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
        return f"{PREFIX}{kind}:{digest}"

    async def get(self, key: str) -> Any | None:
        """The cached JSON, or None on a miss or when Redis is unreachable."""
        try:
            raw = await self.redis.get(key)
        except RedisError as exc:
            log.warning("cache.unavailable", error=type(exc).__name__)
            return None
        CACHE_LOOKUPS.labels("catalogue", "hit" if raw is not None else "miss").inc()
        return orjson.loads(raw) if raw is not None else None

    async def put(self, key: str, value: Any) -> None:
        """Store an answer for the TTL; Redis trouble only costs the caching."""
        try:
            await self.redis.set(key, orjson.dumps(value), ex=self.ttl)
        except RedisError as exc:
            log.warning("cache.unavailable", error=type(exc).__name__)

    async def invalidate(self, reason: str) -> int:
        """Drop every catalogue entry (a publish can change any list: filters, search, ordering)."""
        removed = 0
        try:
            batch: list[Any] = []
            async for key in self.redis.scan_iter(match=f"{PREFIX}*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    removed += await self.redis.unlink(*batch)
                    batch = []
            if batch:
                removed += await self.redis.unlink(*batch)
        except RedisError as exc:
            log.warning("cache.invalidate_failed", reason=reason, error=type(exc).__name__)
            return removed
        log.info("cache.invalidated", reason=reason, keys=removed)
        return removed
