"""``python -m courses.seed``: load the demo catalogue into a running stack, through the REST API.

Five courses of the UN-Habitat and Organization of Turkic States cooperation, in seven languages, each
with a quiz and a multi-page PDF handbook generated here (Noto Sans, so every script renders). The
PDF goes up the way a browser sends it: a presigned POST policy, then confirmMaterialUpload.

The catalogue is data: ``seed_data/catalogue.yaml`` (languages, demo trainers, shared texts, the list
of course files) and one YAML file per course, checked when loaded (every text in every language).

Idempotent by slug: a course already published is left alone; a draft left by an interrupted run is
emptied and rebuilt. Tokens are minted for demo trainers with ``LMS_JWT_SECRET`` (development only).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fontpkg_noto_sans
import httpx
import jwt
import yaml
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from courses.config import get_settings
from lms_shared.auth import dev_secret_from_data_dir

DATA = Path(__file__).resolve().parent / "seed_data"
LANGS = ("en", "tr", "az", "kk", "ky", "uz", "ru")
FONT = Path(fontpkg_noto_sans.__file__).parent / "files" / "NotoSans[wdth,wght].ttf"
LANGUAGE_NAMES = {
    "en": "English",
    "tr": "Türkçe",
    "az": "Azərbaycanca",
    "kk": "Қазақша",
    "ky": "Кыргызча",
    "uz": "Oʻzbekcha",
    "ru": "Русский",
}
_MARKDOWN = re.compile(r"(\*\*|\*|^#+\s*|^>\s*)", re.MULTILINE)


# --- the catalogue, from seed_data/ --------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    prompt: dict[str, str]
    options: tuple[tuple[dict[str, str], bool], ...]


@dataclass(frozen=True)
class Trainer:
    sub: str
    name: str
    org: str
    locale: str


@dataclass(frozen=True)
class SeedCourse:
    slug: str
    owner: Trainer
    default_language: str
    topics: tuple[str, ...]
    title: dict[str, str]
    summary: dict[str, str]
    module1: dict[str, str]
    lesson1: dict[str, str]
    lesson1_body: dict[str, str]
    handbook: dict[str, str]
    module2: dict[str, str]
    lesson3: dict[str, str]
    lesson3_body: dict[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Catalogue:
    trainers: tuple[Trainer, ...]
    quiz_title: dict[str, str]
    courses: tuple[SeedCourse, ...]


class SeedDataError(ValueError):
    """A seed data file is not what the loader expects; the message names the file and the field."""


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SeedDataError(f"{path.name}: expected a mapping at the top level")
    return data


def _localized(value: Any, where: str) -> dict[str, str]:
    """A text in exactly the seven languages, in the suite's order."""
    if not isinstance(value, dict) or set(value) != set(LANGS):
        found = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise SeedDataError(f"{where}: give a text in each of {', '.join(LANGS)} (found {found})")
    if not all(isinstance(value[lang], str) and value[lang].strip() for lang in LANGS):
        raise SeedDataError(f"{where}: every translation must be non-empty text")
    return {lang: value[lang] for lang in LANGS}


def _course(path: Path, trainers: dict[str, Trainer], all_that_apply: dict[str, str]) -> SeedCourse:
    data = _read(path)
    name = path.name

    def text(key: str) -> dict[str, str]:
        return _localized(data.get(key), f"{name}: {key}")

    for key in ("slug", "default_language"):
        if not isinstance(data.get(key), str):
            raise SeedDataError(f"{name}: {key} is missing")
    if data["default_language"] not in LANGS:
        raise SeedDataError(f"{name}: default_language must be one of {', '.join(LANGS)}")
    owner = trainers.get(data.get("owner", ""))
    if owner is None:
        raise SeedDataError(f"{name}: owner {data.get('owner')!r} is not one of the trainers of catalogue.yaml")
    questions = []
    for n, q in enumerate(data.get("questions") or [], start=1):
        prompt = _localized(q.get("prompt"), f"{name}: question {n} prompt")
        if q.get("all_that_apply"):
            prompt = {lang: prompt[lang] + all_that_apply[lang] for lang in LANGS}
        options = tuple(
            (_localized(o.get("label"), f"{name}: question {n} option {m}"), bool(o.get("correct")))
            for m, o in enumerate(q.get("options") or [], start=1)
        )
        if not any(correct for _, correct in options):
            raise SeedDataError(f"{name}: question {n} has no correct option")
        questions.append(Question(prompt, options))
    if not questions:
        raise SeedDataError(f"{name}: a course needs questions for its quiz")
    return SeedCourse(
        slug=str(data["slug"]),
        owner=owner,
        default_language=str(data["default_language"]),
        topics=tuple(str(t) for t in data.get("topics") or ()),
        title=text("title"),
        summary=text("summary"),
        module1=text("module1"),
        lesson1=text("lesson1"),
        lesson1_body=text("lesson1_body"),
        handbook=text("handbook"),
        module2=text("module2"),
        lesson3=text("lesson3"),
        lesson3_body=text("lesson3_body"),
        questions=tuple(questions),
    )


