"""Live sessions, surveys and the registration policy of a course (issue 15), from the courses JSON.

``attended`` and ``onlineUrl`` are progress's to answer (gateway/progress/live.py): who checked in,
and whether the viewer's enrolment lets them see the join link. The courses service gives the stored
link only to the course's editors, in the draft view (``editorOnlineUrl``, for the authoring form).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from gateway.context import Info, ctx_of
from gateway.courses.types import QuizOption
from gateway.progress import live as progress_live
from gateway.types import DateTime, Json, LocalizedText, localized
from lms_shared.auth import Role

LANG = "_lang"
LESSON_ID = "_lessonId"
COURSE_ID = "_courseId"


def _text(root: Json, key: str, info: Info, lang: str | None) -> str | None:
    return localized(root.get(key), lang, ctx_of(info).locale, root.get(LANG))


def session_venue(root: strawberry.Parent[Json], info: Info, lang: str | None = strawberry.UNSET) -> str | None:
    """The venue in the fallback order, or null (an online-only session)."""
    return _text(root, "venues", info, lang if lang is not strawberry.UNSET else None)


async def session_online_url(root: strawberry.Parent[Json], info: Info) -> str | None:
    """Progress decides: ACTIVE enrolled learners, trainers of the course and admins."""
    return await progress_live.join_link(info, str(root[COURSE_ID]), str(root[LESSON_ID]))


async def session_attended(root: strawberry.Parent[Json], info: Info) -> int:
    return await progress_live.attended_count(info, str(root[COURSE_ID]), str(root[LESSON_ID]))


def session_editor_online_url(root: strawberry.Parent[Json], info: Info) -> str | None:
    """The stored link: the courses service puts it only in what it answers the course's editors (the
    draft view and the authoring mutations, never a published version); trainers and admins only."""
    p = ctx_of(info).principal
    if p is None or not (p.is_admin or Role.TRAINER in p.roles):
        return None
    value: str | None = root.get("onlineUrl")
    return value


@strawberry.type(
    description="A scheduled session (in a room, online, or both) inside a course: a forum day, a workshop, a webinar."
)
class LiveSession:
    startsAt: DateTime = strawberry.field(description="When the session starts (UTC).")
    endsAt: DateTime = strawberry.field(description="When the session ends (UTC).")
    timezone: str = strawberry.field(description="IANA zone the session is announced in, e.g. Asia/Baku.")
    venue: str | None = strawberry.field(resolver=session_venue, description="Where it takes place.")
    venues: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the venue in every language it has (for editors)."
    )
    onlineUrl: str | None = strawberry.field(
        resolver=session_online_url,
        description="Join link of an online session; shown only to ACTIVE enrolled learners, trainers and admins.",
    )
    editorOnlineUrl: str | None = strawberry.field(
        resolver=session_editor_online_url,
        description=(
            "Addition: the link as stored in the course's working draft, for its trainers and admins only "
            "(the authoring form); null for everyone else and in published versions."
        ),
    )
    hasOnlineUrl: bool = strawberry.field(
        default=False, description="Addition: whether the session has a join link (without revealing it)."
    )
    capacity: int | None = strawberry.field(description="Seats; null = unlimited.")
    attended: int = strawberry.field(
        resolver=session_attended, description="Learners who checked in or were marked present."
    )


@strawberry.enum(description="What a survey question asks for.")
class SurveyQuestionKind(Enum):
    RATING = "RATING"
    TEXT = "TEXT"
    SINGLE_CHOICE = "SINGLE_CHOICE"


def survey_prompt(root: strawberry.Parent[Json], info: Info, lang: str | None = strawberry.UNSET) -> str:
    return _text(root, "prompts", info, lang if lang is not strawberry.UNSET else None) or ""


def survey_options(root: strawberry.Parent[Json]) -> list[Any] | None:
    """SINGLE_CHOICE: the options (as QuizOption: id and label); null for the other kinds."""
    options: list[Any] = root.get("options") or []
    return options if root.get("kind") == "SINGLE_CHOICE" else None


@strawberry.type(description="One question of a feedback survey.")
class SurveyQuestion:
    id: strawberry.ID = strawberry.field(description="Question id, sent back in SurveyAnswerInput.questionId.")
    kind: SurveyQuestionKind = strawberry.field(description="Rating, free text or single choice.")
    prompt: str = strawberry.field(resolver=survey_prompt, description="The question's text.")
    prompts: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the question in every language it has (for editors)."
    )
    scale: int | None = strawberry.field(description="RATING: 1..scale (default 5).")
    options: list[QuizOption] | None = strawberry.field(
        resolver=survey_options, description="SINGLE_CHOICE: the choices, in display order."
    )


@strawberry.type(description="A feedback form of a SURVEY lesson.")
class Survey:
    anonymous: bool = strawberry.field(description="Answers are never linked to the learner who gave them.")
    questions: list[SurveyQuestion] = strawberry.field(description="The questions, in order.")


@strawberry.type(description="Seats reserved for one member state.")
class CountryQuota:
    org: str = strawberry.field(description="Member state, ISO 3166 alpha-2.")
    seats: int = strawberry.field(description="Seats reserved for it.")


@strawberry.type(description="Who gets a seat: capacity, per-state quotas, approval, closing date, waiting list.")
class RegistrationPolicy:
    capacity: int | None = strawberry.field(description="Seats for the whole course; null = unlimited.")
    approvalRequired: bool = strawberry.field(
        description="Enrolments wait in PENDING until a trainer, an admin or the learner's country admin approves."
    )
    quotas: list[CountryQuota] = strawberry.field(
        description="Seats reserved per member state; learners of a state whose quota is full are WAITLISTED."
    )
    closesAt: DateTime | None = strawberry.field(description="When registration closes; null = never.")
    waitlist: bool = strawberry.field(
        description=(
            "When a seat frees up, the first WAITLISTED learner becomes ACTIVE (or PENDING when approval is required)."
        )
    )
