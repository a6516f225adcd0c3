"""The bulk-issue worker: pulls chunks from the ``LMS_JOBS`` work queue and issues their certificates.

It also issues the automatic certificates of completions in batches (:class:`AutoIssueWorker`,
``auto_issue_request`` rows claimed with ``SKIP LOCKED``) and produces print batches.

Run any number of them (``python -m certificates.worker``); they share one durable pull consumer,
so JetStream hands each chunk to one worker at a time. A chunk is acknowledged only after its
transaction committed.

* **Progress-based heartbeat.** While a chunk moves (certificates prepared, rows written: its
  :class:`ProgressMarks`), the worker tells JetStream so (``in_progress``) every ``ack_wait / 4``.
  A chunk that stops moving (a hung upload, a half-open database connection) gets no heartbeat:
  after ``ack_wait`` JetStream hands it to another worker, and this one abandons it. A dead worker
  is the same case. Whoever runs it finds the items already committed done.
* **Outages wait, failures fail.** A transient failure (:func:`lms_shared.faults.is_transient`: the
  object store or database away, timeouts, 5xx) naks the chunk with capped, jittered back-off,
  without limit, and shows the job waiting (``waitingReason``); its items stay PENDING. Only a
  deterministic failure of the whole chunk, :data:`MAX_CHUNK_ATTEMPTS` times, fails its items.
* **Watchdog.** Every worker looks, now and then, for QUEUED or RUNNING jobs with PENDING items and
  no sign of life for ``LMS_WORKER_STUCK_AFTER_SECONDS`` (their chunk messages lost, or acked by
  a worker that lost the work) and queues their pending items again (``FOR UPDATE SKIP LOCKED``:
  one worker per job at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from certificates import bootstrap
from certificates.bootstrap import Container
from certificates.config import get_settings
from certificates.domain.printing import PrintBatch, PrintItem
from certificates.service_layer.auto_issue import AutoIssueBatch, issue_requested
from certificates.service_layer.bulk import (
    JOBS_SUBJECT,
    ChunkIncomplete,
    ChunkMessage,
    ChunkResult,
    ProcessChunk,
    ProgressMarks,
    ProgressThrottle,
    give_up_chunk,
    mark_job_waiting,
    process_chunk,
    requeue_stalled_jobs,
)
from certificates.service_layer.printing import (
    claim_print_batch,
    complete_print_batch,
    print_items,
    record_print_progress,
    release_print_batch,
    rerender_certificate,
    write_print_batch,
)
from lms_shared.db import utcnow
from lms_shared.faults import backoff_delay, is_transient
from lms_shared.jetstream import JOBS_STREAM
from lms_shared.logging import configure_logging, get_logger

log = get_logger(__name__)

DURABLE = "certificate-workers"
# After this many deterministic failures a chunk's remaining items are marked FAILED so the job can
# end. Outages never count: they are retried without limit.
MAX_CHUNK_ATTEMPTS = 8
# A chunk whose own marks do not move for this many ack_waits is let go even while the worker's
# other chunks move (they can only explain a wait for the shared threads, not a hang).
OWN_SILENCE_LIMIT = 3
# Back-off of a chunk retried through an outage: capped, with full jitter (lms_shared.faults).
RETRY_CAP_SECONDS = 15.0
# How long an automatic-issue loop lets requests gather after a wake-up before it claims them.
GATHER_SECONDS = 0.05


def waiting_reason(exc: BaseException) -> str:
    """What an admin reads while a job waits: which server is away, and that nothing is lost."""
    modules = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        modules.append(type(e).__module__)
        stack.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
    if any(m.startswith(("minio", "urllib3")) for m in modules):
        what = "the object store (S3)"
    elif any(m.startswith(("sqlalchemy", "asyncpg")) for m in modules):
        what = "the database"
    elif any(m.startswith("nats") for m in modules):
        what = "NATS"
    else:
        what = "a server"
    cause = exc.__cause__ if isinstance(exc, ChunkIncomplete) and exc.__cause__ is not None else exc
    return (
        f"waiting for {what} ({type(cause).__name__}); the remaining certificates are issued "
        "when it answers again, nobody is failed"
    )


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
        self.beat_every = max(1.0, self.ack_wait / 4)
        self.stuck_after = container.settings.worker_stuck_after_seconds
        self.processed_chunks = 0
        self.in_flight = 0
        # Every chunk's marks also move these: the worker as a whole is getting somewhere.
        self.activity = ProgressMarks()
        self.transient_retries = 0
        self.abandoned_chunks = 0
        self.requeued_jobs = 0
        # Deterministic failures per chunk seen by this worker; transient ones never count.
        self._failures: Counter[tuple[str, int, int]] = Counter()
        # Chunks given up as hung: kept referenced until they end (or the process does).
        self._abandoned: set[asyncio.Task[object]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        js = self.c.runtime.js
        assert js is not None
        await ensure_consumer(js, self.ack_wait)
        sub = await js.pull_subscribe_bind(DURABLE, stream=JOBS_STREAM)
        slots = asyncio.Semaphore(self.parallel)
        tasks: set[asyncio.Task[None]] = set()
        watchdog = asyncio.create_task(self.watch(stop))
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
        watchdog.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        # Leave the consumer now: chunks we did not take go to the other workers at once.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()

    async def _guarded(self, msg: Msg, slots: asyncio.Semaphore) -> None:
        self.in_flight += 1
        try:
            await self.handle(msg)
        except Exception as exc:  # noqa: BLE001 - e.g. NATS away for the ack: the chunk comes back after ack_wait
            log.warning("worker.chunk_unsettled", error=repr(exc))
        finally:
            self.in_flight -= 1
            slots.release()

    async def handle(self, msg: Msg) -> None:
        """Process one chunk message; ack after commit, nak (with back-off) on a failure, let a hung one go."""
        try:
            message = ChunkMessage.from_json(orjson.loads(msg.data))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("worker.malformed_chunk", error=repr(exc), data=msg.data[:200])
            await msg.term()
            return
        started = time.perf_counter()
        progress = ProgressMarks(parent=self.activity)
        work = asyncio.create_task(self._process(message, progress))
        if not await self._heartbeat(msg, work, progress):
            # No progress for ack_wait: JetStream hands the chunk to another worker now. Let this
            # attempt go (cancelled; a thread stuck in an upload ends with its own timeout).
            self.abandoned_chunks += 1
            log.warning(
                "worker.chunk_hung",
                job_id=str(message.job_id),
                chunk=message.chunk,
                marks=progress.count,
                silent_seconds=round(time.monotonic() - progress.at, 1),
            )
            work.cancel()
            self._abandoned.add(work)
            work.add_done_callback(_forget(self._abandoned))
            return
        try:
            result = work.result()
        except Exception as exc:  # noqa: BLE001 - classified below: an outage waits, a failure counts
            await self._retry_or_give_up(msg, message, exc)
            return
        self._failures.pop(_chunk_key(message), None)
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

    async def _process(self, message: ChunkMessage, progress: ProgressMarks) -> ChunkResult:
        async with self.c.uow() as uow:
            return await process_chunk(uow, None, ProcessChunk(message, self.throttle, progress), self.c.ports)

    async def _heartbeat(self, msg: Msg, work: asyncio.Task[ChunkResult], progress: ProgressMarks) -> bool:
        """Wait for ``work``, extending ``ack_wait`` only while it moves; False once it hung for ``ack_wait``.

        "Moves" is the chunk's own marks, or the worker's while this chunk's certificates wait for
        threads that another chunk of this worker keeps busy.
        """
        seen, last_move = (progress.count, self.activity.count), time.monotonic()
        own_seen, own_move = progress.count, last_move
        while True:
            done, _ = await asyncio.wait({work}, timeout=self.beat_every)
            if done:
                return True
            now = time.monotonic()
            if progress.count != own_seen:
                own_seen, own_move = progress.count, now
            elif now - own_move >= OWN_SILENCE_LIMIT * self.ack_wait:
                return False  # the others' progress covers a wait for threads, not a hang this long
            marks = (progress.count, self.activity.count)
            if marks != seen:
                seen, last_move = marks, now
                with contextlib.suppress(Exception):
                    await msg.in_progress()
            elif now - last_move >= self.ack_wait:
                return False

    async def _retry_or_give_up(self, msg: Msg, message: ChunkMessage, exc: Exception) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        written = exc.written if isinstance(exc, ChunkIncomplete) else None
        if is_transient(exc):
            # An outage says nothing about the chunk: wait and retry, however long it lasts.
            self.transient_retries += 1
            delay = backoff_delay(delivered, cap=min(RETRY_CAP_SECONDS, self.ack_wait))
            log.warning(
                "worker.chunk_waiting",
                job_id=str(message.job_id),
                chunk=message.chunk,
                delivered=delivered,
                error=repr(exc),
                issued_before_failure=written.issued if written else 0,
                delay=round(delay, 2),
            )
            await self._show_waiting(message, waiting_reason(exc))
            await msg.nak(delay=delay)
            return
        key = _chunk_key(message)
        self._failures[key] += 1
        failures = self._failures[key]
        if failures < MAX_CHUNK_ATTEMPTS:
            delay = min(0.5 * 2 ** (failures - 1), 30.0)
            log.warning(
                "worker.chunk_retry",
                job_id=str(message.job_id),
                chunk=message.chunk,
                delivered=delivered,
                failures=failures,
                error=repr(exc),
                delay=delay,
            )
            await msg.nak(delay=delay)
            return
        log.error("worker.chunk_failed", job_id=str(message.job_id), chunk=message.chunk, error=repr(exc))
        try:
            await self._fail_chunk(
                message,
                f"could not be issued after {failures} attempts ({type(exc).__name__}); "
                "check the certificates worker's log, then start a job for the remaining people",
            )
        except Exception as again:  # noqa: BLE001 - the database went away meanwhile: try the chunk later
            log.warning("worker.give_up_failed", job_id=str(message.job_id), error=repr(again))
            await msg.nak(delay=backoff_delay(1))
            return
        self._failures.pop(key, None)
        await msg.ack()

    async def _show_waiting(self, message: ChunkMessage, reason: str) -> None:
        """Tell the admin the job waits for a server (best effort: that server may be the database)."""
        try:
            async with asyncio.timeout(5):
                async with self.c.uow() as uow:
                    await mark_job_waiting(uow, message.job_id, reason)
        except Exception as exc:  # noqa: BLE001 - the retry goes on either way
            log.info("worker.waiting_not_recorded", job_id=str(message.job_id), error=repr(exc))

    async def _fail_chunk(self, message: ChunkMessage, reason: str) -> None:
        """Give up on a chunk's remaining items so the job ends and tells the admin who is missing."""
        async with self.c.uow() as uow:
            await give_up_chunk(uow, message, reason, self.c.ports)

    async def watch(self, stop: asyncio.Event) -> None:
        """The watchdog: re-queue jobs nobody has worked on for ``stuck_after`` seconds."""
        every = min(30.0, max(1.0, self.stuck_after / 4))
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
            if stop.is_set():
                return
            try:
                await self.requeue_stalled()
            except Exception as exc:  # noqa: BLE001 - a server away: look again next round
                log.warning("worker.watchdog_failed", error=repr(exc))

    async def requeue_stalled(self) -> int:
        """One round of the watchdog; returns how many jobs were queued again."""
        silent_since = utcnow() - timedelta(seconds=self.stuck_after)
        async with self.c.uow() as uow:
            requeued = await requeue_stalled_jobs(uow, silent_since, self.c.ports)
        for r in requeued:
            log.warning(
                "worker.job_requeued",
                job_id=str(r.job_id),
                generation=r.generation,
                chunks=r.chunks,
                pending=r.pending,
                silent_seconds=self.stuck_after,
            )
        self.requeued_jobs += len(requeued)
        return len(requeued)


