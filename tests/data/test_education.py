"""The education pages behind `learn`: complete, sourced, and validated with clear messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backstretch.core.catalogue import CatalogueError
from backstretch.core.education import EducationPage, parse_page
from backstretch.data import education_pages

SHARED = Path(__file__).parents[3] / "shared"
REQUIRED_TOPICS = (
    "safety",
    "when-to-stretch",
    "mistakes",
    "anatomy",
    "beyond-stretching",
    "when-to-seek-help",
)


@pytest.fixture(scope="module")
def pages() -> dict[str, EducationPage]:
    return {page.topic: page for page in education_pages()}


def test_required_topics_exist(pages: dict[str, EducationPage]) -> None:
    missing = sorted(set(REQUIRED_TOPICS) - set(pages))
    assert missing == []


def test_topics_are_in_file_name_order(pages: dict[str, EducationPage]) -> None:
    assert list(pages) == sorted(pages)


def test_every_page_has_title_summary_body_and_sources(pages: dict[str, EducationPage]) -> None:
    for topic, page in pages.items():
        assert page.title.strip(), topic
        assert page.summary.strip(), topic
        assert len(page.body) > 200, f"{topic}: the body is too short to help anyone"
        assert page.sources, topic
        assert all(source.fact.strip() for source in page.sources), topic


def test_titles_are_unique(pages: dict[str, EducationPage]) -> None:
    titles = [page.title for page in pages.values()]
    assert len(titles) == len(set(titles))


def test_bodies_hold_no_front_matter(pages: dict[str, EducationPage]) -> None:
    for topic, page in pages.items():
        assert not page.body.startswith("---"), topic
        assert not re.search(r"^(title|summary|sources):", page.body, re.MULTILINE), topic


def test_every_page_cites_a_source_file(pages: dict[str, EducationPage]) -> None:
    for topic, page in pages.items():
        assert any(source.file for source in page.sources), topic


def test_every_cited_file_exists(pages: dict[str, EducationPage]) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the shared research folder {SHARED} is absent, so files cannot be checked")
    missing = []
    for topic, page in pages.items():
        for source in page.sources:
            if source.file is None:
                continue
            folder = SHARED if source.file.startswith("research/") else SHARED / "seeds"
            if not (folder / source.file).is_file():
                missing.append(f"{topic}: {source.file}")
    assert missing == []


def test_seek_help_page_covers_emergencies(pages: dict[str, EducationPage]) -> None:
    body = pages["when-to-seek-help"].body.lower()
    assert "emergency" in body
    assert "backstretch screen --clear" in body


def test_safety_page_says_never_into_sharp_pain(pages: dict[str, EducationPage]) -> None:
    assert "sharp pain" in pages["safety"].body.lower()


FRONT = {"title": "A page", "summary": "One line.", "sources": [{"file": None, "fact": "x"}]}


@pytest.mark.parametrize(
    ("front_matter", "body", "field"),
    [
        (None, "## Body", "(front matter)"),
        ({"summary": "One line.", "sources": [{"given_by": "Me", "fact": "x"}]}, "## B", "title"),
        ({**FRONT, "sources": []}, "## Body", "sources"),
        ({**FRONT, "sources": [{"fact": "no origin"}]}, "## Body", "sources.0"),
        ({**FRONT, "sources": [{"given_by": "Me", "fact": "x"}]}, "   \n", "body"),
        ({**FRONT, "sources": [{"given_by": "Me", "fact": "x"}], "extra": 1}, "## B", "extra"),
    ],
    ids=["no-front-matter", "no-title", "no-sources", "source-origin", "empty-body", "extra"],
)
def test_a_broken_page_names_file_and_field(front_matter: object, body: str, field: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_page("a-page", front_matter, body, origin="education/a-page.md")
    assert caught.value.origin == "education/a-page.md"
    assert caught.value.field == field
    assert str(caught.value).startswith(f"education/a-page.md: {field}: ")


def test_a_valid_page_parses() -> None:
    front = {**FRONT, "sources": [{"file": "research/clinical.md", "fact": "x"}]}
    page = parse_page("a-page", front, "\n## Body\n\nText.\n", origin="education/a-page.md")
    assert page.topic == "a-page"
    assert page.body == "## Body\n\nText."
