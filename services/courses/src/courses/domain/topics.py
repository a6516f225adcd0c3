"""The topic vocabulary: a small fixed set of topic ids, and the older free-form tags each one absorbs.

Courses keep the tags they were saved with; the catalogue filter for a topic also finds the older tags
mapped to it (``governance`` is found by ``urban-governance``). The web client shows each tag under its
topic's translated name: it carries a copy of this table in gateway/web/src/topics.ts, and
tests/browser/test_topics.py fails when the two differ. Change the vocabulary here first.
"""

from __future__ import annotations

from courses.domain.search import topic_key

TOPICS: tuple[str, ...] = (
    "participatory-budgeting",
    "urban-governance",
    "housing",
    "climate-adaptation",
    "smart-cities",
    "digital-services",
    "municipal-finance",
)

# Older tags -> the topic they now belong to (keys as topic_key() spells them).
ALIASES: dict[str, str] = {
    "governance": "urban-governance",
    "local-governance": "urban-governance",
    "municipal-governance": "urban-governance",
    "budgeting": "participatory-budgeting",
    "participatory-budget": "participatory-budgeting",
    "climate": "climate-adaptation",
    "smart-city": "smart-cities",
    "e-government": "digital-services",
    "egovernment": "digital-services",
    "digital": "digital-services",
    "finance": "municipal-finance",
    "municipal-budget": "municipal-finance",
    "public-finance": "municipal-finance",
}


def canonical_topic(tag: str) -> str:
    """The vocabulary topic a tag belongs to (itself when it is one, or an unknown tag)."""
    key = topic_key(tag)
    return ALIASES.get(key, key)


def matching_keys(topic: str) -> list[str]:
    """Every stored topic key a filter for ``topic`` must match: the topic and the older tags mapped to it."""
    canonical = canonical_topic(topic)
    return sorted({canonical, *(alias for alias, target in ALIASES.items() if target == canonical)})
