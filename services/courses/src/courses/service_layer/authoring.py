"""Authoring the working draft: courses, co-owners, modules, lessons and quizzes.

Every handler authorizes its caller itself (the gateway's checks are only a first line), locks the
course row, records the change with a new revision, and commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from courses.domain.live import (
    CertificateKind,
    LiveSession,
    RegistrationPolicy,
    Survey,
    SurveyOption,
    SurveyQuestion,
    SurveyQuestionKind,
    check_rating_scale,
)
from courses.domain.model import Course, Lesson, LessonKind, Module, Question, Quiz, QuizOption
from courses.service_layer import commands as cmd
from courses.service_layer.access import course_for_edit, course_of_lesson, course_of_module, new_id, reload
from courses.service_layer.commands import as_dict
from courses.service_layer.ports import SlugTaken
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Conflict, NotFound
from lms_shared.events.catalogue import CourseOwnersChangedV1


def _require_default_title(titles: dict[str, str], default_language: str) -> None:
    if default_language not in titles:
        raise BadInput(
            f"Give a title in the course's default language ({default_language}); "
            f"the titles given are in: {', '.join(sorted(titles)) or 'none'}."
        )


def _placed(items: list[str], item_id: str, position: int | None) -> list[str]:
    """``items`` with ``item_id`` moved (or inserted) at 1-based ``position`` (end when None or too large)."""
    rest = [i for i in items if i != item_id]
    index = len(rest) if position is None else min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:index], item_id, *rest[index:]]


# --- courses -------------------------------------------------------------------------------------


def _registration(r: cmd.RegistrationPolicyInput | None) -> RegistrationPolicy:
    if r is None:
        return RegistrationPolicy()
    return RegistrationPolicy(
        capacity=r.capacity,
        approval_required=bool(r.approval_required),
        quotas={q.org: q.seats for q in r.quotas or []},
        closes_at=r.closes_at,
        waitlist=r.waitlist if r.waitlist is not None else True,
    )


async def create_course(uow: CoursesUnitOfWork, principal: Principal, c: cmd.CreateCourse) -> Course:
    """A new draft course owned by the calling trainer (or admin)."""
    principal.require(Role.TRAINER)
    titles = as_dict(c.titles)
    _require_default_title(titles, c.default_language)
    course = Course(
        id=new_id(),
        slug=c.slug,
        owner_id=principal.sub,
        default_language=c.default_language,
        titles=titles,
        summaries=as_dict(c.summaries),
        topics=list(dict.fromkeys(c.topics or [])),
        auto_issue=c.auto_issue_certificate if c.auto_issue_certificate is not None else True,
        template_id=c.certificate_template_id,
        registration=_registration(c.registration),
        certificate_kind=c.certificate_kind or CertificateKind.COMPLETION,
        inactivity_reminder_days=c.inactivity_reminder_days,
    )
    if await uow.courses.slug_taken(c.slug):
        raise SlugTaken(c.slug)
    await uow.courses.add(course)  # raises SlugTaken too when a concurrent creation won the slug
    created = await reload(uow, course.id)
    await uow.commit()
    return created


async def update_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str, c: cmd.UpdateCourse) -> Course:
    """Change the draft's texts, topics or certificate policy (the published version is untouched)."""
    course = await course_for_edit(uow, course_id, principal)
    if c.titles is not None:
        course.titles = as_dict(c.titles)
    if c.summaries is not None:
        course.summaries = as_dict(c.summaries)
    if c.topics is not None:
        course.topics = list(dict.fromkeys(c.topics))
    if c.auto_issue_certificate is not None:
        course.auto_issue = c.auto_issue_certificate
    if c.default_language is not None:
        course.default_language = c.default_language
    if "certificate_template_id" in c.model_fields_set:
        course.template_id = c.certificate_template_id
    if "registration" in c.model_fields_set:
        course.registration = _registration(c.registration)
    if c.certificate_kind is not None:
        course.certificate_kind = c.certificate_kind
    if "inactivity_reminder_days" in c.model_fields_set:
        course.inactivity_reminder_days = c.inactivity_reminder_days
    _require_default_title(course.titles, course.default_language)
    await uow.courses.save_fields(course)
    await uow.courses.bump_revision(course_id)
    updated = await reload(uow, course_id)
    await uow.commit()
    return updated


