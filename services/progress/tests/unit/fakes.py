"""In-memory stand-ins for the progress ports: a unit of work, its repositories, the version cache.

Writes land in the fake repositories at once (what a transaction would hold), except the lesson
completion that the real unit of work writes at commit: the fake does the same, so a handler that
forgets to commit is caught. ``FakeUnitOfWork.events`` holds only what was committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from progress.domain.attendance import AttendanceRecord, AttendanceRow
from progress.domain.model import CohortMember, CourseVersion, EnrollmentStatus, LessonRecord
from progress.domain.records import Course, CourseStats, Enrollment, GroupCount
from progress.domain.registration import HOLDS_SEAT, RegistrationPolicy, org_key
from progress.domain.surveys import StoredAnswer


class FakeCourseRepository:
    def __init__(self) -> None:
        self.courses: dict[str, Course] = {}
        self.versions: dict[tuple[str, int], CourseVersion] = {}
        self.version_reads = 0
        self.owner_revisions: dict[str, int] = {}
        # The ``registration`` of each stored snapshot (what course_version.snapshot holds).
        self.registrations: dict[tuple[str, int], Any] = {}

    def publish(self, version: CourseVersion, *, archived: bool = False) -> None:
        """Test setup: the course as progress would know it after its ``course.published``."""
        self.versions[(version.course_id, version.version)] = version
        self.courses[version.course_id] = Course(version.course_id, version.version, version.owner_ids, archived)

    async def get(self, course_id: str) -> Course | None:
        return self.courses.get(course_id)

    async def get_version(self, course_id: str, version: int) -> CourseVersion | None:
        self.version_reads += 1
        return self.versions.get((course_id, version))

    async def store_version(self, snapshot: Mapping[str, Any], received_at: datetime) -> None:
        parsed = CourseVersion.from_snapshot(snapshot)
        self.registrations.setdefault((parsed.course_id, parsed.version), snapshot.get("registration"))
        self.versions.setdefault((parsed.course_id, parsed.version), parsed)
        known = self.courses.get(parsed.course_id)
        revision, held = int(snapshot.get("owner_revision") or 0), self.owner_revisions.get(parsed.course_id, 0)
        owners_newer = (
            known is None or revision > held or (revision == held and parsed.version >= known.current_version)
        )
        if known is None or parsed.version >= known.current_version or owners_newer:
            self.courses[parsed.course_id] = Course(
                parsed.course_id,
                max(parsed.version, known.current_version if known else 0),
                parsed.owner_ids if owners_newer or known is None else known.owner_ids,
                known.archived if known else False,
            )
        self.owner_revisions[parsed.course_id] = max(revision, held)

    async def update_owners(
        self, course_id: str, owner_id: str, co_owner_ids: Sequence[str], revision: int, changed_at: datetime
    ) -> bool:
        if self.owner_revisions.get(course_id, 0) >= revision and course_id in self.courses:
            return False
        known = self.courses.get(course_id)
        owners = frozenset([owner_id, *co_owner_ids])
        self.courses[course_id] = replace(known, owner_ids=owners) if known else Course(course_id, 0, owners, False)
        self.owner_revisions[course_id] = revision
        return True

    async def archive(self, course_id: str, version: int, archived_at: datetime) -> None:
        known = self.courses.get(course_id)
        if known is None:
            self.courses[course_id] = Course(course_id, 0, frozenset(), True)
        elif version >= known.current_version:
            self.courses[course_id] = replace(known, archived=True)


class FakeEnrollmentRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Enrollment] = {}
        self.locked: list[str] = []
        self.pending_lessons: list[tuple[str, str, datetime, bool, int | None]] = []

    def _by_learner(self, course_id: str, learner_id: str) -> Enrollment | None:
        return next((e for e in self.rows.values() if e.course_id == course_id and e.learner_id == learner_id), None)

    async def get(self, enrollment_id: str, *, for_update: bool = False) -> Enrollment | None:
        if for_update:
            self.locked.append(enrollment_id)
        return self.rows.get(enrollment_id)

    async def get_many_for_update(self, enrollment_ids: Sequence[str]) -> dict[str, Enrollment]:
        found = {eid: self.rows[eid] for eid in sorted(enrollment_ids) if eid in self.rows}
        self.locked.extend(found)
        return found

    async def find(self, course_id: str, learner_id: str, *, for_update: bool = False) -> Enrollment | None:
        found = self._by_learner(course_id, learner_id)
        if for_update and found is not None:
            self.locked.append(found.id)
        return found

    async def for_learner(self, learner_id: str, course_ids: Sequence[str] | None = None) -> list[Enrollment]:
        found = [
            e
            for e in self.rows.values()
            if e.learner_id == learner_id and (course_ids is None or e.course_id in course_ids)
        ]
        return sorted(found, key=lambda e: e.enrolled_at, reverse=True)

    async def for_course(self, course_id: str, *, org: str | None = None) -> list[Enrollment]:
        rows = (e for e in self.rows.values() if e.course_id == course_id and (org is None or e.org == org))
        return sorted(rows, key=lambda e: (e.enrolled_at, e.id))

    async def signed_in_orgs(self, learner_ids: Sequence[str]) -> dict[str, str | None]:
        own = sorted((e for e in self.rows.values() if e.via == "self"), key=lambda e: e.enrolled_at)
        return {e.learner_id: e.org for e in own if e.learner_id in set(learner_ids)}

    async def add(self, enrollment: Enrollment) -> bool:
        if self._by_learner(enrollment.course_id, enrollment.learner_id) is not None:
            return False
        self.rows[enrollment.id] = enrollment
        return True

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
        inserted: dict[str, str] = {}
        for i, (m, eid) in enumerate(zip(members, ids, strict=True)):
            row = Enrollment(
                id=eid,
                course_id=course_id,
                learner_id=m.learner_id,
                learner_name=m.name,
                org=m.org,
                municipality=m.municipality,
                locale=None,
                course_version=version,
                status=statuses[i] if statuses else EnrollmentStatus.ACTIVE,
                via="cohort",
                score=None,
                enrolled_at=at,
                completed_at=None,
                withdrawn_at=None,
                certificate=None,
                queue_seq=queue[i] if queue else None,
                decided_by=decided_by,
            )
            if await self.add(row):
                inserted[m.learner_id] = eid
        return inserted

    async def set_status(
        self,
        enrollment_id: str,
        status: EnrollmentStatus,
        *,
        completed_at: datetime | None = None,
        withdrawn_at: datetime | None = None,
        score: int | None = None,
    ) -> None:
        row = replace(self.rows[enrollment_id], status=status, withdrawn_at=withdrawn_at)
        if status is EnrollmentStatus.COMPLETED:
            row = replace(row, completed_at=completed_at, score=score)
        self.rows[enrollment_id] = row

    def record_lesson_completed(
        self, enrollment_id: str, lesson_id: str, at: datetime, *, completes: bool, score: int | None
    ) -> None:
        assert enrollment_id in self.locked, "the completion must be decided under the enrolment's lock"
        assert all(p[0] != enrollment_id for p in self.pending_lessons), "one lesson per enrolment and unit of work"
        self.pending_lessons.append((enrollment_id, lesson_id, at, completes, score))

    def write_pending_lessons(self) -> None:
        """What the real unit of work's commit writes in one statement with the events."""
        pending, self.pending_lessons = self.pending_lessons, []
        for lesson in pending:
            self._write_lesson(*lesson)

    def _write_lesson(
        self, enrollment_id: str, lesson_id: str, at: datetime, completes: bool, score: int | None
    ) -> None:
        row = self.rows[enrollment_id]
        previous = next((r for r in row.records if r.lesson_id == lesson_id), None)
        record = LessonRecord(
            lesson_id,
            previous.completed_at if previous and previous.completed_at else at,
            previous.attempts if previous else 0,
            previous.best_score if previous else None,
        )
        row = replace(row, records=(*(r for r in row.records if r.lesson_id != lesson_id), record))
        if completes:
            row = replace(row, status=EnrollmentStatus.COMPLETED, completed_at=at, score=score, withdrawn_at=None)
        self.rows[enrollment_id] = row

    async def record_quiz_attempt(
        self, enrollment_id: str, lesson_id: str, score: int, passed: bool, at: datetime
    ) -> LessonRecord:
        row = self.rows[enrollment_id]
        previous = next((r for r in row.records if r.lesson_id == lesson_id), None)
        record = LessonRecord(
            lesson_id,
            (previous.completed_at if previous else None) or (at if passed else None),
            (previous.attempts if previous else 0) + 1,
            max((previous.best_score or 0) if previous else 0, score),
        )
        self.rows[enrollment_id] = replace(row, records=(*(r for r in row.records if r.lesson_id != lesson_id), record))
        return record


