"""Email on the real stack: the notifications service sends through the local SMTP server (aiosmtpd),
and these tests read the messages that server stored as ``.eml`` files under ``<data>/mail``.

A stack of its own (servers plus the notifications roles) with short retry and lease times, since it
stops the SMTP server and kills the service; events reach the service as their producers publish them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from markupsafe import escape as html_escape
from nats.js import JetStreamContext

from lms_local.mailserver import read_messages
from lms_shared.db import asyncpg_dsn, make_engine, make_sessionmaker
from lms_shared.events.catalogue import CertificateIssuedV1, CoursePublishedV1, LearnerData, Payload
from lms_shared.jetstream import connect
from notifications.adapters.unit_of_work import SqlAlchemyNotificationsUnitOfWork
from notifications.service_layer.digests import DigestOptions, make_due_digests
from tests.support.graphql import eventually
from tests.support.stack import service_stack
from tests.support.tokens import make_token

pytestmark = pytest.mark.integration

ROLES = ("notifications",)
OVERRIDES = {
    "LMS_NOTIFICATIONS_EMAIL_RETRY_BASE_SECONDS": "0.5",
    "LMS_NOTIFICATIONS_EMAIL_RETRY_CAP_SECONDS": "2",
    "LMS_NOTIFICATIONS_EMAIL_LEASE_SECONDS": "5",
    "LMS_NOTIFICATIONS_EMAIL_POLL_SECONDS": "0.2",
    "LMS_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "5",
    "LMS_NOTIFICATIONS_EMAIL_FROM": "no-reply@kentbilim.test",
}
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
def mail_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with service_stack(Path(tmp_path_factory.mktemp("notifications-email")), "notifications", ROLES, OVERRIDES) as s:
        yield s


@pytest.fixture(scope="module")
def env(mail_stack: Any) -> dict[str, str]:
    return dict(mail_stack.env)


@pytest.fixture(scope="module")
def mail_dir(mail_stack: Any) -> Path:
    return Path(mail_stack.data_dir) / "mail"


@pytest.fixture
async def js(env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc, js = await connect(env["LMS_NATS_URL"], "notifications-email-tests")
    yield js
    await nc.drain()


@pytest.fixture
async def db(env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(env["LMS_NOTIFICATIONS_DATABASE_URL"]), min_size=1, max_size=3)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture
async def api(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=env["LMS_NOTIFICATIONS_URL"], timeout=60, trust_env=False) as c:
        yield c


def bearer(env: dict[str, str], sub: str, roles: list[str], **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(env['LMS_JWT_SECRET'], sub=sub, name=sub, roles=roles, **claims)}"}


async def publish(js: JetStreamContext, *payloads: Payload) -> None:
    for p in payloads:
        e = p.envelope()
        await js.publish(e.subject, e.to_bytes(), headers={"Nats-Msg-Id": e.id})


def course() -> CoursePublishedV1:
    cid = f"course-{uuid.uuid4().hex[:8]}"
    return CoursePublishedV1.model_validate(
        {
            "course_id": cid,
            "version": 1,
            "slug": cid,
            "owner_id": "t1",
            "default_language": "az",
            "languages": list(TITLES),
            "titles": TITLES,
            "modules": [],
            "published_at": datetime.now(UTC).isoformat(),
        }
    )


def issued(
    c: CoursePublishedV1, sub: str, email: str, locale: str | None = "kk", name: str = "Әлия"
) -> CertificateIssuedV1:
    cert = uuid.uuid4().hex[:12]
    return CertificateIssuedV1(
        certificate_id=f"cert-{cert}",
        code=f"KB-{cert[:4].upper()}-{cert[4:8].upper()}",
        course_id=c.course_id,
        course_version=1,
        learner=LearnerData(id=sub, name=name, email=email, locale=locale),
        issued_at=datetime.now(UTC),
    )


async def known_course(db: asyncpg.Pool, c: CoursePublishedV1) -> None:
    async def known() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM course WHERE course_id = $1", c.course_id))

    await eventually(known, timeout=60)


def messages_to(mail_dir: Path, address: str) -> list[dict[str, Any]]:
    return [m for m in read_messages(mail_dir) if m["to"] == address]


async def wait_mail(mail_dir: Path, address: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        found = messages_to(mail_dir, address)
        return found if len(found) >= count else None

    found: list[dict[str, Any]] = await eventually(arrived, timeout=timeout)
    return found


async def test_one_email_per_certificate_in_the_learners_language_with_the_verify_link(
    mail_stack: Any, env: dict[str, str], js: JetStreamContext, db: asyncpg.Pool, mail_dir: Path
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    sub = f"learner-{uuid.uuid4().hex[:6]}"
    address = f"{sub}@example.org"
    event = issued(c, sub, address, locale="kk")
    await publish(js, event)
    await publish(js, event)  # a redelivery (same event id): still one email
    [mail] = await wait_mail(mail_dir, address)
    public = env["LMS_PUBLIC_URL"]
    assert mail["subject"] == f"«{TITLES['kk']}» курсы бойынша сертификатыңыз"
    assert mail["message"]["Content-Language"] == "kk"
    assert f"{public}/verify/{event.code}" in mail["text"]
    assert f'href="{public}/verify/{event.code}"' in mail["html"]
    assert mail["message"].get_content_type() == "multipart/alternative"
    notification_id = await db.fetchval("SELECT id FROM notification WHERE recipient_id = $1", sub)
    assert mail["message_id"] == f"<notification.{notification_id}@kentbilim.test>"
    unsubscribe = str(mail["message"]["List-Unsubscribe"]).strip()  # folded before "<" when long (RFC 5322 FWS)
    assert unsubscribe.startswith(f"<{public}/unsubscribe/") and unsubscribe.endswith(">")
    assert mail["message"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    await asyncio.sleep(2)
    assert len(messages_to(mail_dir, address)) == 1
    row = await db.fetchrow("SELECT status, attempts, sent_at FROM email_delivery WHERE recipient_id = $1", sub)
    assert row is not None and (row["status"], row["attempts"]) == ("SENT", 1) and row["sent_at"] is not None


async def test_while_the_smtp_server_is_down_emails_wait_and_go_once_it_is_back(
    mail_stack: Any, js: JetStreamContext, db: asyncpg.Pool, mail_dir: Path
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    subs = [f"down-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    mail_stack.kill_server("mail")
    try:
        await publish(js, *(issued(c, s, f"{s}@example.org", locale="ru") for s in subs))

        async def retried() -> bool:
            n = await db.fetchval(
                "SELECT count(*) FROM email_delivery WHERE recipient_id = ANY($1::text[]) AND status = 'PENDING'"
                " AND attempts >= 2 AND last_error IS NOT NULL",
                subs,
            )
            return bool(n == len(subs))

        await eventually(retried, timeout=60)
        assert not any(messages_to(mail_dir, f"{s}@example.org") for s in subs)
    finally:
        mail_stack.start_server("mail")
    for s in subs:
        [mail] = await wait_mail(mail_dir, f"{s}@example.org", timeout=60)
        assert "Партисипаторное бюджетирование" in mail["subject"]
    await asyncio.sleep(2)
    assert all(len(messages_to(mail_dir, f"{s}@example.org")) == 1 for s in subs), "none doubled"
    assert not list((mail_dir / "duplicates").glob("*.eml"))


async def test_a_permanent_rejection_is_parked_shown_to_admins_and_replayable(
    mail_stack: Any, env: dict[str, str], js: JetStreamContext, db: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    sub = f"bounce-{uuid.uuid4().hex[:6]}"
    await publish(js, issued(c, sub, f"{sub}@nowhere.invalid", locale="en"))

    async def parked() -> asyncpg.Record | None:
        row: asyncpg.Record | None = await db.fetchrow(
            "SELECT id, status, attempts, last_error FROM email_delivery WHERE recipient_id = $1 AND status = 'PARKED'",
            sub,
        )
        return row

    row = await eventually(parked, timeout=60)
    assert row["attempts"] == 1 and row["last_error"].startswith("550 ")
    admin = bearer(env, "admin-1", ["admin"])
    listed = (await api.get("/v1/admin/email-deliveries", params={"status": "PARKED"}, headers=admin)).json()
    [node] = [n for n in listed["nodes"] if n["id"] == row["id"]]
    assert (
        node["last_error"].startswith("550 ")
        and "5.1.1" in node["last_error"]
        and node["to_address"] == f"{sub}@nowhere.invalid"
    )
    assert node["source"] == "NOTIFICATION" and node["message_id"].startswith("<notification.")
    for roles in (["learner"], ["trainer"], ["country_admin"]):
        denied = await api.get("/v1/admin/email-deliveries", headers=bearer(env, "x", roles, org="AZ"))
        assert denied.status_code == 403
        replay = await api.post(f"/v1/admin/email-deliveries/{row['id']}/replay", headers=bearer(env, "x", roles))
        assert replay.status_code == 403
    assert (await api.get("/v1/admin/email-deliveries")).status_code == 401
    replayed = await api.post(f"/v1/admin/email-deliveries/{row['id']}/replay", headers=admin)
    assert replayed.status_code == 200 and replayed.json()["status"] == "PENDING"

    async def tried_again() -> bool:
        again = await db.fetchrow("SELECT status, attempts FROM email_delivery WHERE id = $1", row["id"])
        return again is not None and again["status"] == "PARKED" and again["attempts"] == 2

    await eventually(tried_again, timeout=60)  # the address is still refused: parked again, visibly
    assert (await api.post(f"/v1/admin/email-deliveries/{uuid.uuid4()}/replay", headers=admin)).status_code == 404


async def test_the_one_click_unsubscribe_link_stops_that_kind_of_email(
    mail_stack: Any, env: dict[str, str], js: JetStreamContext, db: asyncpg.Pool, api: httpx.AsyncClient, mail_dir: Path
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    sub = f"unsub-{uuid.uuid4().hex[:6]}"
    address = f"{sub}@example.org"
    await publish(js, issued(c, sub, address, locale="tr"))
    [mail] = await wait_mail(mail_dir, address)
    link = str(mail["message"]["List-Unsubscribe"]).strip().strip("<>")
    token = urlsplit(link).path.rsplit("/", 1)[1]
    # The gateway serves /unsubscribe/{token}; the service's own route is /v1/unsubscribe/{token}.
    page = await api.get(f"/v1/unsubscribe/{token}")
    assert page.status_code == 200 and 'lang="tr"' in page.text and "<form" in page.text
    me = bearer(env, sub, ["learner"], email=address)
    assert (await api.get("/v1/preferences", headers=me)).json()["muted_email_kinds"] == [], "a GET changes nothing"
    tampered = await api.post(f"/v1/unsubscribe/{token[:-3]}AAA", content="List-Unsubscribe=One-Click")
    assert tampered.status_code == 400
    one_click = await api.post(
        f"/v1/unsubscribe/{token}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and 'lang="tr"' in one_click.text
    prefs = (await api.get("/v1/preferences", headers=me)).json()
    assert prefs["muted_email_kinds"] == ["CERTIFICATE_ISSUED"] and prefs["email"] is True
    # The next certificate is in the app, but no email goes out for it.
    await publish(js, issued(c, sub, address, locale="tr"))

    async def two_notifications() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM notification WHERE recipient_id = $1", sub) == 2)

    await eventually(two_notifications, timeout=60)
    await asyncio.sleep(3)
    assert len(messages_to(mail_dir, address)) == 1


async def test_a_daily_digest_lists_the_days_notifications_in_one_email_once(
    mail_stack: Any, env: dict[str, str], js: JetStreamContext, db: asyncpg.Pool, api: httpx.AsyncClient, mail_dir: Path
) -> None:
    sub = f"digest-{uuid.uuid4().hex[:6]}"
    address = f"{sub}@example.org"
    me = bearer(env, sub, ["learner"], email=address, zoneinfo="Asia/Bishkek")
    put = await api.put("/v1/preferences", json={"digest": "DAILY", "locale": "ky"}, headers=me)
    assert put.status_code == 200 and put.json()["digest"] == "DAILY"
    courses = [course() for _ in range(3)]
    await publish(js, *courses)
    for c in courses:
        await known_course(db, c)
    certificates = [issued(c, sub, address, locale="ky") for c in courses]
    await publish(js, *certificates)

    async def stored() -> bool:
        return bool(await db.fetchval("SELECT count(*) FROM notification WHERE recipient_id = $1", sub) == 3)

    await eventually(stored, timeout=60)
    assert await db.fetchval("SELECT count(*) FROM email_delivery WHERE recipient_id = $1", sub) == 0
    await asyncio.sleep(2)
    assert messages_to(mail_dir, address) == [], "no email each"
    # The next day, after the send hour in Bishkek: the digest job (as the service runs it) makes the digest.
    engine = make_engine(env["LMS_NOTIFICATIONS_DATABASE_URL"], 2)
    sessions = make_sessionmaker(engine)
    try:
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        for _ in range(2):  # twice (or two replicas at once): one digest
            await make_due_digests(
                lambda: SqlAlchemyNotificationsUnitOfWork(sessions), tomorrow, DigestOptions(send_hour=0)
            )
    finally:
        await engine.dispose()
    [mail] = await wait_mail(mail_dir, address)
    assert mail["message"]["Content-Language"] == "ky"
    assert mail["text"].count(TITLES["ky"]) >= 3
    for cert in certificates:
        assert f"/verify/{cert.code}" in mail["text"] and f"/verify/{cert.code}" in mail["html"]
    assert mail["text"].count("\n* ") == 3, "one line per notification"
    assert mail["message"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert await db.fetchval("SELECT count(*) FROM email_digest WHERE recipient_id = $1", sub) == 1
    await asyncio.sleep(2)
    assert len(messages_to(mail_dir, address)) == 1


async def test_killing_the_sender_mid_batch_loses_nothing_and_doubles_nothing(
    mail_stack: Any, js: JetStreamContext, db: asyncpg.Pool, mail_dir: Path
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    batch = uuid.uuid4().hex[:6]
    subs = [f"bulk-{batch}-{i:04d}" for i in range(300)]
    await publish(js, *(issued(c, s, f"{s}@example.org", locale="az") for s in subs))
    addresses = {f"{s}@example.org" for s in subs}

    def arrived() -> list[dict[str, Any]]:
        return [m for m in read_messages(mail_dir) if m["to"] in addresses]

    async def some() -> bool:
        return len(arrived()) >= 30

    await eventually(some, timeout=120, every=0.1)
    mail_stack.hold_role("notifications")  # SIGKILL in the middle of the batch
    assert len(arrived()) < len(subs), "killed mid-batch"
    mail_stack.release_role("notifications")

    async def all_sent() -> bool:
        n = await db.fetchval(
            "SELECT count(*) FROM email_delivery WHERE recipient_id = ANY($1::text[]) AND status = 'SENT'", subs
        )
        return bool(n == len(subs))

    await eventually(all_sent, timeout=180)
    mails = arrived()
    ids = [m["message_id"] for m in mails]
    assert len(ids) == len(set(ids)) == len(subs), "one email per notification in the mailbox"
    assert {m["to"] for m in mails} == addresses
    resent = [
        m for m in read_messages(mail_dir, duplicates=True) if m["to"] in addresses
    ]  # the documented window: accepted by the server, killed before SENT was recorded
    print(f"killed mid-batch: {len(subs)} emails, {len(resent)} resent copies (same Message-ID) in mail/duplicates")
    assert len(resent) <= 4, f"{len(resent)} resent copies: more than the sender had in flight (pool size 4)"
    assert {m["message_id"] for m in resent} <= set(ids), "a resend carries the same Message-ID"


async def test_the_development_mailbox_shows_the_messages_the_smtp_server_stored(
    mail_stack: Any, js: JetStreamContext, db: asyncpg.Pool, api: httpx.AsyncClient, mail_dir: Path
) -> None:
    c = course()
    await publish(js, c)
    await known_course(db, c)
    sub = f"mailbox-{uuid.uuid4().hex[:6]}"
    await publish(js, issued(c, sub, f"{sub}@example.org", locale="uz"))
    [mail] = await wait_mail(mail_dir, f"{sub}@example.org")
    listing = await api.get("/dev/mailbox")
    assert listing.status_code == 200 and f"{sub}@example.org" in listing.text
    assert html_escape(mail["subject"]) in listing.text, "the subject, escaped like every value on the page"
    name = mail["path"].name
    one = await api.get(f"/dev/mailbox/{name}")
    assert one.status_code == 200 and mail["message_id"].strip("<>") in one.text
    assert '<iframe title="HTML part" sandbox' in one.text
    html = await api.get(f"/dev/mailbox/{name}/html")
    assert html.headers["content-security-policy"] == "sandbox" and "/verify/" in html.text
    escape = await api.get("/dev/mailbox/..%2Fsecrets.json")  # %2F decodes to "/" before routing
    assert escape.status_code in (404, 422) and "LMS_" not in escape.text
    assert (await api.get("/dev/mailbox/nothing.eml")).status_code == 404
