"""Every command has help text and appears in the README's tour."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from backstretch.cli.app import app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[list[str]]:
    root = get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        for sub in getattr(command, "commands", {}):
            paths.append([name, sub])
    return sorted(paths)


def test_the_daily_loop_commands_are_there() -> None:
    names = {path[0] for path in command_paths()}
    for expected in ("start", "log", "history", "stats", "checkin", "export", "import", "forget"):
        assert expected in names


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(runner: CliRunner, path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) > 3
    assert f"`backstretch {' '.join(path)}" in README, f"README does not show {' '.join(path)}"