class FakeCertificateRepository:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

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
        row = self.rows.setdefault(certificate_id, {"revoked": False})
        row.update(code=code, course_id=course_id, issued_at=issued_at)
        row.setdefault("org", org)
        row.setdefault("municipality", municipality)
        row.setdefault("learner_id", learner_id)
        row.setdefault("enrollment_id", enrollment_id)

    async def revoked(
        self, *, certificate_id: str, code: str, course_id: str, learner_id: str | None, revoked_at: datetime
    ) -> None:
        row = self.rows.setdefault(certificate_id, {"code": code, "course_id": course_id, "learner_id": learner_id})
        row.update(revoked=True, revoked_at=revoked_at)


class FakeReportRepository:
    def __init__(self, enrollments: FakeEnrollmentRepository) -> None:
        self._enrollments = enrollments

    async def course_stats(self, course_id: str, *, org: str | None = None) -> CourseStats:
        current = [
            e
            for e in self._enrollments.rows.values()
            if e.course_id == course_id and e.status is not EnrollmentStatus.WITHDRAWN and (org is None or e.org == org)
        ]
        done = [e for e in current if e.status is EnrollmentStatus.COMPLETED]

        def grouped(key: Any) -> list[GroupCount]:
            keys = sorted({key(e) or "unspecified" for e in current})
            counts = [
                GroupCount(
                    k,
                    sum(1 for e in current if (key(e) or "unspecified") == k),
                    sum(1 for e in done if (key(e) or "unspecified") == k),
                )
                for k in keys
            ]
            return sorted(counts, key=lambda g: (-g.enrolled, g.key))

        return CourseStats(len(current), len(done), 0, grouped(lambda e: e.org), grouped(lambda e: e.municipality))