async def add_co_owner(uow: CoursesUnitOfWork, principal: Principal, course_id: str, c: cmd.AddCoOwner) -> Course:
    """Let another trainer edit and publish this course.

    Only someone seen with the trainer (or admin) role can become a co-owner: a learner made
    co-owner would see drafts, and the gateway's shared cache keys answers by role.
    """
    course = await course_for_edit(uow, course_id, principal)
    if c.trainer_id != course.owner_id and c.trainer_id not in course.co_owner_ids:
        if not await uow.trainers.is_known(c.trainer_id):
            raise Conflict(
                f"{c.trainer_id} has not signed in as a trainer yet; ask them to sign in once, then add them."
            )
        await uow.courses.add_co_owner(course_id, c.trainer_id)
        # The co-owner list travels in course.published, so it is part of the next version.
        await uow.courses.bump_revision(course_id)
        await _owners_changed(uow, course_id)
    updated = await reload(uow, course_id)
    await uow.commit()
    return updated


async def remove_co_owner(uow: CoursesUnitOfWork, principal: Principal, course_id: str, trainer_id: str) -> Course:
    """Take a co-owner's rights away; progress and certificates apply it on ``course.owners_changed``."""
    await course_for_edit(uow, course_id, principal)
    if not await uow.courses.remove_co_owner(course_id, trainer_id):
        raise NotFound(f"{trainer_id} is not a co-owner of this course.")
    await uow.courses.bump_revision(course_id)
    await _owners_changed(uow, course_id)
    updated = await reload(uow, course_id)
    await uow.commit()
    return updated


async def _owners_changed(uow: CoursesUnitOfWork, course_id: str) -> None:
    """Count the ownership change and stage ``course.owners_changed`` in this transaction.

    Staged only for a course that was published: progress and certificates know nothing of drafts,
    and the first ``course.published`` carries the owners and their revision anyway.
    """
    revision = await uow.courses.bump_owner_revision(course_id)
    course = await reload(uow, course_id)
    if course.version == 0:
        return
    uow.publish(
        CourseOwnersChangedV1(
            course_id=course_id,
            owner_id=course.owner_id,
            co_owner_ids=list(course.co_owner_ids),
            revision=revision,
            changed_at=datetime.now(UTC),
        )
    )


async def remember_trainer(uow: CoursesUnitOfWork, principal: Principal) -> bool:
    """Record that ``principal`` signed in as a trainer (or admin); returns whether they are one.

    Courses has no user directory: this record is what lets :func:`add_co_owner` refuse a learner.
    """
    if not principal.has(Role.TRAINER):
        return False
    await uow.trainers.remember(principal.sub)
    await uow.commit()
    return True


# --- modules -------------------------------------------------------------------------------------


def _find_module(course: Course, module_id: str) -> Module:
    return next(m for m in course.modules if m.id == module_id)


async def add_module(uow: CoursesUnitOfWork, principal: Principal, course_id: str, c: cmd.ModuleInput) -> Module:
    course = await course_for_edit(uow, course_id, principal)
    module = Module(id=new_id(), position=len(course.modules) + 1, titles=as_dict(c.titles))
    await uow.courses.add_module(course_id, module)
    await uow.courses.set_module_positions(_placed([m.id for m in course.modules], module.id, c.position))
    await uow.courses.bump_revision(course_id)
    added = _find_module(await reload(uow, course_id), module.id)
    await uow.commit()
    return added


async def update_module(uow: CoursesUnitOfWork, principal: Principal, module_id: str, c: cmd.ModulePatch) -> Module:
    """Rename a module and/or move it to another position."""
    course, _ = await course_of_module(uow, module_id, principal)
    if c.titles is not None:
        await uow.courses.rename_module(module_id, as_dict(c.titles))
    if c.position is not None:
        await uow.courses.set_module_positions(_placed([m.id for m in course.modules], module_id, c.position))
    await uow.courses.bump_revision(course.id)
    updated = _find_module(await reload(uow, course.id), module_id)
    await uow.commit()
    return updated


