"""Performance budget on a throttled "Slow 4G" link in Chromium (issue 18, "Installable and light").

Chrome DevTools' "Slow 4G" preset through CDP ``Network.emulateNetworkConditions``: 562.5 ms latency,
1.44 Mbit/s down, 675 kbit/s up (Lighthouse's mobile throttling). With the cache empty, the catalogue
page (anonymous, in English and in Azerbaijani) must show its first contentful paint in under 2 s and
transfer under 200 KB of JavaScript. Both figures are printed (``-s`` shows them).

The gateway serves the bundle precompressed (Brotli or gzip, made at build time by
gateway/web/scripts/compress.mjs; gateway/webstatic.py picks by Accept-Encoding), hashed assets as
``immutable`` for a year and index.html as ``no-cache``; the first test checks those headers.
"""

from __future__ import annotations

import gzip
import re
from typing import Any

import httpx
import pytest

FCP_BUDGET_MS = 2000
JS_BUDGET_BYTES = 200 * 1024
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}


def test_assets_are_precompressed_and_cached_by_their_hash(gateway_url: str) -> None:
    index = httpx.get(gateway_url + "/", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert index.headers["cache-control"] == "no-cache"
    assert index.headers["content-encoding"] == "gzip"
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', index.text)
    assert scripts, index.text
    url = gateway_url + scripts[0]
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert plain.headers.get("content-encoding") is None
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript") or plain.headers["content-type"].startswith(
        "application/javascript"
    )
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}, timeout=10) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip" and "accept-encoding" in r.headers["vary"].lower()
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content) / 2
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip, deflate, br"}, timeout=10) as r:
        brotli_raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "br"
    assert len(brotli_raw) < len(raw)
    # A client that refuses both gets the plain file.
    refused = httpx.get(url, headers={"Accept-Encoding": "br;q=0, gzip;q=0"}, timeout=10)
    assert refused.headers.get("content-encoding") is None and refused.content == plain.content


@pytest.mark.parametrize("lang", ["en", "az"])
def test_slow_4g_first_contentful_paint_and_javascript_budget(browser: Any, gateway_url: str, lang: str) -> None:
    context = browser.new_context(base_url=gateway_url, locale="en-GB", viewport={"width": 412, "height": 823})
    context.add_init_script(f"localStorage.setItem('kentbilim.lang', '{lang}');")
    page = context.new_page()
    page.set_default_timeout(30_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    kinds: dict[str, str] = {}
    transferred: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished", lambda e: transferred.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    try:
        page.goto("/", wait_until="load")
        page.locator(".course-card, .empty").first.wait_for()
        fcp = page.evaluate(
            """() => new Promise((resolve) => {
                const found = performance.getEntriesByName('first-contentful-paint')[0];
                if (found) return resolve(found.startTime);
                new PerformanceObserver((list) => resolve(list.getEntries()[0].startTime))
                  .observe({ type: 'paint', buffered: true });
            })"""
        )
        page.wait_for_load_state("networkidle")
        timeline = page.evaluate(
            """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
                .map((e) => `${e.name.split('/').pop() || '/'} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`)
                .join(', ')"""
        )
        print(f"\n[perf {lang}] timeline (ms): {timeline}")
        js = sum(size for rid, size in transferred.items() if kinds.get(rid) == "Script")
        print(
            f"\n[perf {lang}] Slow 4G: first contentful paint {fcp:.0f} ms; JavaScript transferred {js / 1024:.1f} KB"
        )
        assert fcp < FCP_BUDGET_MS, f"first contentful paint {fcp:.0f} ms ≥ {FCP_BUDGET_MS} ms"
        assert js < JS_BUDGET_BYTES, f"{js / 1024:.1f} KB of JavaScript ≥ {JS_BUDGET_BYTES / 1024:.0f} KB"
    finally:
        context.close()
