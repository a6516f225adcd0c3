"""Catalogue caching, and the generation stamps that keep it from writing back stale answers.

Two layers, for two kinds of data:

- :class:`PublishedVersions` (process memory): published course versions, keyed by (course id,
  version). Their structure never changes, but archiving changes the status they show, so they are
  dropped by ``course.archived`` and otherwise kept for ``LMS_PUBLISHED_VERSION_CACHE_SECONDS`` (300)
  at most (bounded LRU + TTL). Enrolments pin a version, so the learner dashboard reads course
  structure from here after the first request.
- :class:`CatalogueCache` (Redis, shared by every gateway instance): the public catalogue (course
  lists and a course's latest published version as anonymous visitors and learners see them). It is
  invalidated by ``course.published``, ``course.archived`` and ``course.owners_changed`` events (and by
  the gateway's own publish and archive mutations); the TTL ``LMS_CATALOGUE_CACHE_SECONDS`` bounds a
  missed event. An answer holding a draft or an editor's view (``isDraft``, ``viewerCanEdit``) is never
  stored, whatever the viewer's role: the courses service shows drafts to every co-owner.

An invalidation can run while a read is still waiting for its upstream answer; that answer predates the
change and must not be cached. Both layers therefore stamp reads with a *generation*: the reader
takes the generation before it calls upstream, an invalidation moves the generation on, and a write
whose stamp is no longer current is refused. :class:`Generations` does this in process memory, per
scope (a course, a viewer). The catalogue keeps one generation in Redis (``gw:catalogue-generation``,
INCR on invalidation, shared by every instance) and stores it in every entry: an entry is served only
while its stamp is the current generation.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from cachetools import TTLCache
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms_shared.logging import get_logger

log = get_logger(__name__)

CACHE_LOOKUPS = Counter("lms_gateway_cache_lookups_total", "Gateway cache lookups", ["cache", "result"])
STALE_WRITES = Counter(
    "lms_gateway_cache_stale_writes_total",
    "Answers not cached because an invalidation ran while they were read",
    ["cache"],
)

# Bound once: resolving the labels costs more than the cache lookup itself.
_VERSION_HITS = CACHE_LOOKUPS.labels("published_version", "hit")
_VERSION_MISSES = CACHE_LOOKUPS.labels("published_version", "miss")

PREFIX = "gw:catalogue:"
# Outside PREFIX on purpose: nothing that matches ``gw:catalogue:*`` may ever remove it.
GENERATION_KEY = "gw:catalogue-generation"


class Generations:
    """Invalidation stamps for an in-memory cache, per scope (a course id, a viewer id).

    ``stamp()`` is a counter read before an upstream call; ``bump(scope)`` and ``bump_all()`` move it
    on; ``current(scope, stamp)`` says whether nothing invalidated ``scope`` since the stamp was taken.
    Only the most recent bumps are remembered (``max_scopes``): forgetting one raises a floor below
    which every stamp counts as stale, so the bound costs at most a missed cache write, never a stale one.
    """

    def __init__(self, max_scopes: int = 10_000) -> None:
        self._max = max_scopes
        self._now = 0
        self._floor = 0
        self._bumped: OrderedDict[str, int] = OrderedDict()

    def stamp(self) -> int:
        """The generation to hand back to :meth:`current` when the upstream answer arrives."""
        return self._now

    def bump(self, scope: str) -> None:
        """``scope`` changed: answers read before now must not be cached for it."""
        self._now += 1
        self._bumped[scope] = self._now
        self._bumped.move_to_end(scope)
        while len(self._bumped) > self._max:
            _, forgotten = self._bumped.popitem(last=False)
            self._floor = max(self._floor, forgotten)

    def bump_all(self) -> None:
        """Everything may have changed (a cleared cache, a missed event): no earlier stamp is current."""
        self._now += 1
        self._floor = self._now
        self._bumped.clear()

    def current(self, scope: str, stamp: int) -> bool:
        """Whether an answer read under ``stamp`` may still be cached for ``scope``."""
        return stamp >= self._floor and self._bumped.get(scope, 0) <= stamp


class PublishedVersions:
    """Published course versions, keyed by (course id, version): bounded LRU with a TTL.

    Readers take :meth:`stamp` before calling upstream and pass it to :meth:`put`, which refuses the
    answer if the course was forgotten (archived) or the cache cleared in between. ``clock`` is
    injectable for tests.
    """

    def __init__(
        self, max_entries: int = 2000, ttl_seconds: float = 300, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl_seconds
        self._items: TTLCache[tuple[str, int], dict[str, Any]] = TTLCache(
            maxsize=max_entries, ttl=ttl_seconds, timer=clock
        )
        self._generations = Generations()

    def get(self, course_id: str, version: int) -> dict[str, Any] | None:
        """The cached version, or None (counted as a hit or a miss)."""
        try:
            item = self._items[(course_id, version)]
        except KeyError:
            _VERSION_MISSES.inc()
            return None
        _VERSION_HITS.inc()
        return item

    def stamp(self) -> int:
        """Take before the upstream call whose answer will be :meth:`put`."""
        return self._generations.stamp()

    def put(self, course: dict[str, Any], version: int, stamp: int | None = None) -> bool:
        """Keep a published version, unless its course was invalidated since ``stamp`` (None: now).

        Returns whether it was kept.
        """
        course_id = str(course["id"])
        if stamp is not None and not self._generations.current(course_id, stamp):
            STALE_WRITES.labels("published_version").inc()
            return False
        self._items[(course_id, version)] = course
        return True

    def forget_course(self, course_id: str) -> None:
        """Drop a course's versions (archiving changes the status they show; the structure stays)."""
        self._generations.bump(course_id)
        for key in [k for k in self._items if k[0] == course_id]:
            self._items.pop(key, None)

    def clear(self) -> None:
        """Drop every version (after events may have been missed)."""
        self._generations.bump_all()
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# The generation each catalogue miss was read under, per asyncio task: a resolver's get() and put()
# run in one coroutine, so put() finds the stamp its own get() took, and no other task's.
_MISSED: ContextVar[Mapping[str, bytes] | None] = ContextVar("gateway_catalogue_missed", default=None)


