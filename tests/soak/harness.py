"""The fault-injection soak: real load on a scaled-out embedded stack while its servers and processes fail.

One run is three phases:

1. **Load with faults.** Learners work through auto-issue courses (enrol, complete lessons, pass a quiz
   with ``Idempotency-Key`` and forced retries of the same key), a trainer keeps publishing new courses,
   and an admin starts a bulk issue now and then, each client retrying whatever failed with the same key,
   as a real client would. Meanwhile a fault plan kills processes with SIGKILL, stops Postgres, NATS and
   S3, restarts Redis and holds one relay down for longer than JetStream's duplicate window. Every fault
   is named in the log when it starts and ends.
2. **Drain.** Everything is back up; the run waits until the outboxes are empty, every durable consumer
   has caught up, the work queue is empty and every bulk job has finished (or the drain deadline passes).
3. **Count.** It reads the services' own databases, the bucket and the streams and prints one table of
   what must be exactly 1 or exactly 0. :meth:`Report.failures` names every row that is not.

``make soak`` runs the long plan (:func:`long_plan`, 30 minutes by default); ``make test`` runs
:func:`short_plan` (one fault of each kind, about three minutes) from tests/soak/test_soak.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from minio import Minio
from nats.js.api import ConsumerConfig, DeliverPolicy

from lms_shared.db import asyncpg_dsn
from lms_shared.events.envelope import Envelope
from tests.support.tokens import make_token

log = logging.getLogger("soak")

COMPLETED_TYPE = "lms.progress.course.completed.v1"
RETRY_CODES = {"UNAVAILABLE", "RATE_LIMITED", "CONFLICT"}
NAMES = ["Ərdəm Qasımov", "Айгүл Нұрланқызы", "Gülnara Şükürova", "Бакыт Асанов", "Dilnoza Yoʻldosheva", "Merve Öztürk"]


# --- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One fault: ``kind`` is its family (for the "one of each" check), ``name`` what the log says."""

    at: float
    kind: str
    name: str
    seconds: float = 0.0
    target: str = ""
    replica: int = 0


@dataclass(frozen=True)
class Plan:
    """Everything that sizes one run."""

    load_seconds: float
    faults: tuple[Fault, ...]
    learners: int = 8
    courses: int = 3
    new_course_every: float = 45.0
    publish_at: tuple[float, ...] = ()
    bulk_every: float = 0.0
    bulk_at: tuple[float, ...] = ()
    bulk_size: int = 300
    duplicate_window: float = 15.0
    drain_seconds: float = 300.0
    progress_replicas: int = 2
    certificates_replicas: int = 2
    workers: int = 3
    relays: int = 2
    seed: int = 0

    @property
    def kinds(self) -> set[str]:
        return {f.kind for f in self.faults}


ALL_KINDS = ("sigkill", "postgres", "nats", "s3", "redis", "relay")

KILLABLE = (
    ("courses", 0),
    ("progress", 0),
    ("progress", 1),
    ("certificates", 0),
    ("certificates", 1),
    ("certificates-worker", 0),
    ("certificates-worker", 1),
    ("certificates-worker", 2),
    ("courses-relay", 0),
    ("courses-relay", 1),
    ("progress-relay", 0),
    ("progress-relay", 1),
    ("certificates-relay", 0),
    ("certificates-relay", 1),
    ("gateway", 0),
)


def short_plan(seed: int = 0) -> Plan:
    """One fault of each kind in about two and a half minutes of load (``make test``)."""
    return Plan(
        load_seconds=150.0,
        faults=(
            Fault(8, "sigkill", "SIGKILL certificates-worker-1", target="certificates-worker", replica=1),
            Fault(10, "sigkill", "SIGKILL progress-1", target="progress", replica=1),
            Fault(18, "postgres", "Postgres stopped for 20 s", seconds=20),
            Fault(50, "nats", "NATS stopped for 20 s", seconds=20),
            Fault(80, "s3", "S3 stopped for 25 s during a bulk job and completions", seconds=25),
            Fault(112, "redis", "Redis restarted"),
            Fault(116, "relay", "progress-relay-0 down for 25 s (> 15 s duplicate window)", 25, "progress-relay", 0),
            Fault(120, "sigkill", "SIGKILL certificates-0", target="certificates", replica=0),
        ),
        learners=8,
        courses=2,
        # Courses published while Postgres, NATS and S3 are down and while a relay is held.
        publish_at=(22.0, 55.0, 85.0, 120.0),
        # Started just after S3 stopped: the whole job waits for storage.
        bulk_at=(82.0,),
        bulk_size=1000,
        duplicate_window=15.0,
        drain_seconds=300.0,
        seed=seed,
    )


