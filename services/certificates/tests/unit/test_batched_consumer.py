"""The completions consumer applies runs of ``course.completed`` together, in delivery order (issue 19, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.bootstrap import BatchedEventConsumer
from lms_shared.events.catalogue import CourseCompletedV1, LearnerErasedV1
from lms_shared.events.envelope import Envelope

from .test_auto_issue_isolation import completed

pytestmark = pytest.mark.unit


class FakeMsg:
    def __init__(self, env: Envelope) -> None:
        self.data = env.to_bytes()
        self.acked = False

    async def ack(self) -> None:
        self.acked = True


class Probe(BatchedEventConsumer):
    """The real run splitting; the one-event path and the run's transaction are recorded instead."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__(
            None, None, None, "certificates-completions", {}, batch_handlers={CourseCompletedV1: self._never}
        )
        self.fail = fail
        self.calls: list[tuple[str, Any]] = []

    async def _never(self, uow: Any, items: Any) -> None:
        raise AssertionError("not called: _apply_run is replaced")

    async def handle(self, msg: Any, env: Envelope | None) -> None:
        self.calls.append(("one", env.type.rsplit(".", 2)[-2] if env else None))
        await msg.ack()

    async def _apply_run(self, parsed: list[tuple[Any, Envelope, Any]], handler: Any) -> set[str]:
        self.calls.append(("run", [p.learner_id for _, _, p in parsed]))
        if self.fail:
            raise ConnectionRefusedError("the database is away")
        return {env.id for _, env, _ in parsed}


def burst() -> list[FakeMsg]:
    erased = LearnerErasedV1(learner_id="l-2", pseudonym="p", requested_by="admin", erased_at=datetime.now(UTC))
    events = [
        completed("c-1", "l-1", "A"),
        completed("c-1", "l-2", "B"),
        erased,
        completed("c-1", "l-3", "C"),
    ]
    return [FakeMsg(e.envelope()) for e in events]


async def test_consecutive_completions_share_a_transaction_and_an_erasure_keeps_its_place() -> None:
    consumer, msgs = Probe(), burst()
    await consumer.handle_batch(msgs)  # type: ignore[arg-type]
    assert consumer.calls == [("run", ["l-1", "l-2"]), ("one", "erased"), ("run", ["l-3"])]
    assert all(m.acked for m in msgs) and consumer.stats.handled == 3


async def test_a_run_that_fails_is_applied_again_one_event_at_a_time() -> None:
    consumer, msgs = Probe(fail=True), burst()
    await consumer.handle_batch(msgs)  # type: ignore[arg-type]
    assert consumer.calls == [
        ("run", ["l-1", "l-2"]),
        ("one", "completed"),
        ("one", "completed"),
        ("one", "erased"),
        ("run", ["l-3"]),
        ("one", "completed"),
    ], "each event then gets the base class's verdict (retried, or dead-lettered) on its own"
    assert consumer.stats.handled == 0
