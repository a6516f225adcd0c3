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

Both proofs (issue 17): every certificate carries a VC-JWT and an embedded Data Integrity proof
(``eddsa-rdfc-2022``, which needs RDFC-1.0 canonical N-Quads). With ``--data-integrity both`` (the
default) each run is made twice on the same stack, once with the workers issuing the VC-JWT only
(``LMS_DATA_INTEGRITY_PROOFS=false``) and once with both proofs, alternating the order from run to
run (A B, B A, ...) so that drift on a shared machine does not favour either; the workers are
restarted and warmed up at each switch. The table gives the median of each mode and their ratio
(certificates per second, and worker CPU per certificate). Each job is checked: the certificates
of a VC-JWT-only job have no Data Integrity credential and those of a both-proofs job all have one.

Canonicalisation alone (in this process, no stack): CPU milliseconds per document for pyld's general
RDFC-1.0 and for the fast path of ``certificates.adapters.rdfc`` on the same varied credentials and
proof configurations (median of ``--rdfc-runs``; the fast path starts each run with an empty
template cache), and a sweep of ``--rdfc-sweep`` credentials and proof configurations checking the
fast path's output against pyld's byte for byte (any difference fails the benchmark).
``--only-rdfc`` runs just that part.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import random
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
from typing import Any

import asyncpg
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The varied names and credentials the RDFC-1.0 tests use (services/certificates/tests/unit).
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "services" / "certificates" / "tests" / "unit"))

import rdfc_samples
from bench_certificate_render import (
    NAMES,
    TITLES,
    fpdf2_renderer,
    make_jobs,
    measure,
    static_fonts,
    weasyprint_renderer,
)

from certificates.adapters import rdfc
from certificates.domain.templates import default_template
from lms_local import Stack
from lms_local.tokens import mint_token
from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CertificatePolicy, CourseCompletedV1, CoursePublishedV1, LearnerData
from lms_shared.jetstream import connect

WORKER = "certificates-worker"
ROLES = ("certificates", "certificates-relay")
DATA_INTEGRITY_ENV = "LMS_DATA_INTEGRITY_PROOFS"
MODES = {"vc-jwt": "false", "both": "true"}
"""Bulk issuance modes: the VC-JWT only, or the VC-JWT and the Data Integrity proof."""


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


async def publish_course(nats_url: str, db: asyncpg.Pool, *, auto_issue: bool = False) -> str:
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
        certificate_policy=CertificatePolicy(auto_issue=auto_issue),
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


async def run_job(stack: Stack, db: asyncpg.Pool, count: int, mode: str | None = None) -> RunResult:
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
    if mode is not None:
        proved = await db.fetchval(
            "SELECT count(*) FROM certificate WHERE course_id = $1 AND jsonb_typeof(credential_di) = 'object'",
            course_id,
        )
        if proved != (count if mode == "both" else 0):
            raise RuntimeError(
                f"{mode} job: {proved} of {count} certificates have a Data Integrity proof; "
                f"does the worker honour {DATA_INTEGRITY_ENV}?"
            )
    other_cpu = {name: one.cpu_seconds for name, one in by_process.items()}
    return RunResult(count, seconds, sampler.peaks, sampler.cpu_seconds, other_cpu)


# --- completion to certificate, and accepting a job (issue 19, items 4 and 5) ----------------------


@dataclass
class Burst:
    """Many certificates asked for at once, and when each one was first seen VALID."""

    count: int
    latencies: list[float]
    """Seconds from the last request sent (the last completion published, the job accepted) to each
    certificate seen VALID in the database (polled every 20 ms; 0 for one seen before that moment)."""
    seconds: float
    """From the first request sent to the last certificate seen."""

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def watch_valid(db: asyncpg.Pool, course_id: str, count: int, since: float, timeout: float) -> list[float]:
    """Poll until ``count`` VALID certificates of the course exist; each one's first-seen time - ``since``."""
    seen: dict[str, float] = {}
    deadline = time.perf_counter() + timeout
    while len(seen) < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {len(seen)} of {count} certificates VALID after {timeout:.0f} s")
        keys = await db.fetch(
            "SELECT recipient_key FROM certificate WHERE course_id = $1 AND status = 'VALID'", course_id
        )
        now = time.perf_counter()
        for row in keys:
            seen.setdefault(row["recipient_key"], now)
        await asyncio.sleep(0.02)
    return [max(0.0, at - since) for at in seen.values()]


