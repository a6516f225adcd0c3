"""National reports at national scale: 100,000 learners × 20 courses, answered from the rollups.

    .venv/bin/python bench/bench_reports.py [--learners 100000] [--courses 20] [--runs 15]

Starts its own infrastructure and the progress service in a temporary folder, then loads the
projections the way the ``progress-reports`` consumer fills them: every enrolment is one row of
``report_enrollment`` and every certificate one of ``certificate``, written through the same triggers
(migration 0004) that keep ``report_cell`` and ``report_learner`` up to date in production. The data:

- 100,000 learners in 5 member states of 60 municipalities each; every learner enrols in every one of
  the 20 courses (2,000,000 enrolments) in four training waves, so four distinct enrolment months
  each, spread over twelve months;
- 60 % complete (a month after enrolling), 10 % withdraw, 90 % of completions get a certificate and
  one in twenty of those is revoked.

Measured, sequentially from one client, ``GET /v1/reports/national`` over HTTP (admin token; JSON
built by the service) for typical groupings, with **the reference in the same run**: the same figures
computed by a scan of the facts per request (``GROUP BY`` and ``COUNT(DISTINCT)`` over the 2,000,000
enrolment rows and the certificates). The rollup answers are checked equal to the scan's. Also the
learner directory (a Turkic-aware search and a page of 50).
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
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.support
from lms_shared.db import asyncpg_dsn
from tests.support.tokens import make_token

STATES = ("AZ", "KZ", "KG", "UZ", "TR")
MUNICIPALITIES = 60

LOAD_SQL = """
INSERT INTO course (course_id, current_version, owner_id)
SELECT 'C' || lpad(k::text, 2, '0'), 1, 'bench-trainer' FROM generate_series(1, $2::int) k;
INSERT INTO course_version (course_id, version, snapshot)
SELECT 'C' || lpad(k::text, 2, '0'), 1,
       jsonb_build_object('titles', jsonb_build_object('az', 'Kurs ' || k, 'ru', 'Курс ' || k),
                          'default_language', 'az')
FROM generate_series(1, $2::int) k;
"""

# One enrolment per (learner, course): wave w = course / 5 gives four enrolment months per learner.
FACTS_SQL = """
WITH e AS (
    SELECT i, k,
           'L' || lpad(i::text, 6, '0') AS learner_id,
           (ARRAY['AZ','KZ','KG','UZ','TR'])[1 + i % 5] AS org,
           'M' || lpad(((i / 5) % {munis})::text, 2, '0') AS municipality,
           timestamptz '2026-01-05 09:00+00' + make_interval(months => (i % 9) + (k - 1) / 5, days => i % 20) AS at,
           abs(hashtext(i::text || '-' || k::text)) % 100 AS fate
    FROM generate_series($1::int, $2::int) i, generate_series(1, {courses}) k
)
INSERT INTO report_enrollment (enrollment_id, course_id, learner_id, org, municipality, enrolled_at,
                               created_seen_at, withdrawn_seen_at, completed_at)
SELECT 'E' || i || '-' || k, 'C' || lpad(k::text, 2, '0'), learner_id, org, municipality, at, at,
       CASE WHEN fate >= 90 THEN at + interval '3 days' END,
       CASE WHEN fate < 60 THEN at + interval '1 month' END
FROM e
"""

CERTS_SQL = """
INSERT INTO certificate (id, code, course_id, learner_id, enrollment_id, issued_at, revoked, revoked_at, org,
                         municipality)
SELECT 'X' || enrollment_id, 'KB-' || enrollment_id, course_id, learner_id, enrollment_id,
       completed_at + interval '2 days', abs(hashtext(enrollment_id)) % 20 = 0,
       CASE WHEN abs(hashtext(enrollment_id)) % 20 = 0 THEN completed_at + interval '9 days' END, org, municipality
FROM report_enrollment
WHERE completed_at IS NOT NULL AND abs(hashtext(enrollment_id || 'c')) % 10 < 9
  AND enrollment_id LIKE $1
