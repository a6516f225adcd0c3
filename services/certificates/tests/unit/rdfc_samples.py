"""Varied credentials and proof configurations for checking the RDFC-1.0 fast path against pyld.

Used by ``test_rdfc.py`` and by ``bench/bench_certificates.py`` (a larger sweep). Deterministic for
a given seed. Names mix every script a learner's name may use, with the characters that break
naive escaping: quotes, backslashes, text that looks like an escape (``\\n``, ``\\u0041``),
combining marks, format characters (bidi controls, joiners), emoji sequences, very long names.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from certificates.adapters.signing import build_open_badge_credential
from certificates.adapters.status_list import status_list_entry


def _span(first: int, last: int) -> str:
    return "".join(chr(code) for code in range(first, last + 1))


SCRIPTS: dict[str, str] = {
    "latin": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "latin diacritics": "ÀÁÂÃÄÅĀĂĄÇĆČĎĐÈÉÊËĒĖĘĚĞĢĪĮİĶĹĻŁŃŅŇÑÒÓÔÕÖØŌŐŒŔŘŚŞŠŢŤŪŮŰŲŸÝŹŻŽ"
    "ßàáâäåāçčđéěğıķłńňñöøőœřşšťūůüűýźżžəƏ",
    "cyrillic": _span(0x0410, 0x044F) + "ЁёҚқҒғҢңӨөҰұҮүҺһІіЇїЄєЎўЈјЉљЊњЋћЏџ",
    "arabic": _span(0x0621, 0x064A) + "پچژگکی" + _span(0x064B, 0x0652),
    "hebrew": _span(0x05D0, 0x05EA),
    "georgian": _span(0x10D0, 0x10FA),
    "armenian": _span(0x0531, 0x0556) + _span(0x0561, 0x0587),
    "cjk": "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔣"
    + _span(0x3041, 0x3096)
    + _span(0x30A1, 0x30FA)
    + "김이박최정강조윤장임한오서신권황안송류홍",
    "devanagari": _span(0x0905, 0x0939) + _span(0x093E, 0x094D) + "\u093c\u0902\u0903",
    "thai": _span(0x0E01, 0x0E2E) + _span(0x0E30, 0x0E3A),
    "greek": _span(0x0391, 0x03A9) + _span(0x03B1, 0x03C9),
}

SPECIALS = [
    '"',
    "'",
    "\\",
    "\\\\",
    "\\n",
    "\\t",
    "\\r",
    '\\"',
    "\\u0041",
    "\\U0001F600",
    "\\u",
    "%s",
    "%%",
    "{0}",
    "<b>",
    "> .",
    " .",
    "^^",
    "@en",
    "_:b0",
    "_:c14n0",
    "#",
    "«»",
    "„“",
    "‘’",
    "\u00a0",  # no-break space
    "\u00ad",  # soft hyphen
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a\u202b\u202c\u202d\u202e",  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069",  # bidi isolates
    "\u2028",  # line separator (not a line end in N-Quads)
    "\u2029",
    "\u0085",  # NEL
    "\ufeff",  # byte order mark
    "\ufffd",
    "e\u0301",  # combining acute
    "a\u0308\u0323",  # stacked marks
    "\u0336",
    "😀",
    "👩\u200d💻",  # ZWJ sequence
    "👍🏽",  # skin tone
    "🇰🇿",  # flag
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  # astral letters
    "\U000e0001",  # language tag character
]

# Tab, LF and CR are escaped alike by pyld and RDFC-1.0; names refuse them, course texts may not.
TEXT_CONTROLS = ["\t", "\n", "\r", "\r\n"]

TITLES = [
    "Основы цифровой грамотности",
    "Digital literacy: the basics",
    'Курс "Безопасность" \\ 2025',
    "სამოქალაქო განათლება",
    "Քաղաքացիական կրթություն",
    "التربية المدنية",
    "公民教育 101",
    "नागरिक शिक्षा",
    "Sağlıq və təhlükəsizlik",
    "Азаматтық білім",
    "Жарандык билим",
    "Fuqarolik ta'limi",
    "Vatandaşlık eğitimi",
]


def name(rng: random.Random) -> str:
    """One learner's name: one to four words from one or two scripts, with odd characters."""
    scripts = rng.sample(sorted(SCRIPTS), rng.choice((1, 1, 1, 2)))
    words = []
    for _ in range(rng.randint(1, 4)):
        alphabet = SCRIPTS[rng.choice(scripts)]
        words.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
    text = " ".join(words)
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(SPECIALS) + text[at:]
    roll = rng.random()
    if roll < 0.02:
        text = (text + " ") * rng.randint(40, 200)  # very long
    elif roll < 0.03:
        text = rng.choice(SPECIALS)  # a name that is only an odd character
    elif roll < 0.04:
        text = f"{rng.choice(['urn', 'https', 'mailto', 'Note'])}:{text}"  # looks like an IRI
    return text


