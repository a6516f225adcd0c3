"""End-to-end bulk issue: certificates per second with 2 workers, worker memory, and the references.

Run from the repository root (``make bench`` runs it with the defaults)::

    .venv/bin/python bench/bench_certificates.py                  # 10,000 certificates, 3 runs
    .venv/bin/python bench/bench_certificates.py -n 2000 --runs 1 --reference-limit 50

What is measured, per run, on a stack of its own (embedded Postgres, NATS, SeaweedFS in a temporary
folder; the certificates API, its outbox relay and 2 worker processes):

* from the moment ``POST /v1/bulk-jobs`` is sent until the job is COMPLETED *and* every
  certificate's ``certificate.issued`` event has left the outbox: so the figure covers the PDF
  (rendered and uploaded to S3), the signed credential, the database row and the event;
* each worker's peak resident memory (psutil, sampled every 0.2 s). A warm-up job of
  ``--warmup`` certificates runs first; its peak is printed next to the big job's to show memory
  does not grow with the job size.

After the runs, on the same certificates (same names, titles and languages), the two
straightforward reference renderers of ``bench_certificate_render.py`` are timed in this process:
fpdf2 adding its font to every document, and WeasyPrint from HTML. They only render (no signature,
no upload, no database), so the ratio flatters them.

The figure is the median over ``--runs`` runs, each on a fresh course.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_certificate_render import (
    NAMES,
    TITLES,
    fpdf2_renderer,
    make_jobs,
    measure,
    static_fonts,
    weasyprint_renderer,
)

from certificates.domain.templates import default_template
from lms_local import Stack
from lms_local.tokens import mint_token
from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CertificatePolicy, CoursePublishedV1
from lms_shared.jetstream import connect

WORKER = "certificates-worker"
ROLES = ("certificates", "certificates-relay")


@dataclass
class MemorySampler:
    """Peak RSS per worker process, sampled on a thread while a job runs."""

    pids: list[int]
    peaks: dict[int, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    """CPU time (user + system) the sampled processes used while the job ran."""
    _stop: threading.Event = field(default_factory=threading.Event)

    def _cpu(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                root = psutil.Process(pid)
                # Postgres works in one child process per connection: count the children too.
                for proc in [root, *root.children(recursive=True)]:
                    times = proc.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def __enter__(self) -> MemorySampler:
        self._cpu_start = self._cpu()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_seconds = self._cpu() - self._cpu_start

    def _run(self) -> None:
        procs = [psutil.Process(pid) for pid in self.pids]
        while not self._stop.is_set():
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[p.pid] = max(self.peaks.get(p.pid, 0), rss)
            self._stop.wait(0.2)


def recipients(count: int, tag: str) -> list[dict[str, str]]:
    """Names and locales cycling through the seven languages, like the reference certificates."""
    languages = list(NAMES)
    out = []
    for i in range(count):
        lang = languages[i % len(languages)]
        names = NAMES[lang]
        out.append(
            {
                "name": names[(i // len(languages)) % len(names)],
                "email": f"{tag}-{i}@bench.example.org",
                "locale": lang,
                "org": "KZ",
                "municipality": "Almaty",
            }
        )
    return out


async def publish_course(nats_url: str, db: asyncpg.Pool) -> str:
    nc, js = await connect(nats_url, "bench")
    course_id = f"bench-{uuid.uuid4().hex[:10]}"
    event = CoursePublishedV1(
        course_id=course_id,
        version=1,
        slug=course_id,
        owner_id="bench-trainer",
        default_language="en",
        languages=list(TITLES),
        titles=dict(TITLES),
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=False),
        published_at=datetime.now(UTC),
    )
    env = event.envelope()
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})
    await nc.drain()
    for _ in range(600):
        if await db.fetchval("SELECT 1 FROM course WHERE id = $1", course_id):
            return course_id
        await asyncio.sleep(0.1)
    raise RuntimeError("the certificates service did not learn about the course")


@dataclass
class RunResult:
    count: int
    seconds: float
    peaks: dict[int, int]
    worker_cpu_seconds: float
    other_cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds


async def run_job(stack: Stack, db: asyncpg.Pool, count: int) -> RunResult:
    env = stack.env
    course_id = await publish_course(env["LMS_NATS_URL"], db)
    token = mint_token(env["LMS_JWT_SECRET"], sub="bench-admin", name="Bench Admin", roles=["admin"])
    body = {"courseId": course_id, "recipients": recipients(count, uuid.uuid4().hex[:8])}
    pids = [p.pid for p in stack.role_procs(WORKER) if p.pid]
    others = {p.name: p.pid for p in stack.procs if p.pid and p.pid not in pids}
    async with httpx.AsyncClient(
        base_url=env["LMS_CERTIFICATES_URL"], headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as client:
        by_process = {name: MemorySampler([pid]) for name, pid in others.items()}
        for one in by_process.values():
            one.__enter__()
        with MemorySampler(pids) as sampler:
            started = time.perf_counter()
            response = await client.post("/v1/bulk-jobs", json=body)
            response.raise_for_status()
            job_id = response.json()["id"]
            while True:
                job = (await client.get(f"/v1/bulk-jobs/{job_id}")).json()
                if job["status"] != "QUEUED" and job["status"] != "RUNNING":
                    break
                await asyncio.sleep(0.05)
            # Done means every certificate.issued event has been published, not just written.
            while await db.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            seconds = time.perf_counter() - started
        for one in by_process.values():
            one.__exit__(None, None, None)
    if job["status"] != "COMPLETED" or job["issued"] != count:
        raise RuntimeError(f"job ended {job['status']} with {job['issued']}/{count} issued: {job['failures'][:5]}")
    rows = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course_id)
    events = await db.fetchval(
        "SELECT count(*) FROM outbox_message WHERE subject = 'lms.certificates.certificate.issued.v1' "
        "AND sent_at IS NOT NULL AND created_at >= now() - make_interval(secs => $1)",
        seconds + 5,
    )
    if rows != count or events < count:
        raise RuntimeError(f"expected {count} rows and events, found {rows} rows and {events} events")
    other_cpu = {name: one.cpu_seconds for name, one in by_process.items()}
    return RunResult(count, seconds, sampler.peaks, sampler.cpu_seconds, other_cpu)


def reference_rates(count: int, limit: int, runs: int) -> dict[str, float]:
    """Render-only throughput of the two references on the same certificates (first ``limit``)."""
    template = default_template()
    jobs = make_jobs(count, template)[:limit]
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        regular, semibold = static_fonts(Path(folder))
        rates["fpdf2 (font added per document)"] = measure(
            "fpdf2", fpdf2_renderer(regular, semibold, template), jobs, runs
        ).rate
        try:
            render = weasyprint_renderer(regular, semibold, template)
        except (ImportError, OSError) as exc:
            print(f"WeasyPrint unavailable ({exc}); skipped", file=sys.stderr)
        else:
            rates["WeasyPrint (HTML)"] = measure("weasyprint", render, jobs, runs).rate
    return rates


def write_results(
    args: argparse.Namespace, results: list[RunResult], warm: RunResult, median: float, refs: dict[str, float]
) -> None:
    """Keep the figures next to the other benchmarks' (bench/results/certificates-<time>.json)."""
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    last = results[-1]
    body = {
        "benchmark": "certificates-bulk-end-to-end",
        "when": when,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg()[0],
        },
        "args": vars(args),
        "median_per_second": round(median, 1),
        "runs_per_second": [round(r.rate, 1) for r in results],
        "worker_peak_rss_mib": {
            "warmup": [round(v / 2**20) for v in warm.peaks.values()],
            "runs": [[round(v / 2**20) for v in r.peaks.values()] for r in results],
        },
        "cpu_ms_per_certificate": {"workers": round(1000 * last.worker_cpu_seconds / last.count, 2)}
        | {k: round(1000 * v / last.count, 2) for k, v in last.other_cpu_seconds.items()},
        "references_render_only_per_second": {k: round(v, 2) for k, v in refs.items()},
        "ratio_end_to_end_vs_reference": {k: round(median / v, 1) for k, v in refs.items()},
    }
    out = Path(__file__).resolve().parent / "results" / f"certificates-{when}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(body, indent=2) + "\n")
    print(f"results: {out}", file=sys.stderr)


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        overrides = {
            "LMS_ENV": "test",
            "LMS_LOG_LEVEL": args.log_level,
            "LMS_WORKER_THREADS": str(args.threads),
            "LMS_BULK_CHUNK_SIZE": str(args.chunk),
        }
        stack = Stack(Path(folder), ports=None, env_overrides=overrides, cert_workers=args.workers)
        try:
            print("starting the stack...", file=sys.stderr)
            stack.start_infra()
            stack.migrate()
            for role in ROLES:
                stack.start_role(role)
            stack.start_role(WORKER, args.workers)
            stack.wait_healthy(timeout=300)
            pool = await asyncpg.create_pool(asyncpg_dsn(stack.env["LMS_CERTIFICATES_DATABASE_URL"]))
            assert pool is not None
            warm = await run_job(stack, pool, args.warmup)
            print(f"warm-up: {args.warmup} certificates in {warm.seconds:.1f} s", file=sys.stderr)
            results: list[RunResult] = []
            for n in range(args.runs):
                result = await run_job(stack, pool, args.count)
                results.append(result)
                print(f"run {n + 1}: {result.count} in {result.seconds:.1f} s = {result.rate:.0f}/s", file=sys.stderr)
            await pool.close()
        finally:
            stack.stop()
            if args.keep_logs:
                shutil.copytree(Path(folder) / "logs", args.keep_logs, dirs_exist_ok=True)

    rates = [r.rate for r in results]
    median = statistics.median(rates)
    print(
        f"\nend to end, {args.count} certificates, {args.workers} workers x {args.threads} threads, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"  certificates/s: median {median:.0f} (runs: {', '.join(f'{r:.0f}' for r in rates)})")
    print(f"  worker peak RSS, {args.warmup}-certificate job: " + ", ".join(mib(v) for v in warm.peaks.values()))
    for n, r in enumerate(results, 1):
        print(f"  worker peak RSS, run {n} ({r.count}): " + ", ".join(mib(v) for v in r.peaks.values()))
    last = results[-1]
    per_cert = {name: 1000 * cpu / last.count for name, cpu in last.other_cpu_seconds.items()}
    print(
        f"  CPU per certificate (last run): workers {1000 * last.worker_cpu_seconds / last.count:.1f} ms, "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in sorted(per_cert.items(), key=lambda kv: -kv[1]))
        + f"; machine load average {os.getloadavg()[0]:.1f}"
    )
    refs: dict[str, float] = {}
    if args.reference_limit > 0:
        refs = reference_rates(args.count, args.reference_limit, args.reference_runs)
        print(
            f"\nreferences, render only, {args.reference_limit} of the same certificates, median of "
            f"{args.reference_runs}:"
        )
        for name, rate in refs.items():
            print(f"  {name}: {rate:.1f}/s -> ours end to end is {median / rate:.1f}x")
    write_results(args, results, warm, median, refs)
    if median < 500:
        print("\nbelow the 500/s target; see services/certificates/README.md (Performance) for what limits it")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=10_000, help="certificates per run")
    parser.add_argument("--runs", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--warmup", type=int, default=1_000, help="certificates in the warm-up job")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (LMS_WORKER_THREADS)")
    parser.add_argument("--chunk", type=int, default=100, help="items per chunk (LMS_BULK_CHUNK_SIZE)")
    parser.add_argument("--reference-limit", type=int, default=100, help="certificates per reference run; 0 skips")
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument("--log-level", default="WARNING", help="of the stack's processes (INFO shows chunk timings)")
    parser.add_argument("--keep-logs", help="copy the stack's logs to this folder at the end")
    args = parser.parse_args(argv)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