def _seed() -> bytes:
    """A first generation from the clock (microseconds): a generation key lost to eviction, a flush
    or a restart without persistence never counts up again through values that entries still in Redis
    were stamped with (a generation moves on by one per invalidation, a few a second at most)."""
    return str(time.time_ns() // 1000).encode()


class CatalogueCache:
    """The public catalogue in Redis. Redis trouble degrades to no caching, never to an error.

    ``get`` reads the current generation and the entry in one transaction; on a miss it remembers the
    generation for this task, and ``put`` stores the answer stamped with it. An entry is served only
    while its stamp is the current generation, so an answer read before an invalidation is never
    served after it, even if it was written after it: writing and checking need no lock. An
    invalidation that could not reach Redis is owed: until it is paid, nothing is read from or written
    to the cache.
    """

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self._owed: str | None = None

    @staticmethod
    def key(kind: str, args: dict[str, Any]) -> str:
        """A Redis key for one catalogue answer: its kind and a digest of its arguments."""
        digest = hashlib.sha256(orjson.dumps(args, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
        return f"{PREFIX}{kind}:{digest}"

    async def get(self, key: str) -> Any | None:
        """The cached JSON, or None on a miss, a stale entry, or when Redis is unreachable."""
        if self._owed is not None and await self.invalidate(self._owed) is None:
            return None
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(GENERATION_KEY)
                pipe.get(key)
                gen, raw = await pipe.execute()
            if gen is None:  # the first use, or the key was lost: nothing cached is current
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.set(GENERATION_KEY, _seed(), nx=True)
                    pipe.get(GENERATION_KEY)
                    _, gen = await pipe.execute()
                raw = None
        except RedisError as exc:
            log.warning("cache.unavailable", error=type(exc).__name__)
            return None
        if raw is not None:
            stamp, _, body = bytes(raw).partition(b"|")
            if stamp == gen:
                CACHE_LOOKUPS.labels("catalogue", "hit").inc()
                return orjson.loads(body)
            CACHE_LOOKUPS.labels("catalogue", "stale").inc()
        else:
            CACHE_LOOKUPS.labels("catalogue", "miss").inc()
        _MISSED.set({**(_MISSED.get() or {}), key: bytes(gen)})
        return None

    async def put(self, key: str, value: Any) -> None:
        """Store the answer to this task's missed ``get(key)`` for the TTL, stamped with the generation
        that ``get`` saw; Redis trouble only costs the caching."""
        missed = _MISSED.get() or {}
        gen = missed.get(key)
        if gen is None or self._owed is not None:
            return
        _MISSED.set({k: v for k, v in missed.items() if k != key})
        try:
            await self.redis.set(key, gen + b"|" + orjson.dumps(value), ex=self.ttl)
        except RedisError as exc:
            log.warning("cache.unavailable", error=type(exc).__name__)

    async def invalidate(self, reason: str) -> int | None:
        """Move the catalogue to a new generation: every entry cached so far, and every answer still
        being read, is stale (a publish can change any list: filters, search, ordering). Earlier
        entries are not deleted; they are never served again and expire with their TTL.

        Returns the new generation, or None when Redis could not be reached (the invalidation is then
        owed and retried before the next use of the cache).
        """
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(GENERATION_KEY, _seed(), nx=True)
                pipe.incr(GENERATION_KEY)
                _, gen = await pipe.execute()
        except RedisError as exc:
            self._owed = reason
            log.warning("cache.invalidate_failed", reason=reason, error=type(exc).__name__)
            return None
        self._owed = None
        log.info("cache.invalidated", reason=reason, generation=gen)
        return int(gen)
