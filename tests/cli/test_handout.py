"""`backstretch handout`: a routine printed to a PDF file, read back with real PDF tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from backstretch.cli.app import app
from tests.conftest import WiredRunner
from tests.factories import all_no_answers
from tests.render.reading import handout_text, page_count, page_size, qr_codes

TEN_MINUTES = ["--area", "lower_back", "--minutes", "10"]


def screen(runner: WiredRunner, folder: Path, **answers: object) -> None:
    path = folder / "answers.json"
    path.write_text(json.dumps(all_no_answers(**answers)), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output


def planned(runner: WiredRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def one_line_error(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_saved_routine_prints_on_two_pages_with_its_link(
    runner: WiredRunner, tmp_path: Path, paper: str
) -> None:
    screen(runner, tmp_path)
    plan = planned(runner, *TEN_MINUTES, "--save-as", "Before work")
    out = tmp_path / "handout.pdf"
    result = runner.invoke(
        app, ["handout", "--routine", "Before work", "--paper", paper, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    link = "http://127.0.0.1:8000/plan?routine=Before+work"
    assert f"Wrote {out}: the handout of 'Before work'" in result.stdout
    assert f"Its QR code and link point to {link}" in result.stdout
    pdf = out.read_bytes()
    assert page_count(pdf) <= 2
    assert ("(A4)" if paper == "a4" else "(letter)") in page_size(pdf)
    assert qr_codes(pdf) == [link]
    text = handout_text(pdf, "Before work")
    for number, item in enumerate(plan["items"], 1):  # type: ignore[arg-type]
        assert f"{number}. {item['name']}" in text


def test_a_preset_with_a_link_of_your_own(runner: WiredRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    out = tmp_path / "basic.pdf"
    link = "https://stretch.example.org/r/abc123"
    args = ["handout", "--preset", "basic-daily", "--link", link, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert qr_codes(out.read_bytes()) == [link]
    text = handout_text(out.read_bytes(), "Basic daily routine")
    assert "1. " in text and "Stop this stretch if:" in text


def test_a_routine_file_prints_under_its_own_name(runner: WiredRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    routine = tmp_path / "from-my-physio.yaml"
    planned(runner, *TEN_MINUTES, "--save", str(routine))
    out = tmp_path / "file.pdf"
    result = runner.invoke(app, ["handout", "--routine", str(routine), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # A file has no page in the web app: the link is today's plan there.
    assert "point to http://127.0.0.1:8000/plan\n" in result.stdout
    assert qr_codes(out.read_bytes()) == ["http://127.0.0.1:8000/plan"]


def test_a_safety_block_prints_its_advice_and_no_handout(
    runner: WiredRunner, tmp_path: Path
) -> None:
    screen(runner, tmp_path, night_pain=True)
    out = tmp_path / "blocked.pdf"
    result = runner.invoke(app, ["handout", "--preset", "basic-daily", "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "See a clinician before you stretch" in result.stdout
    assert not out.exists()


def test_without_a_screening_it_says_so_in_one_line(runner: WiredRunner, tmp_path: Path) -> None:
    out = tmp_path / "unscreened.pdf"
    result = runner.invoke(app, ["handout", "--preset", "basic-daily", "--out", str(out)])
    line = one_line_error(result, code=3)
    assert line == "backstretch: no safety screening on file yet: answer the safety questions first"
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--routine", "Nope"], "--routine: no saved routine called 'Nope' and no file Nope"),
        (["--preset", "nope"], "unknown preset 'nope'. Presets: basic-daily,"),
        (["--preset", "basic-daily", "--paper", "a5"], "--paper: 'a5' is not a paper size"),
        (["--preset", "basic-daily", "--routine", "x"], "use --preset or --routine, not both"),
        (["--preset", "basic-daily", "--link", "stretch.example.org"], "--link: 'stretch."),
        ([], "no remembered profile to plan today's routine from: print a ready-made one"),
    ],
    ids=["unknown-routine", "unknown-preset", "paper", "both", "link", "no-profile"],
)
def test_bad_input_is_one_line_and_exit_2(
    runner: WiredRunner, tmp_path: Path, args: list[str], said: str
) -> None:
    screen(runner, tmp_path)
    out = tmp_path / "never.pdf"
    line = one_line_error(runner.invoke(app, ["handout", *args, "--out", str(out)]))
    assert said in line
    assert not out.exists()


def test_an_unwritable_out_is_one_line_and_exit_2(runner: WiredRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    for out, said in (
        (a_file / "handout.pdf", f"--out: cannot write {a_file / 'handout.pdf'}: it has no folder"),
        (tmp_path, f"--out: cannot write {tmp_path}: it is a folder"),
        (Path("/proc/handout.pdf"), "--out: cannot write /proc/handout.pdf: "),
    ):
        result = runner.invoke(app, ["handout", "--preset", "basic-daily", "--out", str(out)])
        assert said in one_line_error(result)
