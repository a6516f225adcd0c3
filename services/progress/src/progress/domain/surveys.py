"""Feedback surveys (``SURVEY`` lessons), as pure rules: validating answers and aggregating them.

An anonymous survey never reveals who answered what: answers are aggregated, texts shuffled, and
a scope with fewer than :data:`MIN_RESPONDENTS` respondents shows counts only. Nothing here touches
the database.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lms_shared.errors import BadInput
from lms_shared.text import has_control_character

SURVEY = "SURVEY"
RATING, TEXT, SINGLE_CHOICE = "RATING", "TEXT", "SINGLE_CHOICE"
DEFAULT_SCALE = 5
MAX_TEXT = 2000
MIN_RESPONDENTS = 3
"""An anonymous survey's results are shown only when at least this many learners answered in the
viewer's scope (a country admin's state, or everyone): with one or two, "anonymous" would name them."""


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    kind: str
    scale: int
    option_ids: tuple[str, ...]


@dataclass(frozen=True)
class Survey:
    anonymous: bool
    questions: tuple[SurveyQuestion, ...]

    @classmethod
    def from_snapshot(cls, raw: Mapping[str, Any]) -> Survey:
        return cls(
            anonymous=bool(raw.get("anonymous", True)),
            questions=tuple(
                SurveyQuestion(
                    id=str(q["id"]),
                    kind=str(q["kind"]),
                    scale=int(q.get("scale") or DEFAULT_SCALE),
                    option_ids=tuple(str(o["id"]) for o in q.get("options") or []),
                )
                for q in raw.get("questions") or []
            ),
        )


@dataclass(frozen=True)
class SurveyAnswer:
    """One answer as the learner sent it."""

    question_id: str
    rating: int | None = None
    text: str | None = None
    option_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredAnswer:
    """One validated answer as it is stored: one value, per question kind."""

    question_id: str
    rating: int | None = None
    option_id: str | None = None
    text: str | None = None


def validate_answers(survey: Survey, answers: Sequence[SurveyAnswer]) -> list[StoredAnswer]:
    """Each answer checked against its question's kind; unanswered questions are allowed (skipped),
    an empty form is not."""
    if not answers:
        raise BadInput("Answer at least one question of the survey.")
    questions = {q.id: q for q in survey.questions}
    seen: set[str] = set()
    out: list[StoredAnswer] = []
    for a in answers:
        q = questions.get(a.question_id)
        if q is None:
            raise BadInput(f"Question {a.question_id} is not part of this survey.")
        if a.question_id in seen:
            raise BadInput(f"Question {a.question_id} is answered more than once; send one answer per question.")
        seen.add(a.question_id)
        if q.kind == RATING:
            if a.rating is None or a.text is not None or a.option_ids:
                raise BadInput(f"Question {q.id} asks for a rating: send rating (1..{q.scale}) only.")
            if not 1 <= a.rating <= q.scale:
                raise BadInput(f"The rating for question {q.id} must be between 1 and {q.scale}.")
            out.append(StoredAnswer(q.id, rating=a.rating))
        elif q.kind == SINGLE_CHOICE:
            if len(a.option_ids) != 1 or a.rating is not None or a.text is not None:
                raise BadInput(f"Question {q.id} takes exactly one option: send optionIds with one id.")
            if a.option_ids[0] not in q.option_ids:
                raise BadInput(f"Option {a.option_ids[0]} is not an option of question {q.id}.")
            out.append(StoredAnswer(q.id, option_id=a.option_ids[0]))
        else:
            text = (a.text or "").strip()
            if not text or a.rating is not None or a.option_ids:
                raise BadInput(f"Question {q.id} asks for a written answer: send text (not empty).")
            if len(text) > MAX_TEXT:
                raise BadInput(f"The answer to question {q.id} is longer than {MAX_TEXT} characters.")
            if has_control_character(text.replace("\n", " ").replace("\t", " ")):
                raise BadInput(f"The answer to question {q.id} contains a control character; remove it.")
            out.append(StoredAnswer(q.id, text=text))
    return out


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    responses: int
    mean: float | None = None
    distribution: tuple[int, ...] | None = None
    option_counts: tuple[int, ...] | None = None
    texts: tuple[str, ...] | None = None


def aggregate(
    survey: Survey, answers: Sequence[StoredAnswer], respondents: int, rng: random.Random | None = None
) -> list[QuestionResult]:
    """Per question: RATING mean and distribution over 1..scale, SINGLE_CHOICE counts in option order,
    TEXT the answers (shuffled when anonymous). Anonymous with fewer than MIN_RESPONDENTS
    respondents: response counts only."""
    suppressed = survey.anonymous and respondents < MIN_RESPONDENTS
    by_question: dict[str, list[StoredAnswer]] = {}
    for a in answers:
        by_question.setdefault(a.question_id, []).append(a)
    results: list[QuestionResult] = []
    for q in survey.questions:
        got = by_question.get(q.id, [])
        if suppressed:
            results.append(QuestionResult(q.id, len(got)))
        elif q.kind == RATING:
            counts = [0] * q.scale
            for a in got:
                if a.rating is not None and 1 <= a.rating <= q.scale:
                    counts[a.rating - 1] += 1
            total = sum(counts)
            mean = round(sum((i + 1) * c for i, c in enumerate(counts)) / total, 2) if total else None
            results.append(QuestionResult(q.id, total, mean=mean, distribution=tuple(counts)))
        elif q.kind == SINGLE_CHOICE:
            index = {o: i for i, o in enumerate(q.option_ids)}
            option_counts = [0] * len(q.option_ids)
            for a in got:
                if a.option_id in index:
                    option_counts[index[a.option_id]] += 1
            results.append(QuestionResult(q.id, sum(option_counts), option_counts=tuple(option_counts)))
        else:
            texts = [a.text for a in got if a.text]
            if survey.anonymous:
                (rng or random.SystemRandom()).shuffle(texts)
            results.append(QuestionResult(q.id, len(texts), texts=tuple(texts)))
    return results
