"""The learner dashboard through the gateway, cached and uncached, with its references and ceiling.

Run from the repository root (it starts its own stack on random ports in a temp folder)::

    .venv/bin/python bench/bench_gateway.py                       # 50 clients, 3 runs of 5 s
    .venv/bin/python bench/bench_gateway.py --clients 50 --runs 5 --duration 10

What it does:

1. starts the suite with ``lms_local.Stack`` (courses, progress, certificates, relays, worker, gateway
   with ``LMS_RESPONSE_CACHE_SECONDS``, default 30), and next to it a second gateway on the same
   stack with the response cache off (``LMS_RESPONSE_CACHE_SECONDS=0``);
2. seeds, through the gateway, one learner with 20 enrolments in 20 published 3-lesson courses, with a
   lesson completed in each;
3. starts the reference and the ceiling (``bench/gateway_refs.py``, same uvicorn/uvloop/httptools
   stack): naive Strawberry answering the same query over the same rows in memory, and a bare ASGI
   app answering the same bytes;
4. per run, ``--clients`` connections each send, back to back for ``--duration`` seconds: the
   dashboard query (``myEnrollments { … course { title modules { lessons { … } } } lessons { … }
   certificate { … } }``) to the cached gateway, the same to the uncached one, the web client's own
   "My learning" query (``Mine($ui)``) to the cached one, the same query to naive Strawberry,
   ``GET /v1/enrollments/mine`` to the progress service (what the dashboard is built on), and the
   bare ASGI app;
5. reports the median over the runs of throughput and p50/p99 latency for each, the ratios (cached
   and uncached against naive Strawberry, uncached against progress REST, cached against the
   ceiling), and the CPU seconds per 1,000 requests of the gateways, progress and the load generator.

The load generator is a minimal HTTP/1.1 keep-alive client on raw asyncio streams (httpx would cost
the shared 2 cores more than the servers do); it runs on the same machine and competes for the same
cores, and its own CPU time is printed. Every measurement shares the machine with everything else
running on it: the figures are noisy, the ratios within one run less so. Results go to
bench/results/gateway-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import psutil

from lms_local import Stack
from lms_local.roles import SUPERVISED_ROLES
from lms_local.tokens import mint_token

DASHBOARD = """query Dashboard { myEnrollments { id status progressPercent courseVersion resumeLessonId
  course { id title modules { id title lessons { id title kind durationMinutes } } }
  lessons { lessonId status completedAt bestScore attempts } certificate { code status } } }"""
# The web client's "My learning" page (gateway/web/src/pages/learner/my-learning.tsx), as it sends it.
WEB_DASHBOARD = (
    "query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId\n"
    "      course { id title(lang: $ui) } certificate { id code } } }"
)


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float


TARGETS = ("cached", "uncached", "web client (cached)", "naive Strawberry", "progress REST", "bare ASGI")


@dataclass
class RunResult:
    loads: dict[str, LoadResult]
    cpu_s_per_1000: dict[str, float] = field(default_factory=dict)


def token(secret: str, sub: str, name: str, roles: list[str]) -> str:
    return mint_token(secret, sub=sub, name=name, roles=roles, locale="az", ttl=6 * 3600)


# --- seeding ---------------------------------------------------------------------------------------


def gql(http: httpx.Client, tok: str, query: str, **variables: Any) -> dict[str, Any]:
    r = http.post("/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {tok}"})
    body: dict[str, Any] = r.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


def seed(gateway: str, secret: str, courses: int) -> str:
    """One learner enrolled in ``courses`` published courses with one lesson done in each; returns their token."""
    trainer = token(secret, f"bench-trainer-{uuid.uuid4().hex[:6]}", "Aygün Məmmədova", ["trainer"])
    learner = token(secret, f"bench-learner-{uuid.uuid4().hex[:6]}", "Rəşad Əliyev", ["learner"])
    with httpx.Client(base_url=gateway, timeout=30) as http:
        for n in range(courses):
            cid = gql(
                http,
                trainer,
                "mutation($i:CreateCourseInput!){ createCourse(input:$i){ id } }",
                i={
                    "slug": f"bench-{uuid.uuid4().hex[:10]}",
                    "titles": [{"lang": "az", "text": f"Şəhər idarəçiliyi {n}"}, {"lang": "kk", "text": f"Қала {n}"}],
                    "summaries": [{"lang": "az", "text": "Bələdiyyələr üçün kurs."}],
                    "defaultLanguage": "az",
                    "topics": ["governance"],
                },
            )["createCourse"]["id"]
            mid = gql(
                http,
                trainer,
                "mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c,input:$i){ id } }",
                c=cid,
                i={"titles": [{"lang": "az", "text": "Giriş"}]},
            )["addModule"]["id"]
            lessons = [
                gql(
                    http,
                    trainer,
                    "mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m,input:$i){ id } }",
                    m=mid,
                    i={
                        "kind": "TEXT",
                        "titles": [{"lang": "az", "text": f"Dərs {k}"}],
                        "bodies": [{"lang": "az", "text": "Mətn " * 50}],
                        "durationMinutes": 15,
                    },
                )["addLesson"]["id"]
                for k in range(3)
            ]
            gql(http, trainer, "mutation($id:ID!){ publishCourse(id:$id){ id } }", id=cid)
            enrollment = None
            deadline = time.monotonic() + 30
            while enrollment is None:
                try:
                    enrollment = gql(http, learner, "mutation($c:ID!){ enroll(courseId:$c){ id } }", c=cid)["enroll"]
                except RuntimeError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)  # progress has not consumed course.published yet
            gql(
                http,
                learner,
                "mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e,lessonId:$l){ id } }",
                e=enrollment["id"],
                l=lessons[0],
            )
        rows = gql(http, learner, DASHBOARD)["myEnrollments"]
        if len(rows) != courses or any(len(r["course"]["modules"][0]["lessons"]) != 3 for r in rows):
            raise RuntimeError(f"the seeded dashboard is not what was seeded: {rows!r}"[:500])
    return learner


# --- load ------------------------------------------------------------------------------------------


def build_request(url: str, method: str, tok: str, body: bytes | None) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [
        f"{method} {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Authorization: Bearer {tok}",
        "Accept: application/json",
        "Connection: keep-alive",
    ]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


async def load(url: str, method: str, tok: str, body: bytes | None, clients: int, seconds: float) -> LoadResult:
    host, port, request = build_request(url, method, tok, body)
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                writer.write(request)
                status, payload = await _read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200 or b'"errors"' in payload[:20] or b'"errors"' in payload[-400:]:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return LoadResult(
        requests=n,
        errors=errors,
        seconds=round(elapsed, 2),
        per_second=round(n / elapsed, 1),
        p50_ms=round(latencies[n // 2] * 1000, 2) if n else 0.0,
        p99_ms=round(latencies[min(n - 1, int(n * 0.99))] * 1000, 2) if n else 0.0,
    )


def cpu_seconds(procs: dict[str, list[psutil.Process]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, ps in procs.items():
        total = 0.0
        for p in ps:
            try:
                t = p.cpu_times()
                total += t.user + t.system
                # The bench process is the launcher too: every server is its child. Count it alone.
                if name == "bench client":
                    continue
                for child in p.children(recursive=True):
                    ct = child.cpu_times()
                    total += ct.user + ct.system
            except psutil.Error:
                continue
        out[name] = total
    return out


def processes(stack: Stack) -> dict[str, list[psutil.Process]]:
    found: dict[str, list[psutil.Process]] = {"bench client": [psutil.Process(os.getpid())]}
    for role in ("gateway", "progress", "courses", "certificates"):
        ps = []
        for proc in stack.role_procs(role):
            pid = getattr(proc, "pid", None)
            if pid:
                try:
                    ps.append(psutil.Process(pid))
                except psutil.Error:
                    continue
        found[role] = ps
    with contextlib.suppress(psutil.Error):
        found["redis"] = [p for p in psutil.process_iter() if "valkey-server" in (p.name() or "")]
    return found


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(cmd: list[str], env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    """Start a server and wait until ``url`` answers."""
    out = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd} exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{cmd} did not answer {url}")


async def one_run(
    targets: dict[str, tuple[str, str, bytes | None]],
    tok: str,
    clients: int,
    seconds: float,
    procs: dict[str, list[psutil.Process]],
) -> RunResult:
    loads: dict[str, LoadResult] = {}
    per_1000: dict[str, float] = {}
    for name, (url, method, body) in targets.items():
        before = cpu_seconds(procs)
        loads[name] = await load(url, method, tok, body, clients, seconds)
        after = cpu_seconds(procs)
        for proc in ("gateway", "gateway (uncached)", "progress", "bench client"):
            if proc in procs and name in ("cached", "uncached", "progress REST"):
                used = (after[proc] - before[proc]) / max(loads[name].requests, 1) * 1000
                per_1000[f"{proc} under {name}"] = round(used, 2)
    return RunResult(loads, per_1000)


def median_of(runs: list[LoadResult]) -> LoadResult:
    return LoadResult(
        requests=int(statistics.median(r.requests for r in runs)),
        errors=sum(r.errors for r in runs),
        seconds=statistics.median(r.seconds for r in runs),
        per_second=round(statistics.median(r.per_second for r in runs), 1),
        p50_ms=round(statistics.median(r.p50_ms for r in runs), 2),
        p99_ms=round(statistics.median(r.p99_ms for r in runs), 2),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--courses", type=int, default=20, help="enrolments of the learner")
    parser.add_argument(
        "--response-cache-seconds",
        default=os.environ.get("LMS_RESPONSE_CACHE_SECONDS", "30"),
        help="the cached gateway's per-viewer response cache (the uncached one always runs with 0)",
    )
    parser.add_argument("--gateway-workers", type=int, default=int(os.environ.get("LMS_GATEWAY_WORKERS", "1")))
    args = parser.parse_args()

    overrides = {
        "LMS_ENV": "test",
        "LMS_LOG_LEVEL": os.environ.get("LMS_LOG_LEVEL", "WARNING"),
        # The benchmark is one user hammering the API: lift the per-user budget out of the way.
        "LMS_RATE_LIMIT_PER_MINUTE": "100000000",
        "LMS_GATEWAY_WORKERS": str(args.gateway_workers),
        "LMS_RESPONSE_CACHE_SECONDS": str(args.response_cache_seconds),
    }
    extra: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="lms-bench-gw-") as tmp:
        stack = Stack(Path(tmp), ports=None, env_overrides=overrides)
        try:
            print("starting the stack …", flush=True)
            stack.start_infra()
            stack.migrate()
            for role in SUPERVISED_ROLES:
                stack.start_role(role)
            stack.wait_healthy(timeout=180)
            env = dict(stack.env)
            gateway = f"http://127.0.0.1:{env['LMS_GATEWAY_PORT']}"
            print(f"seeding one learner with {args.courses} enrolments …", flush=True)
            tok = seed(gateway, env["LMS_JWT_SECRET"], args.courses)
            body = json.dumps({"query": DASHBOARD}).encode()
            answer = httpx.post(
                f"{gateway}/graphql",
                content=body,
                headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"},
            ).content
            (Path(tmp) / "answer.json").write_bytes(answer)
            (Path(tmp) / "rows.json").write_bytes(orjson.dumps(orjson.loads(answer)["data"]["myEnrollments"]))

            # The same gateway code with the response cache off, next to the cached one, same stack.
            uncached_port = free_port()
            uncached_env = stack.child_env(
                {
                    "LMS_GATEWAY_PORT": str(uncached_port),
                    "LMS_RESPONSE_CACHE_SECONDS": "0",
                    "LMS_REPLICA": "9",
                    "LMS_METRICS_PORT": "0",
                }
            )
            uncached = f"http://127.0.0.1:{uncached_port}"
            extra.append(
                spawn([sys.executable, "-m", "gateway"], uncached_env, f"{uncached}/healthz", Path(tmp) / "gw0.log")
            )
            naive_port, bare_port = free_port(), free_port()
            refs = str(Path(__file__).parent / "gateway_refs.py")
            child = stack.child_env()
            extra.append(
                spawn(
                    [sys.executable, refs, "naive", str(naive_port), str(Path(tmp) / "rows.json")],
                    child,
                    f"http://127.0.0.1:{naive_port}/graphql?query=%7B__typename%7D",
                    Path(tmp) / "naive.log",
                )
            )
            extra.append(
                spawn(
                    [sys.executable, refs, "bare", str(bare_port), str(Path(tmp) / "answer.json")],
                    child,
                    f"http://127.0.0.1:{bare_port}/",
                    Path(tmp) / "bare.log",
                )
            )
            mine = json.dumps({"query": WEB_DASHBOARD, "variables": {"ui": "az"}}).encode()
            targets: dict[str, tuple[str, str, bytes | None]] = {
                "cached": (f"{gateway}/graphql", "POST", body),
                "uncached": (f"{uncached}/graphql", "POST", body),
                "web client (cached)": (f"{gateway}/graphql", "POST", mine),
                "naive Strawberry": (f"http://127.0.0.1:{naive_port}/graphql", "POST", body),
                "progress REST": (f"{env['LMS_PROGRESS_URL']}/v1/enrollments/mine", "GET", None),
                "bare ASGI": (f"http://127.0.0.1:{bare_port}/graphql", "POST", body),
            }
            procs = processes(stack)
            procs["gateway (uncached)"] = [psutil.Process(extra[0].pid)]
            print("warming up …", flush=True)
            asyncio.run(one_run(targets, tok, args.clients, 1.0, procs))
            runs: list[RunResult] = []
            for i in range(args.runs):
                r = asyncio.run(one_run(targets, tok, args.clients, args.duration, procs))
                runs.append(r)
                print(
                    f"run {i + 1}: "
                    + " | ".join(f"{k} {v.per_second:.0f}/s p99 {v.p99_ms} ms" for k, v in r.loads.items()),
                    flush=True,
                )
        finally:
            for proc in extra:
                proc.terminate()
            for proc in extra:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
            stack.stop()

    med = {k: median_of([r.loads[k] for r in runs]) for k in TARGETS}
    cpu = {k: round(statistics.median(r.cpu_s_per_1000[k] for r in runs), 2) for k in runs[0].cpu_s_per_1000}

    def ratio(a: str, b: str) -> float:
        return round(statistics.median(r.loads[a].per_second / max(r.loads[b].per_second, 0.1) for r in runs), 3)

    print()
    print(
        f"learner dashboard, {args.courses} enrolments, {args.clients} concurrent clients, gateway workers "
        f"{args.gateway_workers}, median of {args.runs} runs of {args.duration:.0f} s on {os.cpu_count()} cores "
        "(client and servers share the cores: noisy)"
    )
    labels = {
        "cached": "figure: gateway, cached",
        "uncached": "figure: gateway, uncached",
        "web client (cached)": "web client's Mine query, cached",
        "naive Strawberry": "reference: naive Strawberry",
        "progress REST": "reference: progress REST",
        "bare ASGI": "ceiling: bare ASGI, same bytes",
    }
    for k in TARGETS:
        v = med[k]
        print(
            f"  {labels[k]:34s} {v.per_second:8.1f} q/s   p50 {v.p50_ms:7.2f} ms   p99 {v.p99_ms:7.2f} ms   "
            f"errors {v.errors}"
        )
    ratios = {
        "cached / naive Strawberry": ratio("cached", "naive Strawberry"),
        "uncached / naive Strawberry": ratio("uncached", "naive Strawberry"),
        "uncached / progress REST": ratio("uncached", "progress REST"),
        "cached / bare ASGI (ceiling)": ratio("cached", "bare ASGI"),
    }
    for k, x in ratios.items():
        print(f"  {k:34s} {x:.3f}")
    print("  CPU seconds per 1,000 requests:")
    for k, seconds in cpu.items():
        print(f"    {k:40s} {seconds}")
    c, u = med["cached"], med["uncached"]
    print(
        f"  target cached (>= 1,000 q/s, p99 < 50 ms): {'met' if c.per_second >= 1000 and c.p99_ms < 50 else 'not met'}"
    )
    print(f"  target uncached (>= 200 q/s):              {'met' if u.per_second >= 200 else 'not met'}")

    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "benchmark": "gateway-dashboard",
        "when": stamp,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()},
        "args": vars(args),
        "median": {k: asdict(v) for k, v in med.items()} | {"ratios": ratios, "cpu_s_per_1000": cpu},
        "runs": [asdict(r) for r in runs],
    }
    (out_dir / f"gateway-{stamp}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
