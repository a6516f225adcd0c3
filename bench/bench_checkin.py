"""Check-in at a live session under load: 2,000 participants checking in within five minutes (issue 15).

Run from the repository root (it starts its own stack on random ports in a temp folder)::

    .venv/bin/python bench/bench_checkin.py                  # 2,000 participants, 3 runs
    .venv/bin/python bench/bench_checkin.py --runs 5 --concurrency 64

What it does, per run:

1. publishes a fresh course (one LIVE lesson happening now, one TEXT lesson) by putting a
   ``lms.courses.course.published.v1`` envelope straight onto NATS JetStream, as the courses relay
   would, and enrols the 2,000 participants with one cohort call;
2. the reference, in the same run: every participant completes the TEXT lesson
   (``POST /v1/enrollments/{id}/lessons/{lessonId}/complete``, the platform's hottest write);
3. the trainer opens check-in (``POST /v1/check-in-codes``) and a projector task rotates the code
   every 30 s; every participant checks in with the code on the screen
   (``POST /v1/enrollments/{id}/lessons/{lessonId}/check-in``): attendance row, lesson completion,
   ``attendance.recorded`` and ``lesson.completed`` in the outbox, one transaction each;
4. checks that exactly 2,000 were recorded present and no request failed.

Both phases use the same client (httpx, ``--concurrency`` requests in flight) against the same
process, so the ratio check-ins/s ÷ completions/s reads well on a noisy shared machine. Reported as
medians over the runs: check-ins per second, p50/p99 latency, the reference, the ratio, and how much
faster than the requirement (2,000 in 300 s = 6.7 per second) the service went.
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
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil

from lms_local import Stack
from lms_local.tokens import mint_token
from lms_shared.events.catalogue import CoursePublishedV1
from lms_shared.jetstream import connect

ROLES = ("progress", "progress-relay")
REQUIRED_PER_S = 2000 / 300


@dataclass
class Phase:
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else float("nan")

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]


@dataclass
class RunResult:
    checkin: Phase
    reference: Phase
    present: int


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
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.1f} GiB RAM, {platform.system()} {platform.release()}"


def course_event(course_id: str, owner: str) -> CoursePublishedV1:
    starts = datetime.now(UTC) - timedelta(minutes=5)
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": 1,
            "slug": course_id,
            "owner_id": owner,
            "default_language": "az",
            "languages": ["az"],
            "titles": {"az": "Regional Şəhər Forumu"},
            "modules": [
                {
                    "id": f"{course_id}-m",
                    "position": 1,
                    "titles": {"az": "Gün 1"},
                    "lessons": [
                        {
                            "id": f"{course_id}-live",
                            "position": 1,
                            "kind": "LIVE",
                            "titles": {"az": "Açılış"},
                            "live": {
                                "starts_at": starts.isoformat(),
                                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                                "timezone": "Asia/Baku",
                            },
                        },
                        {"id": f"{course_id}-read", "position": 2, "kind": "TEXT", "titles": {"az": "Proqram"}},
                    ],
                }
            ],
            "published_at": datetime.now(UTC),
        }
    )


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, str] | None, tok: str) -> httpx.Response | None:
    """A phone retries a request whose connection broke (check-in and completion are idempotent)."""
    for _ in range(3):
        try:
            return await http.post(path, json=body, headers={"Authorization": f"Bearer {tok}"})
        except httpx.TransportError:
            continue
    return None


Body = Callable[[], dict[str, str] | None]


async def phase(http: httpx.AsyncClient, calls: list[tuple[str, str, Body]], concurrency: int) -> Phase:
    """POST every (path, token, body) with ``concurrency`` in flight; latency per request. The body is
    made when the request is sent: a participant types the code on the screen at that moment."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors = 0

    async def one(path: str, tok: str, body: Body) -> None:
        nonlocal errors
        async with gate:
            began = time.perf_counter()
            r = await _post(http, path, body(), tok)
            latencies.append((time.perf_counter() - began) * 1000)
            if r is None or r.status_code != 200:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(*c) for c in calls))
    return Phase(len(calls), time.perf_counter() - start, errors, latencies)


