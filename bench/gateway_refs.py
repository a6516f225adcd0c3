"""Reference and ceiling servers for ``bench/bench_gateway.py``, on the gateway's HTTP stack.

    python bench/gateway_refs.py naive PORT DATA.json   # naive Strawberry over in-memory data
    python bench/gateway_refs.py bare PORT BODY.json    # a bare ASGI app answering the same bytes

Both run under uvicorn with uvloop and httptools, one process, like the gateway.

``naive``: the dashboard schema written the way a Strawberry tutorial would: typed classes, a
resolver that builds typed objects from in-memory dictionaries on every request (the learner's
enrolments as the gateway answered them once), no caches, no extensions, default settings. It is the
library's cost for the same answer without any upstream call, authorization or limit.

``bare``: answers every request with the bytes of the dashboard answer: the HTTP stack alone, the
ceiling no GraphQL server on this stack can pass.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import strawberry
import uvicorn
from strawberry.asgi import GraphQL


@strawberry.type
class LessonRow:
    id: strawberry.ID
    title: str
    kind: str
    durationMinutes: int | None


@strawberry.type
class ModuleRow:
    id: strawberry.ID
    title: str
    lessons: list[LessonRow]


@strawberry.type
class CourseRow:
    id: strawberry.ID
    title: str
    modules: list[ModuleRow]


@strawberry.type
class LessonProgressRow:
    lessonId: strawberry.ID
    status: str
    completedAt: str | None
    bestScore: int | None
    attempts: int


@strawberry.type
class CertificateRow:
    id: strawberry.ID | None
    code: str
    status: str | None


@strawberry.type
class EnrollmentRow:
    id: strawberry.ID
    status: str
    progressPercent: float
    courseVersion: int
    resumeLessonId: strawberry.ID | None
    enrolledAt: str | None
    completedAt: str | None
    course: CourseRow
    lessons: list[LessonProgressRow]
    certificate: CertificateRow | None


def naive_app(rows: list[dict[str, Any]]) -> Any:
    def enrollment(e: dict[str, Any]) -> EnrollmentRow:
        c = e["course"]
        cert = e.get("certificate")
        return EnrollmentRow(
            id=e["id"],
            status=e["status"],
            progressPercent=e["progressPercent"],
            courseVersion=e.get("courseVersion") or 1,
            resumeLessonId=e.get("resumeLessonId"),
            enrolledAt=e.get("enrolledAt"),
            completedAt=e.get("completedAt"),
            course=CourseRow(
                id=c["id"],
                title=c["title"],
                modules=[
                    ModuleRow(
                        id=m["id"],
                        title=m["title"],
                        lessons=[
                            LessonRow(
                                id=x["id"], title=x["title"], kind=x["kind"], durationMinutes=x["durationMinutes"]
                            )
                            for x in m["lessons"]
                        ],
                    )
                    for m in c.get("modules") or []
                ],
            ),
            lessons=[
                LessonProgressRow(
                    lessonId=p["lessonId"],
                    status=p["status"],
                    completedAt=p.get("completedAt"),
                    bestScore=p.get("bestScore"),
                    attempts=p.get("attempts") or 0,
                )
                for p in e.get("lessons") or []
            ],
            certificate=CertificateRow(id=cert.get("id"), code=cert["code"], status=cert.get("status"))
            if cert
            else None,
        )

    @strawberry.type
    class Query:
        @strawberry.field
        def myEnrollments(self) -> list[EnrollmentRow]:
            return [enrollment(e) for e in rows]

    return GraphQL(strawberry.Schema(query=Query), graphql_ide=None)


def bare_app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    kind, port, data = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]).read_bytes()
    app = naive_app(orjson.loads(data)) if kind == "naive" else bare_app(data)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )


if __name__ == "__main__":
    main()
