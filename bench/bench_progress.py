"""Learner progress under load: 1,000 learners each completing a 10-lesson course, concurrently.

Run from the repository root (it starts its own stack on random ports in a temp folder)::

    .venv/bin/python bench/bench_progress.py                 # 1,000 learners x 10 lessons, 3 runs
    .venv/bin/python bench/bench_progress.py --runs 5 --concurrency 128
    .venv/bin/python bench/bench_progress.py --replicas 2      # two progress processes share the load

What it does, per run:

1. publishes a fresh 10-lesson course by putting a ``lms.courses.course.published.v1`` envelope
   straight onto NATS JetStream, exactly as the courses relay would (the courses service is not
   part of what is measured);
2. enrols the 1,000 learners with one ``POST /v1/courses/{id}/cohort`` call;
3. lets every learner complete their 10 lessons in order through
   ``POST /v1/enrollments/{id}/lessons/{lessonId}/complete`` from a load process of its own
   (asyncio, uvloop and a pool of ``--concurrency`` raw keep-alive HTTP/1.1 connections, spread
   over the ``--replicas`` progress processes), until 10,000 completions and 1,000 completed
   courses;
4. reads every ``lms.progress.course.completed.v1`` of the run back from the stream and takes
   JetStream's own storage timestamp of each, to measure how long after the learner's last
   ``completeLesson`` the completion was on the stream (that path is: commit with the outbox row,
   NOTIFY, the relay process publishes, JetStream stores).

The clocks: every time compared is the machine's one wall clock (``CLOCK_REALTIME``), read by the
load process (``time.time()``), the progress service (the envelope's ``time``, stamped just before
the commit) and nats-server (the storage timestamp). The request is stamped when it is written to
its socket and its answer when read (not when the learner's task began waiting for a pooled
connection, which counted the load generator's own queue). The service answers after its COMMIT,
while the relay publishes in parallel, so the event is often stored before the load process has
read the answer: "answered -> stored" was negative for that reason, not a clock difference. It is
now printed as the share of completions stored before the answer was read, beside the two parts
that add up to the end-to-end figure: the request itself, and staged -> stored (the outbox path).

Reported as medians over the runs: lesson completions per second, p50/p99 of those latencies,
and the peak resident memory of each process (sampled every 100 ms with psutil; Postgres is the
sum of its server processes). Measured in the same run: a reference, ``GET /readyz`` on the same
service (one ``SELECT 1`` round trip plus the HTTP and auth-free framework path), and the ceiling,
``GET /healthz``, the same process and middleware answering a constant, so the completion figure
can be read as ratios on a noisy machine; the figure before group commit (417/s, issue 19) is
printed as historical. The CPU of every process per completion, summed, gives the physical limit
of the machine: its cores divided by that sum.

The load process runs on the same machine and competes for the same cores; its CPU time is
printed on a line of its own (the setup before the load, done with httpx, is not counted), so the
service's figure is clean. CPU per completion of each process is the steadiest figure on a shared
machine: rates and latencies move with whatever else runs, so the load average is printed per run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import psutil
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lms_local import Stack
from lms_local.tokens import mint_token
from lms_shared.events.catalogue import CourseCompletedV1, CoursePublishedV1
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM, connect

ROLES = ("progress", "progress-relay")
HISTORICAL_RATE = 417  # completions/s measured for issue 19, before group commit
LOAD_CLIENT = "bench client (load process)"


@dataclass
class RunResult:
    completions: int
    seconds: float
    completions_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    response_p50_ms: float
    response_p99_ms: float
    staged_to_stored_p50_ms: float
    staged_to_stored_p99_ms: float
    stored_before_answer_share: float
    reference_per_s: float
    ceiling_per_s: float
    errors: int
    cpu_ms_per_completion: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)


class MemorySampler:
    """Peak RSS per named process (a name may cover a process tree, e.g. Postgres)."""

    def __init__(self, pids: dict[str, int], interval: float = 0.1) -> None:
        self._pids = pids
        self._interval = interval
        self.peak: dict[str, float] = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, pid: int) -> float:
        try:
            procs = _tree(pid)
        except psutil.Error:
            return 0.0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self._pids.items():
                self.peak[name] = max(self.peak[name], self._rss(pid))
            self._stop.wait(self._interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _tree(pid: int) -> list[psutil.Process]:
    """The process and, except for this benchmark itself (whose children are the stack), its children."""
    root = psutil.Process(pid)
    return [root] if pid == os.getpid() else [root, *root.children(recursive=True)]


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU time used so far by each named process tree."""
    out: dict[str, float] = {}
    for name, pid in pids.items():
        total = 0.0
        try:
            for p in _tree(pid):
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        out[name] = total
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    ram = psutil.virtual_memory().total / 2**30
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.1f} GiB RAM, {system}"


