"""The authorization matrix's world: who the callers are and which objects they act on.

Built once per session through the real stack (REST on the services' ports, as their trainers and
admins would), so every object is what the services themselves stored:

- object ``A``: trainer T1's courses, co-owned by C, and co-owned by R until R was removed after
  publishing; learner L1 (member state ``AZ``) enrolled, with a certificate.
- object ``B``: trainer T2's courses (no co-owner); learner L2 (``KZ``) enrolled, with a certificate.

``Obj.org`` is the object's member state (its learner's): country admins of ``AZ`` administer
``A``'s learner and certificate, those of ``KZ`` ``B``'s (issue 14).

Each object has a published course (a text lesson with a confirmed PDF material and a quiz), a
published "open" course (for enrolling rows, so they change nobody's relation to the main course),
a draft, a bulk job and a pending material. Rows that destroy something (archive, publish, revoke,
remove a co-owner, delete a module …) get a disposable object per allowed cell from
:class:`WorldClient` (see matrix.py, ``prepare``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from tests.support.tokens import make_token

# The callers (columns). Country admins hold the role "country_admin" with an org claim (issue 14):
# they administer the learners, certificates and figures of that member state only.
ROLE_CLAIMS: dict[str, dict[str, Any]] = {
    "anonymous": {},
    "learner": {"sub": "learner", "name": "Leyla Əliyeva", "roles": ["learner"], "org": "AZ"},
    "other_learner": {"sub": "other-learner", "name": "Aruzhan Seitkali", "roles": ["learner"], "org": "KZ"},
    "trainer": {"sub": "trainer", "name": "Aygün Məmmədova", "roles": ["trainer"], "org": "AZ"},
    "other_trainer": {"sub": "other-trainer", "name": "Erlan Nurlanov", "roles": ["trainer"], "org": "KZ"},
    "co_owner": {"sub": "co-owner", "name": "Rauf Hüseynov", "roles": ["trainer"], "org": "AZ"},
    "removed_co_owner": {"sub": "removed-co-owner", "name": "Samir Qasımov", "roles": ["trainer"], "org": "AZ"},
    "country_admin_az": {"sub": "ca-az", "name": "Nigar Babayeva", "roles": ["country_admin"], "org": "AZ"},
    "country_admin_kz": {"sub": "ca-kz", "name": "Dana Omarova", "roles": ["country_admin"], "org": "KZ"},
    "admin": {"sub": "admin", "name": "Platform Admin", "roles": ["admin"]},
}
ROLES = tuple(ROLE_CLAIMS)

# How each caller relates to each object: the expectation table is written per relation.
RELATION_OF: dict[str, dict[str, str]] = {
    "anonymous": {"A": "anonymous", "B": "anonymous"},
    "learner": {"A": "holder", "B": "stranger"},
    "other_learner": {"A": "stranger", "B": "holder"},
    "trainer": {"A": "owner", "B": "stranger_trainer"},
    "other_trainer": {"A": "stranger_trainer", "B": "owner"},
    "co_owner": {"A": "co_owner", "B": "stranger_trainer"},
    "removed_co_owner": {"A": "removed_co_owner", "B": "stranger_trainer"},
    "country_admin_az": {"A": "ca_same", "B": "ca_other"},
    "country_admin_kz": {"A": "ca_other", "B": "ca_same"},
    "admin": {"A": "admin", "B": "admin"},
}
RELATIONS = (
    "anonymous",
    "holder",
    "stranger",
    "owner",
    "co_owner",
    "removed_co_owner",
    "stranger_trainer",
    "ca_same",
    "ca_other",
    "admin",
)
OBJECTS = ("A", "B")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Obj:
    """One object's ids (``A`` or ``B``)."""

    name: str
    owner: str
    co_owners: tuple[str, ...]
    removed: tuple[str, ...]
    holder: str
    org: str = ""  # the member state of the object's learner and certificate
    course: str = ""
    module: str = ""
    text_lesson: str = ""
    quiz_lesson: str = ""
    material: str = ""
    pending_material: str = ""
    open_course: str = ""
    draft: str = ""
    draft_module: str = ""
    enrollment: str = ""
    certificate: str = ""
    code: str = ""
    job: str = ""
    print_batch: str = ""  # an admin's print batch of the course's certificates (issue 17, item 7)
    notification: str = ""  # the holder's "certificate issued" notification (issue 16)
    search: str = ""  # a word in the titles of every course of this world
    template: str = "default"


