"""Whom the service can reach: people as their tokens and the events' ``LearnerData`` describe them."""

from __future__ import annotations

from datetime import datetime

from lms_shared.auth import Principal
from lms_shared.events.catalogue import LearnerData
from notifications.domain.model import Person
from notifications.service_layer import notifying
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork


def from_token(user: Principal) -> Person:
    return Person(id=user.sub, name=user.name, email=user.email, locale=user.locale, zoneinfo=user.zoneinfo)


def from_event(learner: LearnerData) -> Person | None:
    if not learner.id:
        return None  # a recipient who never signed in (a CSV row): nobody to notify in-app
    return Person(
        id=learner.id, name=learner.name, email=learner.email, locale=learner.locale, zoneinfo=learner.zoneinfo
    )


async def learn(uow: NotificationsUnitOfWork, person: Person, at: datetime) -> None:
    """Take what a token or an event says about a person; their first address also mails their recent
    notifications (``notifying.catch_up_emails``)."""
    if await uow.people.learn(person, at) and person.email:
        await notifying.catch_up_emails(uow, person.id, person.email, at)


async def remember_caller(uow: NotificationsUnitOfWork, user: Principal, now: datetime) -> None:
    """Every authenticated call: the caller's token is the freshest word on their name and address.
    Written in the route's transaction (the handler that follows commits it)."""
    await learn(uow, from_token(user), now)
