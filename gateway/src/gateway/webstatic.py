"""The web client's files as browsers should get them: precompressed, and cached for as long as safe.

The build (gateway/web/scripts/compress.mjs, run by ``npm run build``) writes ``name.br`` (Brotli) and
``name.gz`` (gzip) beside every text asset. A request whose ``Accept-Encoding`` admits ``br`` gets the
Brotli file, else one admitting ``gzip`` the gzip file, else the plain file; the response says
``Content-Encoding`` and ``Vary: Accept-Encoding``, with the original file's type. Nothing is compressed
per request.

Vite names the files under ``assets/`` by a hash of their content (``index-Dt_7SmcG.js``): such a file
never changes, so it is ``public, max-age=31536000, immutable``. Everything else (``index.html`` and the
unhashed files at the root) is ``no-cache``: revalidated every time, so a new release is picked up at once.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.requests import Request

# The web app manifest (the client is installable); Python's table does not know the extension.
mimetypes.add_type("application/manifest+json", ".webmanifest")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Vite's default asset names: assets/<name>-<8 characters of base64url hash>.<ext>
HASHED = re.compile(r"^assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$")
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str) -> set[str]:
    """The codings an ``Accept-Encoding`` header admits (q=0 excludes one; ``*`` admits all)."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        (accepted if q > 0 else refused).add(name)
    if "*" in accepted:
        accepted |= {name for name, _ in ENCODINGS} - refused
    return accepted - refused


def cache_control(relative: str) -> str:
    return IMMUTABLE if HASHED.match(relative) else REVALIDATE


def static_file(request: Request, path: Path, root: Path) -> FileResponse:
    """``path`` (inside ``root``) in the best precompressed form the client accepts."""
    relative = path.relative_to(root).as_posix()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in (
        "application/javascript",
        "image/svg+xml",
        "application/manifest+json",
    ):
        media_type += "; charset=utf-8" if "charset" not in media_type else ""
    headers = {"Cache-Control": cache_control(relative), "Vary": "Accept-Encoding"}
    accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
    for coding, suffix in ENCODINGS:
        compressed = path.with_name(path.name + suffix)
        if coding in accepted and compressed.is_file():
            return FileResponse(compressed, media_type=media_type, headers={**headers, "Content-Encoding": coding})
    return FileResponse(path, media_type=media_type, headers=headers)
