"""One rule for text that comes in from outside: no control characters.

PostgreSQL refuses U+0000 in text, and other C0 controls (and DEL) have no business in a name, a
title or a search: they hide text, break CSV and logs, and reached the database as 500s before this
rule. Tab, line feed and carriage return are allowed (lesson bodies have lines). The services apply it
to every request at the edge (:class:`RejectControlCharacters`); the gateway to every GraphQL string.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGE: Final = (
    "Text may not contain control characters such as U+0000 (only tab and line breaks are allowed); "
    "remove them and try again."
)
_ALLOWED: Final = {"\t", "\n", "\r"}
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A JSON escape of such a character, not itself escaped (an odd number of backslashes before 'u').
_JSON_ESCAPE: Final = re.compile(rb"(?<!\\)(?:\\\\)*\\u00(?:0[0-8BCEbce]|0[Ff]|1[0-9A-Fa-f]|7[Ff])")
_PERCENT: Final = re.compile(rb"%(?:0[0-8BCEbce]|0[Ff]|1[0-9A-Fa-f]|7[Ff])")


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def visible(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD, to store or show refused input safely."""
    return _CONTROL.sub("\ufffd", text)


def check_text(text: str, what: str = "Text") -> str:
    """``text`` unchanged, or :class:`BadInput` naming the field."""
    from lms_shared.errors import BadInput

    if has_control_character(text):
        raise BadInput(MESSAGE if what == "Text" else f"{what}: {MESSAGE[0].lower()}{MESSAGE[1:]}")
    return text


def request_has_control_character(path: str, query: bytes, body: bytes = b"") -> bool:
    return bool(has_control_character(path) or _PERCENT.search(query) or _JSON_ESCAPE.search(body) or b"\x00" in body)


class RejectControlCharacters:
    """ASGI middleware: a request whose path, query or JSON body carries a control character gets 422.

    Bodies are read only for methods that have one; requests without a body (most reads, a lesson
    completion) pay one regex search over the query string. ``own_checks`` names the paths whose
    bodies the service checks itself, row by row (a bulk list refuses the one bad row, with its
    number, instead of the whole file); their path and query are still checked here.
    """

    def __init__(self, app: ASGIApp, own_checks: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.own_checks = own_checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        if request_has_control_character(path, query):
            await _refuse(send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH") or path in self.own_checks or _no_body(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _JSON_ESCAPE.search(body) or b"\x00" in body:
            await _refuse(send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _no_body(scope: Scope) -> bool:
    """A request that announces no body (a lesson completion): nothing to read, nothing to check."""
    length: bytes | None = None
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            length = value
        elif key == b"transfer-encoding":
            return False
    return length is None or length == b"0"


async def _refuse(send: Send) -> None:
    import orjson

    payload = orjson.dumps({"error": {"code": "BAD_USER_INPUT", "message": MESSAGE}})
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


# --- Turkic-aware search folding ------------------------------------------------------------------
# The same rules as the catalogue's (services/courses/src/courses/domain/search.py), for every other
# search over people's names (learner directory, certificate holders). Never locale-dependent: the
# dotted/dotless i pairs are mapped explicitly before lowercasing, so "İ", "I", "ı" and "i" all meet.
_SEARCH_FOLDS: Final = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "ə": "e",
        "Ə": "e",
        "ʻ": None,
        "ʼ": None,
        "‘": None,
        "’": None,
        "'": None,
        "`": None,
    }
)
_SEARCH_SPACES: Final = re.compile(r"\s+")


def fold_search(text: str) -> str:
    """``text`` folded for matching: Turkic i/ə mappings, accents removed, lower case, single spaces."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.translate(_SEARCH_FOLDS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEARCH_SPACES.sub(" ", stripped.lower()).strip()


_SCHWA_AS_A: Final = str.maketrans({"ə": "a", "Ə": "a"})


def name_search_key(name: str, limit: int = 300) -> str:
    """What a stored name is searched by: its folding, and where the name has ə, also the folding
    with ə read as "a".

    Azerbaijani ə is written "e" in Turkish-style transliteration and "a" in passports and most
    English-language documents ("Əliyev" is "Eliyev" and "Aliyev"); a person typing either finds
    the name. The first folding comes first, so ordering by the key orders by the usual folding.
    """
    key = fold_search(name)
    alternative = fold_search(name.translate(_SCHWA_AS_A))
    if alternative != key:
        key = f"{key} {alternative}"
    return key[:limit]


def search_words(query: str) -> list[str]:
    """The folded words of a query; a match needs every one of them."""
    return [w for w in fold_search(query).split(" ") if w]
