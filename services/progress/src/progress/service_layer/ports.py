"""What the progress service layer needs from outside, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from progress.domain.attendance import AttendanceRecord, AttendanceRow
from progress.domain.erasure import Erasure
from progress.domain.model import CohortMember, CourseVersion, EnrollmentStatus, LessonRecord
from progress.domain.national import LearnerCursor, LearnerEntry, ReportQuery, ReportRow
from progress.domain.records import Course, CourseStats, Enrollment
from progress.domain.registration import RegistrationPolicy
from progress.domain.surveys import StoredAnswer


class CourseRepository(Protocol):
    """Courses as progress learned them from ``course.published`` and ``course.archived``."""

    async def get(self, course_id: str) -> Course | None: ...

    async def get_version(self, course_id: str, version: int) -> CourseVersion | None: ...

    async def store_version(self, snapshot: Mapping[str, Any], received_at: datetime) -> None:
        """Keep a published version and move the course's current version forward, never back."""
        ...

    async def update_owners(
        self, course_id: str, owner_id: str, co_owner_ids: Sequence[str], revision: int, changed_at: datetime
    ) -> bool:
        """Take the owners of ``course.owners_changed`` unless a newer ownership revision is known;
        ``store_version`` keeps the owners of the highest revision too. Returns whether applied."""
        ...

    async def archive(self, course_id: str, version: int, archived_at: datetime) -> None: ...


class EnrollmentRepository(Protocol):
    async def get(self, enrollment_id: str, *, for_update: bool = False) -> Enrollment | None:
        """One enrolment with its lesson progress; ``for_update`` locks it until the transaction ends."""
        ...

    async def find(self, course_id: str, learner_id: str, *, for_update: bool = False) -> Enrollment | None: ...

    async def get_many_for_update(self, enrollment_ids: Sequence[str]) -> dict[str, Enrollment]:
        """The enrolments of ``enrollment_ids`` that exist, by id, each locked until the transaction
        ends (a group of lesson completions sharing one transaction: ``learning.complete_lessons``)."""
        ...

    async def for_learner(self, learner_id: str, course_ids: Sequence[str] | None = None) -> list[Enrollment]:
        """The learner's enrolments, newest first."""
        ...

    async def for_course(self, course_id: str, *, org: str | None = None) -> list[Enrollment]:
        """Every enrolment of a course (withdrawn ones included), oldest first; ``org``: of that state only."""
        ...

    async def signed_in_orgs(self, learner_ids: Sequence[str]) -> dict[str, str | None]:
        """For those of ``learner_ids`` who enrolled themselves: the ``org`` of their own token, latest first."""
        ...

    async def add(self, enrollment: Enrollment) -> bool:
        """Insert unless the learner is already enrolled in the course; True when inserted."""
        ...

    async def add_cohort(
        self,
        course_id: str,
        version: int,
        members: Sequence[CohortMember],
        ids: Sequence[str],
        at: datetime,
        *,
        statuses: Sequence[EnrollmentStatus] | None = None,
        queue: Sequence[int | None] | None = None,
        decided_by: str | None = None,
    ) -> dict[str, str]:
        """Enrol everyone not yet enrolled; {learner id: new enrolment id} for those inserted.

        ``statuses`` / ``queue``: per member (default ACTIVE, no queue number); ``decided_by``: who
        enrolled them (registration, domain/registration.py)."""
        ...

    async def set_status(
        self,
        enrollment_id: str,
        status: EnrollmentStatus,
        *,
        completed_at: datetime | None = None,
        withdrawn_at: datetime | None = None,
        score: int | None = None,
    ) -> None: ...

    def record_lesson_completed(
        self, enrollment_id: str, lesson_id: str, at: datetime, *, completes: bool, score: int | None
    ) -> None:
        """Record the lesson and, when ``completes``, complete the enrolment with ``score``.

        Written by the unit of work's commit, in one statement with the events staged alongside (the
        hottest write of the platform), together with every other enrolment's lesson recorded in the
        same unit of work (at most one per enrolment). The enrolment must be locked in this unit of
        work (``get(..., for_update=True)`` or ``get_many_for_update``): the completion was decided
        under that lock.
        """
        ...

    async def record_quiz_attempt(
        self, enrollment_id: str, lesson_id: str, score: int, passed: bool, at: datetime
    ) -> LessonRecord:
        """Count an attempt, keep the best score, complete the lesson the first time it is passed."""
        ...


