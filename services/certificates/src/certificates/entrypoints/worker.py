"""The bulk-issue worker: pulls chunks from the ``LMS_JOBS`` work queue and issues their certificates.

Run any number of them (``python -m certificates.worker``); they share one durable pull consumer,
so JetStream hands each chunk to one worker at a time. A chunk is acknowledged only after its
transaction committed. While a chunk is being worked on, the worker tells JetStream so
(``in_progress``) every few seconds; if the worker dies, the heartbeats stop and the chunk is handed
to another worker after ``ack_wait``, which finds the items the dead one committed already done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from certificates import bootstrap
from certificates.bootstrap import Container
from certificates.config import get_settings
from certificates.service_layer.bulk import (
    JOBS_SUBJECT,
    ChunkMessage,
    ProcessChunk,
    ProgressThrottle,
    give_up_chunk,
    process_chunk,
)
from lms_shared.jetstream import JOBS_STREAM
from lms_shared.logging import configure_logging, get_logger

log = get_logger(__name__)

DURABLE = "certificate-workers"
# After this many failed attempts a chunk's remaining items are marked FAILED so the job can end.
MAX_CHUNK_ATTEMPTS = 8


async def ensure_consumer(js: JetStreamContext, ack_wait: float) -> None:
    """Create or update the shared durable consumer (idempotent; every worker calls it)."""
    cfg = ConsumerConfig(
        durable_name=DURABLE,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        filter_subject=JOBS_SUBJECT,
        ack_wait=ack_wait,
        max_deliver=-1,
        max_ack_pending=1000,
    )
    try:
        await js.consumer_info(JOBS_STREAM, DURABLE)
        await js.add_consumer(JOBS_STREAM, cfg)
    except NotFoundError:
        await js.add_consumer(JOBS_STREAM, cfg)


class BulkWorker:
    """Pulls chunks and processes up to ``parallel_chunks`` at once.

    Two chunks in flight let one chunk's database transaction overlap with the next chunk's
    rendering; more would only contend for the same CPU.
    """

    def __init__(self, container: Container, parallel_chunks: int = 2) -> None:
        self.c = container
        self.throttle = ProgressThrottle()
        self.parallel = parallel_chunks
        self.ack_wait = container.settings.worker_ack_wait_seconds
        self.processed_chunks = 0

    async def run(self, stop: asyncio.Event) -> None:
        js = self.c.runtime.js
        assert js is not None
        await ensure_consumer(js, self.ack_wait)
        sub = await js.pull_subscribe_bind(DURABLE, stream=JOBS_STREAM)
        slots = asyncio.Semaphore(self.parallel)
        tasks: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            await slots.acquire()
            try:
                msgs = await sub.fetch(1, timeout=1.0)
            except TimeoutError:
                slots.release()
                continue
            except Exception as exc:  # noqa: BLE001 - NATS away: wait and pull again
                slots.release()
                log.warning("worker.fetch_failed", error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            task = asyncio.create_task(self._guarded(msgs[0], slots))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        # Leave the consumer now: chunks we did not take go to the other workers at once.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()

    async def _guarded(self, msg: Msg, slots: asyncio.Semaphore) -> None:
        try:
            await self.handle(msg)
        finally:
            slots.release()

    async def handle(self, msg: Msg) -> None:
        """Process one chunk message; ack after commit, nak (with back-off) on a passing failure."""
        try:
            message = ChunkMessage.from_json(orjson.loads(msg.data))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("worker.malformed_chunk", error=repr(exc), data=msg.data[:200])
            await msg.term()
            return
        started = time.perf_counter()
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            async with self.c.uow() as uow:
                result = await process_chunk(uow, None, ProcessChunk(message, self.throttle), self.c.ports)
        except Exception as exc:  # noqa: BLE001 - S3 or the database hiccuped: retry the chunk later
            heartbeat.cancel()
            await self._retry_or_give_up(msg, message, exc)
            return
        finally:
            heartbeat.cancel()
        await msg.ack()
        self.processed_chunks += 1
        log.info(
            "worker.chunk_done",
            job_id=str(message.job_id),
            chunk=message.chunk,
            issued=result.issued,
            skipped=result.skipped,
            failed=result.failed,
            job_finished=result.job_finished,
            prepare_ms=round(result.prepare_seconds * 1000),
            write_ms=round(result.write_seconds * 1000),
            total_ms=round((time.perf_counter() - started) * 1000),
        )

    async def _heartbeat(self, msg: Msg) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(max(1.0, self.ack_wait / 4))
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    async def _retry_or_give_up(self, msg: Msg, message: ChunkMessage, exc: Exception) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        if delivered < MAX_CHUNK_ATTEMPTS:
            delay = min(0.5 * 2 ** (delivered - 1), 30.0)
            log.warning(
                "worker.chunk_retry",
                job_id=str(message.job_id),
                chunk=message.chunk,
                delivered=delivered,
                error=repr(exc),
                delay=delay,
            )
            await msg.nak(delay=delay)
            return
        log.error("worker.chunk_failed", job_id=str(message.job_id), chunk=message.chunk, error=repr(exc))
        await self._fail_chunk(
            message,
            f"could not be issued after {delivered} attempts ({type(exc).__name__}); "
            "check the certificates worker's log, then start a job for the remaining people",
        )
        await msg.ack()

    async def _fail_chunk(self, message: ChunkMessage, reason: str) -> None:
        """Give up on a chunk's remaining items so the job ends and tells the admin who is missing."""
        async with self.c.uow() as uow:
            await give_up_chunk(uow, message, reason, self.c.ports)


async def run_worker() -> None:
    """Run one worker process until SIGTERM/SIGINT."""
    settings = get_settings()
    container = await bootstrap.build(settings)
    stop = container.runtime.stop_event
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = BulkWorker(container)
    container.start_worker_metrics()
    log.info("worker.started", worker_id=os.environ.get("LMS_WORKER_ID", "worker"), threads=settings.worker_threads)
    try:
        await worker.run(stop)
    finally:
        # A chunk left unacknowledged is redelivered after ack_wait; never hang on the way out.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(container.stop(), timeout=5)


def main() -> None:
    settings = get_settings()
    configure_logging("certificates-worker", settings.log_level, settings.log_json)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(run_worker())