def completions(course_id: str, count: int) -> list[CourseCompletedV1]:
    """What progress publishes when ``count`` learners finish, names and locales as the bulk runs'."""
    tag = uuid.uuid4().hex[:8]
    out = []
    for i, person in enumerate(recipients(count, tag)):
        out.append(
            CourseCompletedV1(
                enrollment_id=f"enr-{tag}-{i}",
                course_id=course_id,
                course_version=1,
                course_titles=dict(TITLES),
                course_default_language="en",
                learner=LearnerData(
                    id=f"learner-{tag}-{i}",
                    name=person["name"],
                    locale=person["locale"],
                    org=person["org"],
                    municipality=person["municipality"],
                ),
                completed_at=datetime.now(UTC),
            )
        )
    return out


async def completion_burst(stack: Stack, db: asyncpg.Pool, count: int, timeout: float) -> Burst:
    """``count`` course.completed events published at once, as after a forum; then wait for them all."""
    nats_url = stack.env["LMS_NATS_URL"]
    course_id = await publish_course(nats_url, db, auto_issue=True)
    envelopes = [e.envelope() for e in completions(course_id, count)]
    nc, js = await connect(nats_url, "bench")
    try:
        started = time.perf_counter()
        await asyncio.gather(
            *(js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id}) for env in envelopes)
        )
        last_sent = time.perf_counter()
    finally:
        await nc.drain()
    latencies = await watch_valid(db, course_id, count, last_sent, timeout)
    return Burst(count, latencies, last_sent - started + max(latencies))


