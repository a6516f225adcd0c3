"""Browser tests: Debian's headless Chromium, driven by Playwright, against the real stack.

The gateway serves the built web client from gateway/src/gateway/web/dist; ``web_client`` builds it
(``npm ci && npm run build``) when it is missing or older than its sources. Every page a test visits is
saved as a screenshot under test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.support import AXE, Api, Person, sign_in_script

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "gateway" / "web"
DIST = ROOT / "gateway" / "src" / "gateway" / "web" / "dist"
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def _newest_source_mtime() -> float:
    paths = [
        WEB / "index.html",
        WEB / "package-lock.json",
        WEB / "vite.config.ts",
        *(WEB / "src").rglob("*"),
        *(WEB / "public").rglob("*"),
    ]
    return max(p.stat().st_mtime for p in paths if p.is_file())


@pytest.fixture(scope="session")
def web_client() -> Path:
    """The built client, (re)built from the lockfile when missing or stale."""
    npm = shutil.which("npm")
    index = DIST / "index.html"
    stale = not index.is_file() or index.stat().st_mtime < _newest_source_mtime()
    if stale or not AXE.is_file():
        if npm is None:
            pytest.fail("npm is needed to build the web client (gateway/web); install Node.js 20+.")
        if not (WEB / "node_modules").is_dir() or not AXE.is_file():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        if stale:
            subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
    return DIST


@pytest.fixture(scope="session")
def gateway_url(stack_env: dict[str, str], web_client: Path) -> str:
    url = stack_env["LMS_PUBLIC_URL"].rstrip("/")
    html = httpx.get(url + "/", timeout=10).text
    assert '<div id="app">' in html, f"the gateway does not serve the web client at {url}/"
    return url


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh Chromium per test. Playwright's sync API keeps an event loop running in this thread
    while it is started, so it must stop after each test: the suite's asyncio tests need the thread back."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (the Makefile does it in make test)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def people(token_for: Any) -> dict[str, Person]:
    def person(role: str, name: str, org: str, municipality: str, locale: str) -> Person:
        sub = f"{role}-{uuid.uuid4().hex[:8]}"
        token = token_for(sub, name, [role], org=org, municipality=municipality, locale=locale)
        return Person(sub, name, [role], org, municipality, locale, token)

    return {
        "learner": person("learner", "Rəşad Əliyev", "AZ", "Baku", "az"),
        "trainer": person("trainer", "Aygün Məmmədova", "AZ", "Ganja", "az"),
        "admin": person("admin", "Elif Yılmaz", "TR", "Ankara", "tr"),
    }


@pytest.fixture(scope="session")
def api(gateway_url: str, people: dict[str, Person]) -> Callable[[str | None], Api]:
    return lambda who: Api(gateway_url, people[who].token if who else None)


def signed_in_page(
    browser: Any,
    gateway_url: str,
    contexts: list[Any],
    token: str | None,
    lang: str | None,
    *,
    width: int = 1280,
    locale: str = "en-GB",
) -> Any:
    """A page in a new context (kept in ``contexts`` for closing), signed in with ``token`` (or
    anonymous) in ``lang``, with a 20 s default timeout and its JavaScript errors in ``page.js_errors``."""
    context = browser.new_context(
        base_url=gateway_url, viewport={"width": width, "height": 900}, locale=locale, accept_downloads=True
    )
    contexts.append(context)
    script = sign_in_script(token, lang)
    if script:
        context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    return page


@pytest.fixture
def open_page(browser: Any, gateway_url: str, people: dict[str, Person]) -> Iterator[Callable[..., Any]]:
    """``open_page(who, width=1280, lang="en", locale="en-GB")``: a page signed in as ``who`` (or anonymous).

    The token goes into sessionStorage before any script runs, exactly where the sign-in page puts it.
    """
    contexts: list[Any] = []

    def make(who: str | None, width: int = 1280, lang: str | None = "en", locale: str = "en-GB") -> Any:
        token = people[who].token if who else None
        return signed_in_page(browser, gateway_url, contexts, token, lang, width=width, locale=locale)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def person(gateway_url: str, token_for: Any) -> Callable[..., tuple[str, Api]]:
    """``person(name, org, municipality, roles=["learner"])`` -> (token, API client) of a new user."""

    def make(
        name: str, org: str, municipality: str, roles: list[str] | None = None, locale: str = "en"
    ) -> tuple[str, Api]:
        roles = roles or ["learner"]
        token = token_for(
            f"{roles[0]}-{secrets.token_hex(4)}", name, roles, org=org, municipality=municipality, locale=locale
        )
        return token, Api(gateway_url, token)

    return make


@pytest.fixture
def page_for(browser: Any, gateway_url: str) -> Iterator[Callable[..., Any]]:
    """``page_for(token, lang="en")``: a page signed in with ``token``, the way the sign-in page does it."""
    contexts: list[Any] = []

    def make(token: str, lang: str = "en") -> Any:
        return signed_in_page(browser, gateway_url, contexts, token, lang)

    yield make
    for context in contexts:
        context.close()
