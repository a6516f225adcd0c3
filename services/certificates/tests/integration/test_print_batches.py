"""Print batches on the real servers: order, names, 2,000 certificates in bounded memory, and faults.

A certificates stack of this module's own (API and relay, no worker role): the bulk and print
workers are the ones each test starts, in this process (or, for the kill, as a process of its own).
Postgres, NATS JetStream and SeaweedFS are real; the object store sits behind a
:class:`tests.support.faults.FaultyLink` where a test cuts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pypdf
import pytest
from minio import Minio

from certificates import bootstrap
from certificates.config import CertificatesSettings
from certificates.domain.printing import collation_key
from certificates.entrypoints.worker import BulkWorker, PrintWorker
from lms_shared.db import asyncpg_dsn
from tests.support.faults import FaultyLink
from tests.support.stack import service_stack

from .conftest import own_admin, publish_course_to, wait_for

pytestmark = pytest.mark.integration

TURKISH = ["Zeynep Şahin", "Çağla Demir", "Cem Yılmaz", "Ümit Öz", "Uğur Kaya", "İlker Aydın", "Irmak Su", "Ömer Faruk"]
TURKISH += ["Şule Ak", "Sinan Er", "Ceren Çelik", "Dilek Ak", "Gül Ekin", "Ğğ Test", "Ilgın Tan", "Oya Ün"]


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with service_stack(
        Path(tmp_path_factory.mktemp("certificates-print")), "certificates", ("certificates", "certificates-relay")
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def api(quiet_stack: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=quiet_stack.env["LMS_CERTIFICATES_URL"], timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
async def db(quiet_stack: Any) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(
        asyncpg_dsn(quiet_stack.env["LMS_CERTIFICATES_DATABASE_URL"]), min_size=1, max_size=3
    )
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture
def s3_link(quiet_stack: Any) -> Iterator[FaultyLink]:
    host, port = quiet_stack.env["LMS_S3_ENDPOINT"].rsplit(":", 1)
    link = FaultyLink(host, int(port))
    yield link
    link.close()


def settings_of(stack: Any, **env: str) -> CertificatesSettings:
    saved = dict(os.environ)
    os.environ.update(stack.env)
    os.environ.update({"LMS_WORKER_ACK_WAIT_SECONDS": "5", "LMS_PRINT_LEASE_SECONDS": "5", **env})
    try:
        return CertificatesSettings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def s3_client(stack: Any) -> tuple[Minio, str]:
    env = stack.env
    client = Minio(env["LMS_S3_ENDPOINT"], env["LMS_S3_ACCESS_KEY"], env["LMS_S3_SECRET_KEY"], secure=False)
    return client, settings_of(stack).s3_certificates_bucket


@contextlib.asynccontextmanager
async def running(stack: Any, kind: type[BulkWorker] | type[PrintWorker], **env: str) -> AsyncIterator[Any]:
    container = await bootstrap.build(settings_of(stack, **env))
    worker = kind(container)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 40)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(container.stop(), 15)


async def issued_job(api: httpx.AsyncClient, stack: Any, names: list[str], locale: str = "tr") -> dict[str, Any]:
    """A finished bulk job issuing one certificate per name (in ``locale``), through a real bulk worker."""
    course = await publish_course_to(stack, auto_issue=False)
    tag = uuid.uuid4().hex[:6]
    people = [
        {"name": n, "email": f"{tag}-{i}@example.org", "org": "TR" if i % 2 else "AZ", "locale": locale}
        for i, n in enumerate(names)
    ]
    r = await api.post(
        "/v1/bulk-jobs", json={"courseId": course.course_id, "recipients": people}, headers=own_admin(stack)
    )
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    async with running(stack, BulkWorker):

        async def finished() -> dict[str, Any] | None:
            job: dict[str, Any] = (await api.get(f"/v1/bulk-jobs/{job_id}", headers=own_admin(stack))).json()
            return job if job["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None

        job = await wait_for(finished, timeout=600, interval=0.5)
    assert job["status"] == "COMPLETED" and job["issued"] == len(names), job
    return job


async def start_batch(api: httpx.AsyncClient, stack: Any, **body: Any) -> dict[str, Any]:
    # As a real client does: one Idempotency-Key, the same request again after a dropped connection
    # (the suite's load can make the API answer late), and never a second batch.
    headers = {**own_admin(stack), "Idempotency-Key": f"print-{uuid.uuid4()}"}
    for attempt in range(3):
        try:
            r = await api.post("/v1/print-batches", json=body, headers=headers, timeout=120)
            break
        except httpx.TransportError:
            if attempt == 2:
                raise
            await asyncio.sleep(2)
    assert r.status_code == 201, r.text
    batch: dict[str, Any] = r.json()
    return batch


async def batch_now(api: httpx.AsyncClient, stack: Any, batch_id: str) -> dict[str, Any]:
    r = await api.get(f"/v1/print-batches/{batch_id}", headers=own_admin(stack))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def batch_ended(api: httpx.AsyncClient, stack: Any, batch_id: str, timeout: float = 120) -> dict[str, Any]:
    async def ended() -> dict[str, Any] | None:
        batch = await batch_now(api, stack, batch_id)
        return batch if batch["status"] in ("COMPLETED", "FAILED") else None

    result: dict[str, Any] = await wait_for(ended, timeout=timeout, interval=0.3)
    return result


async def download(api: httpx.AsyncClient, stack: Any, batch_id: str) -> bytes:
    r = await api.get(f"/v1/print-batches/{batch_id}/download", headers=own_admin(stack))
    assert r.status_code == 200, r.text
    async with httpx.AsyncClient(timeout=120) as plain:
        got = await plain.get(r.json()["url"])
    assert got.status_code == 200, got.text[:300]
    return got.content


def names_in(pdf: bytes, candidates: list[str]) -> list[str | None]:
    """The learner of ``candidates`` printed on each page (None: another name), in page order."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: list[str | None] = []
    for page in reader.pages:
        text = " ".join(page.extract_text().split())
        matches = [n for n in candidates if n in text]
        assert len(matches) <= 1, matches
        found.append(matches[0] if matches else None)
    return found


