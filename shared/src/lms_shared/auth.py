"""Bearer-token verification, the same in the gateway and in every service (defence in depth).

Development and tests sign HS256 with ``LMS_JWT_SECRET``. Production verifies RS256/ES256 against an
OIDC provider's JWKS (``LMS_JWT_JWKS_URL``), cached and refreshed when an unknown ``kid`` shows up, so
key rotation at the provider needs no restart. The accepted algorithms are an explicit allow-list:
``alg=none`` and algorithm confusion (an RS256 public key used as an HS256 secret) are refused.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

from lms_shared.errors import Forbidden, Unauthenticated
from lms_shared.settings import Settings

if TYPE_CHECKING:
    from lms_shared.events.catalogue import LearnerData


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is asking, as the identity provider vouched for it."""

    sub: str
    name: str
    roles: frozenset[Role]
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    email: str | None = None
    token: str = field(default="", repr=False)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has(self, *roles: Role) -> bool:
        return self.is_admin or any(r in self.roles for r in roles)

    def require(self, *roles: Role) -> None:
        """Raise FORBIDDEN unless the principal holds one of ``roles`` (admins hold every role)."""
        if not self.has(*roles):
            wanted = " or ".join(r.value for r in roles)
            raise Forbidden(f"This action needs the {wanted} role.")

    @classmethod
    def from_claims(cls, claims: dict[str, Any], token: str = "") -> Principal:
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise Unauthenticated("The token has no subject (sub).")
        raw_roles = claims.get("roles") or []
        if isinstance(raw_roles, str):
            raw_roles = [raw_roles]
        roles = set()
        for r in raw_roles:
            # Role names are protocol identifiers: compare them in ASCII, never with locale rules.
            try:
                roles.add(Role(str(r).strip().lower()))
            except ValueError:
                continue
        name = claims.get("name")
        return cls(
            sub=sub,
            name=name if isinstance(name, str) and name.strip() else sub,
            roles=frozenset(roles),
            org=_opt_str(claims.get("org")),
            municipality=_opt_str(claims.get("municipality")),
            locale=_opt_str(claims.get("locale")),
            email=_opt_str(claims.get("email")),
            token=token,
        )

    def as_learner(self) -> LearnerData:
        """The caller as events name a learner (``LearnerData``): from their own token's claims."""
        from lms_shared.events.catalogue import LearnerData

        return LearnerData(
            id=self.sub,
            name=self.name,
            email=self.email,
            org=self.org,
            municipality=self.municipality,
            locale=self.locale,
        )


def _opt_str(v: Any) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


def dev_secret_from_data_dir(data_dir: Path) -> str:
    """The development secret the launcher generated and kept in the data folder, if any."""
    path = data_dir / "secrets.json"
    try:
        value = json.loads(path.read_text()).get("LMS_JWT_SECRET", "")
    except (OSError, ValueError):
        return ""
    return value if isinstance(value, str) else ""


class TokenVerifier:
    """Verifies bearer tokens and turns them into a :class:`Principal`."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret
        if not self._secret and settings.env != "production":
            self._secret = dev_secret_from_data_dir(settings.data_dir)
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._asym_algs = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwt_jwks_url:
            # PyJWKClient caches the key set and refetches when it meets an unknown kid (rotation).
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=600)
        if not self._secret and self._jwks is None:
            raise RuntimeError("Set LMS_JWT_SECRET (development) or LMS_JWT_JWKS_URL (production).")

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is malformed.") from exc
        alg = header.get("alg")
        options: dict[str, Any] = {"require": ["exp", "sub"]}
        kwargs: dict[str, Any] = {"options": options, "leeway": 30}
        if self._issuer:
            kwargs["issuer"] = self._issuer
        if self._audience:
            kwargs["audience"] = self._audience
        else:
            options["verify_aud"] = False
        try:
            if alg == "HS256" and self._secret:
                claims = jwt.decode(token, self._secret, algorithms=["HS256"], **kwargs)
            elif self._jwks is not None and alg in self._asym_algs:
                key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                claims = jwt.decode(token, key.key, algorithms=self._asym_algs, **kwargs)
            else:
                raise Unauthenticated(f"Tokens signed with {alg!r} are not accepted here.")
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The token has expired; sign in again.") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated("The token was issued by an identity provider we do not trust.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated("The token was not issued for this application.") from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated("The token's signing key is unknown.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is invalid.") from exc
        return Principal.from_claims(claims, token)


def bearer_from_header(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None when there is none."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Use 'Authorization: Bearer <token>'.")
    return token.strip()
