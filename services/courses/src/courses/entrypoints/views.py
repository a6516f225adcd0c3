"""The JSON the gateway reads: camelCase, GraphQL field names, localized texts as lists.

Quiz answer keys are never written here: that is the one place they could leak from.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson

from courses.domain.live import LiveSession, RegistrationPolicy, Survey
from courses.domain.model import Course, Lesson, Material, Module, Quiz
from courses.service_layer.catalogue import CataloguePage, CourseView
from lms_shared.errors import BadInput
from lms_shared.i18n import SUPPORTED_LANGUAGES


def _lang_order(lang: str) -> tuple[int, str]:
    return (SUPPORTED_LANGUAGES.index(lang) if lang in SUPPORTED_LANGUAGES else len(SUPPORTED_LANGUAGES), lang)


def texts(values: dict[str, str]) -> list[dict[str, str]]:
    """Localized text as a list, in the suite's language order (JSONB does not keep key order)."""
    return [{"lang": lang, "text": values[lang]} for lang in sorted(values, key=_lang_order)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def material_json(m: Material) -> dict[str, Any]:
    return {
        "id": m.id,
        "courseId": m.course_id,
        "filename": m.filename,
        "contentType": m.content_type,
        "size": m.size,
        "sha256": m.sha256,
        "status": m.status.value,
        "rejectionReason": m.rejection_reason,
    }


def quiz_json(q: Quiz) -> dict[str, Any]:
    return {
        "passScore": q.pass_score,
        "questions": [
            {
                "id": question.id,
                "prompts": texts(question.prompts),
                "multiple": question.multiple,
                "options": [{"id": o.id, "labels": texts(o.labels)} for o in question.options],
            }
            for question in q.questions
        ],
    }


def live_json(s: LiveSession, *, editor: bool) -> dict[str, Any]:
    """A session; its join link only for the course's editors (learners get it from progress, by status)."""
    return {
        "startsAt": _iso(s.starts_at),
        "endsAt": _iso(s.ends_at),
        "timezone": s.timezone,
        "venues": texts(s.venues),
        "onlineUrl": s.online_url if editor else None,
        "hasOnlineUrl": s.online_url is not None,
        "capacity": s.capacity,
    }


def survey_json(s: Survey) -> dict[str, Any]:
    return {
        "anonymous": s.anonymous,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "prompts": texts(q.prompts),
                "scale": q.scale,
                "options": [{"id": o.id, "labels": texts(o.labels)} for o in q.options],
            }
            for q in s.questions
        ],
    }


def registration_json(r: RegistrationPolicy) -> dict[str, Any]:
    return {
        "capacity": r.capacity,
        "approvalRequired": r.approval_required,
        "quotas": [{"org": org, "seats": seats} for org, seats in sorted(r.quotas.items())],
        "closesAt": _iso(r.closes_at),
        "waitlist": r.waitlist,
    }


def lesson_json(x: Lesson, *, editor: bool = True) -> dict[str, Any]:
    """``editor``: the caller may edit the course (the routes that change a lesson answer editors only)."""
    return {
        "id": x.id,
        "moduleId": x.module_id,
        "courseId": x.course_id,
        "position": x.position,
        "kind": x.kind.value,
        "titles": texts(x.titles),
        "bodies": texts(x.bodies),
        "durationMinutes": x.duration_minutes,
        "required": x.required,
        "materialId": x.material_id,
        "material": material_json(x.material) if x.material else None,
        "quiz": quiz_json(x.quiz) if x.quiz else None,
        "live": live_json(x.live, editor=editor) if x.live else None,
        "survey": survey_json(x.survey) if x.survey else None,
    }


def module_json(m: Module, *, editor: bool = True) -> dict[str, Any]:
    return {
        "id": m.id,
        "position": m.position,
        "titles": texts(m.titles),
        "lessons": [lesson_json(x, editor=editor) for x in m.lessons],
    }


def course_json(view: CourseView) -> dict[str, Any]:
    c: Course = view.course
    return {
        "id": c.id,
        "slug": c.slug,
        "titles": texts(c.titles),
        "summaries": texts(c.summaries),
        "languages": c.languages,
        "defaultLanguage": c.default_language,
        "topics": c.topics,
        "status": c.status.value,
        # The draft reports the latest published version; a frozen view reports the one it shows.
        "version": c.version,
        "latestVersion": c.latest_version if c.latest_version is not None else c.version,
        "isDraft": view.is_draft,
        "hasUnpublishedChanges": c.has_unpublished_changes if view.is_draft else None,
        "incompleteLanguages": c.incomplete_languages,
        "ownerId": c.owner_id,
        "coOwnerIds": c.co_owner_ids,
        "viewerCanEdit": view.viewer_is_editor,
        "certificatePolicy": {
            "autoIssue": c.auto_issue,
            "templateId": c.template_id,
            "kind": c.certificate_kind.value,
        },
        "registration": registration_json(c.registration),
        "inactivityReminderDays": c.inactivity_reminder_days,
        # The join link only in the draft view, which only editors get: frozen versions are cached and
        # shared by the gateway, so they never carry it.
        "modules": [module_json(m, editor=view.is_draft and view.viewer_is_editor) for m in c.modules],
        "createdAt": _iso(c.created_at),
        "updatedAt": _iso(c.updated_at),
        "publishedAt": _iso(c.published_at),
    }


def encode_cursor(key: tuple[datetime, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([key[0].isoformat(), key[1]])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    bad = BadInput("The 'after' cursor is not one this API returned; start again without it.")
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise bad from exc
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
        raise bad
    try:
        created = datetime.fromisoformat(raw[0])
    except ValueError as exc:
        raise bad from exc
    if created.tzinfo is None:
        raise bad
    return created, raw[1]


def page_json(page: CataloguePage) -> dict[str, Any]:
    return {
        "nodes": [course_json(v) for v in page.views],
        "pageInfo": {
            "endCursor": encode_cursor(page.end_cursor) if page.end_cursor else None,
            "hasNextPage": page.has_next,
        },
        "totalCount": page.total,
    }