class AutoIssueWorker:
    """Issues the completions waiting in ``auto_issue_request`` in batches (service_layer/auto_issue.py).

    Woken by the NOTIFY of each committed request (and every ``poll_seconds`` regardless), it claims
    up to ``LMS_BULK_CHUNK_SIZE`` due requests at a time, in up to ``parallel`` batches at once: one
    batch's transaction overlaps the next one's rendering, as bulk chunks do. A burst of completions
    thus shares batches; a lone completion is issued alone, at once. A batch that raises (the
    database away) rolled back: its requests are still there, and the loop backs off.
    """

    def __init__(self, container: Container, parallel: int = 2, poll_seconds: float = 1.0) -> None:
        self.c = container
        self.parallel = parallel
        self.poll = poll_seconds
        self.limit = container.settings.bulk_chunk_size
        self.wake = asyncio.Event()
        self.batches = 0
        self.issued = 0
        self.retries = 0

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self.c.auto_issue_wakeups().run(self.wake, stop))
        try:
            await asyncio.gather(*(self._loop(stop) for _ in range(self.parallel)))
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    async def _loop(self, stop: asyncio.Event) -> None:
        outages = 0
        while not stop.is_set():
            # Cleared before the claim: a request committed after it sets the event again.
            self.wake.clear()
            try:
                batch = await self.run_batch()
            except Exception as exc:  # noqa: BLE001 - rolled back; the requests wait for the next try
                outages += 1
                self.retries += 1
                delay = backoff_delay(outages, cap=RETRY_CAP_SECONDS)
                log.warning("auto_issue.batch_failed", error=repr(exc)[:500], retry_in=round(delay, 2))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            if batch.transient is not None:
                outages += 1
                delay = backoff_delay(outages, cap=RETRY_CAP_SECONDS)
                log.warning(
                    "auto_issue.batch_waiting",
                    waiting=batch.postponed,
                    issued=batch.issued,
                    error=repr(batch.transient)[:500],
                    retry_in=round(delay, 2),
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            outages = 0
            if batch.claimed >= self.limit:
                continue  # more are waiting: no pause
            waiter = asyncio.ensure_future(self.wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if self.wake.is_set():
                # A moment for the rest of a burst to commit: one batch of many costs far less
                # than many batches of one, and a lone completion waits only this long.
                await asyncio.sleep(GATHER_SECONDS)

    async def run_batch(self) -> AutoIssueBatch:
        """One batch in a unit of work of its own; logs what it did."""
        started = time.perf_counter()
        async with self.c.uow() as uow:
            batch = await issue_requested(uow, self.c.ports, self.limit)
        if batch.claimed:
            self.batches += 1
            self.issued += batch.issued
            log.info(
                "auto_issue.batch_done",
                claimed=batch.claimed,
                issued=batch.issued,
                already_certified=batch.already_certified,
                failed=batch.failed,
                dropped=batch.dropped,
                postponed=batch.postponed,
                prepare_ms=round(batch.prepare_seconds * 1000),
                write_ms=round(batch.write_seconds * 1000),
                total_ms=round((time.perf_counter() - started) * 1000),
            )
        return batch


class LeaseLost(Exception):
    """Another worker took the print batch over (this one was too slow, or its database was away)."""


class PrintWorker:
    """The print loop: claims due print batches from the database and streams each one to the store.

    Claims are rows (``FOR UPDATE SKIP LOCKED``) with a lease this worker extends with every
    progress record; see ``service_layer/printing.py`` for what happens when a worker dies, the
    object store is away, or a certificate cannot be read.
    """

    def __init__(self, container: Container, poll_seconds: float = 1.0) -> None:
        self.c = container
        self.poll = poll_seconds
        self.lease = container.settings.print_lease_seconds
        self.beat_every = min(1.0, self.lease / 4)
        self.completed = 0
        self.transient_retries = 0
        self._outages = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self.c.uow() as uow:
                    batch = await claim_print_batch(uow, self.lease)
            except Exception as exc:  # noqa: BLE001 - the database away: look again later
                log.warning("print.claim_failed", error=repr(exc))
                batch = None
            if batch is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll)
                continue
            await self.produce(batch, stop)

    async def produce(self, batch: PrintBatch, stop: asyncio.Event) -> None:
        """One attempt at one batch: stream it, record progress, then complete or release it."""
        loop = asyncio.get_running_loop()
        done = 0
        lost = False

        def progress(n: int) -> None:
            nonlocal done
            done = n

        def missing(item: PrintItem) -> bytes:
            if lost or stop.is_set():
                raise LeaseLost(str(batch.id))
            return asyncio.run_coroutine_threadsafe(self._rerender(item.certificate_id), loop).result()

        started = time.perf_counter()
        try:
            async with self.c.uow() as uow:
                items = await print_items(uow, batch.id)

            def guarded(item: PrintItem) -> bytes:
                return missing(item)

            def write() -> tuple[str, int]:
                def checked_progress(n: int) -> None:
                    if lost or stop.is_set():
                        raise LeaseLost(str(batch.id))
                    progress(n)

                return write_print_batch(batch, items, self.c.ports, guarded, checked_progress)

            work = asyncio.ensure_future(asyncio.to_thread(write))
            reported = -1
            while not work.done():
                await asyncio.wait({work}, timeout=self.beat_every)
                if work.done() or done == reported:
                    continue
                try:
                    async with self.c.uow() as uow:
                        ours = await record_print_progress(uow, batch, done, self.lease)
                except Exception as exc:  # noqa: BLE001 - the lease may lapse; completing checks the attempt
                    log.warning("print.progress_not_recorded", batch_id=str(batch.id), error=repr(exc))
                    continue
                reported = done
                if not ours:
                    lost = True
            key, size = await work
            async with self.c.uow() as uow:
                ours = await complete_print_batch(uow, batch, key, size)
        except LeaseLost:
            log.warning("print.lease_lost", batch_id=str(batch.id), attempt=batch.attempt, done=done)
            return
        except Exception as exc:  # noqa: BLE001 - classified: an outage waits, a failure counts
            await self._release(batch, exc)
            return
        self._outages = 0
        if ours:
            self.completed += 1
        log.info(
            "print.batch_done" if ours else "print.batch_taken_over",
            batch_id=str(batch.id),
            format=batch.format.value,
            total=batch.total,
            bytes=size,
            attempt=batch.attempt,
            seconds=round(time.perf_counter() - started, 2),
        )

    async def _rerender(self, certificate_id: uuid.UUID) -> bytes:
        async with self.c.uow() as uow:
            return await rerender_certificate(uow, self.c.ports, certificate_id)

    async def _release(self, batch: PrintBatch, exc: Exception) -> None:
        transient = is_transient(exc)
        if transient:
            self._outages += 1
            self.transient_retries += 1
            delay = backoff_delay(self._outages, cap=RETRY_CAP_SECONDS)
            reason = waiting_reason(exc).replace("the remaining certificates are issued", "the batch is written")
        else:
            delay = min(2.0 * (batch.failures + 1), 30.0)
            reason = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning(
            "print.batch_failed", batch_id=str(batch.id), transient=transient, error=repr(exc), delay=round(delay, 2)
        )
        for attempt in range(1, 6):
            try:
                async with self.c.uow() as uow:
                    status = await release_print_batch(uow, batch, transient=transient, reason=reason, delay=delay)
                log.info("print.batch_released", batch_id=str(batch.id), status=status and status.value)
                return
            except Exception as again:  # noqa: BLE001 - the database away too: the lease lapses, another claim comes
                log.warning("print.release_failed", batch_id=str(batch.id), error=repr(again))
                await asyncio.sleep(backoff_delay(attempt))
        if transient:
            await asyncio.sleep(delay)


def _chunk_key(message: ChunkMessage) -> tuple[str, int, int]:
    return (str(message.job_id), message.first, message.last)


def _forget(tasks: set[asyncio.Task[object]]) -> Callable[[asyncio.Task[object]], None]:
    """A done-callback for an abandoned chunk: drop it, and read its outcome so none is reported as lost."""

    def done(task: asyncio.Task[object]) -> None:
        tasks.discard(task)
        if not task.cancelled():
            task.exception()

    return done


async def run_worker() -> None:
    """Run one worker process until SIGTERM/SIGINT."""
    settings = get_settings()
    container = await bootstrap.build(settings)
    stop = container.runtime.stop_event
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = BulkWorker(container)
    printer = PrintWorker(container)
    automatic = AutoIssueWorker(container)
    container.start_worker_metrics()
    log.info("worker.started", worker_id=os.environ.get("LMS_WORKER_ID", "worker"), threads=settings.worker_threads)
    try:
        await asyncio.gather(worker.run(stop), printer.run(stop), automatic.run(stop))
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
