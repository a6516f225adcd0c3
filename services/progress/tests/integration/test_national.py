"""National reports and the learner directory on the real stack (issue 14, items 2 and 3).

The projections are fed by events through the inbox (consumer ``progress-reports`` for progress's own
enrolment events, ``progress-certificates`` for certificates); the rollups follow by trigger. The
same history delivered in order, shuffled, and with duplicates must give the same rows and the
counts worked out by hand below.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseCompletedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    LessonCompletedV1,
)
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from services.progress.tests.integration.support import Api, course_published, eventually, publish, text_lesson, uid

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
REPORTS, CERTIFICATES = "progress-reports", "progress-certificates"
# The projections are applied by one durable consumer in event order: in the full suite these tests
# wait behind earlier tests' events (the 10,000-member cohort of test_enrollment.py is 10,000 events).
BACKLOG_SECONDS = 300


def history(run: str, org: str = "XA", other: str = "XB") -> list[Envelope]:
    """Two courses, three learners: a withdrawal and a return, a withdrawal for good, a completion,
    a certificate kept and one revoked. Every id contains ``run``."""

    def person(n: int, state: str, municipality: str) -> LearnerData:
        return LearnerData(id=f"{run}-l{n}", name=f"Learner {n} Əliyeva", org=state, municipality=municipality)

    l1, l2, l3 = person(1, org, "Bakı"), person(2, org, "Gəncə"), person(3, other, "=Almaty")

    def created(e: str, course: str, who: LearnerData, day: datetime) -> EnrollmentCreatedV1:
        return EnrollmentCreatedV1(
            enrollment_id=f"{run}-{e}", course_id=f"{run}-{course}", course_version=1, learner=who, enrolled_at=day
        )

    def withdrawn(e: str, course: str, who: LearnerData, day: datetime) -> EnrollmentWithdrawnV1:
        assert who.id is not None
        return EnrollmentWithdrawnV1(
            enrollment_id=f"{run}-{e}",
            course_id=f"{run}-{course}",
            course_version=1,
            learner_id=who.id,
            withdrawn_at=day,
        )

    def completed(e: str, course: str, who: LearnerData, day: datetime) -> CourseCompletedV1:
        return CourseCompletedV1(
            enrollment_id=f"{run}-{e}",
            course_id=f"{run}-{course}",
            course_version=1,
            course_titles={"az": "Büdcə"},
            course_default_language="az",
            learner=who,
            completed_at=day,
        )

    def issued(cert: str, e: str, course: str, who: LearnerData, day: datetime) -> CertificateIssuedV1:
        return CertificateIssuedV1(
            certificate_id=f"{run}-{cert}",
            code=f"KB-{run}-{cert}",
            course_id=f"{run}-{course}",
            learner=who,
            enrollment_id=f"{run}-{e}",
            issued_at=day,
        )

    def revoked(cert: str, course: str, who: LearnerData, day: datetime) -> CertificateRevokedV1:
        return CertificateRevokedV1(
            certificate_id=f"{run}-{cert}",
            code=f"KB-{run}-{cert}",
            course_id=f"{run}-{course}",
            learner_id=who.id,
            reason="Issued by mistake",
            revoked_at=day,
        )

    d = timedelta(days=1)
    feb, mar = datetime(2026, 2, 3, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    steps: list[Any] = [
        created("e1", "c1", l1, T0),
        created("e2", "c2", l1, T0 + 2 * d),
        created("e3", "c1", l2, feb),
        withdrawn("e3", "c1", l2, feb + d),
        created("e3", "c1", l2, feb),  # back again: enrolled_at stays the first one
        created("e4", "c1", l3, feb + 2 * d),
        withdrawn("e4", "c1", l3, feb + 3 * d),  # gone for good
        completed("e1", "c1", l1, mar),
        issued("cert1", "e1", "c1", l1, mar + d),
        issued("cert2", "e3", "c1", l2, mar + 2 * d),
        revoked("cert2", "c1", l2, mar + 3 * d),
        LessonCompletedV1(
            enrollment_id=f"{run}-e2",
            course_id=f"{run}-c2",
            course_version=1,
            learner_id=f"{run}-l1",
            lesson_id="x",
            progress_percent=50,
            completed_at=mar + 4 * d,
        ),
    ]
    return [p.envelope(time=T0 + timedelta(minutes=n)) for n, p in enumerate(steps)]


def consumer_of(envelope: Envelope) -> str:
    return CERTIFICATES if envelope.type.startswith("lms.certificates.") else REPORTS


async def deliver(js: JetStreamContext, db: asyncpg.Pool, deliveries: list[tuple[Envelope, bool]]) -> None:
    last: dict[str, int] = {}
    for envelope, again in deliveries:
        msg_id = f"again-{uuid.uuid4()}" if again else envelope.id
        ack = await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        last[consumer_of(envelope)] = max(last.get(consumer_of(envelope), 0), ack.seq)
    ids = {e.id for e, _ in deliveries}

    async def done() -> bool:
        n = await db.fetchval(
            "SELECT count(DISTINCT event_id) FROM processed_event WHERE event_id = ANY($1)", list(ids)
        )
        if n != len(ids):
            return False
        for consumer, seq in last.items():
            info = await js.consumer_info(EVENTS_STREAM, consumer)
            if info.ack_floor is None or info.ack_floor.stream_seq < seq:
                return False
        return True

    await eventually(done, timeout=BACKLOG_SECONDS)


async def projection(db: asyncpg.Pool, run: str) -> dict[str, Any]:
    # The rollups plus the changes not folded yet: exact whenever it is read, folded or not.
    cells = await db.fetch(
        "SELECT replace(course_id, $2, 'R') AS course, to_char(month, 'YYYY-MM') AS month, org, municipality,"
        " sum(enrolled) AS e, sum(completed) AS c, sum(certificates) AS x FROM ("
        " SELECT course_id, month, org, municipality, enrolled, completed, certificates FROM report_cell"
        " UNION ALL SELECT course_id, month, org, municipality, enrolled, completed, certificates"
        " FROM report_cell_delta) t WHERE course_id LIKE $1 GROUP BY 1, 2, 3, 4"
        " HAVING sum(enrolled) <> 0 OR sum(completed) <> 0 OR sum(certificates) <> 0 ORDER BY 1, 2, 3, 4",
        f"{run}-%",
        run,
    )
    people = await db.fetch(
        "SELECT replace(learner_id, $2, 'R') AS learner, to_char(month, 'YYYY-MM') AS month, org, municipality,"
        " sum(enrollments) FROM (SELECT org, month, municipality, learner_id, enrollments FROM report_learner"
        " UNION ALL SELECT org, month, municipality, learner_id, enrollments FROM report_learner_delta) t"
        " WHERE learner_id LIKE $1 GROUP BY 1, 2, 3, 4 HAVING sum(enrollments) <> 0 ORDER BY 1, 2, 3, 4",
        f"{run}-%",
        run,
    )
    names = await db.fetch(
        "SELECT replace(learner_id, $2, 'R') AS learner, name, name_key, org, municipality, last_active_at"
        " FROM learner WHERE learner_id LIKE $1 ORDER BY 1",
        f"{run}-%",
        run,
    )
    return {
        "cells": [tuple(r) for r in cells],
        "people": [tuple(r) for r in people],
        "learners": [tuple(r) for r in names],
    }


async def test_projection_is_the_same_for_any_order_and_duplicates(nats_js: JetStreamContext, db: asyncpg.Pool) -> None:
    prefix = uid("nat")
    runs = {name: history(f"{prefix}{name}") for name in ("o", "s1", "s2", "s3")}
    deliveries: list[tuple[Envelope, bool]] = [(e, False) for e in runs["o"]]
    for seed, name in enumerate(("s1", "s2", "s3")):
        rng = random.Random(seed)
        copy = [(e, False) for e in runs[name]] + [(e, True) for e in rng.sample(runs[name], 5)]
        rng.shuffle(copy)
        deliveries += copy
    await deliver(nats_js, db, deliveries)

    in_order = await projection(db, f"{prefix}o")
    for name in ("s1", "s2", "s3"):
        assert await projection(db, f"{prefix}{name}") == in_order, f"copy {name} differs from the in-order one"
    # Worked out by hand: e3 came back (counted), e4 left for good (not counted), cert2 revoked.
    assert in_order["cells"] == [
        ("R-c1", "2026-01", "XA", "Bakı", 1, 0, 0),
        ("R-c1", "2026-02", "XA", "Gəncə", 1, 0, 0),
        ("R-c1", "2026-03", "XA", "Bakı", 0, 1, 1),
        ("R-c2", "2026-01", "XA", "Bakı", 1, 0, 0),
    ]
    assert in_order["people"] == [  # by month, and all-time (0001-01)
        ("R-l1", "0001-01", "XA", "Bakı", 2),
        ("R-l1", "2026-01", "XA", "Bakı", 2),
        ("R-l2", "0001-01", "XA", "Gəncə", 1),
        ("R-l2", "2026-02", "XA", "Gəncə", 1),
    ]
    assert [(r[0], r[2]) for r in in_order["learners"]] == [
        # Both spellings of ə (e, as in Turkish transliteration; a, as in passports) are searchable.
        ("R-l1", "learner 1 eliyeva learner 1 aliyeva"),
        ("R-l2", "learner 2 eliyeva learner 2 aliyeva"),
        ("R-l3", "learner 3 eliyeva learner 3 aliyeva"),
    ]
    assert in_order["learners"][0][5] == datetime(2026, 3, 5, tzinfo=UTC)  # the lesson, the latest activity

    # The background fold moves every change into the rollups, and the figures stay the same.
    async def folded() -> bool:
        left = await db.fetchval(
            "SELECT (SELECT count(*) FROM report_cell_delta WHERE course_id LIKE $1)"
            " + (SELECT count(*) FROM report_learner_delta WHERE learner_id LIKE $1)",
            f"{prefix}%",
        )
        return left == 0

    await eventually(folded, timeout=BACKLOG_SECONDS)
    for name in ("o", "s1", "s2", "s3"):
        assert await projection(db, f"{prefix}{name}") == in_order


# --- the API -------------------------------------------------------------------------------------


async def published_course(js: JetStreamContext, owner: str = "trainer-owner") -> str:
    course_id = uid("course")
    await publish(js, course_published(course_id, [text_lesson(f"{course_id}-l1", 1)], owner_id=owner))
    return course_id


async def report(client: Api, **params: str) -> httpx.Response:
    return await client.http.get("/v1/reports/national", params=params)


async def until_report(client: Api, want: Callable[[dict[str, Any]], bool], **params: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await report(client, **params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if want(body) else None

    return await eventually(probe, timeout=BACKLOG_SECONDS)


async def test_report_counts_and_authorization(nats_js: JetStreamContext, api: Callable[..., Api]) -> None:
    org = "XC"
    c1, c2 = await published_course(nats_js), await published_course(nats_js)
    ana = api(uid("ana"), "Ana İsmayılova", org=org, municipality="Sumqayıt")
    bek = api(uid("bek"), "=HYPERLINK(1)", org=org, municipality="Şəki")
    for learner in (ana, bek):
        await learner.enroll_when_published(c1)
    e2 = await ana.enroll_when_published(c2)
    assert (await ana.complete(e2["id"], f"{c2}-l1")).json()["status"] == "COMPLETED"

    admin = api("admin-1", "Admin", ["admin"])
    body = await until_report(
        admin, lambda b: b["totals"]["enrolled"] == 3 and b["totals"]["completed"] == 1, groupBy="MUNICIPALITY", org=org
    )
    assert body["totals"]["learners"] == 2  # Ana counts once across her two courses
    by_muni = {r["municipality"]: (r["enrolled"], r["completed"], r["learners"]) for r in body["rows"]}
    assert by_muni == {"Sumqayıt": (2, 1, 1), "Şəki": (1, 0, 1)}
    per_course = (await report(admin, groupBy="COURSE,MONTH", org=org)).json()
    assert {(r["courseId"], r["learners"]) for r in per_course["rows"]} == {(c1, 2), (c2, 1)}
    assert all(r["courseTitle"] == "İştirakçı büdcə v1" for r in per_course["rows"])
    month = datetime.now(UTC).strftime("%Y-%m")
    assert {r["month"] for r in per_course["rows"]} == {month}

    # Country admins: their own state (asked for or not); another state is FORBIDDEN, not empty.
    mine = api(uid("ca"), "Country Admin", ["country_admin"], org=org)
    own = await report(mine, groupBy="ORG")
    assert own.status_code == 200 and [r["org"] for r in own.json()["rows"]] == [org]
    assert own.json()["totals"] == body["totals"] | {"org": org}
    assert (await report(mine, groupBy="ORG", org="XD")).status_code == 403
    for who in (api(uid("t"), "Trainer", ["trainer"]), api(uid("l"), "Learner", org=org)):
        assert (await report(who, groupBy="ORG", org=org)).status_code == 403
    bad = await report(admin, groupBy="ORG,CITY")
    assert bad.status_code == 422 and "CITY" in bad.text
    backwards = await report(admin, groupBy="ORG", **{"from": "2026-05-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"})
    assert backwards.status_code == 422

    # The CSV link: the same report, BOM, neutralised cells; a country admin's link stays in their state.
    link = await mine.http.post("/v1/reports/national/exports", json={"groupBy": ["MUNICIPALITY"], "org": org})
    assert link.status_code == 201, link.text
    anonymous = httpx.AsyncClient(base_url=str(mine.http.base_url), trust_env=False)
    try:
        csv = await anonymous.get(link.json()["path"])
        assert csv.status_code == 200, csv.text
        assert csv.content.startswith(b"\xef\xbb\xbf")
        text = csv.content.decode("utf-8-sig")
        assert (
            text.splitlines()[0]
            == "org,municipality,courseId,courseTitle,month,enrolled,completed,certificates,learners"
        )
        assert "Sumqayıt" in text and "TOTAL" in text.splitlines()[-1]
        assert (await anonymous.get("/v1/reports/national/exports/" + "x" * 43 + ".csv")).status_code == 404
    finally:
        await anonymous.aclose()
    other = await mine.http.post("/v1/reports/national/exports", json={"groupBy": ["ORG"], "org": "XD"})
    assert other.status_code == 403


async def test_learner_directory_search_pages_and_scope(nats_js: JetStreamContext, api: Callable[..., Api]) -> None:
    org = "XE"
    trainer = uid("trainer")
    mine_course, other_course = await published_course(nats_js, trainer), await published_course(nats_js)
    names = ["İlkin Məmmədov", "ilkin Mammadov", "Ilqar Əsgərov", "Aygün Quliyeva"]
    learners = [api(uid("dir"), n, org=org, municipality="Bakı") for n in names]
    for n, learner in enumerate(learners):
        await learner.enroll_when_published(mine_course if n < 2 else other_course)
    admin = api("admin-1", "Admin", ["admin"])

    async def directory(client: Api, **params: str) -> httpx.Response:
        return await client.http.get("/v1/learners", params=params)

    async def all_in() -> dict[str, Any] | None:
        body: dict[str, Any] = (await directory(admin, org=org)).json()
        return body if body["totalCount"] == 4 else None

    await eventually(all_in, timeout=BACKLOG_SECONDS)
    # Turkic-aware: İ/I/ı/i and ə/e meet, whatever the case.
    found = (await directory(admin, org=org, search="ILKIN MEMMEDOV")).json()
    assert found["totalCount"] == 1 and found["nodes"][0]["name"] == "İlkin Məmmədov"
    assert (await directory(admin, org=org, search="ılkın")).json()["totalCount"] == 2
    node = found["nodes"][0]
    assert node["enrollments"][0]["courseId"] == mine_course and node["lastActiveAt"]

    # Cursor pages: every learner once, in name order.
    seen, after = [], None
    while True:
        params = {"org": org, "first": "3"} | ({"after": after} if after else {})
        page = (await directory(admin, **params)).json()
        seen += [n["name"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 4 and len(set(seen)) == 4
    assert (await directory(admin, after="not-a-cursor")).status_code == 422
    assert (await directory(admin, first="0")).status_code == 422

    # Trainers: the learners of their own courses only; country admins: their state only.
    t = (await directory(api(trainer, "Trainer", ["trainer"]), org=org)).json()
    assert sorted(n["name"] for n in t["nodes"]) == sorted(names[:2])
    ca = api(uid("ca"), "Country Admin", ["country_admin"], org=org)
    assert (await directory(ca)).json()["totalCount"] == 4
    assert (await directory(ca, org="XF")).status_code == 403
    assert (await directory(api(uid("l"), "Learner", org=org))).status_code == 403
