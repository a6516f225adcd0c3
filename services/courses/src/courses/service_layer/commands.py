"""What a caller asks the courses service to do: the REST bodies, validated.

Field names are the GraphQL input names (camelCase on the wire); unknown fields are refused so a
typo never silently drops an edit.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from courses.domain import live as rules
from courses.domain.live import CertificateKind, SurveyQuestionKind
from courses.domain.model import LessonKind
from lms_shared.i18n import normalize_lang

_LANG = re.compile(r"^[a-z]{2,3}$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _lang(value: str) -> str:
    code = normalize_lang(value)
    if code is None or not _LANG.match(code):
        raise ValueError(f"{value!r} is not a language code; use ISO 639-1 such as en, tr, az, kk, ky, uz, ru")
    return code


LangCode = Annotated[str, AfterValidator(_lang)]


class Command(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class LocalizedTextInput(Command):
    lang: LangCode
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]


def _unique_langs(items: list[LocalizedTextInput] | None) -> list[LocalizedTextInput] | None:
    if items is None:
        return None
    seen: set[str] = set()
    for item in items:
        if item.lang in seen:
            raise ValueError(f"the language {item.lang!r} appears twice; give one text per language")
        seen.add(item.lang)
    return items


Texts = Annotated[list[LocalizedTextInput], AfterValidator(_unique_langs), Field(max_length=20)]

TITLE_MAX = 300
"""Course, module and lesson titles: a course title is printed on certificates, which print at most 300."""
SUMMARY_MAX = 5000


def _capped(limit: int, what: str) -> AfterValidator:
    def check(items: list[LocalizedTextInput] | None) -> list[LocalizedTextInput] | None:
        for item in items or []:
            if len(item.text) > limit:
                raise ValueError(
                    f"the {what} in {item.lang!r} is {len(item.text):,} characters long; the limit is {limit:,}"
                )
        return items

    return AfterValidator(check)


Titles = Annotated[Texts, _capped(TITLE_MAX, "title"), Field(min_length=1)]
Summaries = Annotated[Texts, _capped(SUMMARY_MAX, "summary")]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


def as_dict(items: list[LocalizedTextInput] | None) -> dict[str, str]:
    return {i.lang: i.text for i in items or []}


# --- issue 15: live sessions, surveys, registration ---------------------------------------------

Venues = Annotated[Texts, _capped(rules.VENUE_MAX, "venue")]
AwareTime = Annotated[datetime, AfterValidator(lambda v: rules.check_aware(v, "the time"))]


class LiveSessionInput(Command):
    starts_at: AwareTime
    ends_at: AwareTime
    timezone: Annotated[str, AfterValidator(rules.check_timezone)]
    venues: Venues | None = None
    online_url: Annotated[str, AfterValidator(rules.check_online_url)] | None = None
    capacity: Annotated[int | None, AfterValidator(rules.check_capacity)] = None

    @model_validator(mode="after")
    def _times(self) -> LiveSessionInput:
        rules.check_session_times(self.starts_at, self.ends_at)
        return self


class SurveyOptionInput(Command):
    # Ids are the server's; a trainer's edit sends back the id of an option it keeps.
    id: str | None = None
    labels: Annotated[Texts, Field(min_length=1)]
    # QuizOptionInput is reused by the public schema for survey options: its `correct` means nothing here.
    correct: bool | None = None


class SurveyQuestionInput(Command):
    id: str | None = None
    kind: SurveyQuestionKind
    prompts: Annotated[Texts, Field(min_length=1)]
    scale: int | None = None
    options: Annotated[list[SurveyOptionInput], Field(max_length=rules.SURVEY_OPTIONS_MAX)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> SurveyQuestionInput:
        if self.kind is SurveyQuestionKind.RATING:
            rules.check_rating_scale(self.scale)
        elif self.scale is not None:
            raise ValueError(f"only RATING questions have a scale; this one is {self.kind.value}")
        if self.kind is SurveyQuestionKind.SINGLE_CHOICE:
            if len(self.options or []) < 2:
                raise ValueError("a SINGLE_CHOICE question needs at least two options")
        elif self.options:
            raise ValueError(f"only SINGLE_CHOICE questions have options; this one is {self.kind.value}")
        return self


class SurveyInput(Command):
    anonymous: bool | None = True
    questions: Annotated[list[SurveyQuestionInput], Field(max_length=rules.SURVEY_QUESTIONS_MAX)]

    @field_validator("questions")
    @classmethod
    def _some(cls, value: list[SurveyQuestionInput]) -> list[SurveyQuestionInput]:
        if not value:
            raise ValueError("a survey needs at least one question")
        return value


class CountryQuotaInput(Command):
    org: Annotated[str, AfterValidator(rules.check_org)]
    seats: Annotated[int, Field(ge=1)]


class RegistrationPolicyInput(Command):
    capacity: Annotated[int | None, AfterValidator(rules.check_capacity)] = None
    approval_required: bool | None = False
    quotas: Annotated[list[CountryQuotaInput], Field(max_length=100)] | None = None
    closes_at: AwareTime | None = None
    waitlist: bool | None = True

    @model_validator(mode="after")
    def _quotas(self) -> RegistrationPolicyInput:
        seen: set[str] = set()
        for q in self.quotas or []:
            if q.org in seen:
                raise ValueError(f"the state {q.org} has two quotas; give one per state")
            seen.add(q.org)
        rules.check_quotas(self.capacity, {q.org: q.seats for q in self.quotas or []})
        return self


InactivityDays = Annotated[int | None, AfterValidator(rules.check_inactivity_days)]


class CreateCourse(Command):
    slug: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=100)]
    titles: Titles
    summaries: Summaries | None = None
    default_language: LangCode
    topics: Annotated[list[Topic], Field(max_length=20)] | None = None
    auto_issue_certificate: bool | None = True
    certificate_template_id: str | None = None
    registration: RegistrationPolicyInput | None = None
    certificate_kind: CertificateKind | None = CertificateKind.COMPLETION
    inactivity_reminder_days: InactivityDays = None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("use lower-case ASCII letters, digits and single hyphens, e.g. 'smart-cities-101'")
        return value


class UpdateCourse(Command):
    titles: Titles | None = None
    summaries: Summaries | None = None
    topics: Annotated[list[Topic], Field(max_length=20)] | None = None
    auto_issue_certificate: bool | None = None
    default_language: LangCode | None = None
    certificate_template_id: str | None = None
    # Present replaces the whole policy; an explicit null resets it to the defaults (no limits).
    registration: RegistrationPolicyInput | None = None
    certificate_kind: CertificateKind | None = None
    # An explicit null switches the reminder off.
    inactivity_reminder_days: InactivityDays = None


class AddCoOwner(Command):
    trainer_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ModuleInput(Command):
    titles: Titles
    position: Annotated[int, Field(ge=1)] | None = None


class ModulePatch(Command):
    titles: Titles | None = None
    position: Annotated[int, Field(ge=1)] | None = None


class QuizOptionInput(Command):
    id: str | None = None
    labels: Annotated[Texts, Field(min_length=1)]
    correct: bool


class QuestionInput(Command):
    id: str | None = None
    prompts: Annotated[Texts, Field(min_length=1)]
    options: Annotated[list[QuizOptionInput], Field(max_length=20)]
    # Not in the public schema's input: when omitted, more than one correct option makes it multiple.
    multiple: bool | None = None


class QuizInput(Command):
    pass_score: Annotated[int, Field(ge=0, le=100)]
    questions: Annotated[list[QuestionInput], Field(max_length=200)]


class LessonInput(Command):
    kind: LessonKind
    titles: Titles
    bodies: Texts | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=10_000)] | None = None
    required: bool | None = True
    material_id: str | None = None
    quiz: QuizInput | None = None
    live: LiveSessionInput | None = None
    survey: SurveyInput | None = None
    position: Annotated[int, Field(ge=1)] | None = None


class LessonPatch(Command):
    """Only the fields present change; an explicit ``null`` clears materialId, quiz or durationMinutes."""

    kind: LessonKind | None = None
    titles: Titles | None = None
    bodies: Texts | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=10_000)] | None = None
    required: bool | None = None
    material_id: str | None = None
    quiz: QuizInput | None = None
    live: LiveSessionInput | None = None
    survey: SurveyInput | None = None
    position: Annotated[int, Field(ge=1)] | None = None


class RequestMaterialUpload(Command):
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    size: Annotated[int, Field(ge=1)]
