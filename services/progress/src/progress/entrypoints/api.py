"""The progress REST API (docs/rest-api.md, progress section): thin routes over the handlers."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.db import transaction
from lms_shared.settings import get_settings
from lms_shared.web import CurrentUser, install_common
from progress import bootstrap
from progress.adapters.repository import CourseCatalog
from progress.config import get_progress_settings
from progress.domain.model import QuizAnswer
from progress.entrypoints.schemas import (
    CohortEnrollmentCreate,
    CohortEnrollmentResultOut,
    CourseStatsOut,
    EnrollmentCreate,
    EnrollmentList,
    EnrollmentOut,
    QuizAttemptCreate,
    QuizResultOut,
)
from progress.entrypoints.token_cache import CachedTokenVerifier
from progress.service_layer import handlers


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await bootstrap.start(get_settings(), get_progress_settings())
    app.state.container = container
    app.state.verifier = CachedTokenVerifier(container.runtime.verifier)
    app.state.readiness_checks.update(container.runtime.readiness_checks())
    try:
        yield
    finally:
        await container.runtime.stop()


class ModelResponse(Response):
    """JSON of an already-built response model.

    Returning it skips FastAPI's second validation of the model against ``response_model`` (kept on
    the routes for the OpenAPI description), a measurable share of the hot path's CPU.
    """

    media_type = "application/json"

    def render(self, content: BaseModel) -> bytes:
        return content.model_dump_json().encode()


app = FastAPI(title="Kentbilim progress", version="1", lifespan=lifespan)
install_common(app, "progress")


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    async with transaction(request.app.state.container.runtime.sessions) as session:
        yield session


async def _catalog(request: Request) -> CourseCatalog:
    # async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, which cost ~4 % of
    # a lesson completion's CPU for a dictionary lookup.
    catalog: CourseCatalog = request.app.state.container.catalog
    return catalog


# scope="function": commit before the response is sent. With the default ("request") FastAPI runs the
# code after ``yield`` once the client already has its answer, so a client could read its own write
# before it is committed, or be told "done" about a transaction that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
CatalogDep = Annotated[CourseCatalog, Depends(_catalog)]


@app.post("/v1/enrollments", response_model=EnrollmentOut)
async def enroll(body: EnrollmentCreate, user: CurrentUser, session: SessionDep, catalog: CatalogDep) -> ModelResponse:
    """Enrol the caller; 201 for a new enrolment, 200 with the existing one when already enrolled."""
    details, created = await handlers.enroll(session, catalog, user, body.courseId)
    return ModelResponse(EnrollmentOut.of(details), status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@app.get("/v1/enrollments/mine", response_model=EnrollmentList)
async def my_enrollments(
    user: CurrentUser, session: SessionDep, catalog: CatalogDep, courseIds: str | None = Query(default=None)
) -> ModelResponse:
    ids = [c for c in (courseIds or "").split(",") if c] if courseIds is not None else None
    nodes = await handlers.my_enrollments(session, catalog, user, ids)
    return ModelResponse(EnrollmentList(nodes=[EnrollmentOut.of(d) for d in nodes]))


@app.get("/v1/enrollments/{enrollment_id}", response_model=EnrollmentOut)
async def get_enrollment(
    enrollment_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> ModelResponse:
    return ModelResponse(EnrollmentOut.of(await handlers.get_enrollment(session, catalog, user, enrollment_id)))


@app.post("/v1/enrollments/{enrollment_id}/withdraw", response_model=EnrollmentOut)
async def withdraw(enrollment_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep) -> ModelResponse:
    return ModelResponse(EnrollmentOut.of(await handlers.withdraw(session, catalog, user, enrollment_id)))


@app.post("/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete", response_model=EnrollmentOut)
async def complete_lesson(
    enrollment_id: str, lesson_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep
) -> ModelResponse:
    return ModelResponse(
        EnrollmentOut.of(await handlers.complete_lesson(session, catalog, user, enrollment_id, lesson_id))
    )


@app.post("/v1/enrollments/{enrollment_id}/quizzes/{lesson_id}/attempts", response_model=QuizResultOut)
async def submit_quiz(
    enrollment_id: str,
    lesson_id: str,
    body: QuizAttemptCreate,
    user: CurrentUser,
    session: SessionDep,
    catalog: CatalogDep,
    request: Request,
) -> ModelResponse:
    answers = [QuizAnswer(a.questionId, tuple(a.optionIds)) for a in body.answers]
    max_attempts = request.app.state.container.config.quiz_max_attempts
    result = await handlers.submit_quiz(session, catalog, user, enrollment_id, lesson_id, answers, max_attempts)
    return ModelResponse(QuizResultOut.of(result))


@app.post("/v1/courses/{course_id}/cohort", response_model=CohortEnrollmentResultOut)
async def enroll_cohort(
    course_id: str, body: CohortEnrollmentCreate, user: CurrentUser, session: SessionDep
) -> ModelResponse:
    return ModelResponse(
        CohortEnrollmentResultOut.of(await handlers.enroll_cohort(session, user, course_id, body.members))
    )


@app.get("/v1/courses/{course_id}/stats", response_model=CourseStatsOut)
async def course_stats(course_id: str, user: CurrentUser, session: SessionDep) -> ModelResponse:
    return ModelResponse(CourseStatsOut.of(course_id, await handlers.course_stats(session, user, course_id)))


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
async def course_report(course_id: str, user: CurrentUser, session: SessionDep, catalog: CatalogDep) -> Response:
    """One row per enrolment, UTF-8 with a BOM so spreadsheet programs show ə, ң and ғ correctly."""
    rows = await handlers.course_report(session, catalog, user, course_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
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
