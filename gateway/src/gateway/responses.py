"""Per-viewer response cache for the learner's own dashboard queries.

Executing a dashboard (20 enrolments with their course structure and lesson progress: ~700 values)
costs graphql-core well over 10 ms of CPU, so a learner reloading the page would make the gateway,
not the services, the bottleneck. Only queries made entirely of the viewer's own root fields
(``myEnrollments``, ``myCertificates``, ``viewer``) are cached, per viewer, in process memory, for at
most ``LMS_RESPONSE_CACHE_SECONDS`` (default 30; 0 turns it off). Every event that changes what such a
query shows (enrolment created, lesson completed, quiz attempted, course completed, certificate
issued or revoked) drops that learner's entries on every gateway instance, and the viewer's own
mutations through this instance drop them at once, so a learner never sees their own action missing.
A query still executing when its viewer's entries are dropped does not write its (older) answer back:
it carries the generation stamp it took before executing, and :meth:`ViewerResponses.put` refuses a
stamp that the drop made stale (:class:`gateway.cache.Generations`). After a NATS reconnect the
gateway drops every entry (events may have been missed); otherwise the TTL bounds a missed event.
An answer holding a waiting-list place is never kept: it moves up when someone ahead leaves, and no
event names the learners behind.

Each entry also keeps its encoded body and an ETag (computed on first use), so
:mod:`gateway.fastpath` answers a repeat, or a 304 for an unchanged answer, without running GraphQL.
The fingerprint covers what the viewer's token says about them (name, roles, state, language), so a
new token with other claims for the same subject never gets the old token's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from cachetools import TTLCache
from graphql import ExecutionResult, FieldNode, OperationDefinitionNode
from prometheus_client import Counter
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.cache import CACHE_LOOKUPS, STALE_WRITES, Generations

VIEWER_ROOT_FIELDS = frozenset({"myEnrollments", "myCertificates", "viewer", "__typename"})

# Bound once: resolving the labels costs more than the cache lookup itself.
_HITS = CACHE_LOOKUPS.labels("viewer_response", "hit")
_MISSES = CACHE_LOOKUPS.labels("viewer_response", "miss")
_STALE = STALE_WRITES.labels("viewer_response")

INVALIDATIONS = Counter("lms_gateway_response_cache_invalidations_total", "Viewer response cache drops", ["reason"])


Key = tuple[str, str]
"""(viewer, request fingerprint)"""


class Answer:
    """One cached answer, kept as the response body (bytes: nothing for the garbage collector to walk),
    with its ETag made on first use; ``data`` decodes the body for the full path."""

    __slots__ = ("_etag", "body", "key")

    def __init__(self, key: Key, data: Any) -> None:
        self.key = key
        self.body: bytes = orjson.dumps({"data": data})
        """``{"data": …}`` as the GraphQL router encodes it."""
        self._etag: bytes | None = None

    @property
    def data(self) -> Any:
        return orjson.loads(self.body)["data"]

    @property
    def etag(self) -> bytes:
        """A strong ETag over the viewer, the request and the body: equal only for this viewer's same answer."""
        if self._etag is None:
            h = hashlib.blake2b(digest_size=16)
            h.update(self.key[0].encode())
            h.update(b"\x00")
            h.update(self.key[1].encode())
            h.update(b"\x00")
            h.update(self.body)
            self._etag = b'"' + h.hexdigest().encode() + b'"'
        return self._etag


class _Entries(TTLCache[Key, Any]):
    """A TTL + LRU cache that reports every entry it drops on its own (expired or least recently used)."""

    def __init__(self, maxsize: int, ttl: float, dropped: Callable[[Key], None]) -> None:
        super().__init__(maxsize=maxsize, ttl=ttl)
        self._dropped = dropped

    def popitem(self) -> tuple[Key, Any]:
        key, value = super().popitem()
        self._dropped(key)
        return key, value

    def expire(self, time: float | None = None) -> list[tuple[Key, Any]]:
        expired: list[tuple[Key, Any]] = super().expire(time)
        for key, _ in expired:
            self._dropped(key)
        return expired


