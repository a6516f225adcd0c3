"""Print batches without servers: alphabetical order per language, safe file names, the streamed PDF and ZIP."""

from __future__ import annotations

import io
import tracemalloc
import unicodedata
import uuid
import zipfile
from datetime import UTC, datetime
from functools import cache

import pypdf
import pytest

from certificates.adapters.pdf import CertificateRenderer
from certificates.adapters.print_batch import UnreadablePdf, _StreamReader, merged_pdf, zipped_pdfs
from certificates.domain.model import CertificateDocument
from certificates.domain.printing import (
    Printable,
    PrintItem,
    batch_language,
    collation_key,
    file_names,
    plan_print_items,
    safe_file_stem,
)
from certificates.domain.templates import default_template

pytestmark = pytest.mark.unit


def ordered(names: list[str], lang: str) -> list[str]:
    return sorted(names, key=lambda n: collation_key(n, lang))


# --- collation ------------------------------------------------------------------------------------------


def test_turkish_order_puts_its_own_letters_after_their_base_letters() -> None:
    names = ["Çelik", "Cemil", "Ceyda", "Dilek", "İlker", "Irmak", "Ilgın", "ıspanak", "Ödül", "Oya", "Şule", "Sinan"]
    names += ["Uğur", "Ümit", "Gül", "Ğ", "Zeynep"]
    assert ordered(names, "tr") == [
        "Cemil",
        "Ceyda",
        "Çelik",  # ç is a letter after c, not a c with a mark
        "Dilek",
        "Gül",
        "Ğ",
        "Ilgın",  # I is the capital of dotless ı, which comes before i
        "Irmak",
        "ıspanak",
        "İlker",
        "Oya",
        "Ödül",
        "Sinan",
        "Şule",
        "Uğur",
        "Ümit",
        "Zeynep",
    ]
    # The default (DUCET) order, which English lists use, is different: Ç among the C's.
    assert ordered(["Çelik", "Cemil", "Ceyda"], "en") == ["Çelik", "Cemil", "Ceyda"]


def test_azerbaijani_order_has_e_schwa_x_after_h_and_q_after_k() -> None:
    names = [
        "Xədicə",
        "Hikmət",
        "İlham",
        "Ilqar",
        "Qasım",
        "Kamran",
        "Leyla",
        "Əli",
        "Elçin",
        "Fərid",
        "Çingiz",
        "Cavid",
    ]
    assert ordered(names, "az") == [
        "Cavid",
        "Çingiz",
        "Elçin",
        "Əli",
        "Fərid",
        "Hikmət",
        "Xədicə",
        "Ilqar",
        "İlham",
        "Kamran",
        "Qasım",
        "Leyla",
    ]


def test_kazakh_order_follows_the_kazakh_alphabet() -> None:
    names = [
        "Ерлан",
        "Ёлдос",
        "Жанар",
        "Үміт",
        "Ұлан",
        "Улжан",
        "Фариза",
        "Іңкәр",
        "Ыбырай",
        "Әлия",
        "Айгерим",
        "Бауыржан",
    ]
    names += ["Ғалым", "Гүлнар", "Қайрат", "Кәмила", "Нұрлан", "Ңа", "Оразбек", "Өмір", "Хасен", "Һа"]
    assert ordered(names, "kk") == [
        "Айгерим",
        "Әлия",
        "Бауыржан",
        "Гүлнар",
        "Ғалым",
        "Ерлан",
        "Ёлдос",
        "Жанар",
        "Кәмила",
        "Қайрат",
        "Нұрлан",
        "Ңа",
        "Оразбек",
        "Өмір",
        "Улжан",
        "Ұлан",
        "Үміт",
        "Фариза",
        "Хасен",
        "Һа",
        "Ыбырай",
        "Іңкәр",
    ]
    # Russian keeps Ё with Е (DUCET): Ёлдос before Ерлан.
    assert ordered(["Ерлан", "Ёлдос"], "ru") == ["Ёлдос", "Ерлан"]


