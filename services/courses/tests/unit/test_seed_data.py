"""The demo catalogue's data files: complete in every language, and refused with a clear message when not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from courses.seed import DATA, LANGS, SeedDataError, load_catalogue

pytestmark = pytest.mark.unit


def test_the_catalogue_has_five_courses_each_fully_translated_with_a_quiz() -> None:
    catalogue = load_catalogue()
    assert [c.slug for c in catalogue.courses] == [
        "participatory-budgeting-for-municipalities",
        "city-level-governance-and-accountability",
        "adequate-and-affordable-housing",
        "climate-adaptation-for-cities",
        "smart-cities-for-people",
    ]
    assert len({c.owner.sub for c in catalogue.courses}) == 5
    for course in catalogue.courses:
        assert course.default_language in LANGS
        for text in (course.title, course.summary, course.lesson1_body, course.handbook, course.lesson3_body):
            assert list(text) == list(LANGS)
        single, multiple = course.questions
        assert sum(correct for _, correct in single.options) == 1
        assert sum(correct for _, correct in multiple.options) > 1
        # a multiple-choice prompt tells the learner so, in every language
        assert all(multiple.prompt[lang].endswith(")") for lang in LANGS)
        assert multiple.prompt["en"].endswith(" (choose all that apply)")


def copy_of_data(tmp_path: Path) -> Path:
    folder = tmp_path / "seed_data"
    shutil.copytree(DATA, folder)
    return folder


def test_a_missing_translation_names_the_file_and_the_field(tmp_path: Path) -> None:
    folder = copy_of_data(tmp_path)
    path = folder / "smart-cities-for-people.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["lesson3"]["ky"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedDataError, match=r"smart-cities-for-people.yaml: lesson3: give a text in each of"):
        load_catalogue.__wrapped__(folder)


def test_an_owner_who_is_not_a_demo_trainer_is_refused(tmp_path: Path) -> None:
    folder = copy_of_data(tmp_path)
    path = folder / "climate-adaptation-for-cities.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["owner"] = "someone-else"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedDataError, match="owner 'someone-else' is not one of the trainers"):
        load_catalogue.__wrapped__(folder)
