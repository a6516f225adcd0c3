"""The certificates service's local copy of a published course (from ``course.published``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from certificates.domain.participation import CertificateKind, EventFacts


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
    # The course summary per language (``course.published``): the credential's achievement.description.
    summaries: dict[str, str] = field(default_factory=dict)
    # ``certificate_policy.kind`` and, for an event, its sessions' dates and venue (issue 15).
    kind: CertificateKind = "COMPLETION"
    event: EventFacts | None = None

    def summary_for(self, lang: str) -> str | None:
        """The summary in ``lang``, else in the course's default language, else any; None if it has none."""
        for candidate in (lang, self.default_language):
            text = self.summaries.get(candidate, "").strip()
            if text:
                return text
        return next((text.strip() for text in self.summaries.values() if text.strip()), None)

    def is_trainer(self, sub: str) -> bool:
        return sub == self.owner_id or sub in self.co_owner_ids