async def delete_module(uow: CoursesUnitOfWork, principal: Principal, module_id: str) -> Module:
    """Remove a module and its lessons from the draft (published versions keep them)."""
    course, module = await course_of_module(uow, module_id, principal)
    await uow.courses.delete_module(module_id)
    await uow.courses.set_module_positions([m.id for m in course.modules if m.id != module_id])
    await uow.courses.bump_revision(course.id)
    await uow.commit()
    return module


# --- lessons and quizzes -------------------------------------------------------------------------


def _find_lesson(course: Course, lesson_id: str) -> Lesson:
    return next(x for x in course.lessons() if x.id == lesson_id)


def _build_quiz(q: cmd.QuizInput, existing: Quiz | None) -> Quiz:
    """The quiz from its input, keeping the ids of questions and options the trainer refers to."""
    known_questions = {x.id: x for x in existing.questions} if existing else {}
    questions = []
    for n, qi in enumerate(q.questions, start=1):
        old = known_questions.get(qi.id) if qi.id else None
        if qi.id and old is None:
            raise BadInput(f"Question {n}: the id {qi.id!r} is not a question of this quiz; omit it for a new one.")
        known_options = {o.id for o in old.options} if old else set()
        options = []
        for m, oi in enumerate(qi.options, start=1):
            if oi.id and oi.id not in known_options:
                raise BadInput(f"Question {n}, option {m}: the id {oi.id!r} is unknown; omit it for a new option.")
            options.append(QuizOption(id=oi.id or new_id(), labels=as_dict(oi.labels), correct=oi.correct))
        questions.append(
            Question(
                id=old.id if old else new_id(),
                prompts=as_dict(qi.prompts),
                options=options,
                multiple_declared=qi.multiple,
            )
        )
    return Quiz(pass_score=q.pass_score, questions=questions)


async def _check_material(uow: CoursesUnitOfWork, course: Course, material_id: str | None) -> None:
    if material_id is None:
        return
    material = await uow.materials.get(material_id)
    if material is None or material.course_id != course.id:
        raise BadInput(
            f"materialId {material_id} is not a material of this course: upload the file with "
            "requestMaterialUpload on this course first."
        )


def _build_live(s: cmd.LiveSessionInput) -> LiveSession:
    return LiveSession(
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        timezone=s.timezone,
        venues=as_dict(s.venues),
        online_url=s.online_url,
        capacity=s.capacity,
    )


def _build_survey(s: cmd.SurveyInput, existing: Survey | None) -> Survey:
    """The survey from its input. Ids are generated here and stay stable across edits: a question (or
    option) keeps its id when the input sends it back, or when it is unchanged (same kind and texts),
    so answers already given to a published version still match the question they were given to."""
    old_questions = list(existing.questions) if existing else []
    by_id = {q.id: q for q in old_questions}
    claimed: set[str] = set()
    questions = []
    for n, qi in enumerate(s.questions, start=1):
        prompts = as_dict(qi.prompts)
        old: SurveyQuestion | None = None
        if qi.id:
            old = by_id.get(qi.id)
            if old is None or old.id in claimed:
                raise BadInput(
                    f"Survey question {n}: the id {qi.id!r} is not a question of this survey (or is used twice); "
                    "omit it for a new question."
                )
        else:
            old = next(
                (q for q in old_questions if q.id not in claimed and q.kind is qi.kind and q.prompts == prompts),
                None,
            )
        if old is not None:
            claimed.add(old.id)
        old_options = list(old.options) if old else []
        option_ids = {o.id for o in old_options}
        used: set[str] = set()
        options = []
        for m, oi in enumerate(qi.options or [], start=1):
            labels = as_dict(oi.labels)
            if oi.id:
                if oi.id not in option_ids or oi.id in used:
                    raise BadInput(
                        f"Survey question {n}, option {m}: the id {oi.id!r} is unknown; omit it for a new option."
                    )
                option_id = oi.id
            else:
                same = next((o for o in old_options if o.id not in used and o.labels == labels), None)
                option_id = same.id if same else new_id()
            used.add(option_id)
            options.append(SurveyOption(id=option_id, labels=labels))
        questions.append(
            SurveyQuestion(
                id=old.id if old else new_id(),
                kind=qi.kind,
                prompts=prompts,
                scale=check_rating_scale(qi.scale) if qi.kind is SurveyQuestionKind.RATING else None,
                options=options,
            )
        )
    return Survey(questions=questions, anonymous=s.anonymous if s.anonymous is not None else True)


