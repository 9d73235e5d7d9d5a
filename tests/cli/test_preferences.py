"""Settings saved on the web settings page apply in the terminal too: one person, one database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import Store
from tests.conftest import FIXED_NOW
from tests.factories import all_no_answers


def save(store: Store, **data: object) -> None:
    with transaction(store.sessions) as session:
        repository.save_preferences(db=session, data=data, at=FIXED_NOW)


def test_the_saved_lead_in_shapes_the_terminal_plan(runner: CliRunner, store: Store) -> None:
    save(store, lead_in_seconds=11)
    result = runner.invoke(app, ["plan", "--area", "neck_shoulders", "--minutes", "5", "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["timeline"][0]
    assert (first["kind"], first["duration_ms"]) == ("get_ready", 11_000)


def test_the_saved_emergency_number_is_in_the_terminal_advice(
    runner: CliRunner, store: Store, tmp_path: Path
) -> None:
    save(store, emergency_region="nz")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(all_no_answers(chest_pain=True)), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(answers), "--json"])
    assert result.exit_code == 0, result.output
    assert "Call 111 now" in json.loads(result.stdout)["advice"]["actions"][0]
