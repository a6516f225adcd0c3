"""Bulk issue: the job, its items, and how an input list becomes work.

A job is planned once, when it starts: every input row becomes an item that is either PENDING (a
worker will issue it), SKIPPED (a duplicate inside the input, or the person already holds a valid
certificate) or FAILED (the row cannot be issued as it is; the reason says which row and why).
Workers only ever move PENDING items forward, so re-running a chunk changes nothing that is done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from certificates.domain.recipients import Recipient, RecipientError, parse_recipient

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
    PENDING = "PENDING"
    ISSUED = "ISSUED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One input row of a bulk job, as planned at start."""

    index: int
    recipient: Recipient | None
    raw: Mapping[str, Any]
    status: ItemStatus
    reason: str | None = None

    @property
    def label(self) -> str:
        """The recipient as a person recognises them, even for a row that did not parse."""
        if self.recipient is not None:
            return self.recipient.label
        name = str(self.raw.get("name") or "").strip()
        extra = str(self.raw.get("email") or self.raw.get("learnerId") or "").strip()
        if name and extra:
            return f"{name} <{extra}>"
        return name or extra or f"row {self.index + 1}"


def plan_items(rows: Sequence[Mapping[str, Any]], already_certified: Mapping[str, str]) -> list[PlannedItem]:
    """Validate and de-duplicate the input rows of a bulk job.

    ``already_certified`` maps recipient keys to the code of their valid certificate. Rows are
    numbered from 1 in messages, as a person counts them in a spreadsheet.
    """
    items: list[PlannedItem] = []
    first_row_of: dict[str, int] = {}
    for index, raw in enumerate(rows):
        row = index + 1
        try:
            recipient = parse_recipient(dict(raw), f"row {row}")
        except RecipientError as exc:
            items.append(PlannedItem(index, None, raw, ItemStatus.FAILED, str(exc)))
            continue
        key = recipient.key
        if key in first_row_of:
            reason = f"duplicate of row {first_row_of[key]}"
            items.append(PlannedItem(index, recipient, raw, ItemStatus.SKIPPED, reason))
            continue
        first_row_of[key] = row
        code = already_certified.get(key)
        if code is not None:
            items.append(PlannedItem(index, recipient, raw, ItemStatus.SKIPPED, f"already certified: {code}"))
            continue
        items.append(PlannedItem(index, recipient, raw, ItemStatus.PENDING))
    return items


def chunk_ranges(indexes: Sequence[int], size: int = DEFAULT_CHUNK_SIZE) -> list[tuple[int, int]]:
    """Split the sorted PENDING item indexes into ``[first, last]`` ranges of at most ``size`` items."""
    ranges: list[tuple[int, int]] = []
    for start in range(0, len(indexes), size):
        part = indexes[start : start + size]
        ranges.append((part[0], part[-1]))
    return ranges
