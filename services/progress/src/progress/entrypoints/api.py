"""The progress REST API (docs/rest-api.md, progress section): thin routes over the service layer."""

from __future__ import annotations

import functools
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Query, Response, status
from pydantic import BaseModel

from lms_shared import csvsafe
from lms_shared.idempotency import StoredResponse, run_idempotent
from lms_shared.openapi import document_error_statuses
from lms_shared.web import IdempotencyKey, install_common, stored_response
from progress import bootstrap
from progress.domain.model import QuizAnswer
from progress.domain.national import ReportQuery
from progress.entrypoints import attendance_api, erasure_api, registration_api
from progress.entrypoints.completions import CompletionGroups
from progress.entrypoints.consumers import build_consumers
from progress.entrypoints.course_gate import GATES
from progress.entrypoints.deps import CompletionsDep, ContainerDep, CurrentUser, UowDep, VersionsDep
from progress.entrypoints.fast_complete import FastCompleteLesson
from progress.entrypoints.schemas import (
    CohortEnrollmentCreate,
    CohortEnrollmentResultOut,
    CourseStatsOut,
    EnrollmentCreate,
    EnrollmentList,
    EnrollmentOut,
    LearnerPageOut,
    QuizAttemptCreate,
    QuizResultOut,
    ReportExportCreate,
    ReportExportOut,
    ReportOut,
    ReportRowOut,
)
from progress.entrypoints.token_cache import CachedTokenVerifier
from progress.service_layer import attendance, enrolling, learning, national, reports, surveys


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await bootstrap.build()
    for consumer in build_consumers(container):
        container.runtime.spawn(consumer.durable, consumer.run)
    container.runtime.spawn("report-fold", functools.partial(national.fold_forever, container.uow))
    container.runtime.spawn("survey-mix", functools.partial(surveys.mix_forever, container.uow))
    app.state.container = container
    app.state.completions = CompletionGroups(container.uow, container.versions)
    app.state.verifier = CachedTokenVerifier(container.runtime.verifier)
    app.state.readiness_checks.update(container.runtime.readiness_checks())
    try:
        yield
    finally:
        await container.close()


class ModelResponse(Response):
    """JSON of an already-built response model.

    Returning it skips FastAPI's second validation of the model against ``response_model`` (kept on
    the routes for the OpenAPI description), a measurable share of the hot path's CPU.
    """

    media_type = "application/json"

    def render(self, content: BaseModel) -> bytes:
        return content.model_dump_json().encode()


app = FastAPI(title="Kentbilim progress", version="1", lifespan=lifespan)
# Added first, so it is the innermost middleware: install_common's request ids, logs, metrics and
# checks run around it. It answers completeLesson without the router (fast_complete.py).
app.add_middleware(FastCompleteLesson)
install_common(app, "progress")
app.include_router(erasure_api.router)  # a learner's export and erasure (issue 14, item 6)
# Registration (issue 15): before /v1/enrollments/{enrollment_id}, which would take "pending" for an id.
app.include_router(registration_api.router)
app.include_router(attendance_api.router)  # live sessions, check-in, attendance, surveys (issue 15)
document_error_statuses(app)  # every status each route can answer, in /openapi.json