def long_plan(minutes: float = 30.0, seed: int | None = None) -> Plan:
    """Random faults every 30–90 s from the issue's list, for ``minutes`` of load (``make soak``)."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    menu: list[Callable[[float], Fault]] = [
        lambda t: Fault(t, "sigkill", "SIGKILL {0}-{1}", target="", replica=0),
        lambda t: Fault(t, "postgres", "Postgres stopped for 20 s", seconds=20),
        lambda t: Fault(t, "postgres", "Postgres stopped for 90 s", seconds=90),
        lambda t: Fault(t, "nats", "NATS stopped for 30 s", seconds=30),
        lambda t: Fault(t, "nats", "NATS stopped for 3 min", seconds=180),
        lambda t: Fault(t, "s3", "S3 stopped for 20 s during completions", seconds=20),
        lambda t: Fault(t, "s3", "S3 stopped for 120 s during a bulk job", seconds=120, target="bulk"),
        lambda t: Fault(t, "redis", "Redis restarted"),
        lambda t: Fault(t, "relay", "{0}-{1} down for 90 s (> 60 s duplicate window)", 90, "", 0),
    ]
    load = minutes * 60.0
    faults: list[Fault] = []
    order = list(range(len(menu)))
    rng.shuffle(order)  # every kind once first, then at random
    t = 30.0
    i = 0
    while t < load - 60:
        fault = menu[order[i] if i < len(order) else rng.randrange(len(menu))](t)
        if fault.kind == "sigkill":
            role, replica = rng.choice(KILLABLE)
            fault = Fault(t, "sigkill", f"SIGKILL {role}-{replica}", target=role, replica=replica)
        elif fault.kind == "relay":
            role = rng.choice(["courses-relay", "progress-relay", "certificates-relay"])
            fault = Fault(t, "relay", fault.name.format(role, 1), fault.seconds, role, 1)
        faults.append(fault)
        gap = rng.uniform(30, 90)
        if fault.kind != "sigkill":
            # Between two faults, a process dies the hard way too: every role gets its turn over a run.
            role, replica = rng.choice(KILLABLE)
            at = t + fault.seconds + gap / 2
            faults.append(Fault(at, "sigkill", f"SIGKILL {role}-{replica}", target=role, replica=replica))
        t += fault.seconds + gap
        i += 1
    faults = [f for f in faults if f.at + f.seconds < load - 10]
    bulk_at = tuple(f.at - 5 for f in faults if f.target == "bulk")
    return Plan(
        load_seconds=load,
        faults=tuple(faults),
        learners=20,
        courses=4,
        new_course_every=90.0,
        bulk_every=240.0,
        bulk_at=bulk_at,
        bulk_size=2000,
        duplicate_window=60.0,
        drain_seconds=900.0,
        seed=seed,
    )


# --- what the clients did -------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients asked for and were told, to compare with what the services stored."""

    courses: dict[str, str] = field(default_factory=dict)  # course id -> quiz lesson id
    auto_issue_courses: set[str] = field(default_factory=set)
    completed: dict[str, tuple[str, str]] = field(default_factory=dict)  # enrollment -> (course, learner)
    quiz_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # enrollment -> keys
    quiz_answers: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))  # key -> attempt
    bulk_jobs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key -> job ids
    bulk_course: str = ""
    retries: int = 0
    unexpected: list[str] = field(default_factory=list)
    learners_started: int = 0
    longest_stall: float = 0.0
    oldest_outbox: float = 0.0
    fault_log: list[tuple[float, str, float]] = field(default_factory=list)


class ClientGaveUp(RuntimeError):
    pass


class Client:
    """One GraphQL caller that retries the way a careful client does: same key, capped back-off."""

    def __init__(self, base_url: str, token: str, ledger: Ledger, deadline: Callable[[], float]) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=20.0)
        self.token = token
        self.ledger = ledger
        self.deadline = deadline

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self, query: str, key: str | None = None, retry_on: frozenset[str] = frozenset(), **variables: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        delay = 0.3
        while True:
            why = ""
            try:
                res = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
                body = res.json() if res.headers.get("content-type", "").startswith("application") else {}
                errors = body.get("errors") or []
                if res.status_code < 500 and not errors and body.get("data") is not None:
                    return dict(body["data"])
                codes = {(e.get("extensions") or {}).get("code", "") for e in errors}
                if res.status_code >= 500 or res.status_code == 429 or codes & (RETRY_CODES | retry_on):
                    why = f"{res.status_code} {sorted(codes)}"
                else:
                    raise ClientGaveUp(f"{res.status_code} {errors or res.text[:200]}")
            except (httpx.TransportError, ValueError) as exc:
                why = type(exc).__name__
            if time.monotonic() > self.deadline():
                raise ClientGaveUp(f"still failing at the deadline: {why}")
            self.ledger.retries += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 5.0)


