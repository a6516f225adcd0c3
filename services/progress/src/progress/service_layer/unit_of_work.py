"""The progress unit of work as the service layer sees it: one transaction and its repositories."""

from __future__ import annotations

from typing import Protocol

from lms_shared.uow import UnitOfWork
from progress.service_layer.ports import (
    AttendanceRepository,
    CertificateRepository,
    CourseRepository,
    EnrollmentRepository,
    ErasureRepository,
    NationalRepository,
    RegistrationRepository,
    ReportRepository,
    SurveyRepository,
)


class ProgressUnitOfWork(UnitOfWork, Protocol):
    """The repositories are attributes of the implementation.

    They are declared read-only here so that an implementation may type them as its own concrete
    repositories (the SQL unit of work hands its enrolment repository the pending lesson at commit;
    the fakes expose their test helpers); a plain attribute satisfies a read-only protocol member.
    """

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def enrollments(self) -> EnrollmentRepository: ...

    @property
    def certificates(self) -> CertificateRepository: ...

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def national(self) -> NationalRepository: ...

    @property
    def erasures(self) -> ErasureRepository: ...

    @property
    def registrations(self) -> RegistrationRepository: ...

    @property
    def attendance(self) -> AttendanceRepository: ...

    @property
    def surveys(self) -> SurveyRepository: ...
