"""Saved routines: `plan --save-as NAME`, `plan --routine NAME_OR_FILE`, `routines` and
`routines remove NAME`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from backstretch.cli.app import app
from backstretch.config import get_settings
from backstretch.core.safety import BlockKind
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import open_store
from backstretch.db.tables import AccountRow
from tests.conftest import FIXED_NOW
from tests.data.test_catalogue import VALID

pytestmark = pytest.mark.usefixtures("database_url")

DESK = ["plan", "--area", "lower_back", "--minutes", "10", "--setting", "chair"]


def run(runner: CliRunner, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def run_json(runner: CliRunner, *args: str) -> Any:
    return json.loads(run(runner, *args, "--json").stdout)


def words(text: str) -> str:
    return " ".join(text.split())


def saved_names() -> list[str]:
    store = open_store(get_settings().resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            return [routine.name for routine in repository.list_routines(db=session)]
    finally:
        store.close()


def test_save_as_then_plan_the_routine_again_by_name(runner: CliRunner) -> None:
    first = run_json(runner, *DESK, "--save-as", "Desk break")
    listed = run_json(runner, "routines")
    assert [r["name"] for r in listed] == ["Desk break"]
    assert [i["stretch"] for i in listed[0]["items"]] == [i["stretch"] for i in first["items"]]
    assert listed[0]["saved_at"] == FIXED_NOW.isoformat()
    again = run_json(runner, "plan", "--routine", "Desk break", "--minutes", "10")
    assert again["items"] == [
        {**item, "why": "part of the routine you chose"} for item in first["items"]
    ]
    assert again["total_seconds"] == first["total_seconds"]


def test_save_as_says_how_to_use_it(runner: CliRunner) -> None:
    shown = words(run(runner, *DESK, "--save-as", "  After  lunch ").stdout)
    assert (
        "Saved as 'After lunch': plan it again with `backstretch plan --routine 'After lunch'`."
        in (shown)
    )
    assert saved_names() == ["After lunch"]  # spaces tidied


def test_save_as_and_save_to_a_file_together(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "desk.yaml"
    run(runner, *DESK, "--save-as", "Desk", "--save", str(file))
    document = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert [r["items"] for r in run_json(runner, "routines")] == [document["items"]]


def test_a_name_in_use_is_refused_before_planning(runner: CliRunner) -> None:
    run(runner, *DESK, "--save-as", "Desk")
    before = run_json(runner, "routines")
    result = run(runner, "plan", "--area", "neck_shoulders", "--save-as", "Desk", code=2)
    assert result.stdout == ""
    assert "you already have a routine called 'Desk'" in result.stderr
    assert "backstretch routines remove Desk" in result.stderr
    assert run_json(runner, "routines") == before


@pytest.mark.parametrize(
    ("name", "problem"),
    [("   ", "give the routine a name"), ("x" * 121, "a routine name has at most 120 characters")],
    ids=["blank", "too-long"],
)
def test_a_bad_name_exits_2(runner: CliRunner, name: str, problem: str) -> None:
    result = run(runner, *DESK, "--save-as", name, code=2)
    assert f"--save-as: {problem}" in result.stderr
    assert saved_names() == []


def test_nothing_is_saved_when_safety_says_no(runner: CliRunner) -> None:
    store = open_store(get_settings().resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            repository.open_block(
                db=session,
                kind=BlockKind.PAIN_PAUSE,
                reason="pain_rule",
                at=FIXED_NOW,
                timezone="Europe/London",
            )
    finally:
        store.close()
    run(runner, *DESK, "--save-as", "Desk", code=3)
    assert saved_names() == []


def test_a_routine_name_that_is_neither_saved_nor_a_file(runner: CliRunner) -> None:
    result = run(runner, "plan", "--routine", "Evening", code=2)
    assert "--routine: no saved routine called 'Evening' and no file Evening" in result.stderr
    assert "backstretch routines" in result.stderr


def test_a_saved_name_comes_before_a_file_of_that_name(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_json(runner, *DESK, "--save-as", "desk.yaml")
    monkeypatch.chdir(tmp_path)
    Path("desk.yaml").write_text(
        yaml.safe_dump({"name": "From the file", "items": [{"stretch": "neck-flexion"}]}), "utf-8"
    )
    planned = run_json(runner, "plan", "--routine", "desk.yaml")
    assert [i["stretch"] for i in planned["items"]] == [i["stretch"] for i in first["items"]]
    # Another name: the file.
    Path("neck.yaml").write_text(Path("desk.yaml").read_text(encoding="utf-8"), "utf-8")
    from_file = run_json(runner, "plan", "--routine", "neck.yaml")
    assert [i["stretch"] for i in from_file["items"]] == ["neck-flexion"]


def test_a_saved_routine_whose_own_stretch_was_removed(runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "wall.yaml"
    file.write_text(yaml.safe_dump(VALID), encoding="utf-8")
    run(runner, "stretches", "add", str(file))
    routine = tmp_path / "mine.yaml"
    routine.write_text(
        yaml.safe_dump({"name": "Mine", "items": [{"stretch": "my-wall-stretch"}]}), "utf-8"
    )
    run(runner, "plan", "--routine", str(routine), "--save-as", "Wall")
    run(runner, "stretches", "remove", "my-wall-stretch")
    result = run(runner, "plan", "--routine", "Wall", code=2)
    assert "saved routine 'Wall': items.0.stretch" in result.stderr
    assert "my-wall-stretch" in result.stderr


def test_routines_lists_them_by_name(runner: CliRunner) -> None:
    assert "No saved routines yet" in run(runner, "routines").stdout
    assert run_json(runner, "routines") == []
    run(runner, *DESK, "--save-as", "Zzz evening")
    run(runner, *DESK, "--save-as", "Afternoon")
    shown = run(runner, "routines").stdout
    assert "Your saved routines" in shown
    assert shown.index("Afternoon") < shown.index("Zzz evening")
    assert "2026-11-02" in shown
    assert [r["name"] for r in run_json(runner, "routines")] == ["Afternoon", "Zzz evening"]


def test_routines_remove(runner: CliRunner) -> None:
    run(runner, *DESK, "--save-as", "Desk")
    run(runner, *DESK, "--save-as", "Sofa")
    assert "Removed the routine 'Desk'." in run(runner, "routines", "remove", "Desk").stdout
    assert saved_names() == ["Sofa"]
    removed = run_json(runner, "routines", "remove", "Sofa")
    assert removed["removed"]["name"] == "Sofa"
    assert saved_names() == []


def test_removing_an_unknown_routine_exits_2_naming_the_saved_ones(runner: CliRunner) -> None:
    result = run(runner, "routines", "remove", "Desk", code=2)
    assert "no saved routine called 'Desk'. You have none saved." in result.stderr
    run(runner, *DESK, "--save-as", "Sofa")
    result = run(runner, "routines", "remove", "Desk", "--json", code=2)
    assert result.stdout == ""
    assert "no saved routine called 'Desk'. Saved routines: Sofa." in result.stderr


def test_another_persons_routines_are_not_yours(runner: CliRunner) -> None:
    store = open_store(get_settings().resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            session.add(AccountRow(id=2, username="second", created_at=FIXED_NOW))
        with transaction(store.for_owner(2)) as session:
            repository.save_routine(
                db=session,
                name="Theirs",
                document={"name": "Theirs", "items": [{"stretch": "cat-cow"}]},
                at=FIXED_NOW,
            )
    finally:
        store.close()
    assert run_json(runner, "routines") == []
    assert (
        "no saved routine called 'Theirs'"
        in run(runner, "plan", "--routine", "Theirs", code=2).stderr
    )
    run(runner, "routines", "remove", "Theirs", code=2)
    # The same name is free for this person.
    run(runner, *DESK, "--save-as", "Theirs")
    assert saved_names() == ["Theirs"]