CREATE = "mutation($i: CreateCourseInput!){ createCourse(input: $i){ id } }"
ADD_MODULE = "mutation($c: ID!, $i: ModuleInput!){ addModule(courseId: $c, input: $i){ id } }"
ADD_LESSON = "mutation($m: ID!, $i: LessonInput!){ addLesson(moduleId: $m, input: $i){ id } }"
PUBLISH = "mutation($id: ID!){ publishCourse(id: $id){ status } }"
COURSE = """query($id: ID!){ course(id: $id){ id modules { lessons { id kind
  quiz { questions { id options { id label(lang: "en") } } } } } } }"""
ENROLL = "mutation($c: ID!){ enroll(courseId: $c){ id status } }"
COMPLETE = "mutation($e: ID!, $l: ID!){ completeLesson(enrollmentId: $e, lessonId: $l){ id status } }"
SUBMIT = """mutation($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!){
  submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a){ attempt passed enrollment { status } } }"""
BULK = "mutation($i: BulkIssueInput!){ startBulkIssue(input: $i){ id total status } }"


async def author_course(trainer: Client, auto_issue: bool, label: str) -> tuple[str, str]:
    """A published course of two text lessons and a one-question quiz; returns (course id, quiz lesson id)."""
    slug = f"soak-{label}-{uuid.uuid4().hex[:8]}"
    titles = [{"lang": "en", "text": f"Soak {label}"}, {"lang": "kk", "text": f"Сынақ {label}"}]
    course = (
        await trainer.call(
            CREATE,
            key=f"create-{slug}",
            i={"slug": slug, "titles": titles, "defaultLanguage": "en", "autoIssueCertificate": auto_issue},
        )
    )["createCourse"]
    cid = str(course["id"])
    module = (
        await trainer.call(ADD_MODULE, key=f"mod-{slug}", c=cid, i={"titles": [{"lang": "en", "text": "Basics"}]})
    )["addModule"]
    for n in range(2):
        await trainer.call(
            ADD_LESSON,
            key=f"lesson-{slug}-{n}",
            m=module["id"],
            i={
                "kind": "TEXT",
                "titles": [{"lang": "en", "text": f"Part {n + 1}"}],
                "bodies": [{"lang": "en", "text": "Read this."}],
            },
        )
    question = {
        "prompts": [{"lang": "en", "text": "Which is right?"}],
        "options": [
            {"labels": [{"lang": "en", "text": "right"}], "correct": True},
            {"labels": [{"lang": "en", "text": "wrong"}], "correct": False},
        ],
    }
    quiz = (
        await trainer.call(
            ADD_LESSON,
            key=f"quiz-{slug}",
            m=module["id"],
            i={
                "kind": "QUIZ",
                "titles": [{"lang": "en", "text": "Check"}],
                "quiz": {"passScore": 100, "questions": [question]},
            },
        )
    )["addLesson"]
    await trainer.call(PUBLISH, key=f"publish-{slug}", id=cid)
    return cid, str(quiz["id"])


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    expected: str
    found: int | float | str
    ok: bool


@dataclass
class Report:
    rows: list[Row]
    plan: Plan
    ledger: Ledger
    seconds: float

    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    def table(self) -> str:
        width = max(len(r.what) for r in self.rows)
        lines = [
            f"soak: {self.plan.load_seconds / 60:.1f} min of load, {len(self.plan.faults)} faults, "
            f"seed {self.plan.seed}, {self.seconds:.0f} s in all",
            f"{'check'.ljust(width)}  expected   found   verdict",
            f"{'-' * width}  ---------  ------  -------",
        ]
        for r in self.rows:
            lines.append(f"{r.what.ljust(width)}  {r.expected:<9}  {r.found!s:<6}  {'ok' if r.ok else 'FAIL'}")
        lines.append("faults:")
        for at, name, took in self.ledger.fault_log:
            lines.append(f"  t={at:6.1f}s  {name}  ({took:.0f} s)")
        return "\n".join(lines)