def course_text(rng: random.Random) -> str:
    text = rng.choice(TITLES)
    if rng.random() < 0.5:
        text = f"{text} {name(rng)}"
    if rng.random() < 0.2:
        text = text + rng.choice(TEXT_CONTROLS) + rng.choice(TITLES)
    return text


def moment(rng: random.Random) -> datetime:
    return datetime(1990, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 3_500_000_000))


def credential(rng: random.Random, *, course: int | None = None) -> dict[str, Any]:
    """An Open Badges credential as the platform builds it, with varied values."""
    course = rng.randint(0, 5) if course is None else course
    host = rng.choice(["certs.example.org", "127.0.0.1:8000", "lms.example.kz"])
    base = f"https://{host}"
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    learner = name(rng)
    title = course_text(rng) if rng.random() < 0.9 else learner  # sometimes equal to the name
    status_list = rng.randint(0, 40)
    return build_open_badge_credential(
        credential_id=rng.choice([f"{base}/verify/{code}", f"urn:uuid:{rng.getrandbits(128):032x}"]),
        issuer_id=f"did:web:{host.replace(':', '%3A')}" + rng.choice(["", ":kentbilim"]),
        issuer_name=rng.choice(["Kentbilim", "UNDP Kentbilim", 'Academy "Nur"']),
        learner_name=learner,
        achievement_id=f"{base}/courses/course-{course}/versions/{rng.randint(1, 9)}",
        course_title=title,
        description=course_text(rng),
        criteria=rng.choice(["Completed every module and passed the final quiz.", course_text(rng)]),
        valid_from=moment(rng),
        credential_status=status_list_entry(f"{base}/status-lists/{status_list}", rng.randint(0, 131_071))
        if rng.random() < 0.95
        else None,
        learner_id=rng.choice([None, None, None, f"urn:uuid:{rng.getrandbits(128):032x}", "mailto:a@example.org"]),
        language=rng.choice([None, "en", "ru", "kk", "ar", "zh-Hans", "sr-Latn-RS"]),
    )


def proof_configuration(rng: random.Random, document: dict[str, Any]) -> dict[str, Any]:
    """The proof configuration ``eddsa-rdfc-2022`` canonicalises for ``document``."""
    key = "z6Mk" + "".join(rng.choice("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(44))
    issuer = document["issuer"]["id"] if isinstance(document.get("issuer"), dict) else "did:web:example.org"
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": moment(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": f"{issuer}#{key}",
        "proofPurpose": "assertionMethod",
    }


def bulk_credential(rng: random.Random, number: int) -> dict[str, Any]:
    """A credential of one bulk job: one course, issuer and language; the learner varies."""
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    return build_open_badge_credential(
        credential_id=f"https://certs.example.org/verify/{code}",
        issuer_id="did:web:certs.example.org",
        issuer_name="Kentbilim",
        learner_name=name(rng),
        achievement_id="https://certs.example.org/courses/course-1/versions/3",
        course_title=TITLES[0],
        description="Ten modules on working safely online, with a final quiz.",
        criteria="Completed every module and passed the final quiz.",
        valid_from=datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(seconds=number),
        credential_status=status_list_entry("https://certs.example.org/status-lists/3", 4096 + number),
        language="ru",
    )
