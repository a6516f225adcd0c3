"""Issue 16, "Done when": killing the notifications service in the middle of a 2,000-certificate bulk
job ends with exactly 2,000 emails.

A stack of its own: the servers (PostgreSQL, NATS, S3, the local SMTP server aiosmtpd) plus the
certificates service, its outbox relay and its bulk worker, and the notifications service. An admin
starts a real bulk job of 2,000 recipients through the certificates REST API; the worker issues the
certificates, the relay publishes one ``certificate.issued`` per certificate, and the notifications
service turns each into one notification and one email, which the real SMTP server stores as an
``.eml`` file under ``<data>/mail`` (a resend with a Message-ID it already stored goes to
``<data>/mail/duplicates/``).

Where the addresses come from: every bulk row carries the learner's ``learnerId`` and ``email``; the
certificates service puts them into the event's ``LearnerData`` (``id``, ``email``), which is how the
notifications service learns them (it keeps no address book and calls no other service). The test
checks that the service knew none of these people before the job, so every address it mailed came
through the events.

The service is killed with SIGKILL twice while it works: first while the job is still issuing (and
kept down until the job has finished, which shows issuance does not wait for notifications), then
again while it works through the backlog. The sender can be caught between the SMTP server's 250 and
its SENT record for at most ``LMS_NOTIFICATIONS_SMTP_POOL_SIZE`` messages per kill (README "The
remaining window"): those come again with the same Message-ID and land in ``duplicates/``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from lms_local.mailserver import read_messages
from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CertificatePolicy, CoursePublishedV1
from lms_shared.jetstream import connect
from tests.support.graphql import eventually
from tests.support.tokens import make_token

pytestmark = pytest.mark.integration

N = 2000
POOL_SIZE = 4
KILLS = 2
ROLES = ("certificates", "certificates-relay", "certificates-worker", "notifications")
OVERRIDES = {
    "LMS_ENV": "test",
    "LMS_LOG_JSON": "true",
    "LMS_NOTIFICATIONS_EMAIL_LEASE_SECONDS": "5",
    "LMS_NOTIFICATIONS_EMAIL_POLL_SECONDS": "0.2",
    "LMS_NOTIFICATIONS_EMAIL_RETRY_BASE_SECONDS": "0.5",
    "LMS_NOTIFICATIONS_EMAIL_RETRY_CAP_SECONDS": "2",
    "LMS_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "10",
    "LMS_NOTIFICATIONS_SMTP_POOL_SIZE": str(POOL_SIZE),
    "LMS_NOTIFICATIONS_EMAIL_FROM": "no-reply@kentbilim.test",
}
LANGS = ("en", "az", "kk", "ky", "uz", "tr", "ru")
TITLES = {
    "en": "Participatory budgeting",
    "az": "İştirakçı büdcə",
    "kk": "Қатысымдық бюджет",
    "ky": "Катышуучулук бюджет",
    "tr": "Katılımcı bütçe",
    "uz": "Ishtirokchi byudjet",
    "ru": "Партисипаторное бюджетирование",
}


@pytest.fixture(scope="module")
def bulk_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import subprocess
    import sys

    from lms_local import Stack

    stack = Stack(Path(tmp_path_factory.mktemp("notifications-bulk-kill")), ports=None, env_overrides=OVERRIDES)
    try:
        stack.start_infra()
        subprocess.run(
            [sys.executable, "-m", "lms_shared.migrate", "certificates", "notifications"],
            env=stack.child_env(),
            check=True,
            capture_output=True,
            timeout=300,
        )
        for role in ROLES:
            stack.start_role(role)
        stack.wait_healthy(timeout=180, names=list(ROLES))
        yield stack
    finally:
        stack.stop()


@pytest.fixture
async def pools(bulk_stack: Any) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    env = bulk_stack.env
    ndb = await asyncpg.create_pool(asyncpg_dsn(env["LMS_NOTIFICATIONS_DATABASE_URL"]), min_size=1, max_size=2)
    cdb = await asyncpg.create_pool(asyncpg_dsn(env["LMS_CERTIFICATES_DATABASE_URL"]), min_size=1, max_size=2)
    assert ndb is not None and cdb is not None
    yield ndb, cdb
    await ndb.close()
    await cdb.close()


def course() -> CoursePublishedV1:
    cid = f"course-{uuid.uuid4().hex[:8]}"
    return CoursePublishedV1(
        course_id=cid,
        version=1,
        slug=cid,
        owner_id="trainer-1",
        default_language="az",
        languages=list(LANGS),
        titles=TITLES,
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=False),
        published_at=datetime.now(UTC),
    )


def eml_count(mail_dir: Path) -> int:
    """Messages the SMTP server stored (cheap: no parsing; files appear only once complete)."""
    return sum(1 for _ in mail_dir.glob("*.eml"))


@pytest.mark.slow
async def test_killing_notifications_mid_bulk_job_ends_with_exactly_2000_emails(
    bulk_stack: Any, pools: tuple[asyncpg.Pool, asyncpg.Pool]
) -> None:
    t0 = time.monotonic()
    ndb, cdb = pools
    env = bulk_stack.env
    mail_dir = Path(bulk_stack.data_dir) / "mail"
    c = course()
    nc, js = await connect(env["LMS_NATS_URL"], "notifications-bulk-kill-tests")
    try:
        e = c.envelope()
        await js.publish(e.subject, e.to_bytes(), headers={"Nats-Msg-Id": e.id})
    finally:
        await nc.drain()

    async def course_known() -> bool:
        in_certs = await cdb.fetchval("SELECT 1 FROM course WHERE id = $1", c.course_id)
        in_notifications = await ndb.fetchval("SELECT 1 FROM course WHERE course_id = $1", c.course_id)
        return bool(in_certs and in_notifications)

    await eventually(course_known, timeout=90)

    batch = uuid.uuid4().hex[:6]
    subs = [f"bk-{batch}-{i:04d}" for i in range(N)]
    address = {s: f"{s}@example.org" for s in subs}
    recipients = [
        {"learnerId": s, "name": f"Learner {i}", "email": address[s], "org": "KZ", "locale": LANGS[i % len(LANGS)]}
        for i, s in enumerate(subs)
    ]
    # Honest about addresses: the service has never seen these people (no token, no event).
    assert await ndb.fetchval("SELECT count(*) FROM person WHERE id LIKE $1", f"bk-{batch}-%") == 0

    admin = {"Authorization": f"Bearer {make_token(env['LMS_JWT_SECRET'], 'admin-bulk', 'Aida Admin', ['admin'])}"}
    async with httpx.AsyncClient(base_url=env["LMS_CERTIFICATES_URL"], timeout=120, trust_env=False) as certs:
        r = await certs.post("/v1/bulk-jobs", json={"courseId": c.course_id, "recipients": recipients}, headers=admin)
        assert r.status_code == 201, r.text
        job_id = r.json()["id"]

        async def job() -> dict[str, Any]:
            got: dict[str, Any] = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=admin)).json()
            return got

        async def notified() -> int:
            return int(
                await ndb.fetchval(
                    "SELECT count(*) FROM notification WHERE kind = 'CERTIFICATE_ISSUED' AND recipient_id LIKE $1",
                    f"bk-{batch}-%",
                )
            )

        # Kill 1: emails are going out while the job is still issuing.
        async def mailing() -> bool:
            return eml_count(mail_dir) >= 30

        await eventually(mailing, timeout=180, every=0.05)
        await asyncio.to_thread(bulk_stack.hold_role, "notifications")  # SIGKILL, kept down
        at_kill = await job()
        sent_at_kill = eml_count(mail_dir)
        print(f"kill 1 at {time.monotonic() - t0:.0f}s: {at_kill['issued']} issued, {sent_at_kill} emails")
        assert at_kill["status"] == "RUNNING" and at_kill["issued"] < N, "the kill must land mid-job"
        try:
            # The job finishes while the notifications service is dead: issuance does not wait for it.
            async def finished() -> dict[str, Any] | None:
                j = await job()
                return j if j["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None

            done = await eventually(finished, timeout=240, every=0.5)
            assert done["status"] == "COMPLETED" and done["issued"] == N and done["failed"] == 0, done
            assert await notified() < N and eml_count(mail_dir) < N, "nothing was notified while it was dead"
        finally:
            await asyncio.to_thread(bulk_stack.release_role, "notifications")
        print(f"job completed at {time.monotonic() - t0:.0f}s with the notifications service down")
    await asyncio.to_thread(bulk_stack.wait_healthy, 120, ["notifications"])

    # Kill 2: while it works through the backlog (notifications still being stored or sent).
    before = eml_count(mail_dir)

    async def working() -> bool:
        return eml_count(mail_dir) >= min(before + 150, N - 200)

    await eventually(working, timeout=180, every=0.1)
    await asyncio.to_thread(bulk_stack.hold_role, "notifications")
    at_second = eml_count(mail_dir)
    print(f"kill 2 at {time.monotonic() - t0:.0f}s: {await notified()} notifications, {at_second} emails")
    assert at_second < N, "the second kill must land mid-way too"
    await asyncio.to_thread(bulk_stack.release_role, "notifications")
    await asyncio.to_thread(bulk_stack.wait_healthy, 120, ["notifications"])

    async def all_sent() -> bool:
        n = await ndb.fetchval(
            "SELECT count(*) FROM email_delivery WHERE recipient_id LIKE $1 AND status = 'SENT'", f"bk-{batch}-%"
        )
        return bool(n == N)

    await eventually(all_sent, timeout=240, every=0.5)
    await asyncio.sleep(2)  # anything still on its way would show now

    # Exactly 2,000 notifications, one per certificate, each with one delivered email record.
    row = await ndb.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT n.recipient_id) AS people, count(DISTINCT n.dedupe_key) AS keys,"
        " count(d.id) FILTER (WHERE d.status = 'SENT') AS sent"
        " FROM notification n LEFT JOIN email_delivery d ON d.notification_id = n.id"
        " WHERE n.kind = 'CERTIFICATE_ISSUED' AND n.recipient_id LIKE $1",
        f"bk-{batch}-%",
    )
    assert row is not None and dict(row) == {"n": N, "people": N, "keys": N, "sent": N}
    certificates = await cdb.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", c.course_id)
    assert certificates == N

    # The mailbox: exactly 2,000 emails, one per recipient, 2,000 distinct Message-IDs.
    wanted = set(address.values())
    mails = [m for m in read_messages(mail_dir) if m["to"] in wanted]
    ids = [m["message_id"] for m in mails]
    assert len(mails) == N, f"{len(mails)} emails in the mailbox for {N} certificates"
    assert len(set(ids)) == N, "one Message-ID per email"
    assert sorted(m["to"] for m in mails) == sorted(wanted), "each recipient exactly one email"
    expected_ids = {
        f"<notification.{r['id']}@kentbilim.test>"
        for r in await ndb.fetch(
            "SELECT id FROM notification WHERE kind = 'CERTIFICATE_ISSUED' AND recipient_id LIKE $1", f"bk-{batch}-%"
        )
    }
    assert set(ids) == expected_ids, "every email is one of the notifications, by its stable Message-ID"
    # Addresses learned from the events' LearnerData only.
    people = await ndb.fetch("SELECT id, email FROM person WHERE id LIKE $1", f"bk-{batch}-%")
    assert {p["id"]: p["email"] for p in people} == address

    resent = [m for m in read_messages(mail_dir, duplicates=True) if m["to"] in wanted]
    print(
        f"{N} emails, {len(resent)} resent copies (same Message-ID) after {KILLS} kills;"
        f" total {time.monotonic() - t0:.0f}s"
    )
    assert len(resent) <= POOL_SIZE * KILLS, f"{len(resent)} resends: more than the sender had in flight per kill"
    assert {m["message_id"] for m in resent} <= set(ids), "a resend carries an already-delivered Message-ID"