async def bulk_burst(stack: Stack, db: asyncpg.Pool, count: int, timeout: float) -> tuple[Burst, float]:
    """The reference in the same run: one bulk job of ``count``; returns it and the acceptance seconds."""
    env = stack.env
    course_id = await publish_course(env["LMS_NATS_URL"], db)
    token = mint_token(env["LMS_JWT_SECRET"], sub="bench-admin", name="Bench Admin", roles=["admin"])
    body = {"courseId": course_id, "recipients": recipients(count, uuid.uuid4().hex[:8])}
    async with httpx.AsyncClient(
        base_url=env["LMS_CERTIFICATES_URL"], headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as client:
        started = time.perf_counter()
        response = await client.post("/v1/bulk-jobs", json=body)
        accepted = time.perf_counter()
        response.raise_for_status()
    latencies = await watch_valid(db, course_id, count, accepted, timeout)
    return Burst(count, latencies, accepted - started + max(latencies)), accepted - started


async def acceptance_times(stack: Stack, db: asyncpg.Pool, count: int, runs: int) -> list[float]:
    """Seconds for ``POST /v1/bulk-jobs`` with ``count`` recipients to answer 201; each job is then
    cancelled, so that its issuing does not slow the next measurement."""
    env = stack.env
    token = mint_token(env["LMS_JWT_SECRET"], sub="bench-admin", name="Bench Admin", roles=["admin"])
    out = []
    async with httpx.AsyncClient(
        base_url=env["LMS_CERTIFICATES_URL"], headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as client:
        for _ in range(runs):
            course_id = await publish_course(env["LMS_NATS_URL"], db)
            body = {"courseId": course_id, "recipients": recipients(count, uuid.uuid4().hex[:8])}
            started = time.perf_counter()
            response = await client.post("/v1/bulk-jobs", json=body)
            out.append(time.perf_counter() - started)
            response.raise_for_status()
            (await client.post(f"/v1/bulk-jobs/{response.json()['id']}/cancel")).raise_for_status()
            await asyncio.sleep(1.0)  # the chunks already taken finish
    return out


async def latency_bench(args: argparse.Namespace) -> int:
    """Completion → VALID for a burst of completions (auto issue) against a bulk job of the same size,
    and how long accepting a bulk job takes, on a stack of its own (``--repo-root``: another tree's code)."""
    results: dict[str, Any] = {"auto": [], "bulk": [], "accept_seconds": []}
    repo_root = Path(args.repo_root).resolve() if args.repo_root else None
    with tempfile.TemporaryDirectory(prefix="lms-bench-latency-") as folder:
        overrides = {
            "LMS_ENV": "test",
            "LMS_LOG_LEVEL": args.log_level,
            "LMS_WORKER_THREADS": str(args.threads),
            "LMS_BULK_CHUNK_SIZE": str(args.chunk),
        }
        extra = {"repo_root": repo_root} if repo_root else {}
        stack = Stack(Path(folder), ports=None, env_overrides=overrides, cert_workers=args.workers, **extra)
        try:
            print(f"starting the stack ({repo_root or 'this tree'})...", file=sys.stderr)
            stack.start_infra()
            stack.migrate()
            for role in ROLES:
                stack.start_role(role)
            stack.start_role(WORKER, args.workers)
            stack.wait_healthy(timeout=300)
            pool = await asyncpg.create_pool(asyncpg_dsn(stack.env["LMS_CERTIFICATES_DATABASE_URL"]))
            assert pool is not None
            await bulk_burst(stack, pool, min(200, args.auto_issue), args.latency_timeout)  # warm-up
            for n in range(args.runs):
                # Alternate the order so that drift on the shared machine favours neither.
                order = ("auto", "bulk") if n % 2 == 0 else ("bulk", "auto")
                for kind in order:
                    if kind == "auto":
                        burst = await completion_burst(stack, pool, args.auto_issue, args.latency_timeout)
                    else:
                        burst, _ = await bulk_burst(stack, pool, args.auto_issue, args.latency_timeout)
                    results[kind].append(burst)
                    print(
                        f"[{kind}] run {n + 1}: {burst.count} VALID in {burst.seconds:.1f} s = {burst.rate:.0f}/s; "
                        f"p50 {burst.p(0.5):.2f} s, p99 {burst.p(0.99):.2f} s after the last request",
                        file=sys.stderr,
                    )
            if args.accept > 0:
                results["accept_seconds"] = await acceptance_times(stack, pool, args.accept, args.accept_runs)
            await pool.close()
        finally:
            stack.stop()
            if args.keep_logs:
                shutil.copytree(Path(folder) / "logs", args.keep_logs, dirs_exist_ok=True)

    def median_of(kind: str, what: Any) -> float:
        return statistics.median(what(b) for b in results[kind])

    summary: dict[str, Any] = {"count": args.auto_issue, "runs": args.runs}
    print(
        f"\ncompletion → certificate VALID, {args.auto_issue} at once, {args.workers} workers × {args.threads} "
        f"threads, {os.cpu_count()} CPUs, median of {args.runs} (load average {os.getloadavg()[0]:.1f}):"
    )
    for kind, label in (("auto", "auto issue on course.completed"), ("bulk", "bulk job of the same size (reference)")):
        figures = {
            "per_second": round(median_of(kind, lambda b: b.rate), 1),
            "p50_seconds": round(median_of(kind, lambda b: b.p(0.5)), 3),
            "p99_seconds": round(median_of(kind, lambda b: b.p(0.99)), 3),
            "runs_per_second": [round(b.rate, 1) for b in results[kind]],
        }
        summary[kind] = figures
        runs = ", ".join(f"{r:.0f}" for r in figures["runs_per_second"])
        print(
            f"  {label}: {figures['per_second']:.0f}/s (runs: {runs}); "
            f"p50 {figures['p50_seconds']:.2f} s, p99 {figures['p99_seconds']:.2f} s"
        )
    ratio = summary["auto"]["per_second"] / summary["bulk"]["per_second"]
    summary["auto_vs_bulk_throughput"] = round(ratio, 3)
    print(f"  auto issue / bulk: {100 * ratio:.0f} % of the throughput")
    if results["accept_seconds"]:
        accept = results["accept_seconds"]
        summary["accept"] = {
            "recipients": args.accept,
            "median_seconds": round(statistics.median(accept), 3),
            "runs_seconds": [round(a, 3) for a in accept],
        }
        print(
            f"  accepting a {args.accept}-recipient bulk job (POST /v1/bulk-jobs → 201): median "
            f"{statistics.median(accept):.2f} s (runs: {', '.join(f'{a:.2f}' for a in accept)})"
        )
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = {
        "benchmark": "certificates-completion-to-certificate",
        "when": when,
        "code": str(repo_root or "this tree"),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
        "args": vars(args),
    } | summary
    out = Path(__file__).resolve().parent / "results" / f"certificates-latency-{when}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {out}", file=sys.stderr)
    return 0


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
    args: argparse.Namespace,
    results: dict[str, list[RunResult]],
    warm: RunResult | None,
    refs: dict[str, float],
    canonicalisation: dict[str, Any] | None,
) -> None:
    """Keep the figures next to the other benchmarks' (bench/results/certificates-<time>.json)."""
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body: dict[str, Any] = {
        "benchmark": "certificates-bulk-end-to-end",
        "when": when,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg()[0],
        },
        "args": vars(args),
    }
    if results:
        main_mode = "both" if "both" in results else next(iter(results))
        median = statistics.median(r.rate for r in results[main_mode])
        last = results[main_mode][-1]
        body |= {
            "median_per_second": round(median, 1),
            "runs_per_second": [round(r.rate, 1) for r in results[main_mode]],
            "modes": {
                mode: {
                    "median_per_second": round(statistics.median(r.rate for r in runs), 1),
                    "runs_per_second": [round(r.rate, 1) for r in runs],
                    "median_worker_cpu_ms_per_certificate": round(
                        statistics.median(1000 * r.worker_cpu_seconds / r.count for r in runs), 3
                    ),
                }
                for mode, runs in results.items()
            },
            "worker_peak_rss_mib": {
                "warmup": [round(v / 2**20) for v in warm.peaks.values()] if warm else [],
                "runs": [[round(v / 2**20) for v in r.peaks.values()] for r in results[main_mode]],
            },
            "cpu_ms_per_certificate": {"workers": round(1000 * last.worker_cpu_seconds / last.count, 2)}
            | {k: round(1000 * v / last.count, 2) for k, v in last.other_cpu_seconds.items()},
            "references_render_only_per_second": {k: round(v, 2) for k, v in refs.items()},
            "ratio_end_to_end_vs_reference": {k: round(median / v, 1) for k, v in refs.items()},
        }
        if "both" in results and "vc-jwt" in results:
            body["both_proofs_vs_vc_jwt_only"] = _mode_ratios(results)
    if canonicalisation is not None:
        body["canonicalisation"] = canonicalisation
    out = Path(__file__).resolve().parent / "results" / f"certificates-{when}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {out}", file=sys.stderr)


