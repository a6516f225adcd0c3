"""A notification stored while another transaction gives its recipient a first address still gets
its email: the two transactions are serialized on the person, on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from lms_shared.db import make_engine, make_sessionmaker
from notifications.adapters.unit_of_work import SqlAlchemyNotificationsUnitOfWork
from notifications.domain.model import NotificationDraft, NotificationKind, Person
from notifications.service_layer import notifying, people

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(stack_env: dict[str, str]) -> AsyncIterator[object]:
    engine = make_engine(stack_env["LMS_NOTIFICATIONS_DATABASE_URL"], pool_size=4)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_revocation_stored_while_the_issuance_teaches_the_address_is_mailed(
    sessions: object, ndb: asyncpg.Pool
) -> None:
    learner = f"race-{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    issuing = SqlAlchemyNotificationsUnitOfWork(sessions)  # type: ignore[arg-type]
    revoking = SqlAlchemyNotificationsUnitOfWork(sessions)  # type: ignore[arg-type]
    async with issuing:
        # The issuance's transaction learns the learner's first address and has not committed yet ...
        await people.learn(issuing, Person(id=learner, name="Ayşe", email=f"{learner}@example.org"), now)

        async def revoke() -> None:
            async with revoking:
                draft = NotificationDraft(
                    recipient_id=learner,
                    kind=NotificationKind.CERTIFICATE_REVOKED,
                    dedupe_key=f"certificate-revoked:{learner}",
                    created_at=now,
                )
                await notifying.store(revoking, [draft], now)
                await revoking.commit()

        # ... when the revocation, which overtook it on the bus, is stored without an address.
        task = asyncio.create_task(revoke())
        await asyncio.sleep(0.5)
        assert not task.done(), "the revocation did not wait for the transaction learning the address"
        await issuing.commit()
    await asyncio.wait_for(task, 30)
    rows = await ndb.fetch(
        "SELECT d.to_address FROM notification n JOIN email_delivery d ON d.notification_id = n.id"
        " WHERE n.recipient_id = $1",
        learner,
    )
    assert [r["to_address"] for r in rows] == [f"{learner}@example.org"]
