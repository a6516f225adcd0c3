"""Bearer-token verification, the same in the gateway and in every service (defence in depth).

Development and tests sign HS256 with ``LMS_JWT_SECRET``. Production verifies RS256/ES256 against an
OIDC provider's JWKS (``LMS_JWT_JWKS_URL``), cached and refreshed when an unknown ``kid`` shows up, so
key rotation at the provider needs no restart. The accepted algorithms are an explicit allow-list:
``alg=none`` and algorithm confusion (an RS256 public key used as an HS256 secret) are refused.

The settings fail closed (:func:`check_auth_settings`, run when a verifier is built, so at every
process's start): production refuses to start without ``LMS_JWT_JWKS_URL`` (https, or a loopback
host), ``LMS_JWT_ISSUER`` and ``LMS_JWT_AUDIENCE``, and refuses ``LMS_JWT_SECRET`` (no HS256 at all).
Everywhere, an HS256 secret is at least :data:`MIN_SECRET_BYTES` long and ``LMS_JWT_ALGORITHMS``
names asymmetric algorithms only. docs/security.md lists the rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jwt

from lms_shared.errors import Forbidden, Unauthenticated
from lms_shared.settings import Settings

if TYPE_CHECKING:
    from lms_shared.events.catalogue import LearnerData


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"
    COUNTRY_ADMIN = "country_admin"
    """Administers the learners, certificates and reports of one member state: the token's ``org``."""


ORG_CODE = re.compile(r"^[A-Z]{2}$")
"""A member state as tokens name it: ISO 3166-1 alpha-2, upper case (``AZ``, ``KZ``)."""


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
    # OIDC's standard ``zoneinfo`` claim (an IANA zone): reminders name times in it.
    zoneinfo: str | None = None
    token: str = field(default="", repr=False)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has(self, *roles: Role) -> bool:
        return self.is_admin or any(r in self.roles for r in roles)

    @property
    def is_country_admin(self) -> bool:
        """A country admin (not an admin) for the member state in ``org``.

        :meth:`from_claims` drops the role from a token without a valid ``org``; a Principal built
        by hand with the role and no ``org`` is still no country admin (fail closed).
        """
        return Role.COUNTRY_ADMIN in self.roles and self.org is not None and not self.is_admin

    def can_administer_org(self, org: str | None) -> bool:
        """May this caller administer the data of member state ``org``?

        Admins may administer every state (and learners without an ``org``); a country admin only
        their own state, never a learner without an ``org``; nobody else administers any state.
        """
        if self.is_admin:
            return True
        return self.is_country_admin and org is not None and org == self.org

    def require_org(self, org: str | None) -> None:
        """Raise FORBIDDEN unless :meth:`can_administer_org` ``(org)``."""
        if self.can_administer_org(org):
            return
        if self.is_country_admin:
            raise Forbidden(
                f"A country admin for {self.org} administers only {self.org}'s learners"
                + (f", not {org}'s." if org else ", not learners without a member state.")
            )
        raise Forbidden("This action needs the admin or country_admin role.")

    def country_scope(self, requested_org: str | None = None) -> str | None:
        """The member state an admin-level read is limited to, or None for every state.

        - an admin: ``requested_org`` as asked (None: every state);
        - a country admin: their own ``org`` (when ``requested_org`` is None or the same);
          another state raises FORBIDDEN, never an empty answer;
        - anyone else: FORBIDDEN (the operation is for admins and country admins).
        """
        if self.is_admin:
            return requested_org
        if self.is_country_admin:
            if requested_org is not None and requested_org != self.org:
                raise Forbidden(f"A country admin for {self.org} may not read {requested_org}'s data.")
            return self.org
        raise Forbidden("This action needs the admin or country_admin role.")

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
        org = _opt_str(claims.get("org"))
        if Role.COUNTRY_ADMIN in roles and (org is None or not ORG_CODE.match(org)):
            # A country admin is scoped to the state in ``org``: without a valid one the token still
            # signs the person in, with their other roles, but grants no country rights (fail closed).
            roles.discard(Role.COUNTRY_ADMIN)
        return cls(
            sub=sub,
            name=name if isinstance(name, str) and name.strip() else sub,
            roles=frozenset(roles),
            org=org,
            municipality=_opt_str(claims.get("municipality")),
            locale=_opt_str(claims.get("locale")),
            email=_opt_str(claims.get("email")),
            zoneinfo=_opt_zone(claims.get("zoneinfo")),
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
            zoneinfo=self.zoneinfo,
        )