def _total_cpu(result: RunResult) -> float:
    """CPU seconds per certificate of every process of the stack (workers, API, S3, Postgres...)."""
    return (result.worker_cpu_seconds + sum(result.other_cpu_seconds.values())) / result.count


def _mode_ratios(results: dict[str, list[RunResult]]) -> dict[str, Any]:
    """Both proofs relative to the VC-JWT only: throughput (1.0 = as fast), worker CPU, and the CPU
    of the whole stack per certificate. On a shared machine the CPU figures are the steadier ones:
    issuing is CPU-bound, so the stack's CPU per certificate is what caps the rate on given cores."""
    rate = {mode: statistics.median(r.rate for r in runs) for mode, runs in results.items()}
    cpu = {mode: statistics.median(r.worker_cpu_seconds / r.count for r in runs) for mode, runs in results.items()}
    total = {mode: statistics.median(_total_cpu(r) for r in runs) for mode, runs in results.items()}
    return {
        "throughput_ratio": round(rate["both"] / rate["vc-jwt"], 3),
        "slowdown_percent": round(100 * (1 - rate["both"] / rate["vc-jwt"]), 1),
        "worker_cpu_ratio": round(cpu["both"] / cpu["vc-jwt"], 3),
        "stack_cpu_ratio": round(total["both"] / total["vc-jwt"], 3),
        "stack_cpu_ms_per_certificate": {mode: round(1000 * value, 2) for mode, value in total.items()},
    }


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


# --- canonicalisation alone ------------------------------------------------------------------------