async def test_a_finished_job_prints_as_one_pdf_in_turkish_order_and_as_a_zip_named_after_the_learners(
    quiet_stack: Any, api: httpx.AsyncClient
) -> None:
    names = [*TURKISH, "Cem Yılmaz", "cem yılmaz", "AUX", "Ali/Veli"]
    job = await issued_job(api, quiet_stack, names)
    async with running(quiet_stack, PrintWorker):
        pdf_batch = await start_batch(api, quiet_stack, format="PDF", jobId=job["id"])
        zip_batch = await start_batch(api, quiet_stack, format="ZIP", jobId=job["id"])
        assert pdf_batch["status"] == "QUEUED" and pdf_batch["total"] == len(names) and pdf_batch["lang"] == "tr"
        done_pdf = await batch_ended(api, quiet_stack, pdf_batch["id"])
        done_zip = await batch_ended(api, quiet_stack, zip_batch["id"])
    assert done_pdf["status"] == done_zip["status"] == "COMPLETED"
    assert done_pdf["done"] == done_pdf["total"] == len(names) and done_pdf["progress"] == 1.0

    pdf = await download(api, quiet_stack, pdf_batch["id"])
    printed = names_in(pdf, sorted(set(TURKISH), key=len, reverse=True))
    order = [n for n in printed if n is not None]
    assert set(order) == set(TURKISH)
    assert order == sorted(order, key=lambda n: collation_key(n, "tr"))
    # What Turkish readers expect, spelled out: Ç after every C, I (dotless) before İ, Ş after S, Ü after U.
    assert order.index("Cem Yılmaz") < order.index("Ceren Çelik") < order.index("Çağla Demir") < order.index("Dilek Ak")
    assert order.index("Gül Ekin") < order.index("Ğğ Test") < order.index("Ilgın Tan")
    assert order.index("Irmak Su") < order.index("İlker Aydın") and order.index("Ilgın Tan") < order.index("Irmak Su")
    assert order.index("Sinan Er") < order.index("Şule Ak") and order.index("Uğur Kaya") < order.index("Ümit Öz")

    archive = zipfile.ZipFile(io.BytesIO(await download(api, quiet_stack, zip_batch["id"])))
    assert archive.testzip() is None
    entries = archive.infolist()
    file_names = [e.filename for e in entries]
    assert len(file_names) == len(names) and len({n.casefold() for n in file_names}) == len(names)
    assert all(e.flag_bits & 0x800 for e in entries), "every entry is flagged UTF-8"
    assert "Çağla Demir.pdf" in file_names and "Zeynep Şahin.pdf" in file_names
    # Same name three times (one in lower case, which sorts first): told apart, case-insensitively.
    same = [n for n in file_names if n.casefold().startswith("cem yılmaz")]
    assert same == ["cem yılmaz.pdf", "Cem Yılmaz (2).pdf", "Cem Yılmaz (3).pdf"]
    assert "Ali_Veli.pdf" in file_names and not any("/" in n or "\\" in n for n in file_names)
    assert "AUX.pdf" not in file_names and any(n.startswith("AUX KB-") for n in file_names)
    first = archive.read(file_names[0])
    assert first.startswith(b"%PDF-") and len(pypdf.PdfReader(io.BytesIO(first)).pages) == 1


