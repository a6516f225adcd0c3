"""``python -m courses.seed`` fills a fresh stack with the demo catalogue, and running it again is harmless."""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from courses.seed import LANGS, load_catalogue

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def run_seed(courses_stack: Any) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "courses.seed"],
        env=courses_stack.child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_seed_loads_five_translated_courses_with_pdfs_and_quizzes(courses_stack: Any, people: Any) -> None:
    first = run_seed(courses_stack)
    assert first.count("published version 1") == 5, first
    second = run_seed(courses_stack)
    assert second.count("already published (version 1)") == 5, second

    learner, admin = people("learner", locale="ky"), people("admin")
    for seed in load_catalogue().courses:
        page = await learner.ok("GET", "/v1/courses", params={"slug": seed.slug})
        assert page["totalCount"] == 1, f"{seed.slug} appears {page['totalCount']} times"
        course = page["nodes"][0]
        assert course["status"] == "PUBLISHED" and course["version"] == 1
        assert course["languages"][0] == seed.default_language and sorted(course["languages"]) == sorted(LANGS)
        kinds = [x["kind"] for m in course["modules"] for x in m["lessons"]]
        assert kinds == ["TEXT", "DOCUMENT", "TEXT", "QUIZ"]
        lessons = [x for m in course["modules"] for x in m["lessons"]]
        assert all(len(x["titles"]) == 7 for x in lessons)
        quiz = lessons[3]["quiz"]
        assert len(quiz["questions"]) == 2 and quiz["questions"][1]["multiple"] is True

        material = lessons[1]["material"]
        assert material["status"] == "READY" and material["contentType"] == "application/pdf"
        link = await admin.ok("GET", f"/v1/materials/{material['id']}/download")
        async with httpx.AsyncClient(timeout=30) as s3:
            pdf = (await s3.get(link["url"])).content
        reader = PdfReader(io.BytesIO(pdf))
        text = unicodedata.normalize("NFC", "\n".join(p.extract_text() or "" for p in reader.pages))
        assert len(reader.pages) >= 8
        assert seed.title["kk"] in text.replace("\n", " ") or seed.handbook["kk"] in text