def canonicalisation_figures(count: int, runs: int, pyld_limit: int) -> dict[str, Any]:
    """Per-document time of pyld and of the fast path on the documents of one bulk job (one
    course; varied names, ids, dates, status indexes): each credential and its proof configuration.
    CPU time of this process (single-threaded), which a busy machine distorts less than wall time."""
    rng = random.Random(17)
    documents: list[dict[str, Any]] = []
    for number in range(count):
        credential = rdfc_samples.bulk_credential(rng, number)
        documents += [credential, rdfc_samples.proof_configuration(rng, credential)]
    reference_docs = documents[: 2 * pyld_limit]
    pyld_ms, fast_ms, fast_warm_ms = [], [], []
    for _ in range(runs):
        started = time.process_time()
        for document in reference_docs:
            rdfc.pyld_canonical_nquads(document)
        pyld_ms.append(1000 * (time.process_time() - started) / len(reference_docs))
        fast = rdfc.Canonicaliser()  # empty cache: learning every shape is part of the figure
        started = time.process_time()
        for document in documents:
            fast.canonical_nquads(document)
        fast_ms.append(1000 * (time.process_time() - started) / len(documents))
        started = time.process_time()
        for document in documents:
            fast.canonical_nquads(document)
        fast_warm_ms.append(1000 * (time.process_time() - started) / len(documents))
    figures = {
        "documents": len(documents),
        "pyld_documents": len(reference_docs),
        "runs": runs,
        "pyld_ms_per_document": round(statistics.median(pyld_ms), 4),
        "fast_ms_per_document_cold_cache": round(statistics.median(fast_ms), 4),
        "fast_ms_per_document_warm": round(statistics.median(fast_warm_ms), 4),
        "templates_learned_per_run": fast.learned,
        "fast_hits_last_run": fast.fast_hits,
        "fallbacks_last_run": fast.fallbacks,
    }
    figures["speedup_cold"] = round(figures["pyld_ms_per_document"] / figures["fast_ms_per_document_cold_cache"], 1)
    figures["speedup_warm"] = round(figures["pyld_ms_per_document"] / figures["fast_ms_per_document_warm"], 1)
    return figures


def signing_figures(count: int, runs: int) -> dict[str, float]:
    """CPU per certificate of the signing step alone (``VcJwtSigner.sign``, this process): the
    VC-JWT only, and the VC-JWT plus the Data Integrity proof, on the documents of one job."""
    from certificates.adapters.credentials import VcJwtSigner
    from certificates.adapters.signing import IssuerKey
    from certificates.service_layer.ports import CredentialFacts

    key = IssuerKey.generate()
    both = VcJwtSigner(key, "https://certs.example.org")
    only_jwt = VcJwtSigner(key, "https://certs.example.org", data_integrity=False)
    rng = random.Random(5)
    facts = [
        CredentialFacts(
            certificate_id=uuid.uuid4(),
            code=f"KB-{number:08d}",
            learner_name=rdfc_samples.name(rng),
            learner_id=None,
            course_id="course-1",
            course_title=rdfc_samples.TITLES[0],
            course_version=3,
            lang="ru",
            issued_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            issuer_name="Kentbilim",
            verify_url=f"https://certs.example.org/verify/KB-{number:08d}",
            status_list_index=number,
            course_summary="Ten modules on working safely online, with a final quiz.",
        )
        for number in range(count)
    ]
    both.sign(facts[0])  # learn the shapes
    jwt_us, both_us = [], []
    for _ in range(runs):
        started = time.process_time()
        for fact in facts:
            only_jwt.sign(fact)
        jwt_us.append(1e6 * (time.process_time() - started) / count)
        started = time.process_time()
        for fact in facts:
            both.sign(fact)
        both_us.append(1e6 * (time.process_time() - started) / count)
    return {
        "vc_jwt_only_us_per_certificate": round(statistics.median(jwt_us), 1),
        "both_proofs_us_per_certificate": round(statistics.median(both_us), 1),
        "data_integrity_proof_us_per_certificate": round(statistics.median(both_us) - statistics.median(jwt_us), 1),
    }