async def test_a_country_admin_prints_only_their_states_certificates(quiet_stack: Any, api: httpx.AsyncClient) -> None:
    """Issue 14: a country admin's batch of a job holds their state's certificates only, and only they see it."""
    from tests.support.tokens import make_token

    secret = quiet_stack.env["LMS_JWT_SECRET"]

    def country_admin(org: str) -> dict[str, str]:
        token = make_token(secret, f"ca-{org.lower()}-{uuid.uuid4().hex[:6]}", f"CA {org}", ["country_admin"], org=org)
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": f"print-{uuid.uuid4()}"}

    names = TURKISH[:8]  # issued_job gives the odd rows TR and the even rows AZ
    job = await issued_job(api, quiet_stack, names)
    az_names = [n for i, n in enumerate(names) if i % 2 == 0]
    ca_az, ca_tr = country_admin("AZ"), country_admin("TR")
    r = await api.post("/v1/print-batches", json={"format": "PDF", "jobId": job["id"], "org": "TR"}, headers=ca_az)
    assert r.status_code == 403, r.text
    r = await api.post("/v1/print-batches", json={"format": "PDF", "jobId": job["id"]}, headers=ca_az)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["total"] == len(az_names) and batch["selection"]["org"] == "AZ", batch
    assert (await api.get(f"/v1/print-batches/{batch['id']}", headers=ca_tr)).status_code == 403
    async with running(quiet_stack, PrintWorker):
        done = await batch_ended(api, quiet_stack, batch["id"])
    assert done["status"] == "COMPLETED", done
    r = await api.get(f"/v1/print-batches/{batch['id']}/download", headers=ca_az)
    assert r.status_code == 200, r.text
    async with httpx.AsyncClient(timeout=120) as plain:
        pdf = (await plain.get(r.json()["url"])).content
    printed = names_in(pdf, sorted(names, key=len, reverse=True))
    assert sorted(n for n in printed if n) == sorted(az_names) and None not in printed


