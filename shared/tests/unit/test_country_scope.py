"""The country admin's scope (issue 14): one member state, the one in the token's ``org`` claim."""

from __future__ import annotations

import time

import jwt
import pytest

from lms_shared.auth import Principal, Role, TokenVerifier
from lms_shared.errors import Forbidden
from lms_shared.settings import Settings

pytestmark = pytest.mark.unit
SECRET = "test-secret-" + "x" * 40


async def principal(**claims: object) -> Principal:
    body = {"sub": "ca", "name": "Nigar Babayeva", "exp": int(time.time()) + 60, **claims}
    token = jwt.encode(body, SECRET, algorithm="HS256")
    return await TokenVerifier(Settings(jwt_secret=SECRET)).verify(token)  # type: ignore[call-arg]


async def test_a_country_admin_token_with_an_org_holds_the_role() -> None:
    p = await principal(roles=["Country_Admin"], org="AZ")
    assert p.roles == frozenset({Role.COUNTRY_ADMIN})
    assert p.is_country_admin and not p.is_admin


@pytest.mark.parametrize("org", [None, "", "  ", "az", "AZE", "Azerbaijan", "A1"])
async def test_a_country_admin_token_without_a_valid_org_gets_no_country_rights(org: str | None) -> None:
    claims: dict[str, object] = {"roles": ["country_admin", "learner"]}
    if org is not None:
        claims["org"] = org
    p = await principal(**claims)
    # Signed in, with the other roles, but the country role is dropped (fail closed).
    assert p.roles == frozenset({Role.LEARNER})
    assert not p.is_country_admin
    assert not p.can_administer_org(org)
    with pytest.raises(Forbidden):
        p.country_scope()


def ca(org: str | None = "AZ") -> Principal:
    return Principal(sub="ca", name="CA", roles=frozenset({Role.COUNTRY_ADMIN}), org=org)


ADMIN = Principal(sub="admin", name="Admin", roles=frozenset({Role.ADMIN}))
TRAINER = Principal(sub="t", name="T", roles=frozenset({Role.TRAINER}), org="AZ")


def test_a_country_admin_administers_their_own_state_only() -> None:
    assert ca().can_administer_org("AZ")
    assert not ca().can_administer_org("KZ")
    assert not ca().can_administer_org(None)  # a learner without a member state is nobody's to administer
    ca().require_org("AZ")
    with pytest.raises(Forbidden, match=r"AZ.*not KZ"):
        ca().require_org("KZ")
    with pytest.raises(Forbidden, match="without a member state"):
        ca().require_org(None)


def test_a_hand_built_country_admin_without_org_is_no_country_admin() -> None:
    assert not ca(org=None).is_country_admin
    assert not ca(org=None).can_administer_org(None)
    with pytest.raises(Forbidden):
        ca(org=None).country_scope()


def test_the_scope_of_a_country_admin_is_their_state_and_another_is_forbidden() -> None:
    assert ca().country_scope() == "AZ"
    assert ca().country_scope("AZ") == "AZ"
    with pytest.raises(Forbidden, match="may not read KZ"):
        ca().country_scope("KZ")


def test_admins_keep_every_state() -> None:
    assert ADMIN.country_scope() is None
    assert ADMIN.country_scope("KZ") == "KZ"
    assert ADMIN.can_administer_org("KZ") and ADMIN.can_administer_org(None)
    assert not ADMIN.is_country_admin  # an admin is more than a country admin, never scoped
    ADMIN.require_org("TJ")


def test_other_roles_have_no_country_scope() -> None:
    assert not TRAINER.can_administer_org("AZ")
    with pytest.raises(Forbidden, match="admin or country_admin"):
        TRAINER.require_org("AZ")
    with pytest.raises(Forbidden):
        TRAINER.country_scope("AZ")
