"""Catalogue and authoring latency of the courses service on real servers.

    .venv/bin/python bench/bench_courses.py [--courses 300] [--requests 200]

Starts its own stack (infrastructure + courses + relay) in a temporary folder, fills it with published
courses in seven languages, then measures, sequentially from one client: a catalogue page, a search, a
DataLoader batch of 20 ids, one course, one edit, and one publish. Prints p50/p95/max in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.support
from tests.support.tokens import make_token

LANGS = ("en", "tr", "az", "kk", "ky", "uz", "ru")
WORDS = ("İstanbul şəhər", "Қала басқаруы", "Шаар өнүгүүсү", "Oʻzbekiston", "Городской бюджет", "Smart city", "Konut")


def texts(prefix: str) -> list[dict[str, str]]:
    return [{"lang": lang, "text": f"{prefix} {WORDS[i]}"} for i, lang in enumerate(LANGS)]


def timed(n: int, call: Callable[[int], httpx.Response]) -> list[float]:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        r = call(i)
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code < 300, r.text
    return samples


def report(name: str, samples: list[float]) -> None:
    q = statistics.quantiles(samples, n=20)
    p50, p95 = statistics.median(samples), q[18]
    print(f"{name:<34} n={len(samples):<4} p50={p50:7.1f}  p95={p95:7.1f}  max={max(samples):7.1f} ms")


def run(base_url: str, secret: str, n_courses: int, n_requests: int) -> None:
    trainer = {"Authorization": f"Bearer {make_token(secret, sub='bench-trainer', roles=['trainer'])}"}
    learner = {"Authorization": f"Bearer {make_token(secret, sub='bench-learner', roles=['learner'])}"}
    topic = f"bench-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=base_url, timeout=60) as http:
        ids: list[str] = []
        t0 = time.perf_counter()
        for i in range(n_courses):
            body = {
                "slug": f"{topic}-{i}",
                "titles": texts(f"#{i}"),
                "summaries": texts("Özet"),
                "defaultLanguage": "en",
                "topics": [topic],
            }
            cid = http.post("/v1/courses", json=body, headers=trainer).json()["id"]
            mid = http.post(f"/v1/courses/{cid}/modules", json={"titles": texts("M")}, headers=trainer).json()["id"]
            for k in range(3):
                http.post(
                    f"/v1/modules/{mid}/lessons",
                    json={"kind": "TEXT", "titles": texts(f"L{k}"), "bodies": texts("Mətn " * 50)},
                    headers=trainer,
                )
            assert http.post(f"/v1/courses/{cid}/publish", headers=trainer).status_code == 200
            ids.append(cid)
        build = time.perf_counter() - t0
        print(
            f"built and published {n_courses} courses (1 module, 3 lessons, 7 languages) in {build:.1f}s "
            f"({build / n_courses * 1000:.0f} ms per course, 6 requests each)"
        )

        report(
            "GET /v1/courses?first=20 (learner)",
            timed(n_requests, lambda i: http.get("/v1/courses", params={"topic": topic, "first": 20}, headers=learner)),
        )
        report(
            "GET /v1/courses?first=20 (trainer)",
            timed(n_requests, lambda i: http.get("/v1/courses", params={"topic": topic, "first": 20}, headers=trainer)),
        )
        report(
            "search 'istanbul seher'",
            timed(
                n_requests,
                lambda i: http.get("/v1/courses", params={"search": "istanbul seher", "first": 20}, headers=learner),
            ),
        )
        report(
            "ids= (20 ids, DataLoader)",
            timed(
                n_requests,
                lambda i: http.get("/v1/courses", params={"ids": ",".join(ids[i % 50 : i % 50 + 20])}, headers=learner),
            ),
        )
        report(
            "GET /v1/courses/{id}",
            timed(n_requests, lambda i: http.get(f"/v1/courses/{ids[i % len(ids)]}", headers=learner)),
        )
        report(
            "PATCH /v1/courses/{id}",
            timed(
                n_requests,
                lambda i: http.patch(
                    f"/v1/courses/{ids[i % len(ids)]}", json={"summaries": texts(f"v{i}")}, headers=trainer
                ),
            ),
        )
        report(
            "POST publish (after an edit)",
            timed(min(n_requests, len(ids)), lambda i: http.post(f"/v1/courses/{ids[i]}/publish", headers=trainer)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from lms_local import Stack

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)
        stack = Stack(Path(tmp), ports=None, env_overrides={"LMS_ENV": "test", "LMS_LOG_LEVEL": "WARNING"})
        try:
            stack.start_infra()
            subprocess.run(
                [sys.executable, "-m", "lms_shared.migrate", "courses"],
                env=stack.child_env(),
                check=True,
                capture_output=True,
            )
            stack.start_role("courses")
            stack.start_role("courses-relay")
            stack.wait_healthy(timeout=120, names=["courses", "courses-relay"])
            env: dict[str, Any] = stack.env
            run(env["LMS_COURSES_URL"], env["LMS_JWT_SECRET"], args.courses, args.requests)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
