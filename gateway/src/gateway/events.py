"""What the gateway hears from NATS: cache invalidations, bulk-job progress and new notifications.

Core NATS subscribers receive every message JetStream stores on a subject, so the gateway needs no
durable consumer. Core NATS keeps nothing for a subscriber that is away, though: whatever was
published while this connection was down, or dropped because the gateway fell behind (slow
consumer), is lost. So after every reconnect, and on a slow-consumer error, :meth:`EventHub.resync`
drops every cache the lost events could have invalidated: the catalogue (a new generation in Redis),
the published versions and the per-viewer responses in this process. Until then the caches' TTLs
bound how long a missed event can go unseen; a missed progress event is covered by the
subscription's once-a-second re-read, and a missed notification.created by notificationReceived
re-reading the viewer's unread notifications on resync.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator

import nats
import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import SlowConsumerError
from prometheus_client import Counter

from gateway.cache import CatalogueCache, PublishedVersions
from gateway.responses import ViewerResponses
from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseCompletedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    LessonCompletedV1,
    NotificationCreatedV1,
    QuizAttemptedV1,
    RegistrationChangedV1,
)
from lms_shared.logging import get_logger, request_id_var

log = get_logger(__name__)

# The marker a notificationReceived queue gets when events may have been missed.
RESYNC = "resync"

RESYNCS = Counter("lms_gateway_cache_resyncs_total", "Caches dropped because events may have been missed", ["reason"])

# course.owners_changed too: cached catalogue answers show the owners (ownerId, coOwnerIds).
CATALOGUE_EVENTS = (CoursePublishedV1.TYPE, CourseArchivedV1.TYPE, CourseOwnersChangedV1.TYPE)
# Events that change what a learner's own dashboard shows; each carries ``learner_id``.
LEARNER_EVENTS = (
    EnrollmentCreatedV1.TYPE,
    # Registration (issue 15): approved, rejected, promoted from the waiting list by someone else.
    RegistrationChangedV1.TYPE,
    LessonCompletedV1.TYPE,
    QuizAttemptedV1.TYPE,
    CourseCompletedV1.TYPE,
    CertificateIssuedV1.TYPE,
    CertificateRevokedV1.TYPE,
)


class EventHub:
    """One NATS connection per gateway process, fanning bulk-job progress out to subscriptions."""

    def __init__(
        self,
        nc: NATS,
        catalogue: CatalogueCache,
        responses: ViewerResponses | None = None,
        versions: PublishedVersions | None = None,
    ) -> None:
        self.nc = nc
        self.catalogue = catalogue
        self.responses = responses
        self.versions = versions
        self._watchers: dict[str, set[asyncio.Queue[dict[str, object]]]] = defaultdict(set)
        # notification.created, by recipient (the token's sub): the viewer's open notificationReceived.
        self._inboxes: dict[str, set[asyncio.Queue[dict[str, object]]]] = defaultdict(set)
        self._resyncing = False
        self._resync_due: str | None = None

    @classmethod
    async def connect(
        cls,
        url: str,
        catalogue: CatalogueCache,
        responses: ViewerResponses | None = None,
        versions: PublishedVersions | None = None,
        **options: object,
    ) -> EventHub:
        """Connect to NATS (reconnecting for ever) with the callbacks that re-sync the caches, and subscribe."""
        hub: EventHub | None = None

        async def reconnected() -> None:
            if hub is not None:
                await hub.on_reconnected()

        async def disconnected() -> None:
            log.warning("nats.disconnected")

        async def error(exc: Exception) -> None:
            log.warning("nats.error", error=str(exc) or type(exc).__name__)
            if hub is not None:
                await hub.on_error(exc)

        settings: dict[str, object] = {"name": "gateway", "max_reconnect_attempts": -1, "reconnect_time_wait": 0.5}
        nc = await nats.connect(
            url,
            reconnected_cb=reconnected,
            disconnected_cb=disconnected,
            error_cb=error,
            **{**settings, **options},
        )
        hub = cls(nc, catalogue, responses, versions)
        await hub.start()
        return hub

    async def on_reconnected(self) -> None:
        """The connection is back and re-subscribed: whatever was published meanwhile never reached us."""
        log.info("nats.reconnected")
        await self.resync("nats_reconnected")

    async def on_error(self, exc: Exception) -> None:
        """A slow consumer: the client dropped a message it had no room for, maybe an invalidation."""
        if isinstance(exc, SlowConsumerError):
            await self.resync("nats_slow_consumer")

    async def resync(self, reason: str) -> None:
        """Events may have been missed: drop everything they could have invalidated.

        Answers still being read when this runs are refused by the caches' generation stamps. Never
        raises: it runs inside the NATS client's reconnect and error callbacks.
        """
        # A call while one runs (a burst of slow-consumer errors) asks for one more round, not one each.
        self._resync_due = reason
        if self._resyncing:
            return
        self._resyncing = True
        try:
            while self._resync_due is not None:
                reason = self._resync_due
                self._resync_due = None
                try:
                    RESYNCS.labels(reason).inc()
                    if self.versions is not None:
                        self.versions.clear()
                    if self.responses is not None:
                        self.responses.clear(reason)
                    await self.catalogue.invalidate(reason)
                    # notificationReceived re-reads what arrived meanwhile (its notification.created lost).
                    for queues in list(self._inboxes.values()):
                        for queue in list(queues):
                            with contextlib.suppress(asyncio.QueueFull):
                                queue.put_nowait({RESYNC: reason})
                    log.info("cache.resynced", reason=reason)
                except Exception as exc:  # noqa: BLE001 - a failed drop must not break the NATS client
                    log.warning("cache.resync_failed", reason=reason, error=type(exc).__name__)
        finally:
            self._resyncing = False

    async def start(self) -> None:
        for subject in CATALOGUE_EVENTS:
            await self.nc.subscribe(subject, cb=self._on_catalogue_event)
        await self.nc.subscribe(BulkProgressV1.TYPE, cb=self._on_bulk_progress)
        await self.nc.subscribe(NotificationCreatedV1.TYPE, cb=self._on_notification_created)
        for subject in LEARNER_EVENTS:
            await self.nc.subscribe(subject, cb=self._on_learner_event)

    async def _on_catalogue_event(self, msg: Msg) -> None:
        """course.published / archived / owners_changed: the catalogue changed; drop the cached copies."""
        rid = (msg.headers or {}).get("Lms-Request-Id")
        token = request_id_var.set(rid) if rid else None
        try:
            if msg.subject == CourseArchivedV1.TYPE:
                course_id = _data(msg).get("course_id")
                if course_id and self.versions is not None:
                    self.versions.forget_course(str(course_id))
                if self.responses is not None:
                    self.responses.clear("course_archived")
            elif msg.subject == CourseOwnersChangedV1.TYPE and self.responses is not None:
                # The event names the new owners only, not who lost the course: drop every viewer's.
                self.responses.clear("course_owners_changed")
            await self.catalogue.invalidate(msg.subject)
        finally:
            if token is not None:
                request_id_var.reset(token)

    async def _on_learner_event(self, msg: Msg) -> None:
        """A learner's progress or certificates changed: their cached dashboard answers are stale."""
        learner = _data(msg).get("learner_id")
        if learner and self.responses is not None:
            self.responses.forget_viewer(str(learner), msg.subject.split(".")[2])

    async def _on_bulk_progress(self, msg: Msg) -> None:
        """bulk.progress: hand the counts to every subscription watching that job."""
        try:
            envelope = orjson.loads(msg.data)
            data = envelope["data"]
            job_id = str(data["job_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("events.bad_bulk_progress", subject=msg.subject)
            return
        for queue in list(self._watchers.get(job_id, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(data)

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[asyncio.Queue[dict[str, object]]]:
        """A queue of progress events for one job, for as long as the ``with`` block lasts."""
        queue: asyncio.Queue[dict[str, object]] = asyncio.Queue(maxsize=100)
        self._watchers[job_id].add(queue)
        try:
            yield queue
        finally:
            self._watchers[job_id].discard(queue)
            if not self._watchers[job_id]:
                del self._watchers[job_id]

    def watching(self) -> int:
        return sum(len(v) for v in self._watchers.values())

    async def _on_notification_created(self, msg: Msg) -> None:
        """notification.created: tell the recipient's own subscriptions (the event carries ids, no text)."""
        data = _data(msg)
        recipient, notification = data.get("recipient_id"), data.get("notification_id")
        if not recipient or not notification:
            log.warning("events.bad_notification_created", subject=msg.subject)
            return
        for queue in list(self._inboxes.get(str(recipient), ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(data)

    @contextlib.contextmanager
    def watch_notifications(self, recipient: str) -> Iterator[asyncio.Queue[dict[str, object]]]:
        """A queue of one person's notification.created events, for as long as the ``with`` block lasts."""
        queue: asyncio.Queue[dict[str, object]] = asyncio.Queue(maxsize=100)
        self._inboxes[recipient].add(queue)
        try:
            yield queue
        finally:
            self._inboxes[recipient].discard(queue)
            if not self._inboxes[recipient]:
                del self._inboxes[recipient]

    def notification_watchers(self) -> int:
        return sum(len(v) for v in self._inboxes.values())


def _data(msg: Msg) -> dict[str, object]:
    """The envelope's ``data``, or {} for a message that is not an envelope (logged, then ignored)."""
    try:
        data = orjson.loads(msg.data)["data"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        log.warning("events.not_an_envelope", subject=msg.subject)
        return {}
    return data if isinstance(data, dict) else {}
