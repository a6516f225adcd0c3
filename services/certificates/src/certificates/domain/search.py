"""Finding certificates (issue 18, item 4): what a holder's name is searched by.

The stored ``certificate.name_key`` is :func:`holder_name_key` of the printed name: the Turkic-aware
folding of :mod:`lms_shared.text` (``İ``/``ı``/``ə`` folded, accents dropped, lower case), and where the
name has ``ə`` also the reading with ``ə`` as "a", so "Eliyev" and "Aliyev" both find "Əliyev". A query
matches when every one of its folded words (:func:`lms_shared.text.search_words`) is in the key.
"""

from __future__ import annotations

from typing import Final

from lms_shared.text import name_search_key

# Both readings of the longest printed name (255 characters) and the space between them.
NAME_KEY_LENGTH: Final = 600
MAX_NAME_QUERY: Final = 200
MAX_PAGE: Final = 200


def holder_name_key(name: str) -> str:
    """The stored search key of a holder's name."""
    return name_search_key(name, NAME_KEY_LENGTH)