def token(secret: str, sub: str, roles: list[str]) -> str:
    return mint_token(secret, sub=sub, name=f"Bench {sub}", roles=roles)


def course_event(course_id: str, lessons: int, owner: str) -> CoursePublishedV1:
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": 1,
            "slug": course_id,
            "owner_id": owner,
            "default_language": "az",
            "languages": ["az"],
            "titles": {"az": "Şəhər büdcəsi"},
            "modules": [
                {
                    "id": f"{course_id}-m",
                    "position": 1,
                    "titles": {"az": "Modul"},
                    "lessons": [
                        {"id": f"{course_id}-l{i}", "position": i, "kind": "TEXT", "titles": {"az": f"Dərs {i}"}}
                        for i in range(1, lessons + 1)
                    ],
                }
            ],
            "published_at": datetime.now(UTC),
        }
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class KeepAliveClient:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams: the load generator.

    httpx costs about 10 ms of CPU per request, more than the service it measures, on the same two
    cores. The load needs only bodiless POSTs and GETs with a bearer token against uvicorn, which
    always answers with a Content-Length, so a pool of raw connections is enough and costs little.
    """

    def __init__(self, targets: list[tuple[str, int]], connections: int) -> None:
        self._targets = targets
        self._size = connections
        self._idle: asyncio.Queue[tuple[int, asyncio.StreamReader, asyncio.StreamWriter] | None] = asyncio.Queue()
        self.reconnects = 0

    async def __aenter__(self) -> KeepAliveClient:
        for n in range(self._size):
            self._idle.put_nowait(await self._connect(n % len(self._targets)))
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            if conn is not None:
                conn[2].close()

    async def _connect(self, target: int) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
        host, port = self._targets[target]
        reader, writer = await asyncio.open_connection(host, port)
        return target, reader, writer

    async def request(self, method: str, path: str, bearer: str | None = None) -> tuple[int, bytes]:
        """Send one request on an idle connection (waiting for one: the pool size caps concurrency)."""
        status, body, _ = await self.timed_request(method, path, bearer, [])
        return status, body

    async def timed_request(
        self, method: str, path: str, bearer: str | None, sent_at: list[float]
    ) -> tuple[int, bytes, float]:
        """:meth:`request`, stamping the wall-clock time (``time.time()``) at which it is written to the
        socket onto ``sent_at`` (kept when the connection breaks, for a retry to report the first
        attempt) and returning the one at which its answer was read: not when it began waiting for an
        idle connection of the pool."""
        conn = await self._idle.get()
        assert conn is not None
        target, reader, writer = conn
        host, port = self._targets[target]
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\n"
        if bearer:
            head += f"Authorization: Bearer {bearer}\r\n"
        try:
            sent_at.append(time.time())
            writer.write((head + "\r\n").encode())
            status, length, close = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            body = await reader.readexactly(length)
            answered = time.time()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            self.reconnects += 1
            self._idle.put_nowait(await self._connect(target))
            raise
        if close:
            writer.close()
            conn = await self._connect(target)
        self._idle.put_nowait(conn)
        return status, body, answered


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding":
            raise RuntimeError("chunked responses are not expected from these endpoints")
    return status, length, close


@dataclass
class LoadPlan:
    """What the load process needs: who completes which lessons where, and whose CPU to count."""

    targets: list[tuple[str, int]]
    enrollments: list[tuple[str, str]]  # (enrollment id, learner token)
    lesson_ids: list[str]
    concurrency: int
    reference_requests: int
    pids: dict[str, int]


@dataclass
class LoadResult:
    seconds: float
    last_sent: dict[str, float]
    last_done: dict[str, float]
    errors: int
    retries: int
    reference_per_s: float
    ceiling_per_s: float
    cpu_seconds: dict[str, float]
    peak_rss_mb: float


def load_process(plan: LoadPlan, results: Connection) -> None:
    """Entry point of the load process (spawned), so the client's CPU is its own and counted apart."""
    try:
        import uvloop

        results.send(uvloop.run(_load(plan)))
    finally:
        results.close()