async def test_2000_certificates_print_in_memory_far_below_their_size(
    quiet_stack: Any, api: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    """Done-when of issue 17: a 2,000-certificate print batch; the worker never holds the batch in memory."""
    n = 2000
    names = [f"{TURKISH[i % len(TURKISH)]} {i:04d}" for i in range(n)]
    job = await issued_job(api, quiet_stack, names)
    sizes = await db.fetch("SELECT pdf_key FROM certificate WHERE bulk_job_id = $1", uuid.UUID(job["id"]))
    client, bucket = s3_client(quiet_stack)
    total_pdf_bytes = sum(
        await asyncio.gather(
            *(asyncio.to_thread(lambda k=r["pdf_key"]: client.stat_object(bucket, k).size or 0) for r in sizes)
        )
    )
    container = await bootstrap.build(settings_of(quiet_stack, LMS_PRINT_LEASE_SECONDS="60"))
    printer = PrintWorker(container)
    stop = asyncio.Event()
    try:
        batch = await start_batch(api, quiet_stack, format="PDF", jobId=job["id"])
        async with container.uow() as uow:
            from certificates.service_layer.printing import claim_print_batch

            claimed = await claim_print_batch(uow, 60)
        assert claimed is not None and str(claimed.id) == batch["id"]
        seen: list[int] = []

        async def watch() -> None:
            while True:
                seen.append((await batch_now(api, quiet_stack, batch["id"]))["done"])
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch())
        tracemalloc.start()
        started = time.perf_counter()
        await printer.produce(claimed, stop)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        watcher.cancel()
    finally:
        await container.stop()
    done = await batch_now(api, quiet_stack, batch["id"])
    assert done["status"] == "COMPLETED", done
    print(
        f"\nprint batch of {n}: {total_pdf_bytes / 1e6:.1f} MB of certificate PDFs -> "
        f"{done['size'] / 1e6:.1f} MB merged; "
        f"peak traced memory {peak / 1e6:.1f} MB; {seconds:.1f} s under tracemalloc"
    )
    assert peak < total_pdf_bytes / 4, "the worker held far more than one certificate and one upload part"
    assert any(0 < s < n for s in seen), f"progress was reported on the way: {sorted(set(seen))[:10]}"
    assert done["size"] < total_pdf_bytes, "shared objects (template images, fonts) are written once"
    pdf = await download(api, quiet_stack, batch["id"])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == n
    expected = sorted(names, key=lambda x: collation_key(x, "tr"))
    for index in (0, 1, n // 2, n - 1):
        assert expected[index] in " ".join(reader.pages[index].extract_text().split())


async def test_a_worker_killed_mid_batch_is_taken_over_and_one_correct_file_appears(
    quiet_stack: Any, api: httpx.AsyncClient
) -> None:
    n = 400
    names = [f"{TURKISH[i % len(TURKISH)]} {i:03d}" for i in range(n)]
    job = await issued_job(api, quiet_stack, names)
    env = {**os.environ, **quiet_stack.env, "LMS_PRINT_LEASE_SECONDS": "5", "LMS_LOG_JSON": "false"}
    # A worker process of its own (``python -m certificates.worker``), killed with SIGKILL once it has
    # recorded progress: no chance to clean up, exactly like a crashed or evicted worker.
    worker = subprocess.Popen(
        [sys.executable, "-m", "certificates.worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        batch = await start_batch(api, quiet_stack, format="PDF", jobId=job["id"])

        async def half_way() -> dict[str, Any] | None:
            now = await batch_now(api, quiet_stack, batch["id"])
            return now if 0 < now["done"] < n and now["status"] == "RUNNING" else None

        seen = await wait_for(half_way, timeout=120, interval=0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert seen["attempts"] == 1
    client, bucket = s3_client(quiet_stack)
    key = f"print-batches/{batch['id']}.pdf"
    assert not await asyncio.to_thread(lambda: list(client.list_objects(bucket, prefix=key))), "no half file"
    async with running(quiet_stack, PrintWorker) as printer:
        done = await batch_ended(api, quiet_stack, batch["id"], timeout=120)
    assert done["status"] == "COMPLETED" and done["attempts"] == 2 and printer.completed == 1
    objects = await asyncio.to_thread(lambda: list(client.list_objects(bucket, prefix="print-batches/" + batch["id"])))
    assert [o.object_name for o in objects] == [key], "one file, nothing doubled"
    pdf = await download(api, quiet_stack, batch["id"])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == n
    expected = sorted(names, key=lambda x: collation_key(x, "tr"))
    assert expected[-1] in reader.pages[n - 1].extract_text()


async def test_an_s3_outage_is_waited_out_and_a_broken_pdf_parks_the_batch_until_retried(
    quiet_stack: Any, api: httpx.AsyncClient, db: asyncpg.Pool, s3_link: FaultyLink
) -> None:
    names = [f"{n} {i}" for i, n in enumerate(TURKISH * 4)]
    job = await issued_job(api, quiet_stack, names)
    client, bucket = s3_client(quiet_stack)

    # 1. The object store is away when the batch starts: the batch waits (QUEUED, with the reason), nothing fails.
    async with running(quiet_stack, PrintWorker, LMS_S3_ENDPOINT=f"127.0.0.1:{s3_link.port}") as printer:
        s3_link.cut()  # after the worker started (it checks its bucket on the way up)
        batch = await start_batch(api, quiet_stack, format="ZIP", jobId=job["id"])

        async def waiting() -> dict[str, Any] | None:
            now = await batch_now(api, quiet_stack, batch["id"])
            return now if now["waitingReason"] else None

        seen = await wait_for(waiting, timeout=60)
        assert "object store (S3)" in seen["waitingReason"] and seen["status"] in ("QUEUED", "RUNNING")
        await asyncio.sleep(3)
        assert (await batch_now(api, quiet_stack, batch["id"]))["error"] is None
        assert printer.transient_retries > 0
        s3_link.restore()
        done = await batch_ended(api, quiet_stack, batch["id"], timeout=120)
    assert done["status"] == "COMPLETED" and done["error"] is None and done["waitingReason"] is None
    assert len(zipfile.ZipFile(io.BytesIO(await download(api, quiet_stack, batch["id"]))).infolist()) == len(names)

    # 2. One stored PDF is broken: the same failure every time, so the batch is parked, visibly.
    broken = await db.fetchrow(
        "SELECT id, pdf_key FROM certificate WHERE bulk_job_id = $1 ORDER BY id LIMIT 1", uuid.UUID(job["id"])
    )
    original = await asyncio.to_thread(lambda: client.get_object(bucket, broken["pdf_key"]).read())
    await asyncio.to_thread(lambda: client.put_object(bucket, broken["pdf_key"], io.BytesIO(b"not a pdf"), 9))
    async with running(quiet_stack, PrintWorker):
        parked_batch = await start_batch(api, quiet_stack, format="PDF", jobId=job["id"])
        parked = await batch_ended(api, quiet_stack, parked_batch["id"], timeout=120)
    assert parked["status"] == "FAILED" and "could not be read" in parked["error"], parked
    r = await api.get(f"/v1/print-batches/{parked_batch['id']}/download", headers=own_admin(quiet_stack))
    assert r.status_code == 409, r.text

    # 3. The broken PDF is removed: a retry renders it again (the same bytes as issued) and completes.
    await asyncio.to_thread(lambda: client.remove_object(bucket, broken["pdf_key"]))
    r = await api.post(f"/v1/print-batches/{parked_batch['id']}/retry", headers=own_admin(quiet_stack))
    assert r.status_code == 200 and r.json()["status"] == "QUEUED" and r.json()["error"] is None, r.text
    async with running(quiet_stack, PrintWorker):
        again = await batch_ended(api, quiet_stack, parked_batch["id"], timeout=120)
    assert again["status"] == "COMPLETED", again
    rendered = await asyncio.to_thread(lambda: client.get_object(bucket, broken["pdf_key"]).read())
    assert rendered == original, "the renderer is deterministic: the PDF made again is the one issued"
    assert len(pypdf.PdfReader(io.BytesIO(await download(api, quiet_stack, parked_batch["id"]))).pages) == len(names)


async def test_print_batch_refusals(quiet_stack: Any, api: httpx.AsyncClient) -> None:
    from tests.support.tokens import make_token

    secret = quiet_stack.env["LMS_JWT_SECRET"]
    trainer = {"Authorization": f"Bearer {make_token(secret, 'trainer-1', 'Tom Trainer', ['trainer'])}"}
    body = {"format": "PDF", "courseId": "course-x"}
    assert (await api.post("/v1/print-batches", json=body, headers=trainer)).status_code == 403
    admin = own_admin(quiet_stack)
    r = await api.post("/v1/print-batches", json={"format": "PDF"}, headers=admin)
    assert r.status_code == 422 and "jobId" in r.text
    r = await api.post("/v1/print-batches", json={"format": "TIFF", "courseId": "c"}, headers=admin)
    assert r.status_code == 422
    r = await api.post("/v1/print-batches", json={"format": "PDF", "courseId": "no-such-course"}, headers=admin)
    assert r.status_code == 422 and "nothing to print" in r.text
    r = await api.post(
        "/v1/print-batches",
        json={
            "format": "PDF",
            "courseId": "c",
            "issuedFrom": "2026-05-02T00:00:00Z",
            "issuedTo": "2026-05-01T00:00:00Z",
        },
        headers=admin,
    )
    assert r.status_code == 422 and "before" in r.text
    r = await api.post("/v1/print-batches", json={"format": "PDF", "jobId": str(uuid.uuid4())}, headers=admin)
    assert r.status_code == 404
    assert (await api.get(f"/v1/print-batches/{uuid.uuid4()}", headers=admin)).status_code == 404
    assert (await api.get("/v1/print-batches/not-an-id", headers=trainer)).status_code in (403, 404)
