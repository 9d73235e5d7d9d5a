"""Where `backstretch` starts: the help printed without loading the command line is Typer's own,
and a command run with only itself built behaves as in the whole command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app, command_name, only
from backstretch.cli.entry import COMMANDS, help_width, program_help


def typer_help(width: int, *args: str) -> str:
    """Return what the whole command line prints for `ARGS --help` at `width`."""
    result = CliRunner().invoke(
        app, [*args, "--help"], prog_name="backstretch", terminal_width=width
    )
    assert result.exit_code == 0, result.output
    return result.output


def run_entry(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `backstretch ARGS` the way the installed script does."""
    return subprocess.run(
        [sys.executable, "-c", "from backstretch.cli.entry import main; main()", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_command_is_in_the_table_in_the_order_typer_lists_them() -> None:
    registered = [command_name(c) for c in [*app.registered_commands, *app.registered_groups]]
    assert registered == list(COMMANDS)


@pytest.mark.parametrize("width", [78, 60, 50])
def test_the_programs_help_is_typers_letter_for_letter(width: int) -> None:
    assert program_help(width) == typer_help(width)


@pytest.mark.parametrize(("columns", "width"), [(200, 78), (80, 78), (60, 58), (40, 50)])
def test_the_help_is_as_wide_as_typer_makes_it(columns: int, width: int) -> None:
    assert help_width(columns) == width


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_built_alone_has_the_same_help(name: str) -> None:
    alone = CliRunner().invoke(only(name), [name, "--help"], prog_name="backstretch")
    assert alone.exit_code == 0, alone.output
    assert alone.output == typer_help(80, name)


def test_a_command_built_alone_refuses_a_wrong_option_as_the_whole_one_does() -> None:
    alone = CliRunner().invoke(only("plan"), ["plan", "--minute", "5"], prog_name="backstretch")
    whole = CliRunner().invoke(app, ["plan", "--minute", "5"], prog_name="backstretch")
    assert alone.exit_code == whole.exit_code == 2
    assert "No such option: --minute" in alone.output
    assert alone.output == whole.output


def test_help_and_version_answer_at_once() -> None:
    helped = run_entry("--help", env={"COLUMNS": "40"})
    assert helped.returncode == 0
    assert helped.stdout == program_help(50)
    assert run_entry("--version").stdout.startswith("backstretch ")


def test_a_bare_backstretch_shows_the_help_as_a_usage_error() -> None:
    bare = run_entry(env={"COLUMNS": "80"})
    assert bare.returncode == 2
    assert bare.stdout == ""
    assert bare.stderr == program_help(78)


def test_a_misspelt_command_gets_typers_suggestion() -> None:
    wrong = run_entry("plna")
    assert wrong.returncode == 2
    assert "No such command 'plna'. Did you mean 'plan'?" in wrong.stderr


def test_a_setting_that_cannot_be_used_is_one_line_naming_it(tmp_path: Path) -> None:
    done = run_entry(
        "plan",
        "--area",
        "lower_back",
        env={"BACKSTRETCH_DATA_DIR": str(tmp_path), "BACKSTRETCH_LEAD_IN_SECONDS": "soon"},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "BACKSTRETCH_LEAD_IN_SECONDS" in done.stderr
    assert "valid integer" in done.stderr
    assert not (tmp_path / "backstretch.sqlite3").exists()  # nothing opened, nothing written