async def _load(plan: LoadPlan) -> LoadResult:
    last_sent: dict[str, float] = {}
    last_done: dict[str, float] = {}
    errors = 0
    retries = 0
    async with KeepAliveClient(plan.targets, plan.concurrency) as http:

        async def complete_lesson(eid: str, lesson: str, bearer: str) -> tuple[int, float, float]:
            """completeLesson is idempotent, so a request cut off by a dropped connection is simply retried.

            Answers the status, when the first attempt was written to the socket and when the answer
            was read (wall clock, as JetStream stamps what it stores)."""
            nonlocal retries
            sent_at: list[float] = []
            path = f"/v1/enrollments/{eid}/lessons/{lesson}/complete"
            for attempt in range(3):
                try:
                    status, _, answered = await http.timed_request("POST", path, bearer, sent_at)
                    return status, sent_at[0], answered
                except (OSError, asyncio.IncompleteReadError):
                    if attempt == 2:
                        raise
                    retries += 1
            raise AssertionError("unreachable")

        async def study(eid: str, bearer: str) -> None:
            nonlocal errors
            for n, lesson in enumerate(plan.lesson_ids):
                status, sent, done = await complete_lesson(eid, lesson, bearer)
                if status != 200:
                    errors += 1
                if n == len(plan.lesson_ids) - 1:
                    last_sent[eid], last_done[eid] = sent, done

        pids = {**plan.pids, LOAD_CLIENT: os.getpid()}
        cpu_before = cpu_seconds(pids)
        start = time.perf_counter()
        await asyncio.gather(*(study(eid, bearer) for eid, bearer in plan.enrollments))
        seconds = time.perf_counter() - start
        cpu_after = cpu_seconds(pids)

        async def get(path: str) -> None:
            status, body = await http.request("GET", path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")

        async def rate(path: str) -> float:
            started = time.perf_counter()
            await asyncio.gather(*(get(path) for _ in range(plan.reference_requests)))
            return plan.reference_requests / (time.perf_counter() - started)

        reference = await rate("/readyz")
        # The ceiling: the same process, middleware and framework answering a constant (no database).
        ceiling = await rate("/healthz")
    return LoadResult(
        seconds=seconds,
        last_sent=last_sent,
        last_done=last_done,
        errors=errors,
        retries=retries,
        reference_per_s=reference,
        ceiling_per_s=ceiling,
        cpu_seconds={k: cpu_after[k] - cpu_before[k] for k in pids},
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def run_load(plan: LoadPlan) -> LoadResult:
    """Run the load in a process of its own and wait for its result."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=load_process, args=(plan, sender), name="bench-progress-load")
    worker.start()
    sender.close()
    try:
        result: LoadResult = receiver.recv()
    except EOFError:
        raise RuntimeError(f"the load process died (exit code {worker.exitcode})") from None
    finally:
        worker.join()
    return result


async def one_run(stack: Stack, args: argparse.Namespace, pids: dict[str, int]) -> RunResult:
    env = stack.env
    secret = env["LMS_JWT_SECRET"]
    base = env["LMS_PROGRESS_URL"]
    nc, js = await connect(env["LMS_NATS_URL"], "bench-progress")
    # Setup only (cohort, enrolment lookup): httpx is fine here, it is not part of what is measured.
    http = httpx.AsyncClient(base_url=base, timeout=60, trust_env=False)
    try:
        owner = f"bench-trainer-{uuid.uuid4().hex[:6]}"
        course_id = f"bench-{uuid.uuid4().hex[:8]}"
        event = course_event(course_id, args.lessons, owner)
        envelope = event.envelope()
        await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
        learners = [f"{course_id}-learner-{i}" for i in range(args.learners)]
        trainer = {"Authorization": f"Bearer {token(secret, owner, ['trainer'])}"}
        members = [{"learnerId": lid, "name": f"Öyrənən {i}", "org": "AZ"} for i, lid in enumerate(learners)]
        for _ in range(200):  # wait for progress to consume course.published
            r = await http.post(f"/v1/courses/{course_id}/cohort", json={"members": members}, headers=trainer)
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        r.raise_for_status()
        assert r.json()["enrolled"] == args.learners, r.text
        tokens = {lid: token(secret, lid, ["learner"]) for lid in learners}
        enrollment_of: dict[str, str] = {}
        lookups = asyncio.Semaphore(16)

        async def find_enrollment(lid: str) -> None:
            async with lookups:
                mine = await http.get(
                    "/v1/enrollments/mine",
                    params={"courseIds": course_id},
                    headers={"Authorization": f"Bearer {tokens[lid]}"},
                )
            enrollment_of[lid] = mine.json()["nodes"][0]["id"]

        await asyncio.gather(*(find_enrollment(lid) for lid in learners))
        plan = LoadPlan(
            targets=progress_targets(stack),
            enrollments=[(enrollment_of[lid], tokens[lid]) for lid in learners],
            lesson_ids=[f"{course_id}-l{i}" for i in range(1, args.lessons + 1)],
            concurrency=args.concurrency,
            reference_requests=args.reference_requests,
            pids=pids,
        )
        load = await asyncio.to_thread(run_load, plan)
        completions = args.learners * args.lessons
        cpu_ms = {k: v * 1000 / completions for k, v in load.cpu_seconds.items()}

        # Every time compared here is the machine's one wall clock (CLOCK_REALTIME): the load process's
        # time.time(), the service's envelope time and nats-server's storage time. The request is
        # stamped when it is written to the socket, not when it began waiting for a pooled connection.
        found = await completion_timestamps(js, set(load.last_sent), timeout=60)
        latencies = [(stored - load.last_sent[e]) * 1000 for e, (_, stored) in found.items()]
        responses = [(load.last_done[e] - load.last_sent[e]) * 1000 for e in found]
        staged_to_stored = [(stored - staged) * 1000 for staged, stored in found.values()]
        before_answer = sum(1 for e, (_, stored) in found.items() if stored < load.last_done[e])
        missing = len(load.last_sent) - len(found)
        if missing:
            print(f"  WARNING: {missing} course.completed events not found on the stream", file=sys.stderr)
        seconds = load.seconds
        print(
            f"  run: {completions / seconds:,.0f} completions/s in {seconds:.1f} s, "
            f"p50 {percentile(latencies, 50):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms (staged -> stored p50 {percentile(staged_to_stored, 50):.1f} ms, "
            f"{before_answer / max(1, len(found)):.0%} stored before the answer was read), "
            f"reference /readyz {load.reference_per_s:,.0f}/s, ceiling /healthz {load.ceiling_per_s:,.0f}/s, "
            f"errors {load.errors}, retried {load.retries}, load average {os.getloadavg()[0]:.1f}"
        )
        return RunResult(
            completions=completions,
            seconds=seconds,
            completions_per_s=completions / seconds,
            latency_p50_ms=percentile(latencies, 50),
            latency_p99_ms=percentile(latencies, 99),
            response_p50_ms=percentile(responses, 50),
            response_p99_ms=percentile(responses, 99),
            staged_to_stored_p50_ms=percentile(staged_to_stored, 50),
            staged_to_stored_p99_ms=percentile(staged_to_stored, 99),
            stored_before_answer_share=before_answer / max(1, len(found)),
            reference_per_s=load.reference_per_s,
            ceiling_per_s=load.ceiling_per_s,
            errors=load.errors + missing,
            cpu_ms_per_completion=cpu_ms,
            peak_rss_mb={LOAD_CLIENT: load.peak_rss_mb},
        )
    finally:
        await http.aclose()
        await nc.drain()


def progress_targets(stack: Stack) -> list[tuple[str, int]]:
    """(host, port) of every progress replica: the load is spread over them connection by connection."""
    targets = [("127.0.0.1", p.port) for p in stack.procs if p.role == "progress" and p.port is not None]
    if not targets:
        raise RuntimeError("no progress replica is running")
    return targets


async def completion_timestamps(js: object, enrollment_ids: set[str], timeout: float) -> dict[str, tuple[float, float]]:
    """Per enrolment, when its course.completed was staged (the envelope's time, stamped by the
    progress service just before the commit that writes it to the outbox) and when JetStream stored
    it (the message's storage timestamp), both unix seconds."""
    found: dict[str, tuple[float, float]] = {}
    deadline = time.monotonic() + timeout
    sub = await js.pull_subscribe(  # type: ignore[attr-defined]
        CourseCompletedV1.TYPE,
        stream=EVENTS_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60),
    )
    try:
        while len(found) < len(enrollment_ids) and time.monotonic() < deadline:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except TimeoutError:
                continue
            for m in msgs:
                env = Envelope.from_bytes(m.data)
                if env.subject_key in enrollment_ids and m.metadata and m.metadata.timestamp:
                    found.setdefault(env.subject_key, (env.time.timestamp(), m.metadata.timestamp.timestamp()))
    finally:
        await sub.unsubscribe()
    return found


def start_stack(folder: Path, replicas: int) -> Stack:
    stack = Stack(folder, ports=None, env_overrides={"LMS_ENV": "test", "LMS_LOG_LEVEL": "WARNING"})
    stack.start_infra()
    # Only the progress database: the benchmark runs no other service.
    subprocess.run(
        [stack.python, "-m", "lms_shared.migrate", "progress"],
        env=stack.child_env(),
        cwd=stack.repo_root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stack.start_role("progress", replicas=replicas)  # replica n listens on the base port + 10 n
    stack.start_role("progress-relay")
    stack.wait_healthy(timeout=120, names=ROLES)
    return stack


def process_ids(stack: Stack) -> dict[str, int]:
    pids: dict[str, int] = {}
    for proc in stack.procs:
        if (proc.name in ("postgres", "nats") or proc.role in ROLES) and proc.pid is not None:
            pids[proc.name] = proc.pid
    return pids


def med(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--lessons", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    parser.add_argument("--reference-requests", type=int, default=5000)
    parser.add_argument("--replicas", type=int, default=1, help="progress processes (the load is spread over them)")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(
        f"workload: {args.learners} learners x {args.lessons} lessons, {args.concurrency} requests in flight, "
        f"{args.runs} runs; {args.replicas} progress process(es) (uvicorn, uvloop), one relay process, "
        "the load from a process of its own (raw keep-alive HTTP/1.1)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-progress-") as folder:
        stack = start_stack(Path(folder), args.replicas)
        try:
            results: list[RunResult] = []
            for n in range(args.runs):
                with MemorySampler(process_ids(stack)) as sampler:
                    result = asyncio.run(one_run(stack, args, process_ids(stack)))
                result.peak_rss_mb = {**sampler.peak, LOAD_CLIENT: result.peak_rss_mb.get(LOAD_CLIENT, 0.0)}
                results.append(result)
                print(f"  run {n + 1}/{args.runs} done")
        finally:
            stack.stop()

    rate = med(r.completions_per_s for r in results)
    ref = med(r.reference_per_s for r in results)
    p50, p99 = med(r.latency_p50_ms for r in results), med(r.latency_p99_ms for r in results)
    print()
    print(f"lesson completions per second (median of {len(results)}): {rate:,.0f}   [target >= 2,000]")
    ceiling = med(r.ceiling_per_s for r in results)
    print(f"reference GET /readyz per second (same runs):          {ref:,.0f}   ratio {rate / ref:.2f}")
    print(f"ceiling GET /healthz per second (a constant, same stack): {ceiling:,.0f}   ratio {rate / ceiling:.2f}")
    print(f"historical: {HISTORICAL_RATE}/s before group commit (issue 19), ratio {rate / HISTORICAL_RATE:.2f}")
    print(
        f"last completeLesson written -> course.completed stored in JetStream: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        "   [target p99 < 200 ms]"
    )
    print(
        "  the request itself (written -> answer read by the load process): "
        f"p50 {med(r.response_p50_ms for r in results):.1f} ms, p99 {med(r.response_p99_ms for r in results):.1f} ms"
    )
    print(
        "  staged by the service (before its commit) -> stored (outbox, NOTIFY, relay, JetStream): "
        f"p50 {med(r.staged_to_stored_p50_ms for r in results):.1f} ms, "
        f"p99 {med(r.staged_to_stored_p99_ms for r in results):.1f} ms"
    )
    print(
        "  stored before the load process had read the answer: "
        f"{med(r.stored_before_answer_share for r in results):.0%} of completions (the relay runs beside the "
        "response; not a clock difference)"
    )
    print("per process, median of runs:   peak RSS    CPU per lesson completion")
    cpu_total = 0.0
    for name in results[0].cpu_ms_per_completion:
        rss = med(r.peak_rss_mb.get(name, 0.0) for r in results)
        cpu = med(r.cpu_ms_per_completion.get(name, 0.0) for r in results)
        cpu_total += cpu
        print(f"  {name:28s} {rss:8.1f} MiB  {cpu:6.2f} ms")
    cores = os.cpu_count() or 1
    print(
        f"  all of them                               {cpu_total:6.2f} ms: the {cores} cores allow at most "
        f"{cores * 1000 / cpu_total:,.0f} completions/s with every process on this machine (the physical limit)"
    )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (other load skews rates)")
    errors = sum(r.errors for r in results)
    print(f"errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
