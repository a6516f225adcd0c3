"""Token verification: what is accepted and, above all, what is refused."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from lms_shared.auth import Principal, Role, TokenVerifier, bearer_from_header
from lms_shared.errors import Forbidden, Unauthenticated
from lms_shared.settings import Settings

pytestmark = pytest.mark.unit
SECRET = "test-secret-" + "x" * 40


def verifier(**overrides: str) -> TokenVerifier:
    return TokenVerifier(Settings(jwt_secret=SECRET, **overrides))  # type: ignore[arg-type]


def sign(claims: dict, key: str = SECRET, alg: str = "HS256") -> str:
    body = {"sub": "u1", "name": "Әлия Қасымқызы", "roles": ["learner"], "exp": int(time.time()) + 60, **claims}
    return jwt.encode(body, key, algorithm=alg)


async def test_a_good_token_gives_the_principal_with_every_claim() -> None:
    p = await verifier().verify(sign({"org": "KZ", "municipality": "Almaty", "locale": "kk", "roles": ["Trainer"]}))
    assert p == Principal(
        sub="u1",
        name="Әлия Қасымқызы",
        roles=frozenset({Role.TRAINER}),
        org="KZ",
        municipality="Almaty",
        locale="kk",
        token=p.token,
    )


async def test_unsigned_alg_none_is_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(
        json.dumps({"sub": "u1", "roles": ["admin"], "exp": int(time.time()) + 60}).encode()
    ).rstrip(b"=")
    with pytest.raises(Unauthenticated, match="not accepted"):
        await verifier().verify(f"{header.decode()}.{payload.decode()}.")


async def test_a_wrong_signature_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="invalid"):
        await verifier().verify(sign({}, key="another-secret-" + "y" * 40))


async def test_an_expired_token_is_refused_with_a_hint() -> None:
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier().verify(sign({"exp": int(time.time()) - 120}))


async def test_issuer_and_audience_are_checked_only_when_configured() -> None:
    token = sign({"iss": "https://idp.example", "aud": "kentbilim"})
    assert (await verifier().verify(token)).sub == "u1"
    good = verifier(jwt_issuer="https://idp.example", jwt_audience="kentbilim")
    assert (await good.verify(token)).sub == "u1"
    with pytest.raises(Unauthenticated, match="identity provider"):
        await verifier(jwt_issuer="https://other.example").verify(token)
    with pytest.raises(Unauthenticated, match="not issued for this application"):
        await verifier(jwt_audience="someone-else").verify(token)


async def test_a_token_without_expiry_or_subject_is_refused() -> None:
    no_exp = jwt.encode({"sub": "u1", "roles": []}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        await verifier().verify(no_exp)
    with pytest.raises(Unauthenticated):
        await verifier().verify(jwt.encode({"exp": int(time.time()) + 60}, SECRET, algorithm="HS256"))


async def test_garbage_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="malformed"):
        await verifier().verify("not-a-jwt")


def test_roles_are_compared_without_locale_rules() -> None:
    # "ADMIN".lower() is locale-free in Python, but a Turkish-dotted "İ" must not sneak in as admin.
    p = Principal.from_claims({"sub": "u", "roles": ["ADMİN", "LEARNER", "janitor"]})
    assert p.roles == frozenset({Role.LEARNER})


def test_admins_hold_every_role_and_others_get_forbidden() -> None:
    admin = Principal.from_claims({"sub": "a", "roles": ["admin"]})
    admin.require(Role.TRAINER)
    learner = Principal.from_claims({"sub": "l", "roles": ["learner"]})
    with pytest.raises(Forbidden, match="trainer"):
        learner.require(Role.TRAINER)


def test_bearer_header_parsing() -> None:
    assert bearer_from_header(None) is None
    assert bearer_from_header("Bearer abc") == "abc"
    with pytest.raises(Unauthenticated):
        bearer_from_header("Basic dXNlcjpwYXNz")


@pytest.mark.parametrize(
    ("claim", "kept"),
    [
        ("Asia/Baku", "Asia/Baku"),
        (" Asia/Almaty ", "Asia/Almaty"),
        ("Mars/Olympus_Mons", None),  # not in the tz database
        ("../../etc/passwd", None),
        ("A" * 80, None),
        (42, None),
        (None, None),
    ],
)
def test_the_zoneinfo_claim_is_kept_only_when_it_names_a_real_zone(claim: object, kept: str | None) -> None:
    """OIDC's ``zoneinfo`` names reminder times; a bad claim is dropped, it never breaks sign-in."""
    principal = Principal.from_claims({"sub": "u1", "name": "Leyla", "zoneinfo": claim})
    assert principal.zoneinfo == kept
    assert principal.as_learner().zoneinfo == kept