def equivalence_sweep(count: int) -> dict[str, int]:
    """``count`` credentials and their proof configurations: fast path vs pyld, byte for byte."""
    rng = random.Random(4242)
    fast = rdfc.Canonicaliser()
    mismatches = 0
    checked = 0
    for _ in range(count):
        credential = rdfc_samples.credential(rng)
        for document in (credential, rdfc_samples.proof_configuration(rng, credential)):
            checked += 1
            if fast.canonical_nquads(document) != rdfc.pyld_canonical_nquads(document):
                mismatches += 1
                print(f"MISMATCH: {document!r}", file=sys.stderr)
    return {
        "documents": checked,
        "mismatches": mismatches,
        "fast_hits": fast.fast_hits,
        "learned": fast.learned,
        "fallbacks": fast.fallbacks,
    }


def report_canonicalisation(args: argparse.Namespace) -> tuple[dict[str, Any] | None, bool]:
    if args.rdfc_count <= 0 and args.rdfc_sweep <= 0:
        return None, True
    out: dict[str, Any] = {}
    ok = True
    if args.rdfc_count > 0:
        figures = canonicalisation_figures(args.rdfc_count, args.rdfc_runs, args.rdfc_pyld_limit)
        out["timing"] = figures
        print(
            f"\nRDFC-1.0 canonicalisation, {figures['documents']} credentials and proof configurations of one job "
            f"(pyld on {figures['pyld_documents']}), median of {figures['runs']} runs:\n"
            f"  pyld: {figures['pyld_ms_per_document']:.3f} ms of CPU per document\n"
            f"  fast path: {figures['fast_ms_per_document_cold_cache']:.3f} ms (empty cache, "
            f"{figures['templates_learned_per_run']} shapes learned), "
            f"{figures['fast_ms_per_document_warm']:.3f} ms warm -> {figures['speedup_cold']}x / "
            f"{figures['speedup_warm']}x faster"
        )
        signing = signing_figures(args.rdfc_count, args.rdfc_runs)
        out["signing"] = signing
        print(
            f"  signing one certificate (VcJwtSigner.sign, CPU, median of {args.rdfc_runs}): VC-JWT only "
            f"{signing['vc_jwt_only_us_per_certificate']:.0f} us, both proofs "
            f"{signing['both_proofs_us_per_certificate']:.0f} us: the Data Integrity proof adds "
            f"{signing['data_integrity_proof_us_per_certificate']:.0f} us"
        )
    if args.rdfc_sweep > 0:
        sweep = equivalence_sweep(args.rdfc_sweep)
        out["equivalence_sweep"] = sweep
        ok = sweep["mismatches"] == 0
        print(
            f"  equivalence with pyld: {sweep['documents']} documents, {sweep['mismatches']} differ "
            f"({sweep['fast_hits']} fast, {sweep['learned']} learned, {sweep['fallbacks']} deferred to pyld)"
        )
    return out, ok


# --- the stack -------------------------------------------------------------------------------------


def use_mode(stack: Stack, mode: str, workers: int) -> None:
    """(Re)start the workers issuing the VC-JWT only or both proofs."""
    spec = stack.roles[WORKER]
    stack.roles[WORKER] = dataclasses.replace(spec, replica_env={**spec.replica_env, DATA_INTEGRITY_ENV: MODES[mode]})
    stack.stop_role(WORKER)
    stack.start_role(WORKER, workers)
    stack.wait_healthy(timeout=300)


