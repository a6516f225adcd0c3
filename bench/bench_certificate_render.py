"""Certificate rendering throughput: our renderer against two straightforward references.

Run from the repository root::

    .venv/bin/python bench/bench_certificate_render.py            # 500 certificates, 5 runs
    .venv/bin/python bench/bench_certificate_render.py -n 2000 --reference-limit 0
    .venv/bin/python bench/bench_certificate_render.py --no-other-scripts   # Latin/Cyrillic only

All renderers get the same certificate data (names and course titles in the seven product
languages), the same fonts (Noto Sans, regular and semibold) and roughly the same page:

* ours: :class:`certificates.adapters.pdf.CertificateRenderer`, fonts prepared once per process;
* fpdf2: a new ``FPDF`` per certificate with ``add_font`` of the static TTFs each time, which
  is how fpdf2 is normally used (it subsets the font into every document);
* WeasyPrint: the certificate as HTML and CSS with ``@font-face`` and an inline SVG QR code.
  It needs Pango; it is installed from requirements/bench.txt and skipped if unavailable.

The references are slow, so by default they render the first 100 of the same certificates
per run (``--reference-limit``); throughput is a rate, so the comparison stays fair. Each
figure is the median over ``--runs`` runs. ``--processes 2`` adds a row for our renderer in
two worker processes, the production layout on a two-core machine. A row "names in other
scripts" renders the same certificates for names Noto Sans cannot set (Arabic, Hebrew, Georgian,
Armenian, Devanagari, Bengali, Tamil, Thai, Ethiopic, Chinese, Japanese, Korean, mixed), which go
through the fallback fonts, HarfBuzz and a font subset per document (``--no-other-scripts`` skips it).
"""

from __future__ import annotations

import argparse
import html
import io
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

from certificates.adapters.pdf import NOTO_SANS_VARIABLE, CertificateRenderer
from certificates.domain.codes import generate_code
from certificates.domain.model import CertificateDocument
from certificates.domain.templates import CertificateTemplate, default_template, format_date

NAMES = {
    "en": ["Amelia Hartley", "Jonathan Whitaker-Owens"],
    "tr": ["Çağrı Işıkgöz", "Şükrü Öztürk"],
    "az": ["Rəşad Əliyev", "Gülnarə Həsənova"],
    "kk": ["Әлия Қасымқызы", "Ілья Ғалиев", "Ұлжан Һәмитқызы"],
    "ky": ["Мөңкөбек Үсөнов", "Айгүл Төлөгөнова"],
    "uz": ["Gʻulom Oʻrinboyev", "Oʻgʻiloy Toʻxtayeva"],
    "ru": ["Фёдор Щербаков", "Анастасия Ёлкина"],
}
# Names Noto Sans cannot set: fallback Noto fonts, HarfBuzz shaping, a font subset per document.
OTHER_SCRIPTS = {
    "en": ["محمد عبد الله الحسن", "王小明"],
    "tr": ["ნინო ბერიძე", "שרה כהן"],
    "az": ["Արամ Խաչատրյան", "प्रिया शर्मा"],
    "kk": ["Ahmed محمد Hassan", "สมชาย ใจดี", "አበበ ቢቂላ"],
    "ky": ["김민준", "সৌমিত্র চট্টোপাধ্যায়"],
    "uz": ["مهسا رضایی", "கார்த்திக் சுப்ரமணியம்"],
    "ru": ["Анна Գրիգորյան", "山田 花子"],
}
# Letters to make names from that no run has seen: each such name needs a new font subset.
LETTER_POOLS = {
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "georgian": "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह",
    "han": "".join(chr(cp) for cp in range(0x4E00, 0x4E00 + 3000)),
}


def new_names(count: int, seed: int = 17) -> dict[str, list[str]]:
    """``count`` random two-word names per letter pool, keyed like NAMES (the pools cycle over languages)."""
    rng = random.Random(seed)
    pools = list(LETTER_POOLS.values())
    by_language: dict[str, list[str]] = {lang: [] for lang in NAMES}
    for index in range(count):
        pool = pools[index % len(pools)]
        words = ("".join(rng.choice(pool) for _ in range(rng.randint(3, 7))) for _ in range(2))
        by_language[list(NAMES)[index % len(NAMES)]].append(" ".join(words))
    return by_language


TITLES = {
    "en": "Participatory Budgeting for Municipal Officials",
    "tr": "Katılımcı Bütçeleme ve Şeffaf Belediyecilik",
    "az": "İştirakçı büdcələmə və şəhər idarəçiliyi",
    "kk": "Қатысымдық бюджеттеу және қаланы басқару",
    "ky": "Шаарды өнүктүрүүдөгү катышуучулук бюджет",
    "uz": "Ishtirokchi byudjet va shahar boshqaruvi: oʻquv kursi",
    "ru": "Партисипативное бюджетирование в муниципалитетах",
}

