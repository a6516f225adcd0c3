"""The per-request GraphQL context: who is asking, their token, and this request's DataLoaders."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.fastpath import PRINCIPAL_KEY
from gateway.loaders import Loaders
from gateway.state import GatewayState
from lms_shared.auth import Principal, Role, bearer_from_header
from lms_shared.errors import DomainError, Unauthenticated


class Context(BaseContext):
    """Built once per HTTP request (or once per WebSocket connection)."""

    def __init__(self, state: GatewayState, client_ip: str, authorization: str | None) -> None:
        super().__init__()
        self.state = state
        self.client_ip = client_ip
        self._authorization = authorization
        self._resolved = False
        self.principal: Principal | None = None
        self.auth_error: DomainError | None = None
        self.idempotency_key: str | None = None
        self.loaders = Loaders(self)

    @property
    def token(self) -> str | None:
        """The caller's bearer token, forwarded to the services; None when anonymous."""
        return self.principal.token if self.principal is not None else None

    @property
    def locale(self) -> str | None:
        """The viewer's preferred language, second in the fallback order."""
        return self.principal.locale if self.principal is not None else None

    async def authenticate(self) -> Principal | None:
        """Verify the bearer token once; remember a bad one so fields that need a user can say why."""
        if self._resolved:
            return self.principal
        self._resolved = True
        header = self._authorization
        if header is None and isinstance(self.connection_params, dict):
            # Browsers cannot set headers on a WebSocket: the token comes in connection_init.
            raw = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
            header = raw if isinstance(raw, str) else None
        try:
            token = bearer_from_header(header)
            if token is not None:
                self.principal = await self.state.verifier.verify(token)
        except DomainError as exc:
            self.auth_error = exc
        return self.principal

    async def require_user(self) -> Principal:
        """The signed-in caller, or UNAUTHENTICATED with the reason their token was refused."""
        principal = await self.authenticate()
        if principal is None:
            raise self.auth_error or Unauthenticated("Sign in first: send an 'Authorization: Bearer <token>' header.")
        return principal

    async def require_role(self, *roles: Role) -> Principal:
        """The signed-in caller if they hold one of ``roles`` (admins hold all), else FORBIDDEN."""
        principal = await self.require_user()
        principal.require(*roles)
        return principal

    @property
    def is_staff(self) -> bool:
        """Trainers and admins may see drafts, so their catalogue answers are never shared."""
        p = self.principal
        return p is not None and (Role.TRAINER in p.roles or Role.ADMIN in p.roles)

    @classmethod
    async def from_connection(cls, state: GatewayState, conn: Request | WebSocket) -> Context:
        """The context of an HTTP request (token verified now) or a WebSocket (verified at connection_init)."""
        ip = client_ip(conn, state.settings.trust_forwarded_for)
        authorization = conn.headers.get("authorization")
        ctx = cls(state, ip, authorization)
        if isinstance(conn, Request):
            verified = conn.scope.get(PRINCIPAL_KEY)  # gateway.fastpath verified this very header
            if verified is not None and authorization is not None and verified[0] == authorization.encode("latin-1"):
                ctx._resolved = True
                ctx.principal = verified[1]
            await ctx.authenticate()
            key = conn.headers.get("idempotency-key")
            ctx.idempotency_key = key.strip() if key and key.strip() else None
        return ctx


def client_ip(conn: Request | WebSocket, trust_forwarded_for: bool) -> str:
    """The caller's IP; X-Forwarded-For is believed only behind a proxy we configured to trust."""
    if trust_forwarded_for:
        fwd = conn.headers.get("x-forwarded-for")
        if fwd:
            return fwd.split(",")[0].strip()
    return conn.client.host if conn.client else "unknown"


Info = StrawberryInfo[Context, Any]


def ctx_of(info: Info) -> Context:
    """The typed context of a resolver's ``info``."""
    ctx: Context = info.context
    return ctx
