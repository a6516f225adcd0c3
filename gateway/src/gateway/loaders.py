"""DataLoaders, created fresh for every request (never shared: they cache per caller).

Loaders return results in key order with None for missing keys. Upstream calls per learner-dashboard
query (``myEnrollments { course { … } lessons { … } certificate { … } }``) are constant: one for the
enrolments, at most one listing for the course versions not yet in process memory (plus one per
course whose pinned version is no longer the latest), and one for the certificates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from lms_shared.auth import Role
from lms_shared.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from gateway.context import Context

Json = dict[str, Any]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Listing by ids is capped by the services' page size.
_IDS_PER_CALL = 50


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def _gather_by_key(keys: list[K], fetch: Callable[[K], Awaitable[V]]) -> list[V | BaseException | None]:
    """Fetch each key concurrently; NOT_FOUND becomes None, other errors stay attached to their key."""
    results = await asyncio.gather(*(fetch(k) for k in keys), return_exceptions=True)
    out: list[V | BaseException | None] = []
    for r in results:
        if isinstance(r, DomainError) and r.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            out.append(None)
        else:
            out.append(r)
    return out


class Loaders:
    """This request's DataLoaders; each is built on first use."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    def _get(self, name: str, fn: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> DataLoader[Any, Any]:
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = DataLoader(load_fn=fn)
        return loader

    # --- courses ---------------------------------------------------------------------------------

    async def course(self, course_id: str) -> Json | None:
        """The course as the viewer may see it (latest published, or the working draft for its trainers)."""
        result: Json | None = await self._get("course", self._load_courses).load(course_id)
        return result

    async def _load_courses(self, ids: list[str]) -> list[Json | BaseException | None]:
        ctx = self._ctx
        found: dict[str, Json] = {}
        for chunk in _chunks(ids, _IDS_PER_CALL):
            page = await ctx.state.clients.courses.request(
                "GET", "/v1/courses", token=ctx.token, params={"ids": ",".join(chunk), "first": str(len(chunk))}
            )
            for c in page.get("nodes", []):
                found[str(c["id"])] = c
        return [found.get(i) for i in ids]

    async def course_version(self, course_id: str, version: int) -> Json | None:
        """A published version of a course, exactly as an enrolment pinned it."""
        result: Json | None = await self._get("course_version", self._load_versions).load((course_id, version))
        return result

    async def _load_versions(self, keys: list[tuple[str, int]]) -> list[Json | BaseException | None]:
        ctx = self._ctx
        versions = ctx.state.versions
        out: dict[tuple[str, int], Json] = {}
        failed: dict[tuple[str, int], BaseException] = {}
        missing: list[tuple[str, int]] = []
        for key in keys:
            cached = versions.get(*key)
            if cached is not None:
                out[key] = cached
            else:
                missing.append(key)
        if missing:
            # Taken before any upstream call: an archive heard while these are in flight makes
            # their answers uncacheable (PublishedVersions.put refuses them).
            stamp = versions.stamp()
            wanted = set(missing)
            ids = sorted({k[0] for k in missing})
            # The anonymous listing shows only published content, so an entry whose version matches
            # is that immutable version; one call covers every course still on its latest version.
            for chunk in _chunks(ids, _IDS_PER_CALL):
                try:
                    page = await ctx.state.clients.courses.request(
                        "GET", "/v1/courses", params={"ids": ",".join(chunk), "first": str(len(chunk))}
                    )
                except DomainError as exc:
                    if exc.code is ErrorCode.UNAVAILABLE:
                        raise
                    continue
                for c in page.get("nodes", []):
                    key = (str(c.get("id")), int(c.get("version") or 0))
                    if (
                        key in wanted
                        and c.get("status") in ("PUBLISHED", "ARCHIVED")
                        and "modules" in c
                        and not c.get("isDraft")
                    ):
                        versions.put(c, key[1], stamp)
                        out[key] = c
            rest = [k for k in missing if k not in out]

            async def fetch(key: tuple[str, int]) -> Json:
                c: Json = await ctx.state.clients.courses.request(
                    "GET", f"/v1/courses/{key[0]}", token=ctx.token, params={"version": str(key[1])}
                )
                versions.put(c, key[1], stamp)
                return c

            for key, value in zip(rest, await _gather_by_key(rest, fetch), strict=True):
                if isinstance(value, BaseException):
                    failed[key] = value
                elif value is not None:
                    out[key] = value
        return [failed.get(k) or out.get(k) for k in keys]

    async def stats(self, course_id: str) -> Json | None:
        """A course's statistics (one call per course; the REST API has no batch form)."""
        result: Json | None = await self._get("stats", self._load_stats).load(course_id)
        return result

    async def _load_stats(self, ids: list[str]) -> list[Json | BaseException | None]:
        ctx = self._ctx

        async def fetch(cid: str) -> Json:
            s: Json = await ctx.state.clients.progress.request("GET", f"/v1/courses/{cid}/stats", token=ctx.token)
            return s

        return await _gather_by_key(ids, fetch)

    async def download_url(self, material_id: str) -> str | None:
        """A material's presigned download URL, or None when the viewer may not have one."""
        result: str | None = await self._get("download", self._load_downloads).load(material_id)
        return result

    async def _load_downloads(self, ids: list[str]) -> list[str | BaseException | None]:
        ctx = self._ctx

        async def fetch(mid: str) -> str | None:
            body = await ctx.state.clients.courses.request("GET", f"/v1/materials/{mid}/download", token=ctx.token)
            return body.get("url") if isinstance(body, dict) else None

        results = await _gather_by_key(ids, fetch)
        # A material not yet uploaded, or not allowed to this viewer, simply has no link.
        return [None if isinstance(r, DomainError) and r.code is not ErrorCode.UNAVAILABLE else r for r in results]

    # --- progress --------------------------------------------------------------------------------

    async def my_enrollments(self) -> list[Json]:
        """Every enrolment of the viewer (one call per request; also primes enrollment_for_course)."""
        result: list[Json] = await self._get("my_enrollments", self._load_my_enrollments).load("mine")
        return result

    async def _load_my_enrollments(self, keys: list[str]) -> list[list[Json]]:
        ctx = self._ctx
        body = await ctx.state.clients.progress.request("GET", "/v1/enrollments/mine", token=ctx.token)
        nodes: list[Json] = body.get("nodes", [])
        by_course = self._get("enrollment", self._load_enrollments)
        for e in nodes:
            by_course.prime(str(e["courseId"]), e)
        return [nodes for _ in keys]

    async def enrollment_for_course(self, course_id: str) -> Json | None:
        """The viewer's enrolment in a course (None for anonymous viewers and the not enrolled)."""
        if self._ctx.principal is None:
            return None
        result: Json | None = await self._get("enrollment", self._load_enrollments).load(course_id)
        return result

    async def _load_enrollments(self, course_ids: list[str]) -> list[Json | None]:
        ctx = self._ctx
        body = await ctx.state.clients.progress.request(
            "GET", "/v1/enrollments/mine", token=ctx.token, params={"courseIds": ",".join(course_ids)}
        )
        by_course = {str(e["courseId"]): e for e in body.get("nodes", [])}
        return [by_course.get(cid) for cid in course_ids]

    # --- certificates ----------------------------------------------------------------------------

    async def my_certificates(self) -> list[Json]:
        """Every certificate of the viewer (one call per request)."""
        result: list[Json] = await self._get("my_certificates", self._load_my_certificates).load("mine")
        return result

    async def _load_my_certificates(self, keys: list[str]) -> list[list[Json]]:
        ctx = self._ctx
        body = await ctx.state.clients.certificates.request("GET", "/v1/certificates/mine", token=ctx.token)
        nodes: list[Json] = body.get("nodes", [])
        return [nodes for _ in keys]

    async def certificate(self, certificate_id: str) -> Json | None:
        """A certificate by id: the viewer's own from one listing, others (staff only) batched by ids."""
        principal = self._ctx.principal
        if principal is not None and not principal.has(Role.TRAINER, Role.COUNTRY_ADMIN):
            for c in await self.my_certificates():
                if str(c["id"]) == certificate_id:
                    return c
            return None
        result: Json | None = await self._get("certificate", self._load_certificates).load(certificate_id)
        return result

    async def certificate_by_id(self, certificate_id: str) -> Json | None:
        """Any certificate by id, batched (the learner directory): the certificates service decides who
        may read it (admins; country admins their state's), None when it answers that it may not."""
        result: Json | None = await self._get("certificate_by_id", self._load_certificates).load(certificate_id)
        return result

    async def _load_certificates(self, ids: list[str]) -> list[Json | None]:
        ctx = self._ctx
        found: dict[str, Json] = {}
        for c in await self.my_certificates():
            found[str(c["id"])] = c
        rest = [i for i in ids if i not in found]
        for chunk in _chunks(rest, _IDS_PER_CALL):
            body = await ctx.state.clients.certificates.request(
                "GET", "/v1/certificates", token=ctx.token, params={"ids": ",".join(chunk)}
            )
            for c in body.get("nodes", []):
                found[str(c["id"])] = c
        return [found.get(i) for i in ids]
