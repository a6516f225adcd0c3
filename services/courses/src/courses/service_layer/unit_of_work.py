"""The courses unit of work as the service layer sees it: one transaction and its repositories."""

from __future__ import annotations

from typing import Protocol

from courses.service_layer.ports import (
    CatalogueRepository,
    CourseRepository,
    EnrollmentRepository,
    KnownTrainerRepository,
    LearnerDataRepository,
    MaterialRepository,
    VersionRepository,
)
from lms_shared.uow import UnitOfWork


class CoursesUnitOfWork(UnitOfWork, Protocol):
    """Read-only members, so an implementation may hold more specific repositories (fakes do)."""

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def versions(self) -> VersionRepository: ...

    @property
    def catalogue(self) -> CatalogueRepository: ...

    @property
    def materials(self) -> MaterialRepository: ...

    @property
    def enrollments(self) -> EnrollmentRepository: ...

    @property
    def trainers(self) -> KnownTrainerRepository: ...

    @property
    def learner_data(self) -> LearnerDataRepository: ...