"""

LEARNERS_SQL = """
INSERT INTO learner (learner_id, name, name_key, org, municipality, named_at, last_active_at)
SELECT 'L' || lpad(i::text, 6, '0'),
       (ARRAY['Əli','İlkin','Aygün','Ғалым','Айгүл','Oʻktam','Ильяс'])[1 + i % 7] || ' ' || 'Soyad' || i,
       lower((ARRAY['eli','ilkin','aygun','галым','айгул','oktam','ильяс'])[1 + i % 7]) || ' soyad' || i,
       (ARRAY['AZ','KZ','KG','UZ','TR'])[1 + i % 5], 'M' || lpad(((i / 5) % {munis})::text, 2, '0'),
       now(), now()
FROM generate_series(1, $1::int) i
"""

# The reference: the same report computed from the facts on every request (no rollups).
COUNTED = (
    "(f.completed_at IS NOT NULL OR (f.created_seen_at IS NOT NULL AND"
    " (f.withdrawn_seen_at IS NULL OR f.created_seen_at > f.withdrawn_seen_at)))"
)
DIM_SQL = {
    "ORG": "org",
    "MUNICIPALITY": "municipality",
    "COURSE": "course_id",
    "MONTH": "to_char(month, 'YYYY-MM')",
}


def scan_sql(dims: list[str], org: str | None) -> str:
    """One statement: enrolled / completed / certificates / distinct learners per group, from the facts."""
    cols = ", ".join(DIM_SQL[d] for d in dims)
    keys = cols + ", " if cols else ""
    where_org = f"AND f.org = '{org}'" if org else ""  # bench constants only
    return f"""
    WITH facts AS (
        SELECT f.course_id, report_month(f.enrolled_at) AS month, f.org, f.municipality, f.learner_id,
               1 AS enrolled, 0 AS completed, 0 AS certificates
        FROM report_enrollment f WHERE {COUNTED} {where_org}
        UNION ALL
        SELECT f.course_id, report_month(f.completed_at), f.org, f.municipality, NULL, 0, 1, 0
        FROM report_enrollment f WHERE f.completed_at IS NOT NULL {where_org}
        UNION ALL
        SELECT f.course_id, report_month(f.issued_at), f.org, f.municipality, NULL, 0, 0, 1
        FROM certificate f WHERE f.issued_at IS NOT NULL AND NOT f.revoked {where_org}
    )
    SELECT {keys} sum(enrolled) AS enrolled, sum(completed) AS completed, sum(certificates) AS certificates,
           count(DISTINCT learner_id) AS learners
    FROM facts {"GROUP BY " + cols if cols else ""}
    """  # noqa: S608 - dimension names and org come from this file, never from input


def summary(name: str, samples: list[float], note: str = "") -> float:
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]
    print(f"{name:<48} n={len(samples):<3} p50={p50:8.1f}  p95={p95:8.1f}  max={max(samples):8.1f} ms {note}")
    return p50


BUILD_ROLLUPS_SQL = f"""
INSERT INTO report_cell (course_id, month, org, municipality, enrolled, completed, certificates)
SELECT course_id, month, coalesce(org, ''), coalesce(municipality, ''), sum(e), sum(c), sum(x) FROM (
    SELECT f.course_id, report_month(f.enrolled_at) AS month, f.org, f.municipality, 1 AS e, 0 AS c, 0 AS x
    FROM report_enrollment f WHERE {COUNTED}
    UNION ALL
    SELECT f.course_id, report_month(f.completed_at), f.org, f.municipality, 0, 1, 0
    FROM report_enrollment f WHERE f.completed_at IS NOT NULL
    UNION ALL
    SELECT f.course_id, report_month(f.issued_at), f.org, f.municipality, 0, 0, 1
    FROM certificate f WHERE f.issued_at IS NOT NULL AND NOT f.revoked
) facts GROUP BY 1, 2, 3, 4;
INSERT INTO report_learner (org, month, municipality, learner_id, enrollments)
SELECT coalesce(org, ''), report_month(enrolled_at), coalesce(municipality, ''), learner_id, count(*)
FROM report_enrollment f WHERE {COUNTED} GROUP BY 1, 2, 3, 4;
INSERT INTO report_learner (org, month, municipality, learner_id, enrollments)
SELECT coalesce(org, ''), date '0001-01-01', coalesce(municipality, ''), learner_id, count(*)
FROM report_enrollment f WHERE {COUNTED} GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - constants of this file