Job = tuple[CertificateDocument, str]


def make_jobs(count: int, template: CertificateTemplate, names_by_language: dict[str, list[str]] = NAMES) -> list[Job]:
    """``count`` certificates cycling through the languages and names."""
    languages = list(names_by_language)
    start = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    jobs = []
    for index in range(count):
        lang = languages[index % len(languages)]
        names = names_by_language[lang]
        code = generate_code()
        jobs.append(
            (
                CertificateDocument(
                    code=code,
                    learner_name=names[(index // len(languages)) % len(names)],
                    course_title=TITLES[lang],
                    issued_at=start + timedelta(minutes=index),
                    verify_url=f"https://kentbilim.example.org/verify/{code}",
                    course_version=3,
                    issuer_name=template.issuer_name(lang),
                ),
                lang,
            )
        )
    return jobs


def static_fonts(directory: Path) -> tuple[Path, Path]:
    """Full static instances of Noto Sans (every glyph), as a reference renderer would ship them."""
    paths = []
    for weight, style in ((400, "Regular"), (600, "SemiBold")):
        path = directory / f"NotoSans-{style}.ttf"
        font = instancer.instantiateVariableFont(TTFont(NOTO_SANS_VARIABLE), {"wght": weight, "wdth": 100})
        font.save(path)
        paths.append(path)
    return paths[0], paths[1]


# --- reference (a): fpdf2, add_font per document ------------------------------------------------


def fpdf2_renderer(regular: Path, semibold: Path, template: CertificateTemplate) -> Callable[[Job], bytes]:
    from fpdf import FPDF

    width, height = 841.89, 595.28

    def render(job: Job) -> bytes:
        doc, lang = job
        texts = template.texts_for(lang)
        pdf = FPDF(orientation="L", unit="pt", format="A4")
        pdf.set_auto_page_break(False)
        pdf.add_font("noto", "", regular)
        pdf.add_font("noto", "B", semibold)
        pdf.add_page()
        pdf.set_fill_color(255, 253, 248)
        pdf.rect(0, 0, width, height, style="F")
        pdf.set_draw_color(29, 53, 87)
        pdf.set_line_width(2.4)
        pdf.rect(16, 16, width - 32, height - 32)
        pdf.set_draw_color(176, 141, 87)
        pdf.set_line_width(0.7)
        pdf.rect(23, 23, width - 46, height - 46)

        def centred(text: str, y: float, style: str, size: float, max_width: float = 640) -> None:
            pdf.set_font("noto", style, size)
            while pdf.get_string_width(text) > max_width and size > 6:
                size -= 0.5
                pdf.set_font("noto", style, size)
            pdf.set_xy(0, y)
            pdf.cell(width, size * 1.2, text, align="C")

        pdf.set_text_color(91, 101, 115)
        centred(doc.issuer_name, 80, "", 10.5)
        pdf.set_text_color(29, 53, 87)
        centred(texts.headline, 108, "B", 30)
        pdf.set_text_color(91, 101, 115)
        centred(texts.certifies_that, 180, "", 12.5)
        pdf.set_text_color(27, 31, 36)
        centred(doc.learner_name, 210, "B", 38, 620)
        pdf.set_text_color(91, 101, 115)
        centred(texts.has_completed, 282, "", 12.5)
        pdf.set_text_color(29, 53, 87)
        centred(doc.course_title, 316, "B", 22)
        pdf.set_text_color(27, 31, 36)
        pdf.set_font("noto", "", 8)
        pdf.text(70, 444, texts.issued_on)
        pdf.text(70, 486, texts.certificate_code)
        pdf.set_font("noto", "B", 12)
        pdf.text(70, 460, format_date(doc.issued_at.date(), lang))
        pdf.text(70, 502, doc.code)
        pdf.set_font("noto", "", 7.5)
        pdf.text(260, 553, f"{texts.verify_at} {doc.verify_url}")
        pdf.set_fill_color(27, 31, 36)
        matrix = segno.make_qr(doc.verify_url, error="m").matrix
        module = 80 / len(matrix)
        for row_index, row in enumerate(matrix):
            for column, dark in enumerate(row):
                if dark:
                    pdf.rect(692 + column * module, 434 + row_index * module, module, module, style="F")
        return bytes(pdf.output())

    return render


# --- reference (b): WeasyPrint from HTML --------------------------------------------------------


def weasyprint_renderer(regular: Path, semibold: Path, template: CertificateTemplate) -> Callable[[Job], bytes]:
    import weasyprint

    font_config = weasyprint.text.fonts.FontConfiguration()
    css = weasyprint.CSS(
        string=f"""
        @font-face {{ font-family: "Cert Sans"; src: url("{regular.as_uri()}"); font-weight: 400; }}
        @font-face {{ font-family: "Cert Sans"; src: url("{semibold.as_uri()}"); font-weight: 600; }}
        @page {{ size: A4 landscape; margin: 0; }}
        body {{ margin: 0; font-family: "Cert Sans"; color: #1B1F24; background: #FFFDF8; }}
        .page {{ position: relative; width: 297mm; height: 210mm; }}
        .outer {{ position: absolute; inset: 5.6mm; border: 2.4pt solid #1D3557; }}
        .inner {{ position: absolute; inset: 8.1mm; border: 0.7pt solid #B08D57; }}
        .c {{ position: absolute; left: 0; right: 0; text-align: center; }}
        .issuer {{ top: 30mm; font-size: 10.5pt; color: #5B6573; letter-spacing: 0.9pt; }}
        .headline {{ top: 38mm; font-size: 30pt; font-weight: 600; color: #1D3557; }}
        .muted {{ font-size: 12.5pt; color: #5B6573; }}
        .name {{ top: 74mm; font-size: 38pt; font-weight: 600; }}
        .title {{ top: 112mm; font-size: 22pt; font-weight: 600; color: #1D3557; }}
        .left {{ position: absolute; left: 24.7mm; top: 152mm; font-size: 8pt; color: #5B6573; }}
        .left b {{ display: block; font-size: 12pt; color: #1B1F24; font-weight: 600; margin-bottom: 4mm; }}
        .qr {{ position: absolute; left: 244mm; top: 153mm; width: 28mm; height: 28mm; }}
        .qr svg {{ width: 28mm; height: 28mm; }}
        .footer {{ top: 192mm; font-size: 7.5pt; color: #5B6573; }}
        """,
        font_config=font_config,
    )

    def render(job: Job) -> bytes:
        doc, lang = job
        texts = template.texts_for(lang)
        e = html.escape
        qr = segno.make_qr(doc.verify_url, error="m").svg_inline(border=0)
        document = f"""<html lang="{lang}"><body><div class="page">
            <div class="outer"></div><div class="inner"></div>
            <div class="c issuer">{e(doc.issuer_name)}</div>
            <div class="c headline">{e(texts.headline)}</div>
            <div class="c muted" style="top: 62mm">{e(texts.certifies_that)}</div>
            <div class="c name">{e(doc.learner_name)}</div>
            <div class="c muted" style="top: 100mm">{e(texts.has_completed)}</div>
            <div class="c title">{e(doc.course_title)}</div>
            <div class="left">{e(texts.issued_on)}<b>{e(format_date(doc.issued_at.date(), lang))}</b>
                {e(texts.certificate_code)}<b>{e(doc.code)}</b></div>
            <div class="qr">{qr}</div>
            <div class="c footer">{e(texts.verify_at)} {e(doc.verify_url)}</div>
        </div></body></html>"""
        pdf: bytes = weasyprint.HTML(string=document).write_pdf(stylesheets=[css], font_config=font_config)
        return pdf

    return render


# --- measurement ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    documents: int
    seconds: list[float]
    mean_size: float
    cpu_seconds: list[float] | None = None
    """Process CPU time per run: steadier than wall time on a busy machine."""

    @property
    def rate(self) -> float:
        return self.documents / statistics.median(self.seconds)


def measure(name: str, render: Callable[[Job], bytes], jobs: Sequence[Job], runs: int) -> Result:
    render(jobs[0])  # warm caches (our static layers, WeasyPrint's font configuration)
    seconds = []
    cpu = []
    size = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = sum(len(render(job)) for job in jobs)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return Result(name, len(jobs), seconds, size / len(jobs), cpu)


_worker_renderer: CertificateRenderer | None = None
_worker_template: CertificateTemplate | None = None


def _worker_init() -> None:
    global _worker_renderer, _worker_template
    _worker_renderer = CertificateRenderer()
    _worker_template = default_template()


def _worker_render(job: Job) -> int:
    assert _worker_renderer is not None
    assert _worker_template is not None
    return len(_worker_renderer.render(job[0], _worker_template, job[1]))


def measure_processes(processes: int, jobs: Sequence[Job], runs: int) -> Result:
    context = multiprocessing.get_context("spawn")  # each worker prepares its own fonts, as in production
    with context.Pool(processes, initializer=_worker_init) as pool:
        pool.map(_worker_render, jobs[: processes * 4])
        seconds = []
        sizes: list[int] = []
        for _ in range(runs):
            started = time.perf_counter()
            sizes = pool.map(_worker_render, jobs, chunksize=25)
            seconds.append(time.perf_counter() - started)
    return Result(f"ours, {processes} processes", len(jobs), seconds, sum(sizes) / len(sizes))


def _cpu_per_document(result: Result) -> float | None:
    if not result.cpu_seconds:
        return None
    return statistics.median(result.cpu_seconds) / result.documents


def check_output(name: str, data: bytes, job: Job) -> None:
    """A reference that drops letters is not a fair comparison: check the name survives."""
    import pypdf

    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    if job[0].learner_name not in text:
        print(f"  warning: {name}: the learner's name does not extract intact", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=500, help="certificates per run (ours)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reference-limit",
        type=int,
        default=100,
        help="certificates per run for the slow references (the first K of the same data; 0 = all)",
    )
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--other-scripts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="add a row for names in Arabic, Georgian, CJK, Devanagari... (fallback fonts, HarfBuzz)",
    )
    args = parser.parse_args(argv)

    template = default_template()
    jobs = make_jobs(args.count, template)
    reference_jobs = jobs[: args.reference_limit] if args.reference_limit > 0 else jobs

    started = time.perf_counter()
    ours = CertificateRenderer()
    startup = time.perf_counter() - started
    print(f"our renderer: fonts prepared in {startup:.2f} s (once per process)")

    results = [
        measure("ours (CertificateRenderer)", lambda job: ours.render(job[0], template, job[1]), jobs, args.runs)
    ]
    if args.other_scripts:
        other = make_jobs(args.count, template, OTHER_SCRIPTS)
        check_output("ours, other scripts", ours.render(other[0][0], template, other[0][1]), other[0])
        results.append(
            measure("ours, names in other scripts", lambda job: ours.render(job[0], template, job[1]), other, args.runs)
        )
        # Every name new to the process (a fresh subset per certificate), measured once: a second
        # run would find the subsets cached.
        fresh = make_jobs(args.count, template, new_names(args.count + 1))
        results.append(
            measure("ours, other scripts, all names new", lambda job: ours.render(job[0], template, job[1]), fresh, 1)
        )
    if args.processes > 1:
        results.append(measure_processes(args.processes, jobs, args.runs))

    with tempfile.TemporaryDirectory() as directory:
        print("instancing static Noto Sans TTFs for the references...")
        regular, semibold = static_fonts(Path(directory))
        fpdf2_render = fpdf2_renderer(regular, semibold, template)
        check_output("fpdf2", fpdf2_render(reference_jobs[0]), reference_jobs[0])
        results.append(measure("fpdf2 2.8.9, add_font per document", fpdf2_render, reference_jobs, args.runs))
        try:
            weasy_render = weasyprint_renderer(regular, semibold, template)
            check_output("WeasyPrint", weasy_render(reference_jobs[0]), reference_jobs[0])
        except (ImportError, OSError) as exc:
            print(f"WeasyPrint skipped: {exc} (pip install -r requirements/bench.txt; it needs Pango)")
        else:
            import weasyprint

            results.append(
                measure(f"WeasyPrint {weasyprint.__version__}, HTML", weasy_render, reference_jobs, args.runs)
            )

    ours_wall = results[0].rate
    ours_cpu = _cpu_per_document(results[0])
    columns = (
        ("docs/run", 8),
        ("median s", 9),
        ("cert/s", 8),
        ("ms/cert", 8),
        ("cpu ms", 7),
        ("KB/pdf", 7),
        ("x wall", 7),
        ("x cpu", 7),
    )
    header = f"{'renderer':<36}" + "".join(f" {title:>{width}}" for title, width in columns)
    print()
    print(header)
    print("-" * len(header))
    for result in results:
        median = statistics.median(result.seconds)
        cpu = _cpu_per_document(result)
        first = result is results[0]
        wall_ratio = "" if first else f"{ours_wall / result.rate:.1f}"
        cpu_ratio = "" if first or cpu is None or ours_cpu is None else f"{cpu / ours_cpu:.1f}"
        print(
            f"{result.name:<36} {result.documents:>8} {median:>9.3f} {result.rate:>8.1f}"
            f" {1000 / result.rate:>8.2f} {'n/a' if cpu is None else f'{1000 * cpu:.2f}':>7}"
            f" {result.mean_size / 1024:>7.1f} {wall_ratio:>7} {cpu_ratio:>7}"
        )
    print(
        f"\nMedians of {args.runs} runs. 'cpu ms' is this process's CPU time per certificate, steadier than"
        "\nwall time on a busy machine. 'x wall' / 'x cpu': how many times faster our single-process"
        f"\nrenderer is than the row. The multi-process row includes shipping PDFs between processes;"
        f"\ncpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the end of the run."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
