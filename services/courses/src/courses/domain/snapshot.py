"""An immutable published version: the aggregate frozen as JSON, and the event announcing it.

The snapshot keeps everything a learner of that version sees (bodies, material metadata) plus the
quiz answer keys; it is stored once per version and never changed, so ``GET ?version=N`` is exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from courses.domain.live import (
    CertificateKind,
    LiveSession,
    RegistrationPolicy,
    Survey,
    live_from_json,
    live_to_json,
    registration_from_json,
    registration_to_json,
    survey_from_json,
    survey_to_json,
)
from courses.domain.model import (
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
    Material,
    MaterialStatus,
    Module,
    Question,
    Quiz,
    QuizOption,
)
from lms_shared.events.catalogue import (
    CertificatePolicy,
    CoursePublishedV1,
    LessonSnapshot,
    LiveSessionSnapshot,
    ModuleSnapshot,
    QuizKey,
    QuizOptionKey,
    QuizQuestionKey,
    RegistrationPolicySnapshot,
    SurveyOptionSnapshot,
    SurveyQuestionSnapshot,
    SurveySnapshot,
)


def quiz_to_json(quiz: Quiz) -> dict[str, Any]:
    return {
        "passScore": quiz.pass_score,
        "questions": [
            {
                "id": q.id,
                "prompts": q.prompts,
                "multiple": q.multiple,
                "multipleDeclared": q.multiple_declared,
                "options": [{"id": o.id, "labels": o.labels, "correct": o.correct} for o in q.options],
            }
            for q in quiz.questions
        ],
    }


def quiz_from_json(data: dict[str, Any]) -> Quiz:
    return Quiz(
        pass_score=int(data["passScore"]),
        questions=[
            Question(
                id=q["id"],
                prompts=dict(q.get("prompts") or {}),
                multiple_declared=q.get("multipleDeclared"),
                options=[QuizOption(o["id"], dict(o.get("labels") or {}), bool(o["correct"])) for o in q["options"]],
            )
            for q in data.get("questions") or []
        ],
    )


def _material_to_json(m: Material) -> dict[str, Any]:
    return {
        "id": m.id,
        "filename": m.filename,
        "contentType": m.content_type,
        "size": m.size,
        "sha256": m.sha256,
        "status": m.status.value,
        "objectKey": m.object_key,
    }


def to_snapshot(course: Course) -> dict[str, Any]:
    """The full JSON snapshot of the course as it is now (answer keys included: internal only)."""
    return {
        "id": course.id,
        "slug": course.slug,
        "ownerId": course.owner_id,
        "coOwnerIds": list(course.co_owner_ids),
        "defaultLanguage": course.default_language,
        "titles": course.titles,
        "summaries": course.summaries,
        "topics": course.topics,
        "autoIssue": course.auto_issue,
        "templateId": course.template_id,
        "registration": registration_to_json(course.registration),
        "certificateKind": course.certificate_kind.value,
        "inactivityReminderDays": course.inactivity_reminder_days,
        "createdAt": course.created_at.isoformat() if course.created_at else None,
        "modules": [
            {
                "id": m.id,
                "position": m.position,
                "titles": m.titles,
                "lessons": [
                    {
                        "id": lesson.id,
                        "position": lesson.position,
                        "kind": lesson.kind.value,
                        "titles": lesson.titles,
                        "bodies": lesson.bodies,
                        "durationMinutes": lesson.duration_minutes,
                        "required": lesson.required,
                        "materialId": lesson.material_id,
                        "material": _material_to_json(lesson.material) if lesson.material else None,
                        "quiz": quiz_to_json(lesson.quiz) if lesson.quiz else None,
                        "live": live_to_json(lesson.live) if lesson.live else None,
                        "survey": survey_to_json(lesson.survey) if lesson.survey else None,
                    }
                    for lesson in m.lessons
                ],
            }
            for m in course.modules
        ],
    }


def from_snapshot(data: dict[str, Any], *, version: int, status: CourseStatus, published_at: datetime | None) -> Course:
    """The course as it was published in ``version`` (its status is today's: it may be archived since)."""
    created = data.get("createdAt")
    modules = []
    for m in data["modules"]:
        lessons = []
        for raw in m["lessons"]:
            mat = raw.get("material")
            lessons.append(
                Lesson(
                    id=raw["id"],
                    module_id=m["id"],
                    position=raw["position"],
                    kind=LessonKind(raw["kind"]),
                    titles=dict(raw["titles"]),
                    bodies=dict(raw.get("bodies") or {}),
                    duration_minutes=raw.get("durationMinutes"),
                    required=bool(raw.get("required", True)),
                    material_id=raw.get("materialId"),
                    material=Material(
                        id=mat["id"],
                        course_id=data["id"],
                        filename=mat["filename"],
                        content_type=mat["contentType"],
                        size=mat["size"],
                        sha256=mat.get("sha256"),
                        status=MaterialStatus(mat["status"]),
                        object_key=mat.get("objectKey", ""),
                    )
                    if mat
                    else None,
                    quiz=quiz_from_json(raw["quiz"]) if raw.get("quiz") else None,
                    live=live_from_json(raw["live"]) if raw.get("live") else None,
                    course_id=data["id"],
                    survey=survey_from_json(raw["survey"]) if raw.get("survey") else None,
                )
            )
        modules.append(Module(id=m["id"], position=m["position"], titles=dict(m["titles"]), lessons=lessons))
    return Course(
        id=data["id"],
        slug=data["slug"],
        owner_id=data["ownerId"],
        co_owner_ids=list(data.get("coOwnerIds") or []),
        default_language=data["defaultLanguage"],
        titles=dict(data["titles"]),
        summaries=dict(data.get("summaries") or {}),
        topics=list(data.get("topics") or []),
        auto_issue=bool(data.get("autoIssue", True)),
        template_id=data.get("templateId"),
        status=status,
        version=version,
        revision=0,
        published_revision=0,
        created_at=datetime.fromisoformat(created) if created else None,
        updated_at=published_at,
        published_at=published_at,
        modules=modules,
        registration=registration_from_json(data.get("registration")),
        certificate_kind=CertificateKind(data.get("certificateKind") or CertificateKind.COMPLETION.value),
        inactivity_reminder_days=data.get("inactivityReminderDays"),
    )


def published_event(course: Course, version: int, published_at: datetime) -> CoursePublishedV1:
    """``lms.courses.course.published.v1``: the version with its structure and answer keys."""
    return CoursePublishedV1(
        course_id=course.id,
        version=version,
        slug=course.slug,
        owner_id=course.owner_id,
        co_owner_ids=list(course.co_owner_ids),
        owner_revision=course.owner_revision,
        default_language=course.default_language,
        languages=course.languages,
        titles=course.titles,
        summaries=course.summaries,
        topics=course.topics,
        modules=[
            ModuleSnapshot(
                id=m.id,
                position=m.position,
                titles=m.titles,
                lessons=[
                    LessonSnapshot(
                        id=lesson.id,
                        position=lesson.position,
                        kind=lesson.kind.value,
                        titles=lesson.titles,
                        required=lesson.required,
                        duration_minutes=lesson.duration_minutes,
                        material_id=lesson.material_id,
                        quiz=_quiz_key(lesson.quiz) if lesson.quiz else None,
                        live=_live_snapshot(lesson.live) if lesson.live else None,
                        survey=_survey_snapshot(lesson.survey) if lesson.survey else None,
                    )
                    for lesson in m.lessons
                ],
            )
            for m in course.modules
        ],
        certificate_policy=CertificatePolicy(
            auto_issue=course.auto_issue, template_id=course.template_id, kind=course.certificate_kind.value
        ),
        published_at=published_at,
        registration=_registration_snapshot(course.registration),
        inactivity_reminder_days=course.inactivity_reminder_days,
    )


def _live_snapshot(s: LiveSession) -> LiveSessionSnapshot:
    return LiveSessionSnapshot(
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        timezone=s.timezone,
        venues=s.venues,
        online_url=s.online_url,
        capacity=s.capacity,
    )


def _survey_snapshot(s: Survey) -> SurveySnapshot:
    """The questions only: answers are progress's and never travel in course.published."""
    return SurveySnapshot(
        anonymous=s.anonymous,
        questions=[
            SurveyQuestionSnapshot(
                id=q.id,
                kind=q.kind.value,
                prompts=q.prompts,
                scale=q.scale,
                options=[SurveyOptionSnapshot(id=o.id, labels=o.labels) for o in q.options],
            )
            for q in s.questions
        ],
    )


def _registration_snapshot(r: RegistrationPolicy) -> RegistrationPolicySnapshot:
    return RegistrationPolicySnapshot(
        capacity=r.capacity,
        approval_required=r.approval_required,
        quotas=dict(r.quotas),
        closes_at=r.closes_at,
        waitlist=r.waitlist,
    )


def _quiz_key(quiz: Quiz) -> QuizKey:
    return QuizKey(
        pass_score=quiz.pass_score,
        questions=[
            QuizQuestionKey(
                id=q.id,
                multiple=q.multiple,
                prompts=q.prompts,
                options=[QuizOptionKey(id=o.id, correct=o.correct, labels=o.labels) for o in q.options],
            )
            for q in quiz.questions
        ],
    )