async def load(dsn: str, n_learners: int, n_courses: int) -> None:
    """The bulk with the triggers off and the rollups built by one aggregate (what the triggers would
    have summed; the measurement checks every answer against a scan of the facts), then the last 1 %
    of learners through the triggers, to measure what keeping the rollups costs per event."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")
        t0 = time.perf_counter()
        for stmt in LOAD_SQL.split(";\n"):
            if stmt.strip():
                await conn.execute(stmt.replace("$2::int", str(n_courses)))
        facts = FACTS_SQL.format(munis=MUNICIPALITIES, courses=n_courses)
        bulk_until = n_learners - max(1, n_learners // 100)
        await conn.execute("ALTER TABLE report_enrollment DISABLE TRIGGER report_enrollment_changed")
        await conn.execute("ALTER TABLE certificate DISABLE TRIGGER report_certificate_changed")
        chunk = 10_000
        for start in range(1, bulk_until + 1, chunk):
            await conn.execute(facts, start, min(start + chunk - 1, bulk_until))
        for c in range(1, n_courses + 1):
            await conn.execute(CERTS_SQL, f"E%-{c}")
        for stmt in BUILD_ROLLUPS_SQL.split(";\n"):
            await conn.execute(stmt)
        await conn.execute("ALTER TABLE report_enrollment ENABLE TRIGGER report_enrollment_changed")
        await conn.execute("ALTER TABLE certificate ENABLE TRIGGER report_certificate_changed")
        t1 = time.perf_counter()
        print(f"bulk: {bulk_until:,} learners × {n_courses} courses with their certificates in {t1 - t0:.0f} s")
        # The last learners one at a time, through the triggers, as the consumer writes them.
        t2 = time.perf_counter()
        n_events = 0
        for i in range(bulk_until + 1, n_learners + 1):
            await conn.execute(facts, i, i)  # one learner's 20 enrolments in one statement
            n_events += n_courses
        t3 = time.perf_counter()
        for c in range(1, n_courses + 1):
            await conn.execute(
                CERTS_SQL.replace("AND enrollment_id LIKE $1", "AND enrollment_id LIKE $1 AND learner_id > $2"),
                f"E%-{c}",
                f"L{bulk_until:06d}",
            )
        t4 = time.perf_counter()
        pending = await conn.fetchval(
            "SELECT (SELECT count(*) FROM report_cell_delta) + (SELECT count(*) FROM report_learner_delta)"
        )
        folded = 0
        while True:
            n = await conn.fetchval("SELECT report_fold(50000)")
            if not n:
                break
            folded += n
        t5 = time.perf_counter()
        print(
            f"through the triggers: {n_events:,} enrolments in {t3 - t2:.1f} s "
            f"({(t3 - t2) / n_events * 1e6:.0f} µs each incl. the round trip per learner), their certificates "
            f"in {t4 - t3:.1f} s; {pending:,} appended changes folded in {(t5 - t4) * 1000:.0f} ms"
        )
        await conn.execute("VACUUM ANALYZE")
        for table in ("report_enrollment", "certificate", "report_cell", "report_learner"):
            n = await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            print(f"  {table:<18} {n:>10,} rows")
        await conn.execute(LEARNERS_SQL.format(munis=MUNICIPALITIES), n_learners)
        await conn.execute("VACUUM ANALYZE learner")
    finally:
        await conn.close()


def as_rows(body: dict[str, Any], dims: list[str]) -> dict[tuple[Any, ...], tuple[int, int, int, int]]:
    field = {"ORG": "org", "MUNICIPALITY": "municipality", "COURSE": "courseId", "MONTH": "month"}
    return {
        tuple(r[field[d]] for d in dims): (r["enrolled"], r["completed"], r["certificates"], r["learners"])
        for r in body["rows"]
    }


async def measure(base_url: str, dsn: str, secret: str, runs: int) -> list[tuple[str, float, float]]:
    admin = make_token(secret, sub="bench-admin", roles=["admin"])
    cases: list[tuple[str, list[str], str | None]] = [
        ("totals only", [], None),
        ("by ORG", ["ORG"], None),
        ("by MUNICIPALITY", ["MUNICIPALITY"], None),
        ("by COURSE", ["COURSE"], None),
        ("by MONTH", ["MONTH"], None),
        ("by ORG, MONTH", ["ORG", "MONTH"], None),
        ("AZ by MUNICIPALITY, MONTH", ["MUNICIPALITY", "MONTH"], "AZ"),
        ("AZ by COURSE, MUNICIPALITY", ["COURSE", "MUNICIPALITY"], "AZ"),
    ]
    results = []
    conn = await asyncpg.connect(dsn)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {admin}"}, timeout=120, trust_env=False
    ) as http:
        for name, dims, org in cases:
            params = {"groupBy": ",".join(dims)} | ({"org": org} if org else {})
            samples, body = [], {}
            for _ in range(runs):
                t0 = time.perf_counter()
                r = await http.get("/v1/reports/national", params=params)
                samples.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                body = r.json()
            rollup = summary(f"rollups   {name}", samples, f"({len(body['rows'])} rows)")
            scan_samples, scan = [], []
            for _ in range(max(2, runs // 5)):
                t0 = time.perf_counter()
                scan = await conn.fetch(scan_sql(dims, org))
                scan_samples.append((time.perf_counter() - t0) * 1000)
            reference = summary(f"reference {name} (scan per request)", scan_samples)
            expected = {tuple(r[:-4]): tuple(int(x) for x in r[-4:]) for r in scan}
            got = (
                as_rows(body, dims)
                if dims
                else {(): tuple(body["totals"][k] for k in ("enrolled", "completed", "certificates", "learners"))}
            )
            expected = {k: v for k, v in expected.items() if any(v[:3])}
            if dims:
                expected = {tuple(k): v for k, v in expected.items()}
            assert got == expected, f"{name}: the rollups disagree with the scan: {got} != {expected}"
            results.append((name, rollup, reference))
        search = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = await http.get("/v1/learners", params={"search": "İLKİN soyad1", "first": "50"})
            search.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
            assert r.json()["totalCount"] > 0
        summary("learners: search 'İLKİN soyad1', first 50", search, f"({r.json()['totalCount']} match)")
        page = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = await http.get("/v1/learners", params={"org": "KZ", "first": "50"})
            page.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        summary("learners: KZ, first page of 50", page, f"({r.json()['totalCount']} in all)")
    await conn.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from lms_local import Stack

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)
        stack = Stack(Path(tmp), ports=None, env_overrides={"LMS_ENV": "test", "LMS_LOG_LEVEL": "WARNING"})
        try:
            stack.start_infra()
            subprocess.run(
                [sys.executable, "-m", "lms_shared.migrate", "progress"],
                env=stack.child_env(),
                check=True,
                capture_output=True,
            )
            env: dict[str, Any] = stack.env
            dsn = asyncpg_dsn(env["LMS_PROGRESS_DATABASE_URL"])
            asyncio.run(load(dsn, args.learners, args.courses))
            stack.start_role("progress")
            stack.wait_healthy(timeout=120, names=["progress"])
            results = asyncio.run(measure(env["LMS_PROGRESS_URL"], dsn, env["LMS_JWT_SECRET"], args.runs))
            worst = max(r[1] for r in results)
            print(f"slowest report p50: {worst:.0f} ms (target < 1000 ms); load {os.getloadavg()[0]:.1f}")
            if worst >= 1000:
                raise SystemExit(1)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
