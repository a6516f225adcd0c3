"""Bulk issue: the job, its rows, and how an input list becomes work.

A job is planned once, when it starts (or, for a dry run, instead of starting): every input row is
checked once (:func:`check_rows`) and becomes an item that is PENDING (a worker will issue it),
SKIPPED (a duplicate inside the input, or the person already holds a valid certificate) or REFUSED
(the row cannot be issued as it is; the reason code and sentence say why). Workers only ever move
PENDING items forward, to ISSUED, SKIPPED or FAILED, so re-running a chunk changes nothing that is
done. Every input row is accounted for: ``issued + skipped + refused + failed == total`` at the end.

Duplicates are recognised by the recipient key (learner id, else e-mail, else name with
organisation and municipality), never by name alone: two people of the same name in different
municipalities both get their certificate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from certificates.domain.recipients import ReasonCode, Recipient, RecipientError, parse_recipient

DEFAULT_CHUNK_SIZE: Final = 100


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class ItemStatus(StrEnum):
    """A row's outcome (``BulkRowOutcome``); in a dry run, what would become of it."""

    PENDING = "PENDING"
    ISSUED = "ISSUED"
    SKIPPED = "SKIPPED"
    REFUSED = "REFUSED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class BulkJob:
    """A bulk issue job as stored: its counters account for every input row."""

    id: uuid.UUID
    course_id: str
    mode: str
    status: str
    total: int
    issued: int
    skipped: int
    refused: int
    failed: int
    chunks: int
    created_by: str
    created_by_name: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    waiting_reason: str | None = None
    """Set while the job's chunks cannot go on because a server (object store, database) is away;
    the job is not failing: its items stay PENDING and are retried until the server is back."""
    waiting_since: datetime | None = None
    updated_at: datetime | None = None
    """The last sign of life from a worker: items moved, or a retry that reported waiting. The
    watchdog re-queues a job left QUEUED or RUNNING with PENDING items and no sign of life."""
    requeues: int = 0
    """How many times the watchdog re-queued the job's pending chunks (the message-id generation)."""


@dataclass(frozen=True, slots=True)
class InputRow:
    """One input row as given: the fields of a recipient, before any rule is applied.

    ``row`` is the 1-based data row of a CSV or index in a recipient list (None for learners found
    by allEligible); ``line`` the line of the CSV file it starts on. ``malformed`` is set when the
    CSV reader could not split the row into fields.
    """

    row: int | None
    fields: Mapping[str, Any]
    line: int | None = None
    malformed: str | None = None


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """An input row after the recipient rules: a recipient, or the reason it is refused."""

    index: int
    input: InputRow
    recipient: Recipient | None
    reason_code: ReasonCode | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """A valid certificate a recipient already holds for the course."""

    certificate_id: uuid.UUID
    code: str


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One input row of a bulk job, as planned at start."""

    index: int
    input: InputRow
    recipient: Recipient | None
    status: ItemStatus
    reason_code: ReasonCode | None = None
    reason: str | None = None
    held: Held | None = None

    @property
    def row(self) -> int | None:
        return self.input.row

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.input.fields

    @property
    def label(self) -> str:
        """The recipient as a person recognises them, even for a row that did not parse."""
        if self.recipient is not None:
            return self.recipient.label
        name = str(self.raw.get("name") or "").strip()
        extra = str(self.raw.get("email") or self.raw.get("learnerId") or "").strip()
        if name and extra:
            return f"{name} <{extra}>"
        return name or extra or f"row {self.row or self.index + 1}"

    @property
    def failure_reason(self) -> str | None:
        """The reason as the job's ``failures`` list words it: refused rows say which row."""
        if self.reason and self.status == ItemStatus.REFUSED and self.row is not None:
            return f"row {self.row}: {self.reason}"
        return self.reason


@dataclass(frozen=True, slots=True)
class BulkRow:
    """What became of one input row (``BulkRow`` of the REST contract); in a dry run, what would."""

    row: int | None
    name: str
    learner_id: str | None
    email: str | None
    org: str | None
    municipality: str | None
    outcome: ItemStatus
    reason_code: str | None
    reason: str | None
    certificate_code: str | None

    @classmethod
    def of(cls, item: PlannedItem) -> BulkRow:
        """The row of a planned item (a dry run's answer, before anything is issued)."""
        r = item.recipient
        raw = item.raw

        def given(key: str) -> str | None:
            value = raw.get(key)
            return str(value) if value not in (None, "") else None

        return cls(
            row=item.row,
            name=r.name if r else str(raw.get("name") or ""),
            learner_id=r.learner_id if r else given("learnerId"),
            email=r.email if r else given("email"),
            org=r.org if r else given("org"),
            municipality=r.municipality if r else given("municipality"),
            outcome=ItemStatus.ISSUED if item.status == ItemStatus.PENDING else item.status,
            reason_code=item.reason_code.value if item.reason_code else None,
            reason=item.reason,
            certificate_code=item.held.code if item.held else None,
        )


def rows_of(recipients: Sequence[Mapping[str, Any]]) -> list[InputRow]:
    """A recipient list as input rows, numbered from 1 as a person counts them."""
    return [InputRow(n, fields) for n, fields in enumerate(recipients, 1)]


def check_rows(rows: Sequence[InputRow]) -> list[CheckedRow]:
    """Apply the recipient rules to every row, once."""
    checked: list[CheckedRow] = []
    for index, given in enumerate(rows):
        if given.malformed:
            checked.append(CheckedRow(index, given, None, ReasonCode.MALFORMED_ROW, given.malformed))
            continue
        try:
            recipient = parse_recipient(given.fields)
        except RecipientError as exc:
            checked.append(CheckedRow(index, given, None, exc.code, exc.detail))
            continue
        checked.append(CheckedRow(index, given, recipient))
    return checked


def plan_items(checked: Sequence[CheckedRow], already_certified: Mapping[str, Held]) -> list[PlannedItem]:
    """Refuse invalid rows, skip duplicates and holders, and leave the rest PENDING.

    ``already_certified`` maps recipient keys to the valid certificate they hold. The first row of a
    person is the one that counts; a refused row is never the first of anybody.
    """
    items: list[PlannedItem] = []
    first_row_of: dict[str, int] = {}
    for c in checked:
        recipient = c.recipient
        if recipient is None:
            items.append(PlannedItem(c.index, c.input, None, ItemStatus.REFUSED, c.reason_code, c.reason))
            continue
        key = recipient.key
        if key in first_row_of:
            reason = f"duplicate of row {first_row_of[key]}"
            items.append(
                PlannedItem(c.index, c.input, recipient, ItemStatus.SKIPPED, ReasonCode.DUPLICATE_IN_INPUT, reason)
            )
            continue
        first_row_of[key] = c.input.row if c.input.row is not None else c.index + 1
        held = already_certified.get(key)
        if held is not None:
            reason = f"already certified: {held.code}"
            items.append(
                PlannedItem(c.index, c.input, recipient, ItemStatus.SKIPPED, ReasonCode.ALREADY_CERTIFIED, reason, held)
            )
            continue
        items.append(PlannedItem(c.index, c.input, recipient, ItemStatus.PENDING))
    return items


def chunk_ranges(indexes: Sequence[int], size: int = DEFAULT_CHUNK_SIZE) -> list[tuple[int, int]]:
    """Split the sorted PENDING item indexes into ``[first, last]`` ranges of at most ``size`` items."""
    ranges: list[tuple[int, int]] = []
    for start in range(0, len(indexes), size):
        part = indexes[start : start + size]
        ranges.append((part[0], part[-1]))
    return ranges
