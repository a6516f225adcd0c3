"""Planning a bulk job: every input row ends up pending, skipped or refused, with a reason code and a reason."""

from __future__ import annotations

import uuid

import pytest

from certificates.domain.bulk import Held, ItemStatus, JobStatus, check_rows, chunk_ranges, plan_items, rows_of
from certificates.domain.recipients import ReasonCode, recipient_key
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
    held_id = uuid.uuid4()
    held = {recipient_key(None, "held@example.kz", "Held", None, None): Held(held_id, "KB-2222-3333-4444")}
    items = plan_items(check_rows(rows_of(rows)), held)
    assert [i.status for i in items] == [
        ItemStatus.PENDING,
        ItemStatus.REFUSED,
        ItemStatus.SKIPPED,
        ItemStatus.SKIPPED,
        ItemStatus.PENDING,
    ]
    assert items[1].reason == "name is empty" and items[1].reason_code == ReasonCode.MISSING_NAME
    assert items[1].failure_reason == "row 2: name is empty"
    assert items[1].label == "empty@example.kz"
    assert items[2].reason == "duplicate of row 1" and items[2].reason_code == ReasonCode.DUPLICATE_IN_INPUT
    assert items[3].reason == "already certified: KB-2222-3333-4444"
    assert items[3].reason_code == ReasonCode.ALREADY_CERTIFIED and items[3].held == Held(held_id, "KB-2222-3333-4444")
    assert items[4].label == "Learner <l-9>"
    assert [i.row for i in items] == [1, 2, 3, 4, 5]


def test_a_failed_row_does_not_count_as_the_first_of_a_duplicate() -> None:
    items = plan_items(check_rows(rows_of([{"name": "", "email": "x@y.org"}, {"name": "X", "email": "x@y.org"}])), {})
    assert [i.status for i in items] == [ItemStatus.REFUSED, ItemStatus.PENDING]


def test_same_name_in_another_municipality_is_another_person() -> None:
    # The web client once matched by name alone here; the one recipient key never does.
    rows = [
        {"name": "Ali Yılmaz", "org": "TR", "municipality": "Ankara"},
        {"name": "Ali Yılmaz", "org": "TR", "municipality": "İzmir"},
        {"name": "ali  yılmaz", "org": "tr", "municipality": "Ankara"},
        {"name": "Ali Yılmaz", "email": "ali@example.tr"},
        {"name": "Ali Yılmaz", "learnerId": "l-ali"},
    ]
    items = plan_items(check_rows(rows_of(rows)), {})
    assert [i.status for i in items] == [
        ItemStatus.PENDING,
        ItemStatus.PENDING,
        ItemStatus.SKIPPED,
        ItemStatus.PENDING,
        ItemStatus.PENDING,
    ]
    assert items[2].reason == "duplicate of row 1"


def test_the_same_email_or_learner_id_is_the_same_person_whatever_the_name() -> None:
    rows = [
        {"name": "Aida", "email": "Aida@Example.KZ"},
        {"name": "Aida Bekova", "email": "aida@example.kz"},
        {"name": "L", "learnerId": "l-1", "email": "one@example.kz"},
        {"name": "L2", "learnerId": "l-1", "email": "two@example.kz"},
    ]
    items = plan_items(check_rows(rows_of(rows)), {})
    assert [(i.status, i.reason) for i in items] == [
        (ItemStatus.PENDING, None),
        (ItemStatus.SKIPPED, "duplicate of row 1"),
        (ItemStatus.PENDING, None),
        (ItemStatus.SKIPPED, "duplicate of row 3"),
    ]


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
