"""`backstretch start`, `log` and `--resume`, driven by a fake clock and scripted keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstretch.cli import context as cli_context
from backstretch.cli.app import app
from tests.factories import all_no_answers
from tests.fakes import FakeClock, ScriptedKeys


def screen_ok(runner: CliRunner, folder: Path) -> None:
    path = folder / "answers.json"
    path.write_text(json.dumps(all_no_answers()), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def devices(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """No terminal: the player prints plain lines and reads the scripted keys."""
    clock = FakeClock()
    state: dict[str, Any] = {"clock": clock, "keys": ScriptedKeys(clock), "interactive": False}
    monkeypatch.setattr(
        cli_context, "player_devices", lambda: (state["clock"], state["keys"], state["interactive"])
    )
    return state


def history(runner: CliRunner) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["history", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("now", "devices")
def test_a_whole_session_without_a_terminal_is_saved(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    result = runner.invoke(
        app, ["start", "--preset", "desk-break", "--pain-before", "4", "--pain-after", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Session complete" in result.output
