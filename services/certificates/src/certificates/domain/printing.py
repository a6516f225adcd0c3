"""Print batches: the certificates of a ceremony as one merged PDF or a ZIP of PDFs (issue 17, item 7).

Two rules live here, both pure:

* **Alphabetical order in the certificate's language.** Names are compared with the Unicode
  Collation Algorithm (``pyuca``, the default table DUCET) plus the letters each language orders
  differently. Turkish and Azerbaijani put ``ç ğ ı ö ş ü`` (and Azerbaijani ``ə``, ``q``, ``x``)
  as letters of their own after their base letter, and ``ı`` before ``i``; Kazakh puts ``ә ғ қ ң ө
  ұ ү һ і ё`` after their base letters. DUCET treats most of them as accented variants of the base
  letter ("Çelik" between "Cemil" and "Ceyda"), which is wrong on a Turkish ceremony list. The
  tailorings follow the CLDR collations of ``tr``, ``az`` and ``kk`` (the alphabets are facts of
  each language); PyICU would carry them, but it has no wheel for this platform.
* **Unicode-safe file names.** A ZIP entry is named after the learner: NFC, without path
  separators, control or format characters, a name Windows refuses (``CON``), or a trailing dot or
  space, at most 120 characters; two learners of the same name get ``(2)``, ``(3)`` … compared
  case-insensitively, because the file systems people unzip onto often are.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

import pyuca

MAX_FILE_NAME: Final = 120
"""Characters of a learner's part of a file name (before `` (2)`` and ``.pdf``)."""

# A private-use character: DUCET gives it an implicit primary weight above every letter and every
# ideograph, so ``base + _AFTER`` sorts after every word that continues with the base letter.
_AFTER: Final = "\ue000"


class PrintFormat(StrEnum):
    PDF = "PDF"
    """One merged PDF, one page per certificate."""
    ZIP = "ZIP"
    """One PDF per certificate, named after the learner."""


class PrintStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    """Parked: a failure that repeats (a PDF that cannot be read, a name the font cannot print). ``error``
    says why; ``retryPrintBatch`` queues it again."""

    @property
    def finished(self) -> bool:
        return self in (PrintStatus.COMPLETED, PrintStatus.FAILED)


@dataclass(frozen=True, slots=True)
class PrintFilter:
    """Which certificates to print: a bulk job's, or a course's (by state and issue date). Valid ones only."""

    job_id: uuid.UUID | None = None
    course_id: str | None = None
    org: str | None = None
    """A member state (ISO 3166 alpha-2, the token's ``org``)."""
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    """Exclusive."""

    def to_json(self) -> dict[str, str | None]:
        return {
            "jobId": str(self.job_id) if self.job_id else None,
            "courseId": self.course_id,
            "org": self.org,
            "issuedFrom": self.issued_from.isoformat() if self.issued_from else None,
            "issuedTo": self.issued_to.isoformat() if self.issued_to else None,
        }