@dataclass
class World:
    tag: str
    subs: dict[str, str]
    tokens: dict[str, str | None]
    urls: dict[str, str]
    secret: str
    objects: dict[str, Obj] = field(default_factory=dict)
    # The notifications service's key of one-click unsubscribe links (the link is the authorization).
    unsubscribe_secret: str = ""


def title(tag: str, text: str) -> list[dict[str, str]]:
    return [{"lang": "en", "text": f"{text} {tag}"}]


class WorldClient:
    """REST calls the world is built with (and the disposable objects of the cells)."""

    def __init__(self, http: httpx.AsyncClient, world: World) -> None:
        self.http = http
        self.world = world

    def token(self, role: str) -> str:
        token = self.world.tokens[role]
        assert token, f"{role} has no token"
        return token

    def role_of(self, sub: str) -> str:
        return next(role for role, s in self.world.subs.items() if s == sub)

    async def call(
        self, service: str, method: str, path: str, who: str = "admin", *, ok: bool = True, **kw: Any
    ) -> Any:
        r = await self.http.request(
            method, self.world.urls[service] + path, headers={"Authorization": f"Bearer {self.token(who)}"}, **kw
        )
        if ok and r.status_code >= 300:
            raise AssertionError(f"world: {method} {service}{path} as {who}: {r.status_code} {r.text[:300]}")
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r

    async def sign_in_trainer(self, sub: str) -> None:
        """A first request as trainer ``sub``: courses lets only trainers it has seen become co-owners."""
        token = make_token(self.world.secret, sub=sub, name="Disposable Trainer", roles=["trainer"])
        r = await self.http.get(
            self.world.urls["courses"] + "/v1/courses", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200, r.text[:300]

    async def course(
        self, obj: Obj, *, publish: bool, lessons: bool = True, material: bool = False, label: str = "course"
    ) -> dict[str, str]:
        """A course of ``obj``'s owner with ``obj``'s co-owners (the removed ones removed after publishing)."""
        tag = f"{self.world.tag}-{uuid.uuid4().hex[:6]}"
        owner = self.role_of(obj.owner)
        made = await self.call(
            "courses",
            "POST",
            "/v1/courses",
            owner,
            json={"slug": f"authz-{tag}", "titles": title(self.world.tag, label), "defaultLanguage": "en"},
        )
        out = {"course": made["id"]}
        module = await self.call(
            "courses", "POST", f"/v1/courses/{made['id']}/modules", owner, json={"titles": title(tag, "module")}
        )
        out["module"] = module["id"]
        if material:
            out["material"] = await self.material(made["id"], owner, confirm=True)
        if lessons:
            text = {"kind": "TEXT", "titles": title(tag, "lesson"), "bodies": title(tag, "body")}
            if material:
                text["materialId"] = out["material"]
            lesson = await self.call("courses", "POST", f"/v1/modules/{module['id']}/lessons", owner, json=text)
            out["text_lesson"] = lesson["id"]
            quiz = {
                "kind": "QUIZ",
                "titles": title(tag, "quiz"),
                "quiz": {
                    "passScore": 100,
                    "questions": [
                        {
                            "prompts": title(tag, "question"),
                            "options": [
                                {"labels": title(tag, "yes"), "correct": True},
                                {"labels": title(tag, "no"), "correct": False},
                            ],
                        }
                    ],
                },
            }
            lesson = await self.call("courses", "POST", f"/v1/modules/{module['id']}/lessons", owner, json=quiz)
            out["quiz_lesson"] = lesson["id"]
        for co in (*obj.co_owners, *obj.removed):
            await self.call("courses", "POST", f"/v1/courses/{made['id']}/co-owners", owner, json={"trainerId": co})
        if publish:
            await self.call("courses", "POST", f"/v1/courses/{made['id']}/publish", owner)
        for gone in obj.removed:
            await self.call("courses", "DELETE", f"/v1/courses/{made['id']}/co-owners/{gone}", owner)
        return out

    async def material(self, course_id: str, who: str, *, confirm: bool) -> str:
        up = await self.call(
            "courses",
            "POST",
            f"/v1/courses/{course_id}/materials",
            who,
            json={"filename": "notes.pdf", "contentType": "application/pdf", "size": len(PDF)},
        )
        if confirm:
            fields = [(f["name"], (None, f["value"])) for f in up["uploadFields"]]
            stored = await self.http.post(
                up["uploadUrl"], files=[*fields, ("file", ("notes.pdf", PDF, "application/pdf"))]
            )
            assert stored.status_code < 300, (stored.status_code, stored.text[:300])
            await self.call("courses", "POST", f"/v1/materials/{up['material']['id']}/confirm", who)
        material_id: str = up["material"]["id"]
        return material_id

    async def until(self, what: str, fn: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
        """The first success of ``fn``: events (course.published) reach progress and certificates later."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return await fn()
            except AssertionError as exc:
                if time.monotonic() > deadline:
                    raise AssertionError(f"world: {what} not possible within {timeout} s") from exc
            await asyncio.sleep(0.3)

    async def enroll(self, who: str, course_id: str) -> str:
        async def go() -> str:
            e = await self.call("progress", "POST", "/v1/enrollments", who, json={"courseId": course_id})
            return str(e["id"])

        return str(await self.until(f"enrol {who}", go))

    async def certificate(self, course_id: str, recipient: dict[str, Any]) -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            body = {"courseId": course_id, "recipient": recipient}
            cert: dict[str, Any] = await self.call("certificates", "POST", "/v1/certificates", "admin", json=body)
            return cert

        cert: dict[str, Any] = await self.until("certificate", go)
        return cert

    async def bulk_job(self, course_id: str) -> str:
        async def go() -> str:
            body = {"courseId": course_id, "recipients": [{"name": f"Bulk Person {uuid.uuid4().hex[:4]}"}]}
            job = await self.call("certificates", "POST", "/v1/bulk-jobs", "admin", json=body)
            return str(job["id"])

        return str(await self.until("bulk job", go))

    async def notification(self, who: str, kind: str) -> str:
        """The id of ``who``'s newest notification of ``kind``, once the notifications service stored it."""

        async def go() -> str:
            r = await self.http.post(
                self.world.urls["gateway"] + "/graphql",
                json={"query": "{ myNotifications(first: 50) { nodes { id kind } } }"},
                headers={"Authorization": f"Bearer {self.token(who)}"},
            )
            nodes = ((r.json().get("data") or {}).get("myNotifications") or {}).get("nodes") or []
            found = [n["id"] for n in nodes if n["kind"] == kind]
            assert found, f"no {kind} notification for {who} yet: {r.text[:300]}"
            return str(found[0])

        return str(await self.until(f"{kind} notification of {who}", go))

    async def print_batch(self, course_id: str, org: str) -> str:
        """An admin's batch of the course's certificates of the object's member state."""

        async def go() -> str:
            body = {"format": "PDF", "courseId": course_id, "org": org}
            batch = await self.call("certificates", "POST", "/v1/print-batches", "admin", json=body)
            return str(batch["id"])

        return str(await self.until("print batch", go))


def make_world(secret: str, env: dict[str, str]) -> World:
    tag = uuid.uuid4().hex[:8]
    subs = {role: f"authz-{tag}-{c['sub']}" for role, c in ROLE_CLAIMS.items() if c}
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, claims in ROLE_CLAIMS.items():
        if not claims:
            continue
        extra = {k: v for k, v in claims.items() if k not in ("sub", "name", "roles")}
        token = make_token(secret, sub=subs[role], name=claims["name"], **extra)
        # The roles claim set afterwards: the launcher's helper refuses role names it does not know yet.
        body = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})
        tokens[role] = jwt.encode({**body, "roles": claims["roles"]}, secret, algorithm="HS256")
    urls = {
        "gateway": env["LMS_PUBLIC_URL"].rstrip("/"),
        "courses": env["LMS_COURSES_URL"].rstrip("/"),
        "progress": env["LMS_PROGRESS_URL"].rstrip("/"),
        "certificates": env["LMS_CERTIFICATES_URL"].rstrip("/"),
        "notifications": env["LMS_NOTIFICATIONS_URL"].rstrip("/"),
    }
    world = World(
        tag=tag,
        subs=subs,
        tokens=tokens,
        urls=urls,
        secret=secret,
        unsubscribe_secret=env.get("LMS_NOTIFICATIONS_UNSUBSCRIBE_SECRET", ""),
    )
    world.objects["A"] = Obj(
        "A",
        owner=subs["trainer"],
        co_owners=(subs["co_owner"],),
        removed=(subs["removed_co_owner"],),
        holder=subs["learner"],
        org=ROLE_CLAIMS["learner"]["org"],
    )
    world.objects["B"] = Obj(
        "B",
        owner=subs["other_trainer"],
        co_owners=(),
        removed=(),
        holder=subs["other_learner"],
        org=ROLE_CLAIMS["other_learner"]["org"],
    )
    return world


