"""Learner progress under load: 1,000 learners each completing a 10-lesson course, concurrently.

Run from the repository root (it starts its own stack on random ports in a temp folder)::

    .venv/bin/python bench/bench_progress.py                 # 1,000 learners x 10 lessons, 3 runs
    .venv/bin/python bench/bench_progress.py --runs 5 --concurrency 128

What it does, per run:

1. publishes a fresh 10-lesson course by putting a ``lms.courses.course.published.v1`` envelope
   straight onto NATS JetStream, exactly as the courses relay would (the courses service is not
   part of what is measured);
2. enrols the 1,000 learners with one ``POST /v1/courses/{id}/cohort`` call;
3. lets every learner complete their 10 lessons in order through
   ``POST /v1/enrollments/{id}/lessons/{lessonId}/complete`` (asyncio + httpx, at most
   ``--concurrency`` requests in flight), until 10,000 completions and 1,000 completed courses;
4. reads every ``lms.progress.course.completed.v1`` of the run back from the stream and takes
   JetStream's own storage timestamp of each, to measure how long after the learner's last
   ``completeLesson`` the completion was on the stream (that path is: commit with the outbox row,
   NOTIFY, the relay process publishes, JetStream stores).

Reported as medians over the runs: lesson completions per second, p50/p99 of that latency,
and the peak resident memory of each process (sampled every 100 ms with psutil; Postgres is the
sum of its server processes). A reference is measured in the same run: the throughput of
``GET /readyz`` on the same service (one ``SELECT 1`` round trip plus the HTTP and auth-free
framework path), so the completion figure can be read as a ratio on a noisy machine.

The benchmark client runs on the same machine and competes for the same cores; its own CPU time
is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
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
from pathlib import Path

import httpx
import jwt
import psutil
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lms_local import Stack
from lms_shared.events.catalogue import CourseCompletedV1, CoursePublishedV1
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM, connect

ROLES = ("progress", "progress-relay")


@dataclass
class RunResult:
    completions: int
    seconds: float
    completions_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_after_response_p50_ms: float
    latency_after_response_p99_ms: float
    reference_per_s: float
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
    now = int(time.time())
    return jwt.encode(
        {"sub": sub, "name": f"Bench {sub}", "roles": roles, "iat": now, "exp": now + 3600}, secret, algorithm="HS256"
    )


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


async def reference_throughput(http: httpx.AsyncClient, requests: int, concurrency: int) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            r = await http.get("/readyz")
            r.raise_for_status()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - start)


async def one_run(stack: Stack, args: argparse.Namespace, pids: dict[str, int]) -> RunResult:
    env = stack.env
    secret = env["LMS_JWT_SECRET"]
    base = env["LMS_PROGRESS_URL"]
    nc, js = await connect(env["LMS_NATS_URL"], "bench-progress")
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them under us.
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency, keepalive_expiry=4.0
    )
    http = httpx.AsyncClient(base_url=base, timeout=60, limits=limits, trust_env=False)
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
        tokens = {lid: {"Authorization": f"Bearer {token(secret, lid, ['learner'])}"} for lid in learners}
        enrollment_of: dict[str, str] = {}
        lookups = asyncio.Semaphore(args.concurrency)

        async def find_enrollment(lid: str) -> None:
            async with lookups:
                mine = await http.get("/v1/enrollments/mine", params={"courseIds": course_id}, headers=tokens[lid])
            enrollment_of[lid] = mine.json()["nodes"][0]["id"]

        await asyncio.gather(*(find_enrollment(lid) for lid in learners))

        lesson_ids = [f"{course_id}-l{i}" for i in range(1, args.lessons + 1)]
        sem = asyncio.Semaphore(args.concurrency)
        last_sent: dict[str, float] = {}
        last_done: dict[str, float] = {}
        errors = 0
        retries = 0

        async def complete_lesson(eid: str, lesson: str, headers: dict[str, str]) -> httpx.Response:
            """completeLesson is idempotent, so a request cut off by a dropped connection is simply retried."""
            nonlocal retries
            for attempt in range(3):
                try:
                    return await http.post(f"/v1/enrollments/{eid}/lessons/{lesson}/complete", headers=headers)
                except httpx.TransportError:
                    if attempt == 2:
                        raise
                    retries += 1
            raise AssertionError("unreachable")

        async def study(lid: str) -> None:
            nonlocal errors
            eid = enrollment_of[lid]
            for n, lesson in enumerate(lesson_ids):
                async with sem:
                    sent = time.time()
                    resp = await complete_lesson(eid, lesson, tokens[lid])
                    done = time.time()
                if resp.status_code != 200:
                    errors += 1
                if n == len(lesson_ids) - 1:
                    last_sent[eid], last_done[eid] = sent, done

        cpu_before = cpu_seconds(pids)
        start = time.perf_counter()
        await asyncio.gather(*(study(lid) for lid in learners))
        seconds = time.perf_counter() - start
        cpu_after = cpu_seconds(pids)
        completions = args.learners * args.lessons
        cpu_ms = {k: (cpu_after[k] - cpu_before[k]) * 1000 / completions for k in pids}

        stored_at = await completion_timestamps(js, set(last_sent), timeout=60)
        latencies = [(stored_at[e] - last_sent[e]) * 1000 for e in stored_at]
        after_response = [(stored_at[e] - last_done[e]) * 1000 for e in stored_at]
        missing = len(last_sent) - len(stored_at)
        if missing:
            print(f"  WARNING: {missing} course.completed events not found on the stream", file=sys.stderr)
        reference = await reference_throughput(http, args.reference_requests, args.concurrency)
        print(
            f"  run: {completions / seconds:,.0f} completions/s in {seconds:.1f} s, "
            f"p50 {percentile(latencies, 50):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms, reference /readyz {reference:,.0f}/s, errors {errors}, "
            f"retried {retries}"
        )
        return RunResult(
            completions=completions,
            seconds=seconds,
            completions_per_s=completions / seconds,
            latency_p50_ms=percentile(latencies, 50),
            latency_p99_ms=percentile(latencies, 99),
            latency_after_response_p50_ms=percentile(after_response, 50),
            latency_after_response_p99_ms=percentile(after_response, 99),
            reference_per_s=reference,
            errors=errors + missing,
            cpu_ms_per_completion=cpu_ms,
        )
    finally:
        await http.aclose()
        await nc.drain()


async def completion_timestamps(js: object, enrollment_ids: set[str], timeout: float) -> dict[str, float]:
    """JetStream's storage time of each enrolment's course.completed (unix seconds)."""
    found: dict[str, float] = {}
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
                    found.setdefault(env.subject_key, m.metadata.timestamp.timestamp())
    finally:
        await sub.unsubscribe()
    return found


def start_stack(folder: Path) -> Stack:
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
    for role in ROLES:
        stack.start_role(role)
    stack.wait_healthy(timeout=120, names=ROLES)
    return stack


def process_ids(stack: Stack) -> dict[str, int]:
    pids: dict[str, int] = {}
    for proc in stack.procs:
        if proc.name in ("postgres", "nats", *ROLES) and proc.pid is not None:
            pids[proc.name] = proc.pid
    pids["bench client"] = os.getpid()
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
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(
        f"workload: {args.learners} learners x {args.lessons} lessons, {args.concurrency} requests in flight, "
        f"{args.runs} runs; one progress process (uvicorn, uvloop) and one relay process"
    )
    with tempfile.TemporaryDirectory(prefix="bench-progress-") as folder:
        stack = start_stack(Path(folder))
        try:
            results: list[RunResult] = []
            for n in range(args.runs):
                with MemorySampler(process_ids(stack)) as sampler:
                    result = asyncio.run(one_run(stack, args, process_ids(stack)))
                result.peak_rss_mb = sampler.peak
                results.append(result)
                print(f"  run {n + 1}/{args.runs} done")
        finally:
            stack.stop()

    rate = med(r.completions_per_s for r in results)
    ref = med(r.reference_per_s for r in results)
    p50, p99 = med(r.latency_p50_ms for r in results), med(r.latency_p99_ms for r in results)
    print()
    print(f"lesson completions per second (median of {len(results)}): {rate:,.0f}   [target >= 2,000]")
    print(f"reference GET /readyz per second (same runs):          {ref:,.0f}   ratio {rate / ref:.2f}")
    print(
        f"last completeLesson sent -> course.completed stored in JetStream: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        "   [target p99 < 200 ms]"
    )
    print(
        "last completeLesson answered -> stored:                  "
        f"p50 {med(r.latency_after_response_p50_ms for r in results):.1f} ms, "
        f"p99 {med(r.latency_after_response_p99_ms for r in results):.1f} ms"
    )
    print("per process, median of runs:   peak RSS    CPU per lesson completion")
    for name in results[0].peak_rss_mb:
        rss = med(r.peak_rss_mb.get(name, 0.0) for r in results)
        cpu = med(r.cpu_ms_per_completion.get(name, 0.0) for r in results)
        print(f"  {name:24s} {rss:8.1f} MiB  {cpu:6.2f} ms")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (other load skews rates)")
    errors = sum(r.errors for r in results)
    print(f"errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
