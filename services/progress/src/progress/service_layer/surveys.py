"""Feedback surveys (``SURVEY`` lessons, issue 15).

- ``submit_survey``: the enrolment's own learner, admitted (ACTIVE or COMPLETED), once. Each answer
  is validated against its question's kind; submitting completes the lesson, so a required survey
  gates the course's completion and its certificate. ``submitSurvey`` is the only way to complete a
  SURVEY lesson (``completeLesson`` refuses it).
- Anonymous surveys (the default) keep the fact of submitting (``survey_submission``: enrolment and
  lesson, for "done") apart from the answers, which carry no enrolment, learner, or timestamp, only
  the respondent's member state (so a country admin's results can cover their state). They wait in
  the ballot box, inside the submitting transaction, until :func:`mix_ballots` moves a batch of at
  least :data:`MIX_MIN` submissions, in random order and with new random ids, into ``survey_answer``
  in a transaction of its own: neither insert order nor transaction ids then tell whose answers are
  whose. Surveys that are not anonymous store answers with the enrolment.
- ``survey_results``: the course's trainers, admins, and country admins (their state's respondents
  only); aggregated (never per learner when anonymous), with fewer than ``MIN_RESPONDENTS``
  respondents in the scope of an anonymous survey only counts are shown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Forbidden
from progress.domain.model import EnrollmentStatus, LessonRecord, summarize
from progress.domain.surveys import SURVEY, QuestionResult, SurveyAnswer, aggregate, validate_answers
from progress.service_layer.access import course_version, require_course_admin, visible_enrollment
from progress.service_layer.attendance import LessonState, lesson_state, require_admitted
from progress.service_layer.learning import _completion_events
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

MIX_MIN = 5
"""Ballots are moved into the answers once the box holds the answers of this many submissions."""
MIX_EVERY_SECONDS = 5.0


async def submit_survey(
    uow: ProgressUnitOfWork,
    principal: Principal,
    enrollment_id: str,
    lesson_id: str,
    answers: Sequence[SurveyAnswer],
    versions: CourseVersionCache,
) -> LessonState:
    row = await visible_enrollment(uow, principal, enrollment_id, for_update=True)
    if row.learner_id != principal.sub:
        raise Forbidden("Only the learner of this enrolment can answer its survey.")
    require_admitted(row)
    course = await course_version(uow, versions, row.course_id, row.course_version)
    lesson = course.lesson(lesson_id)
    if lesson.kind != SURVEY or lesson.survey is None:
        raise BadInput("This lesson is not a survey.")
    stored = validate_answers(lesson.survey, answers)
    org = row.org or principal.org
    if not await uow.surveys.add_submission(row.id, lesson_id, row.course_id, org):
        # Submitted before: the first answers stand, nothing is counted twice.
        return lesson_state(course, row.records, lesson_id)
    await uow.surveys.add_answers(
        row.course_id,
        lesson_id,
        org,
        stored,
        enrollment_id=None if lesson.survey.anonymous else row.id,
    )
    records = row.records
    if not any(r.lesson_id == lesson_id and r.completed for r in row.records):
        # The hour, not the instant: the completion time of an anonymous survey should not pin down
        # when (and so, next to other traces, in which order) its answers arrived.
        now = utcnow()
        at = now.replace(minute=0, second=0, microsecond=0) if lesson.survey.anonymous else now
        records = (*(r for r in row.records if r.lesson_id != lesson_id), LessonRecord(lesson_id, at))
        progress = summarize(course, records)
        events, completes = _completion_events(principal, row, course, lesson_id, progress, at)
        await uow.attendance.complete_lesson(row.id, lesson_id, at)
        if completes:
            await uow.enrollments.set_status(row.id, EnrollmentStatus.COMPLETED, completed_at=at, score=progress.score)
        uow.publish(*events)
    await uow.commit()
    return lesson_state(course, records, lesson_id)


async def survey_results(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, lesson_id: str, versions: CourseVersionCache
) -> list[QuestionResult]:
    course, scope = await require_course_admin(uow, principal, course_id)
    version = await course_version(uow, versions, course.course_id, course.current_version)
    lesson = version.lesson(lesson_id)
    if lesson.kind != SURVEY or lesson.survey is None:
        raise BadInput("This lesson is not a survey.")
    answers = await uow.surveys.answers(course.course_id, lesson_id, scope)
    respondents = await uow.surveys.respondents(course.course_id, lesson_id, scope)
    return aggregate(lesson.survey, answers, respondents)


async def mix_ballots(uow: ProgressUnitOfWork) -> int:
    moved = await uow.surveys.mix(MIX_MIN)
    await uow.commit()
    return moved


async def mix_forever(
    uow_factory: Callable[[], contextlib.AbstractAsyncContextManager[ProgressUnitOfWork]], stop: asyncio.Event
) -> None:
    """Background loop of every progress process (like the report fold); a failure is logged by the
    runtime and the loop restarted: ballots wait in their table, nothing is lost."""
    while not stop.is_set():
        async with uow_factory() as uow:
            await mix_ballots(uow)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), MIX_EVERY_SECONDS)