@dataclass(frozen=True, slots=True)
class PrintBatch:
    id: uuid.UUID
    format: PrintFormat
    status: PrintStatus
    filter: PrintFilter
    lang: str
    """The language whose alphabetical order the batch follows."""
    total: int
    done: int
    created_by: str
    created_at: datetime
    attempt: int = 0
    """How many times a worker took the batch; a worker's writes only count for its own attempt."""
    failures: int = 0
    """Deterministic failures so far; the batch is parked after a few."""
    error: str | None = None
    waiting_reason: str | None = None
    output_key: str | None = None
    size: int | None = None
    finished_at: datetime | None = None

    @property
    def progress(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


@dataclass(frozen=True, slots=True)
class Printable:
    """A certificate as the batch needs it: who, in which language, and where its PDF is."""

    certificate_id: uuid.UUID
    learner_name: str
    lang: str
    code: str
    pdf_key: str


@dataclass(frozen=True, slots=True)
class PrintItem:
    """One certificate of a batch, at its place in the batch, with the name of its file in the ZIP."""

    position: int
    certificate_id: uuid.UUID
    pdf_key: str
    file_name: str


# --- collation ------------------------------------------------------------------------------------

_TURKISH: Final = {
    "ç": "c" + _AFTER,
    "Ç": "C" + _AFTER,
    "ğ": "g" + _AFTER,
    "Ğ": "G" + _AFTER,
    "ı": "h" + _AFTER,  # dotless ı is a letter of its own, between h and i
    "I": "H" + _AFTER,  # the capital of ı
    "İ": "I",  # the capital of i: DUCET's I is i at the tertiary level
    "ö": "o" + _AFTER,
    "Ö": "O" + _AFTER,
    "ş": "s" + _AFTER,
    "Ş": "S" + _AFTER,
    "ü": "u" + _AFTER,
    "Ü": "U" + _AFTER,
}
# Azerbaijani: a b c ç d e ə f g ğ h x ı i j k q l m n o ö p r s ş t u ü v y z
_AZERBAIJANI: Final = _TURKISH | {
    "ə": "e" + _AFTER,
    "Ə": "E" + _AFTER,
    "x": "h" + _AFTER,
    "X": "H" + _AFTER,
    "ı": "h" + _AFTER * 2,
    "I": "H" + _AFTER * 2,
    "q": "k" + _AFTER,
    "Q": "K" + _AFTER,
}
# Kazakh: а ә б в г ғ д е ё ж з и й к қ л м н ң о ө п р с т у ұ ү ф х һ ц ч ш щ ъ ы і ь э ю я
_KAZAKH_LETTERS: Final = {
    "ә": "а",
    "ғ": "г",
    "ё": "е",
    "қ": "к",
    "ң": "н",
    "ө": "о",
    "ұ": "у",
    "һ": "х",
    "і": "ы",
}
_KAZAKH: Final = (
    {k: v + _AFTER for k, v in _KAZAKH_LETTERS.items()}
    | {k.upper(): v.upper() + _AFTER for k, v in _KAZAKH_LETTERS.items()}
    | {"ү": "у" + _AFTER * 2, "Ү": "У" + _AFTER * 2}
)
TAILORINGS: Final[Mapping[str, Mapping[str, str]]] = {"tr": _TURKISH, "az": _AZERBAIJANI, "kk": _KAZAKH}
"""Language → letter → what it is compared as. Languages not listed use DUCET as it is."""


@lru_cache(maxsize=1)
def _collator() -> pyuca.Collator:
    return pyuca.Collator()  # loads the DUCET table once (about a second)


def collation_key(name: str, lang: str) -> tuple[int, ...]:
    """The sort key of a name in the alphabetical order of ``lang`` (``tr``, ``az``, ``kk`` tailored)."""
    text = unicodedata.normalize("NFC", name)
    tailoring = TAILORINGS.get(lang.split("-")[0].lower())
    if tailoring:
        text = "".join(tailoring.get(ch, ch) for ch in text)
    return tuple(_collator().sort_key(text))


def batch_language(langs: Iterable[str], default: str = "en") -> str:
    """The language a batch is ordered in: the one most of its certificates are in (ties: alphabetical)."""
    counts = Counter(langs)
    if not counts:
        return default
    return min(counts, key=lambda lang: (-counts[lang], lang))


def in_print_order(found: Sequence[Printable], lang: str) -> list[Printable]:
    """Alphabetical in ``lang``; the same name twice keeps a fixed order (by code)."""
    return sorted(found, key=lambda p: (collation_key(p.learner_name, lang), p.code))


# --- file names --------------------------------------------------------------------------------------

_WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
_FORBIDDEN: Final = frozenset('/\\:*?"<>|')


def safe_file_stem(name: str, fallback: str) -> str:
    """A learner's name as the stem of a file name on any file system (see the module doc)."""
    text = unicodedata.normalize("NFC", name)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in _FORBIDDEN:
            out.append("_")
        elif category.startswith("Z") or ch in "\t\n\r":
            out.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # control, format (bidi overrides, zero width), surrogates, private use, unassigned
        else:
            out.append(ch)
    stem = " ".join("".join(out).split())[:MAX_FILE_NAME].rstrip(" .").lstrip(" .")
    if not stem or stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"{stem} {fallback}".strip() if stem else fallback
    return stem


def file_names(items: Sequence[Printable], extension: str = ".pdf") -> list[str]:
    """One file name per certificate, in order; equal names (case-insensitively) get `` (2)``, `` (3)`` …"""
    taken: set[str] = set()
    names = []
    for item in items:
        stem = safe_file_stem(item.learner_name, item.code)
        candidate, n = stem + extension, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem} ({n}){extension}"
        taken.add(candidate.casefold())
        names.append(candidate)
    return names


def plan_print_items(found: Sequence[Printable], lang: str) -> list[PrintItem]:
    """The batch's certificates in print order, each with its file name."""
    ordered = in_print_order(found, lang)
    return [
        PrintItem(position, p.certificate_id, p.pdf_key, name)
        for position, (p, name) in enumerate(zip(ordered, file_names(ordered), strict=True))
    ]