class Soak:
    """Runs one :class:`Plan` against a Stack the caller started (see :func:`soak_stack`)."""

    def __init__(self, stack: Any, plan: Plan) -> None:
        self.stack = stack
        self.plan = plan
        self.env = dict(stack.env)
        self.ledger = Ledger()
        self.rng = random.Random(plan.seed)
        self.t0 = 0.0
        self.stop_load = asyncio.Event()
        self.secret = self.env["LMS_JWT_SECRET"]
        self.url = self.env["LMS_PUBLIC_URL"]

    def _client(self, sub: str, name: str, roles: list[str], **claims: Any) -> Client:
        token = make_token(self.secret, sub=sub, name=name, roles=roles, ttl=6 * 3600, **claims)
        hard_stop = self.plan.load_seconds + self.plan.drain_seconds
        return Client(self.url, token, self.ledger, lambda: self.t0 + hard_stop)

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def run(self) -> Report:
        self.t0 = time.monotonic()
        trainer = self._client(f"soak-trainer-{uuid.uuid4().hex[:6]}", "Soak Trainer", ["trainer"])
        admin = self._client(f"soak-admin-{uuid.uuid4().hex[:6]}", "Soak Admin", ["admin"])
        try:
            for n in range(self.plan.courses):
                cid, quiz = await author_course(trainer, True, f"c{n}")
                self.ledger.courses[cid] = quiz
                self.ledger.auto_issue_courses.add(cid)
            self.ledger.bulk_course, _ = await author_course(trainer, False, "bulk")
            log.info("soak: %d courses published; load starts", len(self.ledger.courses))
            self.t0 = time.monotonic()
            tasks = [
                asyncio.create_task(self._faults()),
                asyncio.create_task(self._publisher(trainer)),
                asyncio.create_task(self._bulk(admin)),
                asyncio.create_task(self._watch_jobs()),
                asyncio.create_task(self._watch_outboxes()),
            ]
            tasks += [asyncio.create_task(self._learner(n)) for n in range(self.plan.learners)]
            await asyncio.sleep(self.plan.load_seconds)
            self.stop_load.set()
            log.info("soak: load stopped at t=%.0fs; waiting for clients and faults", self.now())
            await asyncio.gather(*tasks, return_exceptions=False)
            await self._drain()
            return await self._count()
        finally:
            await trainer.aclose()
            await admin.aclose()

    # -- load ----------------------------------------------------------------------------------------

    async def _learner(self, n: int) -> None:
        """Work through courses one after another until the load stops."""
        while not self.stop_load.is_set():
            sub = f"soak-l{n}-{uuid.uuid4().hex[:8]}"
            name = f"{self.rng.choice(NAMES)} {n}"
            client = self._client(sub, name, ["learner"], org=self.rng.choice(["AZ", "KZ", "KG", "UZ", "TR"]))
            self.ledger.learners_started += 1
            try:
                await self._take_course(client, sub)
            except ClientGaveUp as exc:
                self.ledger.unexpected.append(f"learner {sub}: {exc}")
                log.error("soak: learner %s gave up: %s", sub, exc)
            finally:
                await client.aclose()

    async def _take_course(self, client: Client, sub: str) -> None:
        cid = self.rng.choice(sorted(self.ledger.courses))
        quiz_lesson = self.ledger.courses[cid]
        enrollment = (await client.call(ENROLL, retry_on=frozenset({"NOT_FOUND"}), c=cid))["enroll"]
        eid = str(enrollment["id"])
        course = (await client.call(COURSE, id=cid))["course"]
        lessons = [lesson for m in course["modules"] for lesson in m["lessons"]]
        for lesson in lessons:
            if lesson["kind"] != "QUIZ":
                await client.call(COMPLETE, e=eid, l=lesson["id"])
                await asyncio.sleep(self.rng.uniform(0.1, 0.6))
        quiz = next(lesson for lesson in lessons if lesson["id"] == quiz_lesson)
        question = quiz["quiz"]["questions"][0]
        right = next(o["id"] for o in question["options"] if o["label"] == "right")
        wrong = next(o["id"] for o in question["options"] if o["label"] == "wrong")
        attempts = [wrong, right] if self.rng.random() < 0.5 else [right]
        for option in attempts:
            key = f"quiz-{eid}-{uuid.uuid4().hex[:10]}"
            self.ledger.quiz_keys[eid].add(key)
            answer = [{"questionId": question["id"], "optionIds": [option]}]
            result = (await client.call(SUBMIT, key=key, e=eid, l=quiz_lesson, a=answer))["submitQuiz"]
            self.ledger.quiz_answers[eid][key] = int(result["attempt"])
            if self.rng.random() < 0.4:  # the client retries a request that already succeeded
                again = (await client.call(SUBMIT, key=key, e=eid, l=quiz_lesson, a=answer))["submitQuiz"]
                if int(again["attempt"]) != int(result["attempt"]):
                    self.ledger.unexpected.append(f"{key}: retry answered attempt {again['attempt']}")
            if result["enrollment"]["status"] == "COMPLETED":
                self.ledger.completed[eid] = (cid, sub)

    async def _publisher(self, trainer: Client) -> None:
        """A new auto-issue course at the plan's moments or now and then, whatever is failing at the time."""
        moments = list(self.plan.publish_at) or list(_every(self.plan.new_course_every, self.plan.load_seconds))
        n = 0
        for at in moments:
            wait = at - self.now()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_load.wait(), wait)
            if self.stop_load.is_set():
                return
            n += 1
            try:
                cid, quiz = await author_course(trainer, True, f"new{n}")
            except ClientGaveUp as exc:
                self.ledger.unexpected.append(f"publish: {exc}")
                continue
            self.ledger.courses[cid] = quiz
            self.ledger.auto_issue_courses.add(cid)
            log.info("soak: t=%.0fs course %s published", self.now(), cid)

    async def _bulk(self, admin: Client) -> None:
        """Bulk jobs at the plan's moments (and every ``bulk_every`` seconds), retried with one key."""
        times = sorted(self.plan.bulk_at)
        if self.plan.bulk_every:
            times = sorted({*times, *[t for t in _every(self.plan.bulk_every, self.plan.load_seconds - 30)]})
        for at in times:
            wait = at - self.now()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_load.wait(), wait)
            if self.stop_load.is_set():
                return
            key = f"bulk-{uuid.uuid4().hex}"
            tag = key[5:13]
            recipients = [
                {"learnerId": f"soak-bulk-{tag}-{i:05d}", "name": f"{self.rng.choice(NAMES)} {i}", "org": "KZ"}
                for i in range(self.plan.bulk_size)
            ]
            sends = 2 if self.rng.random() < 0.5 else 1  # sometimes the client sends it twice anyway
            for _ in range(sends):
                try:
                    job = (
                        await admin.call(
                            BULK,
                            key=key,
                            retry_on=frozenset({"NOT_FOUND"}),
                            i={"courseId": self.ledger.bulk_course, "recipients": recipients},
                        )
                    )["startBulkIssue"]
                except ClientGaveUp as exc:
                    self.ledger.unexpected.append(f"bulk: {exc}")
                    break
                self.ledger.bulk_jobs[key].add(str(job["id"]))
            log.info("soak: t=%.0fs bulk job(s) %s for %d", self.now(), self.ledger.bulk_jobs[key], len(recipients))

    # -- faults --------------------------------------------------------------------------------------

    async def _faults(self) -> None:
        for fault in sorted(self.plan.faults, key=lambda f: f.at):
            wait = fault.at - self.now()
            if wait > 0:
                await asyncio.sleep(wait)
            started = self.now()
            log.warning("soak: FAULT t=%.0fs %s", started, fault.name)
            try:
                await asyncio.to_thread(self._inject, fault)
            except Exception:
                log.exception("soak: fault %s could not be injected", fault.name)
                raise
            took = self.now() - started
            self.ledger.fault_log.append((started, fault.name, took))
            log.warning("soak: FAULT OVER t=%.0fs %s", self.now(), fault.name)

    def _inject(self, fault: Fault) -> None:
        stack = self.stack
        if fault.kind == "sigkill":
            stack.kill_role(fault.target, replica=fault.replica)
        elif fault.kind in ("postgres", "nats", "s3"):
            stack.kill_server(fault.kind)
            time.sleep(fault.seconds)
            stack.start_server(fault.kind, timeout=120)
        elif fault.kind == "redis":
            stack.kill_server("redis")
            time.sleep(1.0)
            stack.start_server("redis", timeout=60)
        elif fault.kind == "relay":
            stack.hold_role(fault.target, fault.replica)
            time.sleep(fault.seconds)
            stack.release_role(fault.target, fault.replica)
        else:
            raise ValueError(fault.kind)

    # -- watching ------------------------------------------------------------------------------------

    async def _watch_jobs(self) -> None:
        """The longest time any RUNNING bulk job made no progress (while the run is on)."""
        last: dict[str, tuple[int, float]] = {}
        while not self.stop_load.is_set() or last:
            rows = await _fetch_quietly(
                self.env["LMS_CERTIFICATES_DATABASE_URL"],
                "SELECT id::text AS id, status, issued + skipped + failed + refused AS done FROM bulk_job",
            )
            now = time.monotonic()
            if rows is not None:
                running = {r["id"]: int(r["done"]) for r in rows if r["status"] in ("QUEUED", "RUNNING")}
                for jid, done in running.items():
                    seen = last.get(jid)
                    if seen is None or seen[0] != done:
                        last[jid] = (done, now)
                    else:
                        self.ledger.longest_stall = max(self.ledger.longest_stall, now - seen[1])
                for jid in [j for j in last if j not in running]:
                    last.pop(jid)
                if self.stop_load.is_set() and not running:
                    return
            await asyncio.sleep(1.0)
            if self.now() > self.plan.load_seconds + self.plan.drain_seconds:
                return

    async def _watch_outboxes(self) -> None:
        """The age of the oldest unsent outbox row seen in any service (sampled every two seconds)."""
        urls = [self.env[f"LMS_{s.upper()}_DATABASE_URL"] for s in ("courses", "progress", "certificates")]
        while not self.stop_load.is_set():
            for url in urls:
                age = await _fetch_quietly(
                    url,
                    "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age "
                    "FROM outbox_message WHERE sent_at IS NULL",
                )
                if age:
                    self.ledger.oldest_outbox = max(self.ledger.oldest_outbox, float(age[0]["age"]))
            await asyncio.sleep(2.0)

    # -- drain and count -----------------------------------------------------------------------------

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.plan.drain_seconds
        while time.monotonic() < deadline:
            busy = await self._busy()
            if not busy:
                log.info("soak: drained at t=%.0fs", self.now())
                return
            log.info("soak: draining: %s", ", ".join(busy))
            await asyncio.sleep(3.0)
        log.error("soak: drain deadline passed: %s", ", ".join(await self._busy()))

    async def _busy(self) -> list[str]:
        busy: list[str] = []
        for service in ("courses", "progress", "certificates"):
            rows = await _fetch_quietly(
                self.env[f"LMS_{service.upper()}_DATABASE_URL"],
                "SELECT count(*) AS n FROM outbox_message WHERE sent_at IS NULL AND parked_at IS NULL",
            )
            if rows is None or rows[0]["n"]:
                busy.append(f"{service} outbox {rows[0]['n'] if rows else '?'}")
        jobs = await _fetch_quietly(
            self.env["LMS_CERTIFICATES_DATABASE_URL"],
            "SELECT count(*) AS n FROM bulk_job WHERE status IN ('QUEUED', 'RUNNING')",
        )
        if jobs is None or jobs[0]["n"]:
            busy.append(f"bulk jobs {jobs[0]['n'] if jobs else '?'}")
        try:
            pending = await self._consumers_pending()
        except Exception as exc:  # noqa: BLE001 - NATS not back yet
            busy.append(f"NATS {type(exc).__name__}")
        else:
            busy += [f"{name} {n}" for name, n in pending.items() if n]
        missing = await self._uncertified()
        if missing is None or missing:
            busy.append(f"uncertified completions {len(missing) if missing is not None else '?'}")
        return busy

    async def _consumers_pending(self) -> dict[str, int]:
        nc = await nats.connect(self.env["LMS_NATS_URL"], connect_timeout=3, max_reconnect_attempts=0)
        try:
            js = nc.jetstream(timeout=5)
            out: dict[str, int] = {}
            for stream in ("LMS_EVENTS", "LMS_JOBS"):
                for info in await js.consumers_info(stream):
                    if info.config.durable_name:
                        out[f"{stream}/{info.name}"] = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
            jobs = await js.stream_info("LMS_JOBS")
            out["LMS_JOBS messages"] = int(jobs.state.messages)
            return out
        finally:
            await nc.close()

    async def _uncertified(self) -> set[tuple[str, str]] | None:
        """Completed enrolments of auto-issue courses (as progress records them) with no valid certificate."""
        done = await _fetch_quietly(
            self.env["LMS_PROGRESS_DATABASE_URL"],
            "SELECT course_id, learner_id FROM enrollment WHERE status = 'COMPLETED' AND course_id = ANY($1)",
            sorted(self.ledger.auto_issue_courses),
        )
        certs = await _fetch_quietly(
            self.env["LMS_CERTIFICATES_DATABASE_URL"],
            "SELECT course_id, learner_id FROM certificate WHERE status = 'VALID' AND course_id = ANY($1)",
            sorted(self.ledger.auto_issue_courses),
        )
        if done is None or certs is None:
            return None
        return {(r["course_id"], r["learner_id"]) for r in done} - {(r["course_id"], r["learner_id"]) for r in certs}

    async def _count(self) -> Report:
        env = self.env
        ledger = self.ledger
        rows: list[Row] = []

        def exact(what: str, expected: int, found: int) -> None:
            rows.append(Row(what, str(expected), found, found == expected))

        progress = await asyncpg.connect(asyncpg_dsn(env["LMS_PROGRESS_DATABASE_URL"]))
        certificates = await asyncpg.connect(asyncpg_dsn(env["LMS_CERTIFICATES_DATABASE_URL"]))
        try:
            ours = sorted(ledger.auto_issue_courses | {ledger.bulk_course})
            completed = await progress.fetch(
                "SELECT id, course_id, learner_id FROM enrollment WHERE status = 'COMPLETED' AND course_id = ANY($1)",
                ours,
            )
            completed_ids = {r["id"] for r in completed}
            events = await self._completed_events()
            per_enrollment = {eid: len(ids) for eid, ids in events.items()}
            exact(
                "completed enrolments the clients saw, missing in progress",
                0,
                len(set(ledger.completed) - completed_ids),
            )
            exact(
                "completed enrolments without course.completed",
                0,
                sum(1 for e in completed_ids if per_enrollment.get(e, 0) == 0),
            )
            exact("completed enrolments with 2+ course.completed", 0, sum(1 for n in per_enrollment.values() if n > 1))
            exact("course.completed for enrolments not completed", 0, len(set(per_enrollment) - completed_ids))

            valid = await certificates.fetch(
                "SELECT id::text AS id, course_id, learner_id, pdf_key FROM certificate "
                "WHERE status = 'VALID' AND course_id = ANY($1)",
                ours,
            )
            per_person: dict[tuple[str, str], int] = defaultdict(int)
            for r in valid:
                per_person[(r["course_id"], r["learner_id"])] += 1
            exact("(course, learner) with 2+ valid certificates", 0, sum(1 for n in per_person.values() if n > 1))
            auto = ledger.auto_issue_courses
            uncertified = {(r["course_id"], r["learner_id"]) for r in completed if r["course_id"] in auto} - set(
                per_person
            )
            exact("auto-issue completions without a certificate", 0, len(uncertified))

            mirrored = await progress.fetch(
                "SELECT id FROM certificate WHERE NOT revoked AND course_id = ANY($1)", ours
            )
            mirror_ids = {r["id"] for r in mirrored}
            valid_ids = {r["id"] for r in valid}
            exact("certificates missing from progress's copy", 0, len(valid_ids - mirror_ids))
            exact("progress's copy: certificates unknown to certificates", 0, len(mirror_ids - valid_ids))

            jobs = await certificates.fetch(
                "SELECT id::text AS id, status, total, issued, skipped, failed, refused FROM bulk_job "
                "WHERE course_id = $1",
                ledger.bulk_course,
            )
            sent_ids = {j for ids in ledger.bulk_jobs.values() for j in ids}
            exact("bulk keys answered with 2+ jobs", 0, sum(1 for ids in ledger.bulk_jobs.values() if len(ids) > 1))
            exact("bulk jobs stored but never answered to the client", 0, len({j["id"] for j in jobs} - sent_ids))
            exact("bulk jobs not COMPLETED", 0, sum(1 for j in jobs if j["status"] != "COMPLETED"))
            exact(
                "bulk jobs whose issued+skipped+failed+refused != total",
                0,
                sum(1 for j in jobs if j["issued"] + j["skipped"] + j["failed"] + j["refused"] != j["total"]),
            )
            exact("bulk items failed (infrastructure faults only)", 0, sum(int(j["failed"]) for j in jobs))
            rows.append(
                Row("bulk jobs run", ">0" if self.plan.bulk_at else "-", len(jobs), bool(jobs) or not self.plan.bulk_at)
            )

            stored = self._bucket_objects()
            all_keys = {r["pdf_key"] for r in await certificates.fetch("SELECT pdf_key FROM certificate")}
            exact("PDF objects without a certificate row", 0, len(stored - all_keys))
            exact("certificate rows without their PDF", 0, len(all_keys - stored))

            attempts = await progress.fetch(
                "SELECT enrollment_id, attempts FROM lesson_progress "
                "WHERE enrollment_id = ANY($1) AND lesson_id = ANY($2)",
                sorted(ledger.quiz_keys),
                sorted(ledger.courses.values()),
            )
            by_enrollment = {r["enrollment_id"]: int(r["attempts"]) for r in attempts}
            off = sum(1 for eid, keys in ledger.quiz_keys.items() if by_enrollment.get(eid, 0) != len(keys))
            exact("enrolments whose quiz attempts != distinct keys sent", 0, off)

            parked = 0
            for service in ("courses", "progress", "certificates"):
                conn = await asyncpg.connect(asyncpg_dsn(env[f"LMS_{service.upper()}_DATABASE_URL"]))
                try:
                    parked += int(await conn.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"))
                finally:
                    await conn.close()
            exact("outbox rows not sent (parked or stuck)", 0, parked)
        finally:
            await progress.close()
            await certificates.close()

        exact("dead letters", 0, await self._dead_letters())
        exact("client requests that failed for good", 0, len(ledger.unexpected))
        missing_kinds = set(ALL_KINDS) - {kind for kind in self.plan.kinds}
        rows.append(
            Row("fault kinds not injected", "0", len(missing_kinds), not missing_kinds or self.plan.bulk_every > 0)
        )
        rows.append(Row("completed enrolments", ">0", len(completed_ids), bool(completed_ids)))
        rows.append(Row("valid certificates", ">0", len(valid), bool(valid)))
        rows.append(Row("client retries (info)", "-", ledger.retries, True))
        rows.append(Row("longest RUNNING job without progress, s (info)", "-", round(ledger.longest_stall), True))
        rows.append(Row("oldest unsent outbox row seen, s (info)", "-", round(ledger.oldest_outbox), True))
        return Report(rows, self.plan, ledger, time.monotonic() - self.t0)

    async def _completed_events(self) -> dict[str, set[str]]:
        """Distinct event ids of ``course.completed`` on the stream, by enrolment."""
        nc = await nats.connect(self.env["LMS_NATS_URL"], connect_timeout=5)
        try:
            js = nc.jetstream(timeout=10)
            info = await js.stream_info("LMS_EVENTS", subjects_filter=COMPLETED_TYPE)
            expected = int((info.state.subjects or {}).get(COMPLETED_TYPE, 0))
            sub = await js.pull_subscribe(
                COMPLETED_TYPE,
                stream="LMS_EVENTS",
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=60.0),
            )
            out: dict[str, set[str]] = defaultdict(set)
            seen = 0
            while seen < expected:
                try:
                    msgs = await sub.fetch(500, timeout=3)
                except TimeoutError:
                    break
                for msg in msgs:
                    seen += 1
                    envelope = Envelope.from_bytes(msg.data)
                    out[str(envelope.data["enrollment_id"])].add(envelope.id)
                    await msg.ack()
            await sub.unsubscribe()
            return out
        finally:
            await nc.close()

    async def _dead_letters(self) -> int:
        nc = await nats.connect(self.env["LMS_NATS_URL"], connect_timeout=5)
        try:
            js = nc.jetstream(timeout=10)
            total = int((await js.stream_info("LMS_DLQ")).state.messages)
            legacy = await js.stream_info("LMS_EVENTS", subjects_filter="lms.dlq.>")
            return total + sum((legacy.state.subjects or {}).values())
        finally:
            await nc.close()

    def _bucket_objects(self) -> set[str]:
        env = self.env
        s3 = Minio(
            env["LMS_S3_ENDPOINT"],
            access_key=env["LMS_S3_ACCESS_KEY"],
            secret_key=env["LMS_S3_SECRET_KEY"],
            secure=False,
            region=env.get("LMS_S3_REGION", "us-east-1"),
        )
        bucket = env.get("LMS_S3_CERTIFICATES_BUCKET", "lms-certificates")
        return {str(o.object_name) for o in s3.list_objects(bucket_name=bucket, recursive=True)}


