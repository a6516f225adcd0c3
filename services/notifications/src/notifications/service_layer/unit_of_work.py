"""The notifications unit of work as the service layer sees it: one transaction and its repositories."""

from __future__ import annotations

from typing import Protocol

from lms_shared.uow import UnitOfWork
from notifications.service_layer.email_ports import EmailDeliveryRepository
from notifications.service_layer.ports import (
    CourseRepository,
    EmailOutbox,
    EnrollmentRepository,
    NotificationRepository,
    PersonRepository,
    PreferenceRepository,
    ScheduleRepository,
)


class NotificationsUnitOfWork(UnitOfWork, Protocol):
    """Read-only members, so an implementation may type them as its own concrete repositories."""

    @property
    def people(self) -> PersonRepository: ...

    @property
    def preferences(self) -> PreferenceRepository: ...

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def enrollments(self) -> EnrollmentRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def emails(self) -> EmailOutbox: ...

    @property
    def schedules(self) -> ScheduleRepository: ...

    @property
    def deliveries(self) -> EmailDeliveryRepository:
        """The email part's sending records (email_delivery, email_digest)."""
        ...
