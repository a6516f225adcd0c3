"""Language codes and the fallback order for multilingual content.

A field asked for in ``lang`` answers in that language, else in the viewer's locale, else in the
course's default language, else in any language the content has (so nothing is ever blank).
Language codes are compared in ASCII lower case: locale-aware case folding would turn a Turkish
``I`` into ``ı`` and break identifiers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SUPPORTED_LANGUAGES = ("en", "tr", "az", "kk", "ky", "uz", "ru")


def ascii_lower(value: str) -> str:
    """Lower-case ASCII letters only; every other character is left as it is."""
    return value.translate(_ASCII_LOWER)


def ascii_upper(value: str) -> str:
    return value.translate(_ASCII_UPPER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_ASCII_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}


def normalize_lang(code: str | None) -> str | None:
    """``"kk-KZ"`` -> ``"kk"``, ``"AZ"`` -> ``"az"``; None or blank -> None."""
    if not code or not code.strip():
        return None
    return ascii_lower(code.strip().replace("_", "-").split("-")[0])


def fallback_order(lang: str | None, locale: str | None, default: str | None) -> list[str]:
    order: list[str] = []
    for c in (lang, locale, default):
        n = normalize_lang(c)
        if n and n not in order:
            order.append(n)
    return order


def pick(texts: Mapping[str, str], lang: str | None, locale: str | None, default: str | None) -> str | None:
    """The text in the first language of the fallback order that has one."""
    if not texts:
        return None
    normalized = {normalize_lang(k) or k: v for k, v in texts.items() if v}
    for code in fallback_order(lang, locale, default):
        if code in normalized:
            return normalized[code]
    return next(iter(normalized.values()), None)


def as_mapping(items: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    """``[{"lang": "az", "text": "…"}]`` (the API's shape) or a mapping -> ``{"az": "…"}``."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        return {normalize_lang(k) or k: v for k, v in items.items()}
    return {normalize_lang(i["lang"]) or i["lang"]: i["text"] for i in items}