def test_collation_sees_a_decomposed_letter_as_the_composed_one() -> None:
    decomposed = unicodedata.normalize("NFD", "Çağla")
    assert decomposed != "Çağla"
    assert collation_key(decomposed, "tr") == collation_key("Çağla", "tr")
    assert collation_key("Çağla", "tr-TR") == collation_key("Çağla", "tr")


def test_the_batch_follows_the_language_most_certificates_are_in() -> None:
    assert batch_language(["tr", "en", "tr", "az"]) == "tr"
    assert batch_language(["kk", "ru"]) == "kk"  # a tie: alphabetical, so the same every time
    assert batch_language([]) == "en"


# --- file names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Ali/Veli", "Ali_Veli"),
        ("..\\..\\etc\\passwd", "_.._etc_passwd"),
        ("Ayşe\u202eFdp.exe", "AyşeFdp.exe"),  # a right-to-left override would disguise the extension
        ("Zero\u200bwidth\u0000Nul\u0007", "ZerowidthNul"),
        ("  Dot trailing. . ", "Dot trailing"),
        ("Tab\tand\nnewline", "Tab and newline"),
        ("CON", "CON KB-1"),
        ("aux.txt", "aux.txt KB-1"),
        ('a:b*c?d"e<f>g|h', "a_b_c_d_e_f_g_h"),
        ("\u202e\u200b", "KB-1"),
        (unicodedata.normalize("NFD", "Rəşad Əliyev"), "Rəşad Əliyev"),
    ],
)
def test_a_file_name_is_safe_on_any_file_system(name: str, stem: str) -> None:
    got = safe_file_stem(name, "KB-1")
    assert got == stem
    assert unicodedata.is_normalized("NFC", got)


def test_a_long_name_is_cut_and_equal_names_are_told_apart_case_insensitively() -> None:
    assert len(safe_file_stem("Ə" * 500, "KB-1")) == 120
    items = [Printable(uuid.uuid4(), n, "tr", f"KB-{i}", "k") for i, n in enumerate(["Ali Can", "ALI CAN", "Ali Can"])]
    assert file_names(items) == ["Ali Can.pdf", "ALI CAN (2).pdf", "Ali Can (3).pdf"]


def test_planned_items_are_in_print_order_with_their_file_names() -> None:
    found = [
        Printable(uuid.uuid4(), n, "tr", f"KB-{i}", f"certificates/{i}.pdf") for i, n in enumerate(["Çetin", "Can"])
    ]
    items = plan_print_items(found, "tr")
    assert [(i.position, i.file_name) for i in items] == [(0, "Can.pdf"), (1, "Çetin.pdf")]
    assert items[0].pdf_key == "certificates/1.pdf"


# --- the streamed output ------------------------------------------------------------------------------


@cache
def rendered(name: str) -> bytes:
    template = default_template()
    doc = CertificateDocument(
        code="KB-7QX4-M9PA-K3TD",
        learner_name=name,
        course_title="Participatory Budgeting",
        issued_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        verify_url="https://kentbilim.example.org/verify/KB-7QX4-M9PA-K3TD",
        course_version=1,
        issuer_name=template.issuer_name("en"),
    )
    return CertificateRenderer().render(doc, template, "en")


NAMES = ["Zeynep Şahin", "Aynur Həsənova", "Ерлан Нұрланов", "Mehmet Yıldız", "Çağla Demir", "Dilshod Toʻxtayev"]


def items_of(names: list[str]) -> list[PrintItem]:
    return [PrintItem(i, uuid.uuid4(), f"k{i}", f"{n}.pdf") for i, n in enumerate(names)]


