"""Registration (issue 15): who gets a seat, who waits for approval, who waits for a seat.

The rules, as pure functions over a course's :class:`RegistrationPolicy` (from the ``registration``
of its current ``course.published`` version) and the seats already held:

- **Seats held** are those of ACTIVE, PENDING and COMPLETED enrolments. PENDING holds its seat while
  it waits for approval, so approving never overbooks; WAITLISTED, REJECTED and WITHDRAWN hold none.
- **Pools.** A state with a quota has a pool of exactly that many seats: its learners sit there and
  nowhere else (a state whose quota is full waits, as the contract says). Everyone else (learners of
  states without a quota, and learners without a member state) shares the *open pool*: the seats
  left after the quotas, ``capacity - sum(quotas)`` (unlimited when the capacity is). The capacity
  is also checked as a whole, so quotas that add up to more than it never overbook it.
- **Registering**: a seat free in the learner's pool gives ACTIVE (PENDING when approval is
  required and nobody who may approve enrolled them); otherwise WAITLISTED, or refused when the
  course keeps no waiting list. After ``closes_at`` self-registration is refused; learners already
  waiting are still promoted.
- **Promotion**: whenever seats may have freed (a withdrawal, a rejection, a new version's policy),
  the waiting list is walked in order (first come, first served) and each learner whose pool has a
  seat is promoted; so with quotas the order is kept per state. Positions on the list are counted
  from the queue order when read (1 = next in the learner's pool), never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lms_shared.errors import BadInput, Conflict
from lms_shared.i18n import ascii_upper
from progress.domain.model import EnrollmentStatus

OPEN_POOL = ""
# Seats are held by these statuses (a completed learner took part: their seat is not given again).
HOLDS_SEAT = frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.PENDING, EnrollmentStatus.COMPLETED})
MAX_REASON = 500


def org_key(org: str | None) -> str:
    """A member state as the quotas name it: upper case, '' for none."""
    return ascii_upper(org.strip()) if org and org.strip() else ""


@dataclass(frozen=True)
class RegistrationPolicy:
    """The registration part of a published version; the defaults are the first release's behaviour."""

    capacity: int | None = None
    approval_required: bool = False
    quotas: Mapping[str, int] = field(default_factory=dict)
    closes_at: datetime | None = None
    waitlist: bool = True

    @classmethod
    def from_snapshot(cls, raw: Mapping[str, Any] | None) -> RegistrationPolicy:
        """From ``course.published``'s ``registration`` (absent in versions published before it existed)."""
        if not raw:
            return cls()
        closes = raw.get("closes_at")
        if isinstance(closes, str):
            closes = datetime.fromisoformat(closes)
        capacity = raw.get("capacity")
        return cls(
            capacity=int(capacity) if capacity is not None else None,
            approval_required=bool(raw.get("approval_required", False)),
            quotas={org_key(k): max(0, int(v)) for k, v in (raw.get("quotas") or {}).items() if org_key(k)},
            closes_at=closes,
            waitlist=bool(raw.get("waitlist", True)),
        )

    @property
    def limited(self) -> bool:
        """Whether seats are counted at all (then every seat decision is serialized per course)."""
        return self.capacity is not None or bool(self.quotas)

    def pool_of(self, org: str | None) -> str:
        key = org_key(org)
        return key if key in self.quotas else OPEN_POOL

    def pool_size(self, pool: str) -> int | None:
        """Seats of a pool; None = unlimited."""
        if pool != OPEN_POOL:
            return self.quotas[pool]
        if self.capacity is None:
            return None
        return max(0, self.capacity - sum(self.quotas.values()))

    def closed(self, now: datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at


@dataclass
class Seats:
    """The seats held in a course, per pool, as a decision under the course's lock sees them."""

    policy: RegistrationPolicy
    held: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)

    @classmethod
    def count(
        cls, policy: RegistrationPolicy, held_by_org: Mapping[str, int], waiting_by_org: Mapping[str, int] | None = None
    ) -> Seats:
        """From seats held (and learners waiting) per member state (``org_key``) to the same per pool."""
        held: dict[str, int] = {}
        for org, n in held_by_org.items():
            pool = policy.pool_of(org)
            held[pool] = held.get(pool, 0) + n
        waiting: dict[str, int] = {}
        for org, n in (waiting_by_org or {}).items():
            pool = policy.pool_of(org)
            waiting[pool] = waiting.get(pool, 0) + n
        return cls(policy, held, waiting)

    def queue(self, org: str | None) -> int:
        """Put one more learner at the end of their pool's waiting list; their position (1 = next)."""
        pool = self.policy.pool_of(org)
        self.waiting[pool] = self.waiting.get(pool, 0) + 1
        return self.waiting[pool]

    @property
    def total(self) -> int:
        return sum(self.held.values())

    def fits(self, org: str | None) -> bool:
        pool = self.policy.pool_of(org)
        size = self.policy.pool_size(pool)
        if size is not None and self.held.get(pool, 0) >= size:
            return False
        return self.policy.capacity is None or self.total < self.policy.capacity

    def take(self, org: str | None) -> None:
        pool = self.policy.pool_of(org)
        self.held[pool] = self.held.get(pool, 0) + 1

    def release(self, org: str | None) -> None:
        pool = self.policy.pool_of(org)
        self.held[pool] = max(0, self.held.get(pool, 0) - 1)

    def full_message(self, org: str | None) -> str:
        pool = self.policy.pool_of(org)
        size = self.policy.pool_size(pool)
        if pool != OPEN_POOL:
            return f"The {size} seats reserved for {pool} are all taken, and this course keeps no waiting list."
        if self.policy.quotas and size is not None and self.held.get(pool, 0) >= size:
            return (
                f"The {size} seats open to learners of states without a quota are all taken, "
                "and this course keeps no waiting list."
            )
        return f"This course is full (all {self.policy.capacity} seats are taken) and keeps no waiting list."