def _every(step: float, until: float) -> Iterator[float]:
    t = step
    while t < until:
        yield t
        t += step


async def _fetch_quietly(url: str, query: str, *args: Any) -> list[Any] | None:
    """Rows, or None while the database is down (the watchers keep sampling through outages)."""
    # Any failure while Postgres stops or starts (refused, reset, "the database system is starting up",
    # asyncpg's own InternalClientError on a connection cut mid-handshake) only means "no sample now".
    try:
        conn = await asyncio.wait_for(asyncpg.connect(asyncpg_dsn(url), timeout=3), 5)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError):
        return None
    try:
        return list(await asyncio.wait_for(conn.fetch(query, *args), 10))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError):
        return None
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


# --- the stack ------------------------------------------------------------------------------------


@contextlib.contextmanager
def soak_stack(data_dir: Path, plan: Plan) -> Iterator[Any]:
    """The embedded stack scaled out as the plan says, supervised (crashed roles come back)."""
    from lms_local import Stack

    env = {
        "LMS_ENV": "test",
        "LMS_LOG_JSON": "true",
        "LMS_EVENTS_DUPLICATE_WINDOW_SECONDS": str(int(plan.duplicate_window)),
    }
    stack = Stack(data_dir, ports=None, env_overrides=env)
    stop = threading.Event()
    supervisor = threading.Thread(target=stack.supervise, args=(stop,), name="soak-supervisor", daemon=True)
    try:
        stack.start_infra()
        stack.migrate()
        replicas = {
            "progress": plan.progress_replicas,
            "certificates": plan.certificates_replicas,
            "certificates-worker": plan.workers,
            "courses-relay": plan.relays,
            "progress-relay": plan.relays,
            "certificates-relay": plan.relays,
        }
        for role in ("courses", "progress", "certificates", "courses-relay", "progress-relay"):
            stack.start_role(role, replicas.get(role, 1))
        for role in ("certificates-relay", "certificates-worker", "gateway"):
            stack.start_role(role, replicas.get(role, 1))
        stack.wait_healthy(timeout=180)
        supervisor.start()
        yield stack
    finally:
        stop.set()
        if supervisor.is_alive():
            supervisor.join(5)
        stack.stop()


async def run_soak(data_dir: Path, plan: Plan) -> Report:
    with soak_stack(data_dir, plan) as stack:
        return await Soak(stack, plan).run()


def run(data_dir: Path, plan: Plan) -> Report:
    return asyncio.run(run_soak(data_dir, plan))
