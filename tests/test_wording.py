"""User-facing text stays wellness wording, in our own words.

Covers the catalogue, screening wording, education pages, templates, the README and every string
the command line and web app show.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

import backstretch

PACKAGE = Path(backstretch.__file__).parent
REPO = PACKAGE.parents[1]
SEEDS = REPO.parent / "shared" / "seeds"

TREATMENT_CLAIMS = re.compile(
    r"\b(treat(s|ed|ing|ment|ments)?|cur(e|es|ed|ing)|heal(s|ed|ing)?|diagnos(e|es|ed|is|ing|tic)"
    r"|therap(y|ies|eutic)|reliev(e|es|ed|ing)|relief|alleviat(e|es|ed|ing|ion)|remed(y|ies)"
    r"|rehabilitation)\b",
    re.IGNORECASE,
)
CONDITIONS = re.compile(
    r"\b(sciatica|herniat\w*|stenosis|spondylolisthesis|osteoporosis|arthritis|slipped disc"
    r"|cauda equina|myelopathy|meningitis|cancer|tuberculosis|spondylitis)\b",
    re.IGNORECASE,
)
# A condition may be named only to ask whether a clinician has told the person about it.
SIGNPOSTING = re.compile(r"told you|been told", re.IGNORECASE)


# Machine-facing fields: ids, tags, enum values and file references, never shown as prose.
NOT_PROSE = {
    "id",
    "file",
    "tier",
    "group",
    "variant_of",
    "position",
    "kind",
    "level",
    "regions",
    "movements",
    "equipment",
    "sides",
    "easier",
    "harder",
    "alternatives",
    "topic",
}


def prose(value: object, key: str | None = None) -> list[str]:
    """Return the human-readable strings in parsed YAML, skipping ids, tags and keys."""
    if key in NOT_PROSE:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in prose(v, str(k))]
    if isinstance(value, list):
        return [text for item in value for text in prose(item, key)]
    return []


def data_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((PACKAGE / "data").rglob("*")):
        name = str(path.relative_to(REPO))
        if path.suffix in {".yaml", ".yml"}:
            texts.append((name, "\n".join(prose(yaml.safe_load(path.read_text("utf-8"))))))
        elif path.suffix == ".md":
            _, front, body = path.read_text("utf-8").split("---", 2)
            texts.append((name, "\n".join([*prose(yaml.safe_load(front)), body])))
    # The web pages and the printed documents (handout, clinician summary).
    for folder in ("web", "render"):
        for path in sorted((PACKAGE / folder).rglob("*.html")):
            texts.append((str(path.relative_to(REPO)), path.read_text("utf-8")))
    readme = REPO / "README.md"
    if readme.exists():
        texts.append(("README.md", readme.read_text(encoding="utf-8")))
    return texts


def interface_strings() -> list[tuple[str, str]]:
    """Return every string literal of the command line and web code (help texts included)."""
    found = []
    for folder in ("cli", "web", "services", "render"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            strings = [
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            ]
            found.append((str(path.relative_to(REPO)), "\n".join(strings)))
    return found


ALL_TEXTS = data_texts() + interface_strings()


def sentences_with(pattern: re.Pattern[str], text: str) -> list[str]:
    sentences = re.split(r"(?<=[.?!])\s+|\n", text)
    return [s.strip() for s in sentences if pattern.search(s)]


def test_there_is_text_to_check() -> None:
    names = [name for name, _ in ALL_TEXTS]
    assert any(n.endswith("screening.yaml") for n in names)
    assert any("stretches" in n for n in names)
    assert any(n.endswith("app.py") for n in names)


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_no_treatment_or_diagnosis_claims(name: str, text: str) -> None:
    found = sentences_with(TREATMENT_CLAIMS, text)
    assert not found, f"{name} makes treatment or diagnosis claims: {found[:3]}"


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_conditions_are_named_only_as_signposting(name: str, text: str) -> None:
    found = [s for s in sentences_with(CONDITIONS, text) if not SIGNPOSTING.search(s)]
    assert not found, (
        f"{name} names a condition outside a 'has a clinician told you' question: {found[:3]}"
    )


@pytest.mark.parametrize(
    "sentence",
    ["This routine will heal your back.", "We treat back pain.", "Pain relief in minutes."],
)
def test_the_claim_check_catches_claims(sentence: str) -> None:
    assert sentences_with(TREATMENT_CLAIMS, sentence)


def test_the_condition_check_allows_only_signposting() -> None:
    assert not [
        s
        for s in sentences_with(CONDITIONS, "Has a clinician told you that you have osteoporosis?")
        if not SIGNPOSTING.search(s)
    ]
    assert sentences_with(CONDITIONS, "Your sciatica will ease.")


def test_the_disclaimer_comes_before_the_first_question() -> None:
    from backstretch.data import screening_guide

    guide = screening_guide()
    assert "not a medical device" in guide.disclaimer
    assert "doctor or physiotherapist" in guide.disclaimer


WORD = re.compile(r"[a-z0-9']+")
RUN = 10


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    if not SEEDS.is_dir():
        pytest.skip(f"the source articles are not beside the checkout ({SEEDS} is absent)")
    runs: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        seed = words(path.read_text(errors="ignore"))
        runs.update(tuple(seed[i : i + RUN]) for i in range(len(seed) - RUN + 1))
    return runs


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_own_words(name: str, text: str, seed_runs: set[tuple[str, ...]]) -> None:
    ours = words(text)
    copied = [
        " ".join(ours[i : i + RUN])
        for i in range(len(ours) - RUN + 1)
        if tuple(ours[i : i + RUN]) in seed_runs
    ]
    assert not copied, f"{name} copies {len(copied)} ten-word runs from the sources: {copied[:3]}"


def test_own_words_check_catches_a_copy(seed_runs: set[tuple[str, ...]]) -> None:
    any_run = next(iter(seed_runs))
    text = "Here it is: " + " ".join(any_run) + "."
    ours = words(text)
    assert any(tuple(ours[i : i + RUN]) in seed_runs for i in range(len(ours) - RUN + 1))
