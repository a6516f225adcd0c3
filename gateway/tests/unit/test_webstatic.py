"""The web client's files: precompressed by Accept-Encoding, immutable only when named by their hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request

from gateway.webstatic import IMMUTABLE, REVALIDATE, accepted_encodings, cache_control, static_file

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
        ("br;q=0, gzip;q=0.5", {"gzip"}),
        ("*", {"*", "br", "gzip"}),
        ("*, br;q=0", {"*", "gzip"}),
        ("", set()),
        ("identity", {"identity"}),
    ],
)
def test_accept_encoding(header: str, expected: set[str]) -> None:
    assert accepted_encodings(header) == expected


def test_only_hashed_assets_are_immutable() -> None:
    assert cache_control("assets/index-Dt_7SmcG.js") == IMMUTABLE
    assert cache_control("assets/kk-kZPKKZiC.js") == IMMUTABLE
    assert cache_control("index.html") == REVALIDATE
    assert cache_control("favicon.svg") == REVALIDATE
    assert cache_control("assets/logo.svg") == REVALIDATE


def _request(accept: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", accept.encode())]})


def test_the_best_precompressed_file_with_the_original_type(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    js = assets / "index-Dt_7SmcG.js"
    js.write_text("console.log(1)")
    (assets / "index-Dt_7SmcG.js.gz").write_bytes(b"gz")
    (assets / "index-Dt_7SmcG.js.br").write_bytes(b"br")
    brotli = static_file(_request("gzip, br"), js, tmp_path)
    assert brotli.headers["content-encoding"] == "br" and Path(brotli.path).name.endswith(".br")
    assert brotli.media_type is not None and "javascript" in brotli.media_type
    assert brotli.headers["cache-control"] == IMMUTABLE and brotli.headers["vary"] == "Accept-Encoding"
    gzipped = static_file(_request("gzip"), js, tmp_path)
    assert gzipped.headers["content-encoding"] == "gzip"
    plain = static_file(_request(""), js, tmp_path)
    assert "content-encoding" not in plain.headers and Path(plain.path) == js
    index = tmp_path / "index.html"
    index.write_text("<!doctype html>")
    page = static_file(_request("br"), index, tmp_path)  # no .br beside it: the plain file
    assert page.headers["cache-control"] == REVALIDATE and "content-encoding" not in page.headers


def test_the_web_app_manifest_and_the_service_worker_are_served_as_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "manifest.webmanifest").write_text('{"name": "Kentbilim"}')
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    manifest = static_file(_request("br"), tmp_path / "manifest.webmanifest", tmp_path)
    worker = static_file(_request("br"), tmp_path / "sw.js", tmp_path)
    assert manifest.media_type == "application/manifest+json; charset=utf-8"
    assert worker.media_type is not None and worker.media_type.startswith(("application/javascript", "text/javascript"))
    # Revalidated on every load: a new release's service worker is found at once.
    assert worker.headers["cache-control"] == REVALIDATE == manifest.headers["cache-control"]