class FakeNationalRepository:
    """The projections of the national reports, merged the way the SQL repository merges them."""

    def __init__(self) -> None:
        self.enrollments: dict[str, dict[str, Any]] = {}
        self.learners: dict[str, dict[str, Any]] = {}

    async def enrollment_seen(self, *, enrollment_id: str, course_id: str, learner_id: str, **facts: Any) -> None:
        row = self.enrollments.setdefault(enrollment_id, {"course_id": course_id, "learner_id": learner_id})
        for key in ("org", "municipality"):
            if row.get(key) is None:
                row[key] = facts.get(key)
        for key, pick in (
            ("enrolled_at", min),
            ("created_seen_at", max),
            ("withdrawn_seen_at", max),
            ("completed_at", min),
        ):
            values = [v for v in (row.get(key), facts.get(key)) if v is not None]
            row[key] = pick(values) if values else None

    async def fold(self, batch: int) -> int:
        return 0

    async def learner_seen(
        self, *, learner_id: str, active_at: datetime, name: str | None = None, **facts: Any
    ) -> None:
        row = self.learners.setdefault(learner_id, {"named_at": None, "last_active_at": active_at})
        row["last_active_at"] = max(row["last_active_at"], active_at)
        if name is not None and (row["named_at"] is None or active_at > row["named_at"]):
            row.update(name=name, named_at=active_at, **facts)