async def build_world(http: httpx.AsyncClient, world: World) -> None:
    client = WorldClient(http, world)
    for role in ("trainer", "other_trainer", "co_owner", "removed_co_owner"):
        await client.call("courses", "GET", "/v1/courses", role)  # seen signed in as trainers
    holder_role = {"A": "learner", "B": "other_learner"}

    async def one(obj: Obj) -> None:
        main, open_, draft = await asyncio.gather(
            client.course(obj, publish=True, material=True, label="main"),
            client.course(obj, publish=True, label="open"),
            client.course(obj, publish=False, label="draft"),
        )
        obj.course, obj.module, obj.text_lesson = main["course"], main["module"], main["text_lesson"]
        obj.quiz_lesson, obj.material = main["quiz_lesson"], main["material"]
        obj.open_course, obj.draft, obj.draft_module = open_["course"], draft["course"], draft["module"]
        obj.pending_material = await client.material(obj.course, client.role_of(obj.owner), confirm=False)
        who = holder_role[obj.name]
        obj.enrollment = await client.enroll(who, obj.course)
        # Progress has heard of the open course too (the enrolling rows act on it).
        await client.until(
            "open course", lambda: client.call("progress", "GET", f"/v1/courses/{obj.open_course}/stats")
        )
        claims = ROLE_CLAIMS[who]
        cert = await client.certificate(
            obj.course, {"learnerId": obj.holder, "name": claims["name"], "org": claims["org"]}
        )
        obj.certificate, obj.code = cert["id"], cert["code"]
        obj.job = await client.bulk_job(obj.course)
        obj.print_batch = await client.print_batch(obj.course, obj.org)
        obj.notification = await client.notification(who, "CERTIFICATE_ISSUED")

    await asyncio.gather(*(one(o) for o in world.objects.values()))
    templates = await client.call("certificates", "GET", "/v1/templates")
    for obj in world.objects.values():
        obj.search = world.tag
        if templates.get("nodes"):
            obj.template = str(templates["nodes"][0].get("id", obj.template))


async def reset_rate_limits(redis_url: str) -> None:
    """Forget the gateway's rate-limit windows (``gw:rl:*``).

    The matrix sends a few hundred requests from 127.0.0.1 within a minute (anonymous and
    verifyCertificate budgets are per IP); the tests that run after it start with a clean budget.
    """
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        keys = [k async for k in redis.scan_iter(match="gw:rl:*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