async def one_run(stack: Stack, args: argparse.Namespace) -> RunResult:
    env = stack.env
    secret = env["LMS_JWT_SECRET"]
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) would close them under us.
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency, keepalive_expiry=2
    )
    http = httpx.AsyncClient(base_url=env["LMS_PROGRESS_URL"], timeout=60, trust_env=False, limits=limits)
    nc, js = await connect(env["LMS_NATS_URL"], "bench-checkin")
    try:
        owner = f"bench-trainer-{uuid.uuid4().hex[:6]}"
        course_id = f"forum-{uuid.uuid4().hex[:8]}"
        envelope = course_event(course_id, owner).envelope()
        await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
        trainer = {"Authorization": f"Bearer {mint_token(secret, sub=owner, name='Trainer', roles=['trainer'])}"}
        people = [f"{course_id}-p{i}" for i in range(args.participants)]
        members = [{"learnerId": p, "name": f"İştirakçı {i}", "org": "AZ"} for i, p in enumerate(people)]
        for _ in range(300):  # wait for progress to consume course.published
            r = await http.post(f"/v1/courses/{course_id}/cohort", json={"members": members}, headers=trainer)
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        r.raise_for_status()
        tokens = {p: mint_token(secret, sub=p, name=f"Bench {p}", roles=["learner"]) for p in people}
        enrollment_of: dict[str, str] = {}
        lookups = asyncio.Semaphore(16)

        async def find(p: str) -> None:
            async with lookups:
                for attempt in range(3):
                    try:
                        mine = await http.get(
                            "/v1/enrollments/mine",
                            params={"courseIds": course_id},
                            headers={"Authorization": f"Bearer {tokens[p]}"},
                        )
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
            enrollment_of[p] = mine.json()["nodes"][0]["id"]

        await asyncio.gather(*(find(p) for p in people))

        reference = await phase(
            http,
            [
                (f"/v1/enrollments/{enrollment_of[p]}/lessons/{course_id}-read/complete", tokens[p], lambda: None)
                for p in people
            ],
            args.concurrency,
        )

        lesson = f"{course_id}-live"
        screen: dict[str, str] = {}

        async def rotate() -> None:
            r = await http.post("/v1/check-in-codes", json={"lessonId": lesson}, headers=trainer)
            r.raise_for_status()
            screen["code"] = r.json()["code"]

        await rotate()

        async def projector() -> None:
            while True:
                await asyncio.sleep(30)
                await rotate()

        rotating = asyncio.create_task(projector())
        try:
            checkin = await phase(
                http,
                [
                    (
                        f"/v1/enrollments/{enrollment_of[p]}/lessons/{lesson}/check-in",
                        tokens[p],
                        lambda: {"code": screen["code"]},
                    )
                    for p in people
                ],
                args.concurrency,
            )
        finally:
            rotating.cancel()
        live = (await http.get(f"/v1/courses/{course_id}/live", headers=trainer)).json()["nodes"]
        present = next(n["attended"] for n in live if n["lessonId"] == lesson)
        return RunResult(checkin=checkin, reference=reference, present=present)
    finally:
        await http.aclose()
        await nc.drain()


def start_stack(folder: Path) -> Stack:
    stack = Stack(folder, ports=None, env_overrides={"LMS_ENV": "test", "LMS_LOG_LEVEL": "WARNING"})
    stack.start_infra()
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


def med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at most")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"workload: {args.participants} participants check in to one live session, {args.concurrency} requests in"
        f" flight, {args.runs} runs; one progress process, one relay; reference: completeLesson by the same"
        " participants in the same run"
    )
    with tempfile.TemporaryDirectory(prefix="bench-checkin-") as folder:
        stack = start_stack(Path(folder))
        try:
            results: list[RunResult] = []
            for n in range(args.runs):
                result = asyncio.run(one_run(stack, args))
                results.append(result)
                print(
                    f"  run {n + 1}/{args.runs}: {result.checkin.per_s:,.0f} check-ins/s"
                    f" (p50 {result.checkin.pct(50):.1f} ms, p99 {result.checkin.pct(99):.1f} ms),"
                    f" completeLesson {result.reference.per_s:,.0f}/s, {result.present} present,"
                    f" errors {result.checkin.errors}+{result.reference.errors},"
                    f" load {os.getloadavg()[0]:.1f}"
                )
        finally:
            stack.stop()
    rate = med([r.checkin.per_s for r in results])
    ref = med([r.reference.per_s for r in results])
    p50 = med([r.checkin.pct(50) for r in results])
    p99 = med([r.checkin.pct(99) for r in results])
    seconds = med([r.checkin.seconds for r in results])
    print()
    print(f"check-ins per second (median of {len(results)}): {rate:,.0f}; {args.participants} in {seconds:.1f} s")
    print(f"check-in latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"reference completeLesson per second (same runs): {ref:,.0f}   ratio {rate / ref:.2f}")
    print(f"requirement 2,000 in 5 minutes = {REQUIRED_PER_S:.1f}/s: {rate / REQUIRED_PER_S:,.0f}x headroom")
    failed = [r for r in results if r.present != args.participants or r.checkin.errors or r.reference.errors]
    if failed:
        print(f"FAILED: {len(failed)} run(s) lost or failed check-ins", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