@lru_cache
def load_catalogue(folder: Path = DATA) -> Catalogue:
    """The demo catalogue from ``folder`` (``seed_data/`` by default)."""
    common = _read(folder / "catalogue.yaml")
    if tuple(common.get("languages") or ()) != LANGS:
        raise SeedDataError(f"catalogue.yaml: languages must be {list(LANGS)}")
    trainers = tuple(Trainer(**t) for t in common["trainers"])
    by_sub = {t.sub: t for t in trainers}
    all_that_apply = _localized(common.get("all_that_apply"), "catalogue.yaml: all_that_apply")
    courses = tuple(_course(folder / f, by_sub, all_that_apply) for f in common["courses"])
    return Catalogue(trainers, _localized(common.get("quiz_title"), "catalogue.yaml: quiz_title"), courses)


def plain(markdown: str) -> str:
    """Lesson Markdown as printable text (the handbook shows the words, not the markup)."""
    return _MARKDOWN.sub("", markdown).replace("\n- ", "\n• ")


def _line(pdf: FPDF, height: int, text: str) -> None:
    """A paragraph across the page width, the cursor then at the start of the next line."""
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def handbook_pdf(course: SeedCourse, quiz_title: dict[str, str]) -> bytes:
    """A multi-page PDF handbook: a cover with every translation, then one page per language."""
    pdf = FPDF(format="A4")
    pdf.set_title(course.handbook["en"])
    pdf.set_author("Kentbilim — UN-Habitat × Organization of Turkic States")
    pdf.add_font("Noto", fname=str(FONT))
    pdf.set_auto_page_break(auto=True, margin=18)

    pdf.add_page()
    pdf.set_font("Noto", size=11)
    _line(pdf, 6, "UN-Habitat × Organization of Turkic States — municipal training programme")
    pdf.ln(8)
    pdf.set_font("Noto", size=22)
    _line(pdf, 11, course.title["en"])
    pdf.ln(4)
    pdf.set_font("Noto", size=12)
    for lang in LANGS:
        _line(pdf, 7, f"{LANGUAGE_NAMES[lang]}: {course.title[lang]}")
    pdf.ln(6)
    _line(pdf, 6, course.summary["en"])

    for lang in LANGS:
        pdf.add_page()
        pdf.set_font("Noto", size=9)
        _line(pdf, 5, f"{LANGUAGE_NAMES[lang]} · {course.title[lang]}")
        pdf.ln(3)
        pdf.set_font("Noto", size=17)
        _line(pdf, 9, course.handbook[lang])
        pdf.ln(2)
        pdf.set_font("Noto", size=11)
        _line(pdf, 6, course.summary[lang])
        for module, lesson, body in (
            (course.module1, course.lesson1, course.lesson1_body),
            (course.module2, course.lesson3, course.lesson3_body),
        ):
            pdf.ln(4)
            pdf.set_font("Noto", size=14)
            _line(pdf, 8, f"{module[lang]} — {lesson[lang]}")
            pdf.set_font("Noto", size=11)
            _line(pdf, 6, plain(body[lang]))
        pdf.ln(4)
        pdf.set_font("Noto", size=14)
        _line(pdf, 8, quiz_title[lang])
        pdf.set_font("Noto", size=11)
        for n, question in enumerate(course.questions, start=1):
            _line(pdf, 6, f"{n}. {question.prompt[lang]}")
            for label, _ in question.options:
                _line(pdf, 6, f"    ( ) {label[lang]}")
    return bytes(pdf.output())


def texts(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"lang": lang, "text": values[lang]} for lang in LANGS]


