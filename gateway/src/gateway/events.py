"""What the gateway hears from NATS: catalogue invalidations and bulk-job progress.

Core NATS subscribers receive every message JetStream stores on a subject, so the gateway needs no
durable consumer: a missed invalidation while disconnected is covered by the cache's TTL, and a
missed progress event by the subscription's once-a-second re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator

import orjson
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from gateway.cache import CatalogueCache, PublishedVersions
from gateway.responses import ViewerResponses
from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseCompletedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    LessonCompletedV1,
    QuizAttemptedV1,
)
from lms_shared.logging import get_logger, request_id_var

log = get_logger(__name__)

CATALOGUE_EVENTS = (CoursePublishedV1.TYPE, CourseArchivedV1.TYPE)
# Events that change what a learner's own dashboard shows; each carries ``learner_id``.
LEARNER_EVENTS = (
    EnrollmentCreatedV1.TYPE,
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

    async def start(self) -> None:
        for subject in CATALOGUE_EVENTS:
            await self.nc.subscribe(subject, cb=self._on_catalogue_event)
        await self.nc.subscribe(BulkProgressV1.TYPE, cb=self._on_bulk_progress)
        for subject in LEARNER_EVENTS:
            await self.nc.subscribe(subject, cb=self._on_learner_event)

    async def _on_catalogue_event(self, msg: Msg) -> None:
        """course.published / course.archived: the public catalogue changed; drop the cached copies."""
        rid = (msg.headers or {}).get("Lms-Request-Id")
        token = request_id_var.set(rid) if rid else None
        try:
            if msg.subject == CourseArchivedV1.TYPE:
                course_id = _data(msg).get("course_id")
                if course_id and self.versions is not None:
                    self.versions.forget_course(str(course_id))
                if self.responses is not None:
                    self.responses.clear("course_archived")
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


def _data(msg: Msg) -> dict[str, object]:
    """The envelope's ``data``, or {} for a message that is not an envelope (logged, then ignored)."""
    try:
        data = orjson.loads(msg.data)["data"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        log.warning("events.not_an_envelope", subject=msg.subject)
        return {}
    return data if isinstance(data, dict) else {}
