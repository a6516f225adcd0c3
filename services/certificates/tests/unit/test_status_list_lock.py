"""Writers of a status list take the list's own lock before they read the revoked set, and write nothing for it.

The lock itself (``pg_advisory_xact_lock``) is exercised against Postgres by
``tests/integration/test_status_list_concurrency.py``; here, that every writer takes it, first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from certificates.service_layer import revocation
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from certificates.service_layer.revocation import RevokeCertificate

from .fakes import FakeUnitOfWork, Tables, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")


class RecordingUnitOfWork(FakeUnitOfWork):
    """Notes, in order, the status-list lock and the read of the revoked set."""

    steps: list[str]

    def _open(self, base: Tables) -> None:
        super()._open(base)
        self.steps = getattr(self, "steps", [])
        lock, read, save = self.status_lists.lock, self.certificates.revoked_indexes, self.status_lists.save

        async def locked(list_number: int) -> None:
            self.steps.append(f"lock {list_number}")
            await lock(list_number)

        async def revoked(first: int, last: int) -> list[int]:
            self.steps.append("read revoked")
            return await read(first, last)

        async def saved(
            list_number: int, credential_jwt: str, at: datetime, credential_di: dict[str, Any] | None = None
        ) -> None:
            self.steps.append(f"save {credential_jwt}")
            await save(list_number, credential_jwt, at, credential_di)

        self.status_lists.lock = locked  # type: ignore[method-assign]
        self.certificates.revoked_indexes = revoked  # type: ignore[method-assign]
        self.status_lists.save = saved  # type: ignore[method-assign]


async def test_a_revocation_locks_its_list_before_reading_the_revoked_set_and_writes_only_the_signed_list() -> None:
    uow, ports = RecordingUnitOfWork(), fake_ports()
    c = course()
    uow.tables.courses[c.id] = uow.work.courses[c.id] = c
    cert, _ = await issue_certificate(uow, ADMIN, IssueCertificate(c.id, {"name": "Aigerim"}), ports)
    uow.steps.clear()
    await revocation.revoke_certificate(uow, ADMIN, RevokeCertificate(cert.id, "issued in error"), ports)
    assert uow.steps == ["lock 0", "read revoked", f"save list-0:[{cert.status_list_index}]"]


async def test_the_first_read_of_an_untouched_list_locks_it_too() -> None:
    uow, ports = RecordingUnitOfWork(), fake_ports()
    assert await revocation.get_status_list(uow, 7, ports) == "list-7:[]"
    assert uow.steps == ["lock 7", "read revoked", "save list-7:[]"]
