"""`backstretch summary`: the PDF and the FHIR bundle from the terminal, read back for real."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from backstretch.cli.app import app
from backstretch.services.context import PersonContext
from tests.conftest import WiredRunner
from tests.fakes import FakeNow
from tests.services.summary_history import SESSIONS_DONE, History, record_history

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


@pytest.fixture
def history(me: PersonContext, clock: FakeNow) -> History:
    return record_history(me, clock)


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def test_the_summary_and_the_bundle_in_one_call(
    runner: WiredRunner, history: History, tmp_path: Path, database_url: str
) -> None:
    pdf, fhir = tmp_path / "summary.pdf", tmp_path / "summary.json"
    result = runner.invoke(app, ["summary", "--out", str(pdf), "--fhir", str(fhir)])
    assert result.exit_code == 0, result.output
    assert f"(2026-10-06 to 2026-11-02, {SESSIONS_DONE} sessions) to {pdf}" in result.output
    assert f"to {fhir}." in result.output
    # Health data: readable by the person only.
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    text = pdf_text(pdf)
    for expected in (
        "Stretching summary: 6 Oct 2026 to 2 Nov 2026",
        "Person: not named (pseudonymous)",
        "Weekly target: 3 a week (default)",
        f"{SESSIONS_DONE} 2 of 4",  # sessions done; weeks at target
        "13 Oct 2026 – 19 Oct 2026 2 3",
        "15 Oct 2026, 18:00 Numbness or tingling",
        f"{history.stopped_stretch} the session ended; stretching paused until a clinician's",
        "ended 17 Oct 2026: a clinician's clearance recorded",
        "carrying shopping 3 7 +4 ✓ counts",
        "sitting for an hour 4 7 +3 ✓ counts",
        "+3.5 ✓ counts",
        "Current routine (Mon 2 Nov 2026)",
        "It is not a medical record and makes no assessment.",
    ):
        assert expected in text, expected
    assert "1 Oct 2026" not in text
    document = json.loads(fhir.read_text(encoding="utf-8"))
    Bundle.model_validate(document)
    kinds = [entry["resource"]["resourceType"] for entry in document["entry"]]
    assert kinds.count("QuestionnaireResponse") == 4
    assert kinds.count("DiagnosticReport") == 1
    if database_url.startswith("sqlite"):
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "summary-a4")], check=True
        )


def test_letter_paper_a_label_and_json(
    runner: WiredRunner, history: History, tmp_path: Path
) -> None:
    del history
    pdf = tmp_path / "letter.pdf"
    args = ["summary", "--out", str(pdf), "--paper", "letter", "--name", "R. B.", "--json"]
    args += ["--from", "2026-10-13", "--to", "2026-10-19", "--target", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = json.loads(result.output)
    assert said == {
        "from": "2026-10-13",
        "to": "2026-10-19",
        "sessions": 2,
        "checkins": 1,
        "pdf": str(pdf),
    }
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "612 x 792" in info
    text = pdf_text(pdf)
    assert "Person: R. B." in text and "Weekly target: 2 a week" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2026-10-20", "--to", "2026-10-01"],
            "from: 2026-10-20 is after to (2026-10-01)",
        ),
        (["--from", "next week"], "from: expected a date as YYYY-MM-DD, not 'next week'"),
        (["--to", "2026-13-01"], "to: expected a date as YYYY-MM-DD, not '2026-13-01'"),
        (["--paper", "a5"], "paper: 'a5' is not a paper size; choose a4 or letter"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runner: WiredRunner, tmp_path: Path, database_url: str, args: list[str], message: str
) -> None:
    del database_url
    pdf = tmp_path / "never.pdf"
    result = runner.invoke(app, ["summary", "--out", str(pdf), *args])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"backstretch: {message}"
    assert not pdf.exists()


def test_a_file_to_write_is_required(runner: WiredRunner) -> None:
    result = runner.invoke(app, ["summary"])
    assert result.exit_code == 2
    assert "--out FILE.pdf, --fhir FILE.json, or both" in result.output


def test_an_empty_range_is_an_honest_document(
    runner: WiredRunner, tmp_path: Path, database_url: str
) -> None:
    pdf = tmp_path / "empty.pdf"
    result = runner.invoke(app, ["summary", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "0 sessions" in result.output
    text = pdf_text(pdf)
    assert "No sessions in this range." in text
    assert "No routine is set up yet" in text
    if database_url.startswith("sqlite"):
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "summary-empty")],
            check=True,
        )
