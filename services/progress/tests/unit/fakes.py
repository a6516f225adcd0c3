"""In-memory stand-ins for the progress ports: a unit of work, its repositories, the version cache.

Writes land in the fake repositories at once (what a transaction would hold), except the lesson
completion that the real unit of work writes at commit: the fake does the same, so a handler that
forgets to commit is caught. ``FakeUnitOfWork.events`` holds only what was committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from progress.domain.model import CohortMember, CourseVersion, EnrollmentStatus, LessonRecord
from progress.domain.records import Course, CourseStats, Enrollment, GroupCount


class FakeCourseRepository:
    def __init__(self) -> None:
        self.courses: dict[str, Course] = {}
        self.versions: dict[tuple[str, int], CourseVersion] = {}
        self.version_reads = 0
        self.owner_revisions: dict[str, int] = {}

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
        self.pending_lesson: tuple[str, str, datetime, bool, int | None] | None = None

    def _by_learner(self, course_id: str, learner_id: str) -> Enrollment | None:
        return next((e for e in self.rows.values() if e.course_id == course_id and e.learner_id == learner_id), None)

    async def get(self, enrollment_id: str, *, for_update: bool = False) -> Enrollment | None:
        if for_update:
            self.locked.append(enrollment_id)
        return self.rows.get(enrollment_id)

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
        self, course_id: str, version: int, members: Sequence[CohortMember], ids: Sequence[str], at: datetime
    ) -> dict[str, str]:
        inserted: dict[str, str] = {}
        for m, eid in zip(members, ids, strict=True):
            row = Enrollment(
                id=eid,
                course_id=course_id,
                learner_id=m.learner_id,
                learner_name=m.name,
                org=m.org,
                municipality=m.municipality,
                locale=None,
                course_version=version,
                status=EnrollmentStatus.ACTIVE,
                via="cohort",
                score=None,
                enrolled_at=at,
                completed_at=None,
                withdrawn_at=None,
                certificate=None,
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
        assert self.pending_lesson is None, "one lesson completion per unit of work"
        self.pending_lesson = (enrollment_id, lesson_id, at, completes, score)

    def write_pending_lesson(self) -> None:
        """What the real unit of work's commit writes in one statement with the events."""
        if self.pending_lesson is None:
            return
        enrollment_id, lesson_id, at, completes, score = self.pending_lesson
        self.pending_lesson = None
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


class FakeUnitOfWork:
    """Implements ``ProgressUnitOfWork``; ``events`` are the ones committed, in order."""

    def __init__(self) -> None:
        self.courses = FakeCourseRepository()
        self.enrollments = FakeEnrollmentRepository()
        self.certificates = FakeCertificateRepository()
        self.reports = FakeReportRepository(self.enrollments)
        self.national = FakeNationalRepository()
        self.erasures = FakeErasureRepository(self.enrollments)
        self.staged: list[Payload | Envelope] = []
        self.events: list[Payload | Envelope] = []
        self.commits = 0

    @property
    def committed(self) -> bool:
        return self.commits > 0

    def publish(self, *events: Payload | Envelope) -> None:
        self.staged.extend(events)

    async def commit(self) -> None:
        self.enrollments.write_pending_lesson()
        self.events.extend(self.staged)
        self.staged = []
        self.commits += 1

    async def rollback(self) -> None:
        self.enrollments.pending_lesson = None
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
