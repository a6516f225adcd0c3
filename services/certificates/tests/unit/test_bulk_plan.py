"""Planning a bulk job: every input row ends up issued, skipped or failed, with a reason."""

from __future__ import annotations

import pytest

from certificates.domain.bulk import ItemStatus, JobStatus, chunk_ranges, plan_items
from certificates.domain.recipients import recipient_key
from certificates.service_layer.bulk import ChunkMessage, ProgressThrottle

pytestmark = pytest.mark.unit


def test_duplicates_bad_rows_and_holders() -> None:
    rows = [
        {"name": "Aida", "email": "aida@example.kz"},
        {"name": "", "email": "empty@example.kz"},
        {"name": "Aida B.", "email": "AIDA@example.kz"},
        {"name": "Held", "email": "held@example.kz"},
        {"name": "Learner", "learnerId": "l-9"},
    ]
    held = {recipient_key(None, "held@example.kz", "Held", None, None): "KB-2222-3333-4444"}
    items = plan_items(rows, held)
    assert [i.status for i in items] == [
        ItemStatus.PENDING,
        ItemStatus.FAILED,
        ItemStatus.SKIPPED,
        ItemStatus.SKIPPED,
        ItemStatus.PENDING,
    ]
    assert items[1].reason == "row 2: name is empty"
    assert items[1].label == "empty@example.kz"
    assert items[2].reason == "duplicate of row 1"
    assert items[3].reason == "already certified: KB-2222-3333-4444"
    assert items[4].label == "Learner <l-9>"


def test_a_failed_row_does_not_count_as_the_first_of_a_duplicate() -> None:
    items = plan_items([{"name": "", "email": "x@y.org"}, {"name": "X", "email": "x@y.org"}], {})
    assert [i.status for i in items] == [ItemStatus.FAILED, ItemStatus.PENDING]


def test_chunks_cover_every_pending_index_once() -> None:
    pending = [0, 1, 2, 5, 6, 9, 10]
    assert chunk_ranges(pending, 3) == [(0, 2), (5, 9), (10, 10)]
    assert chunk_ranges([], 3) == []


def test_chunk_message_round_trips() -> None:
    import uuid

    msg = ChunkMessage(uuid.uuid4(), 4, 400, 499)
    assert ChunkMessage.from_json(msg.to_json()) == msg


def test_job_status_finished() -> None:
    assert JobStatus.CANCELLED.finished and JobStatus.COMPLETED.finished
    assert not JobStatus.RUNNING.finished and not JobStatus.QUEUED.finished


def test_progress_is_throttled_but_the_final_one_always_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    import certificates.service_layer.bulk as bulk

    now = [100.0]
    monkeypatch.setattr(bulk.time, "monotonic", lambda: now[0])
    throttle = ProgressThrottle(0.5)
    job = uuid.uuid4()
    assert throttle.due(job, final=False)
    now[0] += 0.1
    assert not throttle.due(job, final=False)
    assert throttle.due(job, final=True)
    now[0] += 0.6
    assert throttle.due(job, final=False)