def _opt_zone(v: Any) -> str | None:
    """An IANA zone name the tz database knows, else None (a bad claim never breaks sign-in)."""
    name = _opt_str(v)
    if name is None or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return name


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


MIN_SECRET_BYTES = 32
"""Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size, 256 bits)."""

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""What ``LMS_JWT_ALGORITHMS`` may name: public-key algorithms only (never HS*, never ``none``)."""


class AuthSettingsError(RuntimeError):
    """The sign-in settings would accept tokens they should not; the process refuses to start."""


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_auth_settings(settings: Settings, secret: str) -> list[str]:
    """Every way the token settings fail open, as sentences naming the variable (empty: all good).

    ``secret`` is the HS256 secret the verifier would use (``LMS_JWT_SECRET`` or, outside
    production, the launcher's one in the data folder).
    """
    problems: list[str] = []
    algorithms = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
    wrong = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
    if wrong:
        problems.append(
            f"LMS_JWT_ALGORITHMS may name only {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}, not {', '.join(wrong)}."
        )
    if settings.jwt_jwks_url and not algorithms:
        problems.append("LMS_JWT_ALGORITHMS is empty: name the algorithms the JWKS keys sign with (RS256,ES256).")
    if secret and len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(f"LMS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long (python -m lms_local env).")
    if settings.env == "production":
        if settings.jwt_secret:
            problems.append(
                "LMS_JWT_SECRET must be empty in production: HS256 development tokens are never accepted there."
            )
        if not settings.jwt_jwks_url:
            problems.append("LMS_JWT_JWKS_URL is required in production (the identity provider's JWKS).")
        else:
            url = urlsplit(settings.jwt_jwks_url)
            if url.scheme != "https" and not (url.scheme == "http" and _is_loopback_host(url.hostname or "")):
                problems.append(
                    "LMS_JWT_JWKS_URL must be an https URL in production (keys fetched in clear are forgeable)."
                )
        if not settings.jwt_issuer:
            problems.append("LMS_JWT_ISSUER is required in production (the identity provider's iss).")
        if not settings.jwt_audience:
            problems.append("LMS_JWT_AUDIENCE is required in production (the aud the provider puts in access tokens).")
    elif not secret and not settings.jwt_jwks_url:
        problems.append("Set LMS_JWT_SECRET (development) or LMS_JWT_JWKS_URL (production).")
    return problems


class TokenVerifier:
    """Verifies bearer tokens and turns them into a :class:`Principal`.

    Building one checks the settings (:func:`check_auth_settings`) and raises
    :class:`AuthSettingsError` when they would fail open, so a misconfigured process never serves.
    """

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret
        if not self._secret and settings.env != "production":
            self._secret = dev_secret_from_data_dir(settings.data_dir)
        problems = check_auth_settings(settings, self._secret)
        if problems:
            raise AuthSettingsError("Refusing to start, the sign-in settings are unsafe: " + " ".join(problems))
        if settings.env == "production":
            self._secret = ""  # belt and braces: never HS256 in production
        self._issuer = settings.jwt_issuer or None
        self._audience = settings.jwt_audience or None
        self._asym_algs = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwt_jwks_url:
            # PyJWKClient caches the key set and refetches when it meets an unknown kid (rotation).
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=600)

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