def mint_token(secret: str, trainer: Trainer, ttl: int = 3600) -> str:
    now = int(time.time())
    claims = {
        "sub": trainer.sub,
        "name": trainer.name,
        "roles": ["trainer"],
        "org": trainer.org,
        "locale": trainer.locale,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class SeedError(RuntimeError):
    pass


class Seeder:
    """Builds each demo course through the courses REST API, as its trainer."""

    def __init__(self, http: httpx.Client, secret: str, catalogue: Catalogue) -> None:
        self.http = http
        self.secret = secret
        self.catalogue = catalogue

    def _call(self, trainer: Trainer, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {mint_token(self.secret, trainer)}"}
        r = self.http.request(method, path, headers=headers, **kwargs)
        if r.status_code >= 300:
            raise SeedError(f"{method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json()

    def seed(self, course: SeedCourse) -> tuple[str, str]:
        """Create (or finish) and publish one course; returns (course id, what happened)."""
        owner = course.owner
        found = self._call(owner, "GET", "/v1/courses", params={"slug": course.slug})["nodes"]
        fields = {
            "titles": texts(course.title),
            "summaries": texts(course.summary),
            "topics": list(course.topics),
            "autoIssueCertificate": True,
        }
        if found and found[0]["version"] >= 1:
            return found[0]["id"], f"already published (version {found[0]['version']})"
        if found:
            cid = found[0]["id"]
            for module in found[0]["modules"]:  # a draft from an interrupted run: start it again
                self._call(owner, "DELETE", f"/v1/modules/{module['id']}")
            self._call(owner, "PATCH", f"/v1/courses/{cid}", json=fields)
        else:
            body = {"slug": course.slug, "defaultLanguage": course.default_language, **fields}
            cid = self._call(owner, "POST", "/v1/courses", json=body)["id"]
        trainers = self.catalogue.trainers
        co_owner = trainers[(trainers.index(owner) + 1) % len(trainers)]
        # Only someone seen signed in as a trainer can become a co-owner (known_trainer).
        self._call(co_owner, "GET", "/v1/courses", params={"slug": course.slug})
        self._call(owner, "POST", f"/v1/courses/{cid}/co-owners", json={"trainerId": co_owner.sub})

        first = self._call(owner, "POST", f"/v1/courses/{cid}/modules", json={"titles": texts(course.module1)})
        self._lesson(owner, first["id"], "TEXT", course.lesson1, bodies=texts(course.lesson1_body), durationMinutes=10)
        material_id = self._upload_handbook(owner, cid, course)
        self._lesson(owner, first["id"], "DOCUMENT", course.handbook, materialId=material_id, durationMinutes=20)

        second = self._call(owner, "POST", f"/v1/courses/{cid}/modules", json={"titles": texts(course.module2)})
        self._lesson(owner, second["id"], "TEXT", course.lesson3, bodies=texts(course.lesson3_body), durationMinutes=10)
        quiz = {
            "passScore": 60,
            "questions": [
                {
                    "prompts": texts(q.prompt),
                    "multiple": sum(correct for _, correct in q.options) > 1,
                    "options": [{"labels": texts(label), "correct": correct} for label, correct in q.options],
                }
                for q in course.questions
            ],
        }
        self._lesson(owner, second["id"], "QUIZ", self.catalogue.quiz_title, quiz=quiz, durationMinutes=5)
        published = self._call(owner, "POST", f"/v1/courses/{cid}/publish")
        return cid, f"published version {published['version']}"

    def _lesson(self, owner: Trainer, module_id: str, kind: str, titles: dict[str, str], **fields: Any) -> None:
        self._call(
            owner, "POST", f"/v1/modules/{module_id}/lessons", json={"kind": kind, "titles": texts(titles), **fields}
        )

    def _upload_handbook(self, owner: Trainer, course_id: str, course: SeedCourse) -> str:
        data = handbook_pdf(course, self.catalogue.quiz_title)
        upload = self._call(
            owner,
            "POST",
            f"/v1/courses/{course_id}/materials",
            json={"filename": f"{course.slug}-handbook.pdf", "contentType": "application/pdf", "size": len(data)},
        )
        # A presigned POST policy: its fields first, then the file (httpx sends data before files).
        fields = {f["name"]: f["value"] for f in upload["uploadFields"]}
        sent = httpx.post(
            upload["uploadUrl"],
            data=fields,
            files={"file": (f"{course.slug}-handbook.pdf", data, "application/pdf")},
            timeout=60,
        )
        if sent.status_code not in (200, 201, 204):
            raise SeedError(f"uploading the handbook of {course.slug} failed: {sent.status_code} {sent.text[:300]}")
        material = self._call(owner, "POST", f"/v1/materials/{upload['material']['id']}/confirm")
        return str(material["id"])


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description="Load the demo catalogue into a running courses service.")
    parser.add_argument("--courses-url", default=settings.courses_url, help="default: LMS_COURSES_URL")
    args = parser.parse_args(argv)
    secret = settings.jwt_secret or dev_secret_from_data_dir(settings.data_dir)
    if not secret:
        print(
            "Set LMS_JWT_SECRET (or LMS_DATA_DIR of a local stack): the seed signs demo trainer tokens.",
            file=sys.stderr,
        )
        return 2
    catalogue = load_catalogue()
    with httpx.Client(base_url=args.courses_url, timeout=60) as http:
        seeder = Seeder(http, secret, catalogue)
        for course in catalogue.courses:
            try:
                cid, outcome = seeder.seed(course)
            except (SeedError, httpx.HTTPError) as exc:
                print(f"{course.slug}: failed: {exc}", file=sys.stderr)
                return 1
            print(f"{course.slug} ({cid}): {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