def test_the_merged_pdf_has_every_page_in_order_and_shares_what_the_certificates_share() -> None:
    names = [f"{n}" for n in NAMES]
    items = items_of(names)
    progress: list[int] = []
    stats: dict[str, int] = {}
    pdf = b"".join(
        merged_pdf(
            items,
            lambda item: rendered(names[item.position]),
            progress.append,
            identity=b"batch",
            title="Certificates",
            lang="tr",
            stats=stats,
        )
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == len(names)
    for page, name in zip(reader.pages, names, strict=True):
        assert name in " ".join(page.extract_text().split())
    assert progress == list(range(1, len(names) + 1))
    separate = sum(len(rendered(n)) for n in names)
    # The template's images, static layer and (with the same letters) font programs are written once.
    assert len(pdf) < separate / 2, (len(pdf), separate, stats)
    assert stats["shared"] > 0
    assert reader.trailer["/Root"]["/Lang"] == "tr"


def test_the_merged_pdf_is_the_same_bytes_every_time() -> None:
    def once() -> bytes:
        items = items_of(NAMES)
        return b"".join(
            merged_pdf(
                items, lambda i: rendered(NAMES[i.position]), lambda n: None, identity=b"x", title="T", lang="en"
            )
        )

    assert once() == once()


def test_an_unreadable_certificate_is_a_deterministic_failure() -> None:
    with pytest.raises(UnreadablePdf, match="could not be read"):
        b"".join(
            merged_pdf(items_of(["x"]), lambda i: b"not a pdf", lambda n: None, identity=b"x", title="T", lang="en")
        )


def test_the_zip_names_every_entry_in_utf8_and_keeps_the_pdfs_as_they_are() -> None:
    names = ["Ali Veli", "Çağla Demir", "Ерлан Нұрланов"]
    items = items_of(names)
    data = b"".join(
        zipped_pdfs(items, lambda i: rendered(names[i.position]), lambda n: None, stamp=datetime(2026, 5, 1))
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    infos = archive.infolist()
    assert [i.filename for i in infos] == [f"{n}.pdf" for n in names]
    assert all(i.flag_bits & 0x800 for i in infos), "the UTF-8 flag, ASCII names included"
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    assert [archive.read(i) for i in infos] == [rendered(n) for n in names]


def test_merging_many_certificates_holds_one_at_a_time() -> None:
    """The memory bound: 600 certificates merged while traced; the peak is a small part of their size."""
    n = 600
    pdfs = [rendered(name) for name in NAMES]  # made before tracing: the store's copies, not the merger's
    items = items_of([NAMES[i % len(NAMES)] for i in range(n)])
    total_in = sum(len(pdfs[i % len(pdfs)]) for i in range(n))
    written = 0
    tracemalloc.start()
    try:
        for piece in merged_pdf(
            items, lambda i: bytes(pdfs[i.position % len(pdfs)]), lambda d: None, identity=b"m", title="T", lang="en"
        ):
            written += len(piece)  # sent on to the upload and dropped, as put_object does with each part
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written > 0
    assert peak < total_in / 10, f"peak {peak} bytes for {total_in} bytes of certificates"


def test_the_upload_reader_hands_out_exactly_what_was_asked() -> None:
    reader = _StreamReader(iter([b"abc", b"", b"defgh", b"ij"]))
    assert reader.read(4) == b"abcd"
    assert reader.read(100) == b"efghij"
    assert reader.read(3) == b""
    assert reader.total == 10


def test_a_pdf_not_from_our_writer_takes_the_general_path_and_merges_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files with object streams or inherited page attributes go through pypdf's object model instead."""
    from certificates.adapters import print_batch

    names = NAMES[:3]

    def merge() -> bytes:
        return b"".join(
            merged_pdf(
                items_of(names),
                lambda i: rendered(names[i.position]),
                lambda n: None,
                identity=b"g",
                title="T",
                lang="en",
            )
        )

    fast = merge()
    monkeypatch.setattr(print_batch._RawObjects, "of", classmethod(lambda cls, *a: None))
    general = merge()
    assert fast != general  # really the other path (the general one writes dictionaries its own way)
    for pdf in (fast, general):
        reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
        assert [n in " ".join(p.extract_text().split()) for p, n in zip(reader.pages, names, strict=True)] == [True] * 3
    assert abs(len(fast) - len(general)) < len(fast) / 10