class ViewerResponses:
    """Cached ``data`` per (viewer, request fingerprint), bounded, with a TTL."""

    def __init__(self, ttl_seconds: float, max_entries: int = 20_000) -> None:
        self.ttl = ttl_seconds
        self._items = _Entries(max_entries, ttl_seconds, self._unindex)
        # Which keys each viewer has, so one event drops one learner's entries without a scan.
        self._by_viewer: dict[str, set[Key]] = {}
        self._generations = Generations()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, viewer: str, fingerprint: str) -> Any | None:
        """The cached data for this viewer and request, or None when absent or expired."""
        answer = self.answer(viewer, fingerprint)
        return None if answer is None else answer.data

    def answer(self, viewer: str, fingerprint: str) -> Answer | None:
        """The cached answer (data, body, ETag) for this viewer and request, or None."""
        try:
            # Indexing (KeyError when absent or expired) is the cheapest lookup TTLCache offers.
            item: Answer = self._items[(viewer, fingerprint)]
        except KeyError:
            _MISSES.inc()
            return None
        _HITS.inc()
        return item

    def peek(self, viewer: str, fingerprint: str) -> Answer | None:
        """Like :meth:`answer` without counting a lookup (the fast path's check after a full execution)."""
        try:
            item: Answer = self._items[(viewer, fingerprint)]
        except KeyError:
            return None
        return item

    def stamp(self) -> int:
        """Take before executing the query whose answer will be :meth:`put`."""
        return self._generations.stamp()

    def put(self, viewer: str, fingerprint: str, data: Any, stamp: int | None = None) -> bool:
        """Keep a successful answer for the TTL (least recently used go beyond the bound), unless the
        viewer's entries were dropped since ``stamp`` was taken (None: now). Returns whether it was kept."""
        if stamp is not None and not self._generations.current(viewer, stamp):
            _STALE.inc()
            return False
        key = (viewer, fingerprint)
        self._items[key] = Answer(key, data)
        self._by_viewer.setdefault(viewer, set()).add(key)
        return True

    def _unindex(self, key: Key) -> None:
        keys = self._by_viewer.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_viewer[key[0]]

    def forget_viewer(self, viewer: str, reason: str) -> None:
        """Drop everything cached for one viewer (their progress or certificates changed), and refuse
        answers to queries still executing for them."""
        self._generations.bump(viewer)
        keys = self._by_viewer.pop(viewer, None)
        if keys:
            INVALIDATIONS.labels(reason).inc()
            for key in keys:
                self._items.pop(key, None)

    def clear(self, reason: str) -> None:
        """Drop every entry (e.g. a course was archived, events were missed), and refuse answers to
        queries still executing."""
        self._generations.bump_all()
        INVALIDATIONS.labels(reason).inc()
        self._items.clear()
        self._by_viewer.clear()

    def __len__(self) -> int:
        return len(self._items)


def _viewer_only(ec: Any) -> bool:
    """Whether the operation to run asks only for the viewer's own root fields."""
    document = ec.graphql_document
    if document is None:
        return False
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if ec.operation_name:
        ops = [o for o in ops if o.name is not None and o.name.value == ec.operation_name]
    if len(ops) != 1:
        return False
    return all(isinstance(s, FieldNode) and s.name.value in VIEWER_ROOT_FIELDS for s in ops[0].selection_set.selections)


def fingerprint(query: str, variables: Any, operation_name: str | None, principal: Any = None) -> str:
    """A digest of what makes two requests the same: query text, variables, operation name, and what
    the caller's token says about them (``viewer`` shows it, and the language picks the titles)."""
    h = hashlib.sha256(query.encode())
    h.update(b"\x00")
    h.update(orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
    h.update(b"\x00")
    h.update((operation_name or "").encode())
    if principal is not None:
        h.update(b"\x00")
        h.update(_claims_of(principal))
    return h.hexdigest()


def _claims_of(principal: Any) -> bytes:
    roles = sorted(str(getattr(r, "value", r)) for r in principal.roles)
    return orjson.dumps([principal.name, roles, principal.org, principal.municipality, principal.locale])


class ViewerResponseCaching(SchemaExtension):
    """Answers repeated viewer-only queries from :class:`ViewerResponses`; a mutation drops the caller's."""

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        ctx: Any = ec.context
        state = getattr(ctx, "state", None)
        principal = getattr(ctx, "principal", None)
        responses: ViewerResponses | None = getattr(state, "responses", None)
        if responses is None or not responses.enabled or principal is None:
            yield
            return
        kind = ec.operation_type
        if kind is OperationType.MUTATION:
            yield
            responses.forget_viewer(principal.sub, "own_mutation")
            return
        if kind is not OperationType.QUERY or not _viewer_only(ec):
            yield
            return
        # The operation name as the client sent it (ec.operation_name falls back on the document's
        # first operation): the fast path (gateway/fastpath.py) sees only what was sent.
        sent_name = getattr(ec, "_provided_operation_name", ec.operation_name)
        key = fingerprint(ec.query or "", ec.variables, sent_name, principal)
        cached = responses.get(principal.sub, key)
        if cached is not None:
            ec.result = ExecutionResult(data=cached, errors=None)
            yield
            return
        # Before any resolver calls upstream: a drop heard while this executes makes its answer stale.
        stamp = responses.stamp()
        yield
        result = ec.result
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            if _on_a_waiting_list(result.data):
                # A place moves up when someone ahead leaves, and no event names the learners behind:
                # an answer with a waiting-list position is never kept.
                return
            responses.put(principal.sub, key, result.data, stamp)


def _on_a_waiting_list(data: Any) -> bool:
    """Whether an answer holds a WAITLISTED enrolment (its position changes without an event)."""
    if isinstance(data, dict):
        if data.get("status") == "WAITLISTED" or data.get("waitlistPosition") is not None:
            return True
        return any(_on_a_waiting_list(v) for v in data.values() if isinstance(v, dict | list))
    if isinstance(data, list):
        return any(_on_a_waiting_list(v) for v in data)
    return False
