"""Field permissions: coarse checks at the gateway, before any upstream call.

Fine-grained rules (a trainer edits only their own courses, a learner sees only their own enrolments)
are the services' to enforce; their FORBIDDEN answers pass through with their messages. Each class
raises a :class:`lms_shared.errors.DomainError` itself so the caller learns *why* (expired token,
missing role) rather than a generic refusal.

A country admin (issue 14) is a token with the ``country_admin`` role and a valid ``org``
(``lms_shared.auth.Principal.is_country_admin``); without an ``org`` the role is dropped when the
token is read, so such a caller passes none of the country admins' checks.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from gateway.context import Info, ctx_of
from lms_shared.auth import Role


class IsAuthenticated(BasePermission):
    """The caller must present a valid bearer token."""

    message = "Sign in first: send an 'Authorization: Bearer <token>' header."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_user()
        return True


class IsTrainer(BasePermission):
    """Trainers (and admins, who hold every role) author courses."""

    message = "This action needs the trainer role."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_role(Role.TRAINER)
        return True


class IsTrainerOrCountryAdmin(BasePermission):
    """Trainers (their courses), country admins (their state's learners, in any course), admins.

    The services decide which course and which learners: the gateway only refuses everyone else.
    """

    message = "This action needs the trainer or country_admin role."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_role(Role.TRAINER, Role.COUNTRY_ADMIN)
        return True


class IsCertifier(BasePermission):
    """Admins, and country admins for their own state's learners, issue, bulk-issue and revoke.

    The certificates service refuses a country admin's recipient or certificate of another state.
    """

    message = "This action needs the admin or country_admin role."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_role(Role.ADMIN, Role.COUNTRY_ADMIN)
        return True


class IsAdmin(BasePermission):
    """Admins issue, revoke and bulk-issue certificates."""

    message = "This action needs the admin role."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_role(Role.ADMIN)
        return True
