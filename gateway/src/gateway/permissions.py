"""Field permissions: coarse checks at the gateway, before any upstream call.

Fine-grained rules (a trainer edits only their own courses, a learner sees only their own enrolments)
are the services' to enforce; their FORBIDDEN answers pass through with their messages. Each class
raises a :class:`lms_shared.errors.DomainError` itself so the caller learns *why* (expired token,
missing role) rather than a generic refusal.
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


class IsAdmin(BasePermission):
    """Admins issue, revoke and bulk-issue certificates."""

    message = "This action needs the admin role."

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await ctx_of(info).require_role(Role.ADMIN)
        return True