@app.post("/v1/enrollments", response_model=EnrollmentOut)
async def enroll(body: EnrollmentCreate, user: CurrentUser, uow: UowDep, versions: VersionsDep) -> ModelResponse:
    """Enrol the caller; 201 for a new enrolment, 200 with the existing one when already enrolled.

    The status says what the registration got: ACTIVE, PENDING (approval required) or WAITLISTED
    (with waitlistPosition); a closed or full course without a waiting list is a CONFLICT.
    """
    async with GATES.admit(body.courseId):
        details, created = await enrolling.enroll(uow, user, body.courseId, versions)
    return ModelResponse(EnrollmentOut.of(details), status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@app.get("/v1/enrollments/mine", response_model=EnrollmentList)
async def my_enrollments(
    user: CurrentUser, uow: UowDep, versions: VersionsDep, courseIds: str | None = Query(default=None)
) -> ModelResponse:
    ids = [c for c in (courseIds or "").split(",") if c] if courseIds is not None else None
    nodes = await enrolling.my_enrollments(uow, user, ids, versions)
    return ModelResponse(EnrollmentList(nodes=[EnrollmentOut.of(d) for d in nodes]))


@app.get("/v1/enrollments/{enrollment_id}", response_model=EnrollmentOut)
async def get_enrollment(enrollment_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep) -> ModelResponse:
    return ModelResponse(EnrollmentOut.of(await enrolling.get_enrollment(uow, user, enrollment_id, versions)))


@app.post("/v1/enrollments/{enrollment_id}/withdraw", response_model=EnrollmentOut)
async def withdraw(
    enrollment_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep, key: IdempotencyKey = None
) -> Response:
    """ACTIVE, PENDING or WAITLISTED → WITHDRAWN; the freed seat goes to the waiting list's next."""

    async def leave() -> StoredResponse:
        done = await enrolling.withdraw(uow, user, enrollment_id, versions)
        return StoredResponse(200, EnrollmentOut.of(done).model_dump(mode="json"))

    operation = f"POST /v1/enrollments/{enrollment_id}/withdraw"
    return stored_response(await run_idempotent(uow, user.sub, key, operation, {}, leave))


@app.post("/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete", response_model=EnrollmentOut)
async def complete_lesson(
    enrollment_id: str, lesson_id: str, user: CurrentUser, completions: CompletionsDep
) -> ModelResponse:
    """``learning.complete_lesson``, committed together with the completions arriving alongside
    (group commit, ``entrypoints/completions.py``). Served by ``fast_complete.FastCompleteLesson``
    in front of the router, with the same answers; declared here for OpenAPI and as the reference."""
    return ModelResponse(EnrollmentOut.of(await completions.complete(user, enrollment_id, lesson_id)))


@app.post("/v1/enrollments/{enrollment_id}/quizzes/{lesson_id}/attempts", response_model=QuizResultOut)
async def submit_quiz(
    enrollment_id: str,
    lesson_id: str,
    body: QuizAttemptCreate,
    user: CurrentUser,
    uow: UowDep,
    container: ContainerDep,
    key: IdempotencyKey = None,
) -> Response:
    """submitQuiz; a retry with the same Idempotency-Key returns the first grade, not a second attempt."""
    answers = [QuizAnswer(a.questionId, tuple(a.optionIds)) for a in body.answers]

    async def attempt() -> StoredResponse:
        result = await learning.submit_quiz(
            uow,
            user,
            enrollment_id,
            lesson_id,
            answers,
            container.versions,
            max_attempts=container.settings.quiz_max_attempts,
        )
        return StoredResponse(200, QuizResultOut.of(result).model_dump(mode="json"))

    if key is None:
        return ModelResponse(QuizResultOut.model_validate((await attempt()).body))
    operation = f"POST /v1/enrollments/{enrollment_id}/quizzes/{lesson_id}/attempts"
    return stored_response(await run_idempotent(uow, user.sub, key, operation, body.model_dump(mode="json"), attempt))


@app.post("/v1/courses/{course_id}/cohort", response_model=CohortEnrollmentResultOut)
async def enroll_cohort(course_id: str, body: CohortEnrollmentCreate, user: CurrentUser, uow: UowDep) -> ModelResponse:
    return ModelResponse(
        CohortEnrollmentResultOut.of(await enrolling.enroll_cohort(uow, user, course_id, body.members))
    )


# A member state as tokens name it (ISO 3166 alpha-2); a country admin asking for another is FORBIDDEN.
ORG_QUERY = Query(
    default=None,
    pattern=r"^[A-Z]{2}$",
    description="Only this member state's figures (ISO 3166 alpha-2, upper case). "
    "Country admins: their own state only, and always limited to it.",
)


@app.get("/v1/courses/{course_id}/stats", response_model=CourseStatsOut)
async def course_stats(course_id: str, user: CurrentUser, uow: UowDep, org: str | None = ORG_QUERY) -> ModelResponse:
    """Counts of the course; a country admin's are of their own state (``byOrg`` holds only it)."""
    return ModelResponse(CourseStatsOut.of(course_id, await reports.course_stats(uow, user, course_id, org)))


REPORT_COLUMNS = (
    "enrollmentId",
    "learnerId",
    "learnerName",
    "org",
    "municipality",
    "courseVersion",
    "status",
    "progressPercent",
    "score",
    "enrolledAt",
    "completedAt",
    "certificateCode",
    "certificateStatus",
)


@app.get("/v1/courses/{course_id}/report.csv")
async def course_report(
    course_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep, org: str | None = ORG_QUERY
) -> Response:
    """One row per enrolment, UTF-8 with a BOM so spreadsheet programs show ə, ң and ғ correctly.

    A country admin's report holds their own state's enrolments only.
    """
    rows = await reports.course_report(uow, user, course_id, versions, org)
    buffer = io.StringIO()
    # Names, organisations and municipalities come from users: no cell may run as a spreadsheet formula.
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for d in rows:
        r, cert = d.row, d.row.certificate
        writer.writerow(
            (
                r.id,
                r.learner_id,
                r.learner_name,
                r.org or "",
                r.municipality or "",
                r.course_version,
                r.status.value,
                d.progress.progress_percent,
                "" if r.score is None else r.score,
                r.enrolled_at.isoformat(),
                r.completed_at.isoformat() if r.completed_at else "",
                cert.code if cert else "",
                cert.status if cert else "",
            )
        )
    return Response(
        content=buffer.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="course-{course_id}-report.csv"'},
    )


# --- national reports and the learner directory (issue 14) -----------------------------------------


def _report_query(
    group_by: str | list[str], org: str | None, course_id: str | None, start: datetime | None, end: datetime | None
) -> ReportQuery:
    dims = [d for d in (group_by.split(",") if isinstance(group_by, str) else group_by) if d.strip()]
    return ReportQuery.parse(dims, org, course_id, start, end)


@app.get("/v1/reports/national", response_model=ReportOut)
async def national_report(
    user: CurrentUser,
    uow: UowDep,
    groupBy: str = Query(default="", max_length=100),
    org: str | None = Query(default=None, max_length=64),
    courseId: str | None = Query(default=None, max_length=64),
    start: datetime | None = Query(default=None, alias="from"),
    end: datetime | None = Query(default=None, alias="to"),
    lang: str | None = Query(default=None, max_length=16),
) -> ModelResponse:
    """Admins any state, country admins their own: grouped counts from the rollups (no scan of enrolments)."""
    query = _report_query(groupBy, org, courseId, start, end)
    return ModelResponse(ReportOut.of(await national.national_report(uow, user, query, lang)))


@app.post("/v1/reports/national/exports", response_model=ReportExportOut, status_code=201)
async def create_report_export(body: ReportExportCreate, user: CurrentUser, uow: UowDep) -> ModelResponse:
    """A link valid for a few minutes to the same report as CSV; whoever holds it may download it."""
    query = _report_query(body.groupBy, body.org, body.courseId, body.start, body.end)
    export = await national.create_export(uow, user, query, body.lang)
    out = ReportExportOut(
        token=export.token, path=f"/v1/reports/national/exports/{export.token}.csv", expiresAt=export.expires_at
    )
    return ModelResponse(out, status.HTTP_201_CREATED)


NATIONAL_COLUMNS = (
    "org",
    "municipality",
    "courseId",
    "courseTitle",
    "month",
    "enrolled",
    "completed",
    "certificates",
    "learners",
)


@app.get("/v1/reports/national/exports/{token}.csv")
async def download_report_export(token: str, uow: UowDep) -> Response:
    """The CSV of an export link: no bearer token, the unguessable link is the permission.

    Stable English headers (the GraphQL field names), UTF-8 with a BOM so Excel shows ə, ң and ғ,
    every text cell neutralised against formulas; the last line is the totals (``org`` = TOTAL).
    The same links serve attendance lists (Course.attendanceCsvUrl, issue 15).
    """
    rows = await attendance.attendance_export(uow, token)
    if rows is not None:
        return attendance_api.attendance_csv(rows)
    report = await national.export_report(uow, token)
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(NATIONAL_COLUMNS)
    for r in [*report.rows, report.totals]:
        out = ReportRowOut.of(r)
        writer.writerow(
            (
                ("TOTAL" if r is report.totals else out.org) or "",
                out.municipality or "",
                out.courseId or "",
                out.courseTitle or "",
                out.month or "",
                out.enrolled,
                out.completed,
                out.certificates,
                out.learners,
            )
        )
    return Response(
        content=buffer.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="national-report.csv"',
            "Cache-Control": "no-store",
        },
    )


@app.get("/v1/learners", response_model=LearnerPageOut)
async def learner_directory(
    user: CurrentUser,
    uow: UowDep,
    versions: VersionsDep,
    org: str | None = Query(default=None, max_length=64),
    municipality: str | None = Query(default=None, max_length=200),
    search: str | None = Query(default=None, max_length=200),
    first: int = Query(default=50),
    after: str | None = Query(default=None, max_length=2000),
) -> ModelResponse:
    page = await national.learners(
        uow, user, versions, org=org, municipality=municipality, search=search, first=first, after=after
    )
    return ModelResponse(LearnerPageOut.of(page))