def _check_lesson_shape(kind: LessonKind, quiz: Quiz | None, live: LiveSession | None, survey: Survey | None) -> None:
    if quiz is not None and kind is not LessonKind.QUIZ:
        raise BadInput(
            f"Only QUIZ lessons have a quiz; this lesson is {kind.value}. Remove the quiz or change the kind."
        )
    if live is not None and kind is not LessonKind.LIVE:
        raise BadInput(
            f"Only LIVE lessons have a session (live); this lesson is {kind.value}. Remove it or change the kind."
        )
    if survey is not None and kind is not LessonKind.SURVEY:
        raise BadInput(f"Only SURVEY lessons have a survey; this lesson is {kind.value}. Remove it or change the kind.")


async def add_lesson(uow: CoursesUnitOfWork, principal: Principal, module_id: str, c: cmd.LessonInput) -> Lesson:
    course, module = await course_of_module(uow, module_id, principal)
    quiz = _build_quiz(c.quiz, None) if c.quiz else None
    live = _build_live(c.live) if c.live else None
    survey = _build_survey(c.survey, None) if c.survey else None
    _check_lesson_shape(c.kind, quiz, live, survey)
    await _check_material(uow, course, c.material_id)
    lesson = Lesson(
        id=new_id(),
        module_id=module_id,
        position=len(module.lessons) + 1,
        kind=c.kind,
        titles=as_dict(c.titles),
        bodies=as_dict(c.bodies),
        duration_minutes=c.duration_minutes,
        required=c.required if c.required is not None else True,
        material_id=c.material_id,
        quiz=quiz,
        live=live,
        survey=survey,
    )
    await uow.courses.add_lesson(course.id, lesson)
    await uow.courses.set_lesson_positions(_placed([x.id for x in module.lessons], lesson.id, c.position))
    await uow.courses.bump_revision(course.id)
    added = _find_lesson(await reload(uow, course.id), lesson.id)
    await uow.commit()
    return added


async def update_lesson(uow: CoursesUnitOfWork, principal: Principal, lesson_id: str, c: cmd.LessonPatch) -> Lesson:
    """Change the fields present in the patch; an explicit null clears materialId, quiz, live, survey or duration."""
    course, module, lesson = await course_of_lesson(uow, lesson_id, principal)
    given = c.model_fields_set
    if c.kind is not None:
        lesson.kind = c.kind
    if c.titles is not None:
        lesson.titles = as_dict(c.titles)
    if c.bodies is not None:
        lesson.bodies = as_dict(c.bodies)
    if "duration_minutes" in given:
        lesson.duration_minutes = c.duration_minutes
    if c.required is not None:
        lesson.required = c.required
    if "material_id" in given:
        await _check_material(uow, course, c.material_id)
        lesson.material_id = c.material_id
    if "quiz" in given:
        lesson.quiz = _build_quiz(c.quiz, lesson.quiz) if c.quiz else None
    if "live" in given:
        lesson.live = _build_live(c.live) if c.live else None
    if "survey" in given:
        lesson.survey = _build_survey(c.survey, lesson.survey) if c.survey else None
    _check_lesson_shape(lesson.kind, lesson.quiz, lesson.live, lesson.survey)
    await uow.courses.update_lesson(lesson)
    if c.position is not None:
        await uow.courses.set_lesson_positions(_placed([x.id for x in module.lessons], lesson_id, c.position))
    await uow.courses.bump_revision(course.id)
    updated = _find_lesson(await reload(uow, course.id), lesson_id)
    await uow.commit()
    return updated


async def delete_lesson(uow: CoursesUnitOfWork, principal: Principal, lesson_id: str) -> Lesson:
    course, module, lesson = await course_of_lesson(uow, lesson_id, principal)
    await uow.courses.delete_lesson(lesson_id)
    await uow.courses.set_lesson_positions([x.id for x in module.lessons if x.id != lesson_id])
    await uow.courses.bump_revision(course.id)
    await uow.commit()
    return lesson
