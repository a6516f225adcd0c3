"""FastAPI dependencies of the certificates API: the container, a unit of work per request, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from certificates.bootstrap import Container
from certificates.service_layer.issuing import Actor
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import Forbidden
from lms_shared.web import CurrentUser

__all__ = ["ContainerDep", "CurrentUser", "UowDep", "actor_of", "require_admin", "require_certifier"]


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _uow(request: Request) -> AsyncIterator[CertificatesUnitOfWork]:
    async with _container(request).uow() as uow:
        yield uow


ContainerDep = Annotated[Container, Depends(_container)]
# scope="function": the unit of work is left (and what the handler did not commit rolled back) before
# the response is sent, so a client never reads ahead of its own write.
UowDep = Annotated[CertificatesUnitOfWork, Depends(_uow, scope="function")]


def actor_of(user: Principal) -> Actor:
    """The audit actor; a country admin's carries their member state, which limits what it may do."""
    if user.is_admin:
        return Actor(user.sub, user.name)
    if user.is_country_admin:
        return Actor(user.sub, user.name, country=user.org)
    return Actor(user.sub, user.name)


def require_certifier(user: Principal, what: str) -> None:
    """Admins, and country admins for their own state's learners (the service layer checks the state)."""
    if not (user.is_admin or user.is_country_admin):
        raise Forbidden(f"Only admins and country admins can {what}.")


def require_admin(user: Principal, what: str) -> None:
    if not user.is_admin:
        raise Forbidden(f"Only admins can {what}.")
