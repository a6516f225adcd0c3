"""The gateway's GraphQL API, fuzzed from its own schema (hypothesis-graphql through schemathesis).

Every Query and Mutation field gets documents drawn from the schema, valid ones (positive) and ones
with wrong argument types and missing arguments (negative), with strings that include NUL and other
control characters, as a learner, a trainer and an admin (a fresh user per document, so the per-user
rate limit never trips; the per-IP windows are reset now and then for verifyCertificate's budget).
No answer may be a 5xx, and no error may lack extensions.code, be INTERNAL or UNAVAILABLE (the
stack is healthy), or carry a stack trace, an internal URL or an exception's name.
``test_hand_made_documents`` sends what earlier fuzzing found, plus protocol abuse.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from graphql import introspection_from_schema
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from schemathesis import GenerationMode

from tests.fuzz.conftest import fuzz_settings, per_operation
from tests.fuzz.invariants import graphql_problems

pytestmark = pytest.mark.integration

ROLES = ("learner", "trainer", "admin")
# "<Query|Mutation>.x as <role>" -> why it fails today (owned elsewhere).
KNOWN: dict[str, str] = {}  # fuzz targets with a known, unfixed failure (none today)


def _schema() -> Any:
    from gateway.config import GatewaySettings
    from gateway.schema import build_schema

    live = build_schema(GatewaySettings(jwt_secret="x" * 40))._schema
    schemathesis.graphql.scalar(
        "DateTime",
        st.one_of(
            st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z")),
            st.text(max_size=30).map(nodes.String),
        ),
    )
    schemathesis.graphql.scalar("JSON", st.text(max_size=50).map(nodes.String))
    return schemathesis.graphql.from_dict({"data": introspection_from_schema(live)})


SCHEMA = _schema()
OPERATIONS = [r.ok() for r in SCHEMA.get_all_operations()]


def _params() -> list[Any]:
    out = []
    for op in OPERATIONS:
        for role in ROLES:
            name = f"{op.label} as {role}"
            marks = [pytest.mark.xfail(reason=KNOWN[name], strict=False)] if name in KNOWN else []
            out.append(pytest.param(op, role, id=name, marks=marks))
    return out


def _reset_rate_limits(redis_url: str) -> None:
    from redis import Redis

    with Redis.from_url(redis_url) as redis:
        keys = list(redis.scan_iter(match="gw:rl:*", count=1000))
        if keys:
            redis.delete(*keys)


@pytest.mark.parametrize(("op", "role"), _params())
def test_fuzz_field(op: Any, role: str, stack_env: dict[str, str], fresh_token: Any) -> None:
    url = stack_env["LMS_PUBLIC_URL"].rstrip("/") + "/graphql"
    session = requests.Session()
    found: list[str] = []
    statuses: Counter[int] = Counter()
    strategy = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))
    _reset_rate_limits(stack_env["LMS_REDIS_URL"])

    @fuzz_settings(per_operation(len(OPERATIONS)))
    @given(case=strategy)
    def run(case: Any) -> None:
        if sum(statuses.values()) % 20 == 19:
            _reset_rate_limits(stack_env["LMS_REDIS_URL"])
        headers = {"Authorization": f"Bearer {fresh_token(role)}"}
        response = session.post(url, json={"query": case.body}, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        try:
            body = response.json()
        except ValueError:
            body = None
        problems = graphql_problems(response.status_code, body, response.text)
        if problems:
            found.append(f"{'; '.join(problems)}\n  query: {case.body[:600]!r}\n  -> {response.text[:300]}")

    try:
        run()
    finally:
        session.close()
        _reset_rate_limits(stack_env["LMS_REDIS_URL"])
    assert sum(statuses.values()) >= 1
    print(f"{op.label} as {role}: {dict(statuses)}")
    assert not found, f"{len(found)} bad answers, e.g.:\n" + "\n".join(found[:5])


# --- hand-made documents ----------------------------------------------------------------------------

FRAGMENT_BOMB = "fragment F0 on Viewer{ id }\n" + "".join(
    f"fragment F{i} on Viewer{{...F{i - 1} ...F{i - 1}}}\n" for i in range(1, 17)
)
HAND_MADE: list[tuple[str, dict[str, Any] | None]] = [
    ('{ courses(search:"a\\u0000b"){ totalCount } }', None),
    ("query($s:String){ courses(search:$s){ totalCount } }", {"s": "a\x00b"}),
    ("query($s:String){ courses(search:$s){ totalCount } }", {"s": "\u202e" * 3 + "x" * 300}),
    ("query($c:String!){ verifyCertificate(code:$c){ valid } }", {"c": "\x00\xff"}),
    ("query($c:String!){ verifyCertificate(code:$c){ valid } }", {"c": "%00%ff"}),
    ("query($id:ID!){ course(id:$id){ id } }", {"id": "a\x00b"}),
    ("query($id:ID!){ course(id:$id){ id } }", {"id": "x" * 100_000}),
    ("query($id:ID!){ course(id:$id){ id } }", {"id": 12}),
    ("query($id:ID!){ course(id:$id){ id } }", {"id": None}),
    ("query($f:Int){ courses(first:$f){ totalCount } }", {"f": 2**40}),
    ("query($f:Int){ courses(first:$f){ totalCount } }", {"f": "many"}),
    (
        "mutation($i:CreateCourseInput!){ createCourse(input:$i){ id } }",
        {"i": {"slug": "a\x00b", "titles": [{"lang": "en", "text": "\x00"}], "defaultLanguage": "en"}},
    ),
    (
        "mutation($i:CreateCourseInput!){ createCourse(input:$i){ id } }",
        {"i": {"slug": "x" * 5000, "titles": [{"lang": "e\u202en", "text": "y" * 200_000}], "defaultLanguage": "en"}},
    ),
    (
        "mutation($c:ID!,$m:[CohortMemberInput!]!){ enrollCohort(courseId:$c, members:$m){ enrolled } }",
        {"c": "x", "m": [{"learnerId": "a\x00", "name": "\u202eevil"}]},
    ),
    (
        'mutation($r:RecipientInput!){ issueCertificate(courseId:"x", recipient:$r){ id } }',
        {"r": {"name": "\x00", "learnerId": "\u200b"}},
    ),
    ('mutation{ revokeCertificate(id:"\\u0000", reason:"\\u0000"){ id } }', None),
    (FRAGMENT_BOMB + "query{ viewer { ...F16 } }", None),
    ("{ viewer { id } " * 3, None),
    ("", None),
    ("{ __typename " + "a:__typename " * 5000 + "}", None),
]


async def test_hand_made_documents(stack_env: dict[str, str], fresh_token: Any) -> None:
    url = stack_env["LMS_PUBLIC_URL"].rstrip("/") + "/graphql"
    found: list[str] = []
    sent = 0
    _reset_rate_limits(stack_env["LMS_REDIS_URL"])
    async with httpx.AsyncClient(timeout=30) as http:
        for role in ROLES:
            headers = {"Authorization": f"Bearer {fresh_token(role)}"}
            for query, variables in HAND_MADE:
                r = await http.post(url, json={"query": query, "variables": variables}, headers=headers)
                sent += 1
                problems = graphql_problems(r.status_code, _json(r), r.text)
                if problems:
                    found.append(f"{query[:80]!r} {json.dumps(variables)[:80]} as {role}: {'; '.join(problems)}")
            # Protocol abuse: not JSON, a JSON null, a list, the wrong method, NUL in a token.
            for content, ctype in (
                (b"{not json", "application/json"),
                (b"null", "application/json"),
                (b"[]", "application/json"),
                (b"\xff\xfe", "application/json"),
                (b"query=x", "application/x-www-form-urlencoded"),
            ):
                r = await http.post(url, content=content, headers={**headers, "Content-Type": ctype})
                sent += 1
                problems = graphql_problems(r.status_code, _json(r), r.text)
                if problems:
                    found.append(f"POST {content!r} ({ctype}) as {role}: {'; '.join(problems)}")
        for method in ("PUT", "DELETE", "PATCH"):
            r = await http.request(method, url, json={"query": "{ viewer { id } }"})
            sent += 1
            problems = graphql_problems(r.status_code, _json(r), r.text)
            if r.status_code == 405 and "allow" not in {k.lower() for k in r.headers}:
                problems.append("405 without Allow")
            if problems:
                found.append(f"{method} /graphql: {'; '.join(problems)}")
    _reset_rate_limits(stack_env["LMS_REDIS_URL"])
    assert sent > 60
    assert not found, f"{len(found)} of {sent} bad answers:\n" + "\n".join(found)


def _json(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return None


@pytest.mark.parametrize(
    "query",
    ["query{ viewer { ...Nope } }", "fragment F1 on Viewer{ ...F0 } query{ viewer { ...F1 } }"],
)
async def test_an_undefined_fragment_is_bad_user_input(query: str, stack_env: dict[str, str], fresh_token: Any) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.post(
            stack_env["LMS_PUBLIC_URL"].rstrip("/") + "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {fresh_token('learner')}"},
        )
    assert graphql_problems(r.status_code, _json(r), r.text) == []
    assert {(e.get("extensions") or {}).get("code") for e in r.json()["errors"]} == {"BAD_USER_INPUT"}
