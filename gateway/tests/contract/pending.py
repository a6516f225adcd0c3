"""What the second-release contract (shared/brief/schema.graphql) still lacks, and which issue adds it.

The contract tests compare the live schema with the brief and expect exactly these differences: an
item missing that is not listed here fails them, and so does an item listed here that the gateway
now serves (delete its line when its issue lands). First-release items are never listed.
"""

from __future__ import annotations

PENDING: dict[str, int] = {}
