"""The certificates service's local copy of a published course (from ``course.published``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CourseInfo:
    """What issuing needs of a course: titles and languages, the policy, and who trains it."""

    id: str
    version: int
    titles: dict[str, str]
    languages: list[str]
    default_language: str
    auto_issue: bool
    template_id: str | None
    owner_id: str
    co_owner_ids: list[str]

    def is_trainer(self, sub: str) -> bool:
        return sub == self.owner_id or sub in self.co_owner_ids
