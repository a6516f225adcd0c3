"""The service worker never answers a navigation to a path the gateway serves itself with the app.

gateway/web/vite.config.ts lists them (SERVER_PATHS, the navigation fallback's denylist); the gateway's
own list is RESERVED_PREFIXES. A prefix added to one and not the other would have the installed app
show its "not found" page for /calendar/… or /unsubscribe/… links instead of the gateway's answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.app import RESERVED_PREFIXES

pytestmark = pytest.mark.unit

CONFIG = Path(__file__).resolve().parents[2] / "gateway" / "web" / "vite.config.ts"


def test_the_service_workers_denylist_is_the_gateways_reserved_prefixes() -> None:
    block = re.search(r"export const SERVER_PATHS = \[(.*?)\];", CONFIG.read_text(), re.S)
    assert block, "SERVER_PATHS not found in vite.config.ts"
    listed = re.findall(r'"([^"]+)"', block.group(1))
    assert sorted(listed) == sorted(RESERVED_PREFIXES)
    assert len(listed) == len(set(listed))