async def bench(args: argparse.Namespace) -> int:
    canonicalisation, equivalent = report_canonicalisation(args)
    if args.only_rdfc:
        write_results(args, {}, None, {}, canonicalisation)
        return 0 if equivalent else 1
    modes = list(MODES) if args.data_integrity == "both" else [args.data_integrity]
    results: dict[str, list[RunResult]] = {mode: [] for mode in modes}
    warm: RunResult | None = None
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
            current: str | None = None
            pool = await asyncpg.create_pool(asyncpg_dsn(stack.env["LMS_CERTIFICATES_DATABASE_URL"]))
            assert pool is not None
            for n in range(args.runs):
                for mode in modes if n % 2 == 0 else modes[::-1]:
                    if mode != current:
                        use_mode(stack, mode, args.workers)
                        current = mode
                        size = args.warmup if warm is None else min(args.warmup, args.switch_warmup)
                        warmed = await run_job(stack, pool, size, mode)
                        warm = warm or warmed
                        print(f"[{mode}] warm-up: {size} certificates in {warmed.seconds:.1f} s", file=sys.stderr)
                    result = await run_job(stack, pool, args.count, mode)
                    results[mode].append(result)
                    print(
                        f"[{mode}] run {n + 1}: {result.count} in {result.seconds:.1f} s = {result.rate:.0f}/s, "
                        f"workers {1000 * result.worker_cpu_seconds / result.count:.2f} ms CPU per certificate",
                        file=sys.stderr,
                    )
            await pool.close()
        finally:
            stack.stop()
            if args.keep_logs:
                shutil.copytree(Path(folder) / "logs", args.keep_logs, dirs_exist_ok=True)

    assert warm is not None
    main_mode = "both" if "both" in results else modes[0]
    rates = [r.rate for r in results[main_mode]]
    median = statistics.median(rates)
    print(
        f"\nend to end, {args.count} certificates, {args.workers} workers x {args.threads} threads, "
        f"{os.cpu_count()} CPUs"
    )
    for mode, runs in results.items():
        label = {"both": "VC-JWT + Data Integrity", "vc-jwt": "VC-JWT only"}[mode]
        mode_rates = [r.rate for r in runs]
        cpu = statistics.median(1000 * r.worker_cpu_seconds / r.count for r in runs)
        total = statistics.median(1000 * _total_cpu(r) for r in runs)
        print(
            f"  {label}: certificates/s median {statistics.median(mode_rates):.0f} "
            f"(runs: {', '.join(f'{r:.0f}' for r in mode_rates)}); CPU per certificate: workers {cpu:.2f} ms, "
            f"whole stack {total:.2f} ms"
        )
    if "both" in results and "vc-jwt" in results:
        ratios = _mode_ratios(results)
        print(
            f"  both proofs vs VC-JWT only: {100 * ratios['throughput_ratio']:.1f} % of the throughput "
            f"({ratios['slowdown_percent']:+.1f} % slower); CPU per certificate x{ratios['worker_cpu_ratio']:.3f} "
            f"in the workers, x{ratios['stack_cpu_ratio']:.3f} for the whole stack"
        )
    print(f"  worker peak RSS, {warm.count}-certificate warm-up: " + ", ".join(mib(v) for v in warm.peaks.values()))
    for n, r in enumerate(results[main_mode], 1):
        print(f"  worker peak RSS, run {n} ({r.count}): " + ", ".join(mib(v) for v in r.peaks.values()))
    last = results[main_mode][-1]
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
    write_results(args, results, warm, refs, canonicalisation)
    if median < 500:
        print("\nbelow the 500/s target; see services/certificates/README.md (Performance) for what limits it")
    return 0 if equivalent else 1


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
    parser.add_argument(
        "--data-integrity",
        choices=["both", *MODES],
        default="both",
        help="'both' (default): each run with the VC-JWT only and with both proofs; or only one mode",
    )
    parser.add_argument(
        "--switch-warmup", type=int, default=200, help="warm-up certificates after each later worker restart"
    )
    parser.add_argument("--rdfc-count", type=int, default=1000, help="credentials timed for canonicalisation; 0 skips")
    parser.add_argument("--rdfc-runs", type=int, default=5)
    parser.add_argument("--rdfc-pyld-limit", type=int, default=200, help="of those, how many pyld canonicalises")
    parser.add_argument("--rdfc-sweep", type=int, default=5000, help="credentials checked against pyld; 0 skips")
    parser.add_argument("--only-rdfc", action="store_true", help="only the canonicalisation figures, no stack")
    parser.add_argument(
        "--only-latency",
        action="store_true",
        help="only completion → certificate (auto issue vs a bulk job of the same size) and job acceptance",
    )
    parser.add_argument("--auto-issue", type=int, default=500, help="completions published at once (--only-latency)")
    parser.add_argument("--accept", type=int, default=5000, help="recipients of the timed job acceptance; 0 skips")
    parser.add_argument("--accept-runs", type=int, default=3)
    parser.add_argument("--latency-timeout", type=float, default=600.0, help="seconds to wait for a burst")
    parser.add_argument("--repo-root", help="run the stack from another tree (e.g. a `git archive` of the last commit)")
    args = parser.parse_args(argv)
    if args.only_latency:
        return asyncio.run(latency_bench(args))
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