class RegistrationRepository(Protocol):
    """Seats, waiting lists and decisions of registration (service_layer/registration.py)."""

    async def policy(self, course_id: str, *, lock: bool) -> RegistrationPolicy | None:
        """The policy of the course's current version (None: not published); ``lock`` holds the
        course's seats (its ``course`` row, FOR UPDATE) until the transaction ends."""
        ...

    async def tally(self, course_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """Per member state (``org_key``, '' for none): seats held (ACTIVE, PENDING, COMPLETED), and
        learners WAITLISTED; one statement (it runs under the course's seat lock)."""
        ...

    async def statuses(self, course_id: str, learner_ids: Sequence[str]) -> dict[str, tuple[str, EnrollmentStatus]]:
        """{learner id: (enrolment id, status)} of those of ``learner_ids`` enrolled in the course."""
        ...

    async def waiting(self, course_id: str) -> list[Enrollment]:
        """The course's WAITLISTED enrolments in queue order (without lesson progress)."""
        ...

    async def queue_numbers(self, n: int) -> list[int]:
        """``n`` fresh, increasing numbers of the waiting-list order."""
        ...

    async def move(
        self,
        enrollment_id: str,
        status: EnrollmentStatus,
        *,
        at: datetime,
        queue_seq: int | None = None,
        reason: str | None = None,
        decided_by: str | None = None,
    ) -> None:
        """Set a registration's status (queue number, reason, decider as given, else cleared)."""
        ...

    async def positions(self, course_id: str, policy: RegistrationPolicy, ids: Sequence[str]) -> dict[str, int]:
        """Waiting-list positions (1 = next in its pool) of those of ``ids`` that are WAITLISTED."""
        ...

    async def pending(
        self, *, course_id: str | None, everyone: bool, org: str | None, trainer: str | None, limit: int
    ) -> list[Enrollment]:
        """PENDING enrolments, oldest first: all (``everyone``), or of ``org``'s learners or of the
        courses ``trainer`` trains (either); ``course_id``: of that course only."""
        ...


class CertificateRepository(Protocol):
    """Certificates as the certificates service announced them."""

    async def issued(
        self,
        *,
        certificate_id: str,
        code: str,
        course_id: str,
        learner_id: str | None,
        enrollment_id: str | None,
        issued_at: datetime,
        org: str | None = None,
        municipality: str | None = None,
    ) -> None:
        """Record an issuance; a revocation that arrived first stays revoked."""
        ...

    async def revoked(
        self, *, certificate_id: str, code: str, course_id: str, learner_id: str | None, revoked_at: datetime
    ) -> None: ...


class ReportRepository(Protocol):
    async def course_stats(self, course_id: str, *, org: str | None = None) -> CourseStats:
        """Counts over current enrolments (withdrawn ones left out) and valid certificates.

        ``org``: of that member state only (enrolments by their ``org``, certificates by their holder's).
        """
        ...


class NationalRepository(Protocol):
    """National reports and the learner directory: projections merged from events, and their reads."""

    async def enrollment_seen(
        self,
        *,
        enrollment_id: str,
        course_id: str,
        learner_id: str,
        org: str | None = None,
        municipality: str | None = None,
        enrolled_at: datetime | None = None,
        created_seen_at: datetime | None = None,
        withdrawn_seen_at: datetime | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        """Merge one enrolment event into the enrolment's projection row (any order, any repetition)."""
        ...

    async def learner_seen(
        self,
        *,
        learner_id: str,
        active_at: datetime,
        name: str | None = None,
        name_key: str | None = None,
        org: str | None = None,
        municipality: str | None = None,
    ) -> None: ...

    async def fold(self, batch: int) -> int:
        """Fold up to ``batch`` appended rollup changes into the rollups; how many rows it wrote."""
        ...

    async def report(self, query: ReportQuery) -> tuple[list[ReportRow], ReportRow]:
        """Rows (without course titles) and totals, from the rollups (and changes not folded yet)."""
        ...

    async def course_titles(self, course_ids: Sequence[str]) -> dict[str, tuple[dict[str, str], str | None]]: ...

    async def learners(
        self,
        *,
        org: str | None,
        municipality: str | None,
        words: Sequence[str],
        trainer: str | None,
        after: LearnerCursor | None,
        limit: int,
    ) -> tuple[list[LearnerEntry], int]:
        """A page of the directory in name order, and how many match in all."""
        ...

    async def enrollments_of(self, learner_ids: Sequence[str], trainer: str | None) -> list[Enrollment]: ...

    async def certificate_ids_of(self, learner_ids: Sequence[str], trainer: str | None) -> dict[str, list[str]]: ...

    async def add_export(
        self, token_sha256: str, params: Mapping[str, Any], created_by: str, expires_at: datetime, now: datetime
    ) -> None: ...

    async def get_export(self, token_sha256: str, now: datetime) -> dict[str, Any] | None: ...


class ErasureRepository(Protocol):
    """A learner's export and erasure (service_layer/erasure.py)."""

    async def get(self, learner_id: str) -> Erasure | None: ...

    async def record(self, erasure: Erasure) -> bool:
        """Store the erasure unless one is stored; whether this call stored it."""
        ...

    async def orgs_of(self, learner_id: str) -> list[str | None] | None:
        """The member states recorded for the learner; None when progress holds nothing about them."""
        ...

    async def pseudonymise(self, learner_id: str, pseudonym: str, name_key: str) -> int: ...

    async def export(self, learner_id: str) -> dict[str, Any]: ...


class CourseVersionCache(Protocol):
    """Published course versions kept in the process: a (course, version) pair never changes."""

    def get(self, course_id: str, version: int) -> CourseVersion | None: ...

    def put(self, version: CourseVersion) -> None: ...


class AttendanceRepository(Protocol):
    """Check-in codes and attendance at live sessions (service_layer/attendance.py)."""

    async def course_of_lesson(self, lesson_id: str) -> str | None: ...

    async def window_close(self, course_id: str, lesson_id: str) -> datetime | None: ...

    async def set_window_close(self, course_id: str, lesson_id: str, closes_at: datetime) -> None: ...

    async def issue_code(
        self, course_id: str, lesson_id: str, digest: str, issued_by: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new code (hashed); earlier codes of the session are superseded as of ``now``."""
        ...

    async def valid_codes(self, course_id: str, lesson_id: str, now: datetime, grace: timedelta) -> list[str]:
        """Digests of the codes accepted now: not expired, and not superseded longer than ``grace`` ago."""
        ...

    async def failures_since(self, learner_id: str, since: datetime) -> int: ...

    async def add_failure(self, learner_id: str, at: datetime, prune_before: datetime) -> None: ...

    async def get(self, enrollment_id: str, lesson_id: str) -> AttendanceRecord | None: ...

    async def record(self, course_id: str, record: AttendanceRecord) -> None: ...

    async def present_count(self, course_id: str, lesson_ids: Sequence[str]) -> dict[str, int]: ...

    async def attendance_list(self, course_id: str, lesson_id: str, org: str | None) -> list[AttendanceRow]:
        """Every ACTIVE or COMPLETED enrolment of the course (of ``org`` only), present or not, by name."""
        ...

    async def complete_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None: ...

    async def withdraw_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None: ...


class SurveyRepository(Protocol):
    """Survey submissions and answers (service_layer/surveys.py)."""

    async def add_submission(self, enrollment_id: str, lesson_id: str, course_id: str, org: str | None) -> bool:
        """Record that the enrolment submitted; False when it already had."""
        ...

    async def add_answers(
        self,
        course_id: str,
        lesson_id: str,
        org: str | None,
        answers: Sequence[StoredAnswer],
        *,
        enrollment_id: str | None,
    ) -> None:
        """``enrollment_id`` None: anonymous, stored without any link to the learner."""
        ...

    async def answers(self, course_id: str, lesson_id: str, org: str | None) -> list[StoredAnswer]: ...

    async def respondents(self, course_id: str, lesson_id: str, org: str | None) -> int: ...

    async def mix(self, min_respondents: int) -> int: ...