def seated_status(policy: RegistrationPolicy, *, approved: bool) -> EnrollmentStatus:
    """The status of a learner given a seat: PENDING until approved when the course requires it."""
    return EnrollmentStatus.PENDING if policy.approval_required and not approved else EnrollmentStatus.ACTIVE


def register(seats: Seats, org: str | None, *, approved: bool) -> EnrollmentStatus | None:
    """Seat one learner: ACTIVE, PENDING or WAITLISTED; None when the course is full and keeps no list.

    ``approved``: enrolled by someone who may approve them (a cohort), so approval is not asked again.
    """
    if seats.fits(org):
        seats.take(org)
        return seated_status(seats.policy, approved=approved)
    return EnrollmentStatus.WAITLISTED if seats.policy.waitlist else None


def require_open(policy: RegistrationPolicy, now: datetime) -> None:
    """Self-registration only until ``closes_at``."""
    if policy.closed(now):
        assert policy.closes_at is not None
        raise Conflict(f"Registration for this course closed at {policy.closes_at:%Y-%m-%d %H:%M} UTC.")


@dataclass(frozen=True)
class Waiting:
    """One learner on the waiting list, in queue order."""

    enrollment_id: str
    org: str | None
    approved: bool


def promotions(seats: Seats, waiting: Iterable[Waiting]) -> list[tuple[Waiting, EnrollmentStatus]]:
    """Who on the waiting list gets a seat now, first come first served within each pool."""
    out: list[tuple[Waiting, EnrollmentStatus]] = []
    for w in waiting:
        if seats.policy.capacity is not None and seats.total >= seats.policy.capacity:
            break
        if seats.fits(w.org):
            seats.take(w.org)
            out.append((w, seated_status(seats.policy, approved=w.approved)))
    return out


def clean_reason(reason: str | None) -> str:
    """A rejection's reason, shown to the learner: required, trimmed, at most MAX_REASON characters."""
    text = (reason or "").strip()
    if not text:
        raise BadInput("A rejection needs a reason: say why, the learner will read it.")
    if len(text) > MAX_REASON:
        raise BadInput(f"The reason is {len(text)} characters long; keep it to {MAX_REASON}.")
    if any(not ch.isprintable() and ch not in "\n\t" for ch in text):
        raise BadInput("The reason contains control characters; send plain text.")
    return text
