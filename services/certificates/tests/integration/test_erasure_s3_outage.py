"""An erasure that meets an object store outage (docs/privacy.md, "What if it fails").

The certificates API reaches S3 through a :class:`tests.support.faults.FaultyLink`; everything else is
real. With the link cut, ``lms.progress.learner.erased.v1`` cannot delete the PDF: the transaction
rolls back (the certificate keeps its state, the inbox has no row) and the event is retried. When the
link is back, the erasure is applied once: revoked, pseudonymised, the PDF gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from minio import Minio
from minio.error import S3Error

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import LearnerErasedV1
from lms_shared.jetstream import connect
from tests.support.faults import FaultyLink
from tests.support.graphql import eventually
from tests.support.stack import service_stack

from .conftest import own_admin, publish, publish_course_to

pytestmark = pytest.mark.integration

NAME = "Aysel Quliyeva"


@pytest.fixture(scope="module")
def erasure_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with service_stack(
        Path(tmp_path_factory.mktemp("certificates-erasure-s3")), "certificates", ("certificates", "certificates-relay")
    ) as stack:
        yield stack


@pytest.fixture
async def db(erasure_stack: Any) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(
        asyncpg_dsn(erasure_stack.env["LMS_CERTIFICATES_DATABASE_URL"]), min_size=1, max_size=2
    )
    yield pool
    await pool.close()


def _restart_certificates(stack: Any, **env: str) -> None:
    stack.stop_role("certificates")
    spec = stack.roles["certificates"]
    stack.roles["certificates"] = dataclasses.replace(spec, replica_env={**spec.replica_env, **env})
    stack.start_role("certificates")
    stack.wait_healthy(timeout=120, names=["certificates"])


async def test_an_s3_outage_rolls_the_erasure_back_and_it_is_applied_when_s3_returns(
    erasure_stack: Any, db: asyncpg.Pool
) -> None:
    env = erasure_stack.env
    host, port = env["LMS_S3_ENDPOINT"].rsplit(":", 1)
    link = FaultyLink(host, int(port))
    await asyncio.to_thread(_restart_certificates, erasure_stack, LMS_S3_ENDPOINT=f"127.0.0.1:{link.port}")
    try:
        course = await publish_course_to(erasure_stack, auto_issue=False)
        learner_id = f"l-{uuid.uuid4().hex[:8]}"
        async with httpx.AsyncClient(base_url=env["LMS_CERTIFICATES_URL"], timeout=60) as api:
            r = await api.post(
                "/v1/certificates",
                headers=own_admin(erasure_stack),
                json={"courseId": course.course_id, "recipient": {"name": NAME, "learnerId": learner_id, "org": "AZ"}},
            )
            assert r.status_code == 201, r.text
        cert_id = uuid.UUID(r.json()["id"])
        pdf_key = await db.fetchval("SELECT pdf_key FROM certificate WHERE id = $1", cert_id)
        s3 = Minio(env["LMS_S3_ENDPOINT"], env["LMS_S3_ACCESS_KEY"], env["LMS_S3_SECRET_KEY"], secure=False)
        bucket = env.get("LMS_S3_CERTIFICATES_BUCKET", "lms-certificates")
        assert s3.stat_object(bucket, pdf_key).size > 0

        link.cut()
        event = LearnerErasedV1(
            learner_id=learner_id, pseudonym="Erased learner 5e5e5e5e", org="AZ", requested_by="t",
            erased_at=datetime.now(UTC),
        )  # fmt: skip
        nc, js = await connect(env["LMS_NATS_URL"], "erasure-s3-tests")
        try:
            envelope = await publish(js, event)
        finally:
            await nc.drain()

        await asyncio.sleep(6)  # several deliveries, each failing on S3
        row = await db.fetchrow("SELECT status, learner_name FROM certificate WHERE id = $1", cert_id)
        assert tuple(row) == ("VALID", NAME), "nothing half-done while S3 is away"
        assert await db.fetchval("SELECT count(*) FROM processed_event WHERE event_id = $1", envelope.id) == 0
        assert await db.fetchval("SELECT count(*) FROM erased_learner WHERE learner_id = $1", learner_id) == 0

        link.restore()

        async def applied() -> bool:
            n = await db.fetchval("SELECT count(*) FROM processed_event WHERE event_id = $1", envelope.id)
            return bool(n)

        await eventually(applied, timeout=90)
        row = await db.fetchrow(
            "SELECT status, learner_name, revocation_reason, email FROM certificate WHERE id = $1", cert_id
        )
        assert tuple(row) == ("REVOKED", event.pseudonym, "erased on request", None)
        with pytest.raises(S3Error):
            s3.stat_object(bucket, pdf_key)
    finally:
        link.close()
        await asyncio.to_thread(_restart_certificates, erasure_stack, LMS_S3_ENDPOINT=env["LMS_S3_ENDPOINT"])