class FakeErasureRepository:
    """``ErasureRepository`` over the fake enrolments (service_layer/erasure.py)."""

    def __init__(self, enrollments: Any) -> None:
        self.enrollments = enrollments
        self.erased: dict[str, Any] = {}

    async def get(self, learner_id: str) -> Any:
        return self.erased.get(learner_id)

    async def record(self, erasure: Any) -> bool:
        if erasure.learner_id in self.erased:
            return False
        self.erased[erasure.learner_id] = erasure
        return True

    async def orgs_of(self, learner_id: str) -> list[str | None] | None:
        rows = [e for e in self.enrollments.rows.values() if e.learner_id == learner_id]
        return [e.org for e in rows] or None

    async def pseudonymise(self, learner_id: str, pseudonym: str, name_key: str) -> int:
        changed = 0
        for key, e in list(self.enrollments.rows.items()):
            if e.learner_id == learner_id:
                self.enrollments.rows[key] = replace(e, learner_name=pseudonym)
                changed += 1
        return changed

    async def export(self, learner_id: str) -> dict[str, Any]:
        rows = [e for e in self.enrollments.rows.values() if e.learner_id == learner_id]
        return {"enrollments": [{"id": e.id, "learner_name": e.learner_name, "org": e.org} for e in rows]}


class FakeRegistrationRepository:
    """Registration over the fake enrolments; ``policies`` set by tests (default: the first release's)."""

    def __init__(self, courses: FakeCourseRepository, enrollments: FakeEnrollmentRepository) -> None:
        self.courses = courses
        self.enrollments = enrollments
        self.policies: dict[str, RegistrationPolicy] = {}
        self.locks: list[str] = []
        self._seq = 0

    async def policy(self, course_id: str, *, lock: bool) -> RegistrationPolicy | None:
        known = self.courses.courses.get(course_id)
        if known is None or not known.published:
            return None
        if lock:
            self.locks.append(course_id)
        stored = self.courses.registrations.get((course_id, known.current_version))
        return self.policies.get(course_id) or RegistrationPolicy.from_snapshot(stored)

    async def tally(self, course_id: str) -> tuple[dict[str, int], dict[str, int]]:
        held: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for e in self.enrollments.rows.values():
            if e.course_id == course_id and e.status in HOLDS_SEAT:
                held[org_key(e.org)] = held.get(org_key(e.org), 0) + 1
            if e.course_id == course_id and e.status is EnrollmentStatus.WAITLISTED:
                waiting[org_key(e.org)] = waiting.get(org_key(e.org), 0) + 1
        return held, waiting

    async def statuses(self, course_id: str, learner_ids: Sequence[str]) -> dict[str, tuple[str, EnrollmentStatus]]:
        wanted = set(learner_ids)
        return {
            e.learner_id: (e.id, e.status)
            for e in self.enrollments.rows.values()
            if e.course_id == course_id and e.learner_id in wanted
        }

    async def waiting(self, course_id: str) -> list[Enrollment]:
        rows = [
            e
            for e in self.enrollments.rows.values()
            if e.course_id == course_id and e.status is EnrollmentStatus.WAITLISTED
        ]
        return sorted(rows, key=lambda e: (e.queue_seq or 0, e.id))

    async def queue_numbers(self, n: int) -> list[int]:
        out = list(range(self._seq + 1, self._seq + n + 1))
        self._seq += n
        return out

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
        row = self.enrollments.rows[enrollment_id]
        self.enrollments.rows[enrollment_id] = replace(
            row,
            status=status,
            queue_seq=queue_seq,
            reason=reason,
            decided_by=decided_by or row.decided_by,
            withdrawn_at=at if status is EnrollmentStatus.WITHDRAWN else None,
        )

    async def positions(self, course_id: str, policy: RegistrationPolicy, ids: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        out: dict[str, int] = {}
        for e in await self.waiting(course_id):
            pool = policy.pool_of(e.org)
            counts[pool] = counts.get(pool, 0) + 1
            if e.id in ids:
                out[e.id] = counts[pool]
        return out

    async def pending(
        self, *, course_id: str | None, everyone: bool, org: str | None, trainer: str | None, limit: int
    ) -> list[Enrollment]:
        def mine(e: Enrollment) -> bool:
            if everyone:
                return True
            trains = trainer is not None and trainer in self.courses.courses[e.course_id].owner_ids
            return trains or (org is not None and org_key(e.org) == org)

        rows = [
            e
            for e in self.enrollments.rows.values()
            if e.status is EnrollmentStatus.PENDING and (course_id is None or e.course_id == course_id) and mine(e)
        ]
        return sorted(rows, key=lambda e: (e.enrolled_at, e.id))[:limit]


class FakeUnitOfWork:
    """Implements ``ProgressUnitOfWork``; ``events`` are the ones committed, in order."""

    def __init__(self) -> None:
        self.courses = FakeCourseRepository()
        self.enrollments = FakeEnrollmentRepository()
        self.certificates = FakeCertificateRepository()
        self.reports = FakeReportRepository(self.enrollments)
        self.national = FakeNationalRepository()
        self.erasures = FakeErasureRepository(self.enrollments)
        self.registrations = FakeRegistrationRepository(self.courses, self.enrollments)
        self.attendance = FakeAttendanceRepository(self.enrollments)
        self.surveys = FakeSurveyRepository()
        self.staged: list[Payload | Envelope] = []
        self.events: list[Payload | Envelope] = []
        self.commits = 0

    @property
    def committed(self) -> bool:
        return self.commits > 0

    def publish(self, *events: Payload | Envelope) -> None:
        self.staged.extend(events)

    async def commit(self) -> None:
        self.enrollments.write_pending_lessons()
        self.events.extend(self.staged)
        self.staged = []
        self.commits += 1

    async def rollback(self) -> None:
        self.enrollments.pending_lessons = []
        self.staged = []

    def committed_of(self, kind: type[Payload]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class FakeVersionCache:
    def __init__(self) -> None:
        self.versions: dict[tuple[str, int], CourseVersion] = {}

    def get(self, course_id: str, version: int) -> CourseVersion | None:
        return self.versions.get((course_id, version))

    def put(self, version: CourseVersion) -> None:
        self.versions[(version.course_id, version.version)] = version


class FakeAttendanceRepository:
    """Check-in codes and attendance (issue 15), in memory; ``courses`` maps lesson ids to courses."""

    def __init__(self, enrollments: FakeEnrollmentRepository) -> None:
        self._enrollments = enrollments
        self.lesson_courses: dict[str, str] = {}
        self.windows: dict[tuple[str, str], datetime] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.failures: list[tuple[str, datetime]] = []
        self.rows: dict[tuple[str, str], AttendanceRecord] = {}

    async def course_of_lesson(self, lesson_id: str) -> str | None:
        return self.lesson_courses.get(lesson_id)

    async def window_close(self, course_id: str, lesson_id: str) -> datetime | None:
        return self.windows.get((course_id, lesson_id))

    async def set_window_close(self, course_id: str, lesson_id: str, closes_at: datetime) -> None:
        self.windows[(course_id, lesson_id)] = closes_at

    async def issue_code(
        self, course_id: str, lesson_id: str, digest: str, issued_by: str, now: datetime, expires_at: datetime
    ) -> None:
        for code in self.codes.values():
            if code["session"] == (course_id, lesson_id) and code["superseded_at"] is None:
                code["superseded_at"] = now
        self.codes[digest] = {"session": (course_id, lesson_id), "expires_at": expires_at, "superseded_at": None}

    async def valid_codes(self, course_id: str, lesson_id: str, now: datetime, grace: timedelta) -> list[str]:
        return [
            d
            for d, c in self.codes.items()
            if c["session"] == (course_id, lesson_id)
            and c["expires_at"] > now
            and (c["superseded_at"] is None or c["superseded_at"] > now - grace)
        ]

    async def failures_since(self, learner_id: str, since: datetime) -> int:
        return sum(1 for who, at in self.failures if who == learner_id and at > since)

    async def add_failure(self, learner_id: str, at: datetime, prune_before: datetime) -> None:
        self.failures.append((learner_id, at))

    async def get(self, enrollment_id: str, lesson_id: str) -> AttendanceRecord | None:
        return self.rows.get((enrollment_id, lesson_id))

    async def record(self, course_id: str, record: AttendanceRecord) -> None:
        self.rows[(record.enrollment_id, record.lesson_id)] = record

    async def present_count(self, course_id: str, lesson_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for (eid, lid), r in self.rows.items():
            if r.present and lid in lesson_ids and self._enrollments.rows[eid].course_id == course_id:
                out[lid] = out.get(lid, 0) + 1
        return out

    async def attendance_list(self, course_id: str, lesson_id: str, org: str | None) -> list[AttendanceRow]:
        rows = []
        for e in sorted(self._enrollments.rows.values(), key=lambda e: (e.learner_name, e.id)):
            if e.course_id != course_id or e.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED):
                continue
            if org is not None and e.org != org:
                continue
            a = self.rows.get((e.id, lesson_id))
            rows.append(
                AttendanceRow(
                    e.id,
                    e.learner_id,
                    e.learner_name,
                    e.org,
                    e.municipality,
                    bool(a and a.present),
                    a.checked_in_at if a else None,
                    a.method if a else None,
                )
            )
        return rows

    async def complete_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None:
        row = self._enrollments.rows[enrollment_id]
        previous = next((r for r in row.records if r.lesson_id == lesson_id), None)
        record = LessonRecord(lesson_id, (previous.completed_at if previous else None) or at)
        others = tuple(r for r in row.records if r.lesson_id != lesson_id)
        self._enrollments.rows[enrollment_id] = replace(row, records=(*others, record))

    async def withdraw_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None:
        row = self._enrollments.rows[enrollment_id]
        records = tuple(replace(r, completed_at=None) if r.lesson_id == lesson_id else r for r in row.records)
        self._enrollments.rows[enrollment_id] = replace(row, records=records)


class FakeSurveyRepository:
    def __init__(self) -> None:
        self.submissions: dict[tuple[str, str], str | None] = {}
        self.ballots: list[dict[str, Any]] = []
        self.answers_rows: list[dict[str, Any]] = []

    async def add_submission(self, enrollment_id: str, lesson_id: str, course_id: str, org: str | None) -> bool:
        if (enrollment_id, lesson_id) in self.submissions:
            return False
        self.submissions[(enrollment_id, lesson_id)] = org
        return True

    async def add_answers(
        self,
        course_id: str,
        lesson_id: str,
        org: str | None,
        answers: Sequence[StoredAnswer],
        *,
        enrollment_id: str | None,
    ) -> None:
        target = self.ballots if enrollment_id is None else self.answers_rows
        for a in answers:
            target.append({"lesson_id": lesson_id, "org": org, "answer": a, "enrollment_id": enrollment_id})

    async def answers(self, course_id: str, lesson_id: str, org: str | None) -> list[StoredAnswer]:
        return [
            r["answer"]
            for r in (*self.answers_rows, *self.ballots)
            if r["lesson_id"] == lesson_id and (org is None or r["org"] == org)
        ]

    async def respondents(self, course_id: str, lesson_id: str, org: str | None) -> int:
        return sum(1 for (_, lid), o in self.submissions.items() if lid == lesson_id and (org is None or o == org))

    async def mix(self, min_respondents: int) -> int:
        moved = len(self.ballots)
        self.answers_rows.extend(self.ballots)
        self.ballots = []
        return moved
