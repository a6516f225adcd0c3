"""The catalogue: filters, accent- and case-insensitive search in every language, cursor pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import Person, new_course, texts

pytestmark = pytest.mark.integration


async def published(
    trainer: Person, topic: str, titles: dict[str, str], summaries: dict[str, str] | None = None
) -> str:
    course = await new_course(trainer, topics=[topic], **titles)
    if summaries:
        await trainer.ok("PATCH", f"/v1/courses/{course['id']}", json={"summaries": texts(**summaries)})
    module = await trainer.ok(
        "POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(**{next(iter(titles)): "M"})}
    )
    await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "TEXT", "titles": texts(**{next(iter(titles)): "L"})},
    )
    await trainer.ok("POST", f"/v1/courses/{course['id']}/publish")
    return str(course["id"])


@pytest.fixture(scope="module")
async def catalogue(http: Any, env: dict[str, str]) -> dict[str, Any]:
    """Four published courses and one draft under a topic no other test uses."""
    from .conftest import Person

    secret = env["LMS_JWT_SECRET"]
    trainer = Person(http, secret, ["trainer"], "Elif Yılmaz")
    topic = f"urban-{uuid.uuid4().hex[:8]}"
    ids = {
        "istanbul": await published(trainer, topic, {"tr": "İstanbul kentsel dönüşüm", "en": "Istanbul urban renewal"}),
        "baku": await published(trainer, topic, {"az": "Bakı şəhər planlaşdırması"}, {"az": "Şəhər büdcəsi və iqlim"}),
        "almaty": await published(trainer, topic, {"kk": "Алматы қала басқаруы", "ru": "Управление городом Алматы"}),
        "tashkent": await published(trainer, topic, {"uz": "Toshkent: oʻzbek shaharlari", "en": "Tashkent"}),
    }
    draft = await new_course(trainer, topics=[topic], tr="Taslak: İzmir")
    ids["draft"] = draft["id"]
    return {"trainer": trainer, "topic": topic, "ids": ids}


async def names(person: Person, **params: Any) -> set[str]:
    page = await person.ok("GET", "/v1/courses", params=params)
    return {n["id"] for n in page["nodes"]}


async def test_learners_see_published_courses_and_trainers_also_their_drafts(
    catalogue: dict[str, Any], people: Any
) -> None:
    ids, topic = catalogue["ids"], catalogue["topic"]
    learner = people("learner")
    everyone = {ids[k] for k in ("istanbul", "baku", "almaty", "tashkent")}
    assert await names(learner, topic=topic) == everyone
    anonymous = await learner.http.get("/v1/courses", params={"topic": topic})
    assert {n["id"] for n in anonymous.json()["nodes"]} == everyone
    assert await names(catalogue["trainer"], topic=topic) == everyone | {ids["draft"]}
    assert await names(catalogue["trainer"], topic=topic, status="DRAFT") == {ids["draft"]}
    assert await names(people("trainer"), topic=topic, status="DRAFT") == set()
    assert await names(people("admin"), topic=topic, status="DRAFT") == {ids["draft"]}


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("istanbul", {"istanbul"}),  # İstanbul with a dotted capital
        ("ISTANBUL", {"istanbul"}),
        ("ıstanbul", {"istanbul"}),
        ("dönüşüm", {"istanbul"}),
        ("donusum", {"istanbul"}),
        ("şəhər", {"baku"}),  # finds Şəhər in the summary
        ("ŞƏHƏR", {"baku"}),
        ("seher budcesi", {"baku"}),
        ("баку", set()),
        ("ҚАЛА", {"almaty"}),
        ("управление", {"almaty"}),
        ("o'zbek", {"tashkent"}),
        ("urban renewal", {"istanbul"}),
        ("100%", set()),  # % is a literal, not a wildcard
        ("_", set()),
    ],
)
async def test_search_matches_the_way_readers_type(
    catalogue: dict[str, Any], people: Any, search: str, expected: set[str]
) -> None:
    found = await names(people("learner"), topic=catalogue["topic"], search=search)
    assert found == {catalogue["ids"][k] for k in expected}


async def test_filter_by_language_and_topic_case_insensitively(catalogue: dict[str, Any], people: Any) -> None:
    ids, learner = catalogue["ids"], people("learner")
    assert await names(learner, topic=catalogue["topic"], lang="kk") == {ids["almaty"]}
    assert await names(learner, topic=catalogue["topic"], lang="EN") == {ids["istanbul"], ids["tashkent"]}
    assert await names(learner, topic=catalogue["topic"].upper()) != set()


async def test_cursor_pages_cover_everything_once(catalogue: dict[str, Any], people: Any) -> None:
    learner = people("learner")
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"topic": catalogue["topic"], "first": 1}
        if after:
            params["after"] = after
        page = await learner.ok("GET", "/v1/courses", params=params)
        assert page["totalCount"] == 4
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 4 and len(set(seen)) == 4

    r = await learner.call("GET", "/v1/courses", params={"after": "not-a-cursor"})
    assert r.status_code == 422 and "cursor" in r.json()["error"]["message"]
    r = await learner.call("GET", "/v1/courses", params={"first": 0})
    assert r.status_code == 422


async def test_ids_for_dataloaders_return_only_what_the_viewer_may_see(catalogue: dict[str, Any], people: Any) -> None:
    ids = catalogue["ids"]
    wanted = ",".join([ids["baku"], ids["draft"], "missing-id"])
    page = await people("learner").ok("GET", "/v1/courses", params={"ids": wanted})
    assert [n["id"] for n in page["nodes"]] == [ids["baku"]]
    page = await catalogue["trainer"].ok("GET", "/v1/courses", params={"ids": wanted})
    assert {n["id"] for n in page["nodes"]} == {ids["baku"], ids["draft"]}


async def test_learners_see_the_published_text_not_the_draft(catalogue: dict[str, Any], people: Any) -> None:
    trainer, cid = catalogue["trainer"], catalogue["ids"]["almaty"]
    await trainer.ok("PATCH", f"/v1/courses/{cid}", json={"titles": texts(kk="Алматы: жаңа нұсқа")})
    learner = people("learner")
    assert await names(learner, topic=catalogue["topic"], search="жаңа") == set()
    assert await names(trainer, topic=catalogue["topic"], search="жаңа") == {cid}
    [node] = (await learner.ok("GET", "/v1/courses", params={"ids": cid}))["nodes"]
    assert node["titles"][0]["text"] == "Алматы қала басқаруы"


async def test_mine_lists_the_courses_a_trainer_owns_or_co_owns(people: Any) -> None:
    owner, co = people("trainer"), people("trainer")
    course = await new_course(owner)
    await co.ok("GET", "/v1/courses")  # signed in once as a trainer: courses knows them
    await owner.ok("POST", f"/v1/courses/{course['id']}/co-owners", json={"trainerId": co.id})
    assert await names(co, mine="true") == {course["id"]}
    assert await names(people("trainer"), mine="true") == set()
    found = await owner.ok("GET", "/v1/courses", params={"slug": course["slug"]})
    assert [n["id"] for n in found["nodes"]] == [course["id"]]
