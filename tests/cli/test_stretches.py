"""The browsing commands: `stretches`, `show`, `learn`, `--help` and `--version`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backstretch import __version__
from backstretch.cli.app import app
from backstretch.core.dose import describe_dose
from backstretch.core.models import Position, Region
from backstretch.data import builtin_catalogue, education_pages
from tests.factories import all_no_answers

ANSI = re.compile(r"\x1b\[")
SGR = re.compile(r"\x1b\[([0-9;]*)m")
SHOW_KEYS = {
    "id",
    "name",
    "aliases",
    "regions",
    "ways",
    "kind",
    "dose",
    "variants",
    "sources",
}


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(runner: CliRunner, *args: str) -> Any:
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- stretches ----------------------------------------------------------------------------


def test_stretches_json_lists_every_stretch(runner: CliRunner) -> None:
    data = run_json(runner, "stretches", "--json")
    ids = [entry["id"] for entry in data]
    assert ids == sorted(s.id for s in builtin_catalogue())
    for entry in data:
        assert entry["sources"], entry["id"]
        assert all(source["fact"] for source in entry["sources"])
        assert entry["ways"], entry["id"]
        assert all(isinstance(way["movements"], list) for way in entry["ways"])
    assert run_json(runner, "stretches", "--json")[0] == builtin_catalogue().get(ids[0]).model_dump(
        mode="json"
    )


def test_stretches_table_lists_every_stretch(runner: CliRunner) -> None:
    result = run(runner, "stretches")
    assert result.exit_code == 0, result.output
    assert f"{len(builtin_catalogue())} stretches" in result.stdout
    for stretch in builtin_catalogue():
        assert stretch.id in result.stdout


@pytest.mark.parametrize("area", ["lower-back", "lower_back", "Lower-Back"])
def test_area_filter(runner: CliRunner, area: str) -> None:
    data = run_json(runner, "stretches", "--area", area, "--json")
    assert data
    assert all("lower_back" in entry["regions"] for entry in data)
    expected = [s.id for s in builtin_catalogue().filter(region=Region.LOWER_BACK)]
    assert [entry["id"] for entry in data] == expected
    assert len(data) < len(builtin_catalogue())
    assert "neck-flexion" not in {entry["id"] for entry in data}


def test_area_filter_in_the_table(runner: CliRunner) -> None:
    result = run(runner, "stretches", "--area", "neck-shoulders")
    assert result.exit_code == 0, result.output
    assert "neck-flexion" in result.stdout
    assert "glute-bridge" not in result.stdout


def test_position_filter(runner: CliRunner) -> None:
    data = run_json(runner, "stretches", "--position", "chair", "--json")
    assert data
    assert all(any(w["position"] == "chair" for w in entry["ways"]) for entry in data)
    assert {"seated-cat-cow", "chair-spinal-twist"} <= {entry["id"] for entry in data}
    fours = run_json(runner, "stretches", "--position", "all-fours", "--json")
    assert {entry["id"] for entry in fours} == {
        s.id for s in builtin_catalogue() if any(w.position is Position.ALL_FOURS for w in s.ways)
    }


def test_filters_combine(runner: CliRunner) -> None:
    data = run_json(
        runner,
        "stretches",
        "--area",
        "hips",
        "--position",
        "chair",
        "--search",
        "piriformis",
        "--json",
    )
    assert [entry["id"] for entry in data] == ["chair-piriformis-stretch"]


def test_search(runner: CliRunner) -> None:
    data = run_json(runner, "stretches", "--search", "cat", "--json")
    assert {"cat-cow", "seated-cat-cow"} <= {entry["id"] for entry in data}
    assert all(
        "cat" in " ".join([e["id"], e["name"], *e["aliases"], e["summary"]]).lower() for e in data
    )


def test_nothing_matches(runner: CliRunner) -> None:
    assert run_json(runner, "stretches", "--search", "zzzz", "--json") == []
    result = run(runner, "stretches", "--search", "zzzz")
    assert result.exit_code == 0
    assert "No stretches match." in result.stdout


def test_unknown_area_names_the_choices(runner: CliRunner) -> None:
    result = run(runner, "stretches", "--area", "legs")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown area 'legs'" in result.stderr
    for region in Region:
        assert region.value in result.stderr


def test_unknown_position_names_the_choices(runner: CliRunner) -> None:
    result = run(runner, "stretches", "--position", "upside-down", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown position 'upside-down'" in result.stderr
    for position in Position:
        assert position.value in result.stderr


# --- show ---------------------------------------------------------------------------------


def test_show_prints_how_to_do_it_and_when_to_stop(runner: CliRunner) -> None:
    stretch = builtin_catalogue().get("cat-cow")
    result = run(runner, "show", "cat-cow")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Cat-cow" in out
    assert describe_dose(stretch) in out
    assert "10 reps" in out
    assert "Stop if" in out
    flat = " ".join(out.split())
    for line in stretch.stop_if:
        assert " ".join(line.split()) in flat.replace("│ ", "").replace(" │", "")
    assert "seated-cat-cow" in out  # the chair version is offered
    assert "000_5749af37cd5b2802.txt" in out  # sources are shown


def test_show_a_hold(runner: CliRunner) -> None:
    stretch = builtin_catalogue().get("childs-pose")
    result = run(runner, "show", "childs-pose")
    assert result.exit_code == 0, result.output
    assert stretch.name in result.stdout
    assert describe_dose(stretch) in result.stdout
    assert "Stop if" in result.stdout


def test_show_unknown_id_suggests_the_closest(runner: CliRunner) -> None:
    result = run(runner, "show", "cat-cw")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no stretch with id 'cat-cw'" in result.stderr
    assert "Did you mean: cat-cow" in result.stderr


def test_show_json(runner: CliRunner) -> None:
    data = run_json(runner, "show", "cat-cow", "--json")
    assert set(data) >= SHOW_KEYS
    assert data["id"] == "cat-cow"
    assert data["name"] == "Cat-cow"
    assert [way["position"] for way in data["ways"]] == ["all_fours"]
    assert data["kind"] == "reps"
    assert "kneeling" in data["ways"][0]["movements"]
    assert data["variants"]["alternatives"] == ["seated-cat-cow"]
    assert data["dose"]["reps"] == 10
    assert all(source["file"] for source in data["sources"])
    assert data == builtin_catalogue().get("cat-cow").model_dump(mode="json")


def test_show_unknown_id_json_is_still_an_error(runner: CliRunner) -> None:
    result = run(runner, "show", "nope", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


# --- learn --------------------------------------------------------------------------------


def test_learn_lists_the_topics(runner: CliRunner) -> None:
    result = run(runner, "learn")
    assert result.exit_code == 0, result.output
    for page in education_pages():
        assert page.topic in result.stdout


def test_learn_json_lists_the_topics(runner: CliRunner) -> None:
    data = run_json(runner, "learn", "--json")
    assert [entry["topic"] for entry in data] == [p.topic for p in education_pages()]
    assert all(set(entry) == {"topic", "title", "summary"} for entry in data)


def test_learn_prints_a_page(runner: CliRunner) -> None:
    page = {p.topic: p for p in education_pages()}["safety"]
    result = run(runner, "learn", "safety")
    assert result.exit_code == 0, result.output
    assert page.title in result.stdout
    assert "The golden rule" in result.stdout
    assert "Sources" in result.stdout
    assert "002_037d46966b935319.txt" in result.stdout


def test_learn_page_json(runner: CliRunner) -> None:
    data = run_json(runner, "learn", "safety", "--json")
    page = {p.topic: p for p in education_pages()}["safety"]
    assert data == page.model_dump(mode="json")
    assert data["body"].startswith("## The golden rule")


def test_learn_unknown_topic(runner: CliRunner) -> None:
    result = run(runner, "learn", "nope")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no topic 'nope'" in result.stderr
    assert "safety" in result.stderr


# --- output hygiene -----------------------------------------------------------------------

HUMAN_COMMANDS = [
    ["stretches"],
    ["stretches", "--area", "hips"],
    ["show", "cat-cow"],
    ["show", "cat-cw"],
    ["learn"],
    ["learn", "safety"],
    ["learn", "nope"],
]


@pytest.mark.parametrize("args", HUMAN_COMMANDS, ids=" ".join)
def test_no_color_output_has_no_escapes(runner: CliRunner, args: list[str]) -> None:
    result = run(runner, *args)
    assert os.environ["NO_COLOR"]
    assert not ANSI.search(result.stdout), result.stdout
    assert not ANSI.search(result.stderr), result.stderr


def _colour_codes(text: str) -> list[str]:
    codes = []
    for match in SGR.finditer(text):
        params = [int(p) for p in match.group(1).split(";") if p]
        if any(30 <= p <= 38 or 40 <= p <= 48 or 90 <= p <= 97 or 100 <= p <= 107 for p in params):
            codes.append(match.group(0))
    return codes


@pytest.mark.parametrize("args", HUMAN_COMMANDS[:3] + HUMAN_COMMANDS[4:6], ids=" ".join)
def test_no_color_on_a_terminal_has_no_colours(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    # FORCE_COLOR makes Rich behave as on a terminal; NO_COLOR must still remove every colour.
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    assert _colour_codes(result.stdout) == []


def test_colours_appear_without_no_color(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the test above: on a terminal, without NO_COLOR, `show` uses colour."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    result = run(runner, "show", "cat-cow")
    assert result.exit_code == 0, result.output
    assert _colour_codes(result.stdout) != []


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


COMMAND_PATHS = _command_paths(typer.main.get_command(app))


def test_the_expected_commands_exist() -> None:
    assert {
        (),
        ("stretches",),
        ("stretches", "add"),
        ("stretches", "remove"),
        ("show",),
        ("learn",),
    } <= set(COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "backstretch")
def test_help(runner: CliRunner, path: tuple[str, ...]) -> None:
    result = run(runner, *path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert " ".join(("backstretch", *path)) in result.stdout
    assert not ANSI.search(result.stdout)


def test_version_via_python_m(tmp_path: Path) -> None:
    env = {**os.environ, "BACKSTRETCH_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "backstretch", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"backstretch {__version__}\n"
    assert not (tmp_path / "data").exists()  # printing the version touches no data


@pytest.mark.usefixtures("database_url")
def test_show_says_why_a_stretch_stays_out_of_your_plans(runner: CliRunner, tmp_path: Path) -> None:
    # "Why not cobra?" asked of someone whose screening rules out holding the back arched.
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(all_no_answers(stenosis_or_spondylolisthesis=True)))
    assert runner.invoke(app, ["screen", "--answers", str(answers)]).exit_code == 0
    shown = run(runner, "show", "cobra")
    assert shown.exit_code == 0
    assert "Not in your plans: it holds the back arched." in " ".join(shown.stdout.split())
    assert "Not in your plans" not in run(runner, "show", "cat-cow").stdout


def test_show_puts_each_heading_on_its_own_line(runner: CliRunner) -> None:
    # A heading and its first step on one line read as one sentence at any width.
    shown = run(runner, "show", "hamstring-stretch").stdout
    lines = [line.rstrip() for line in shown.splitlines()]
    assert "Get set, on a chair (needs: chair)" in lines
    assert "Move, on a chair" in lines
    assert "Finish" in lines
    following = lines[lines.index("Move, on a chair") + 1]
    assert following.startswith("• Slowly straighten your right knee")
