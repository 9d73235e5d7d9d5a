"""Routines from a therapist in the terminal: `routines share NAME --out FILE` writes the file,
`routines add FILE` receives it, `plan --routine FILE` plans it straight from the file; the
receiver's own restrictions apply. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from backstretch.cli.app import app
from tests.factories import all_no_answers, own_stretch_document

pytestmark = pytest.mark.usefixtures("database_url")

KNEELING = own_stretch_document(
    "my-rocking-kneel",
    name="Rocking kneel",
    summary="Rock back gently from kneeling.",
    position="kneeling",
    movements=["kneeling", "floor"],
)


def run(runner: CliRunner, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def words(text: str) -> str:
    return " ".join(text.split())


def screen(runner: CliRunner, tmp_path: Path, **answers: Any) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no_answers(**answers)), encoding="utf-8")
    run(runner, "screen", "--answers", str(path), "--json")


@pytest.fixture
def shared(runner: CliRunner, tmp_path: Path) -> Path:
    """A routine file written by `routines share`, holding an own kneeling stretch."""
    stretch = tmp_path / "kneel.yaml"
    stretch.write_text(yaml.safe_dump(KNEELING), encoding="utf-8")
    run(runner, "stretches", "add", str(stretch))
    routine = {
        "name": "Kestrel mornings",
        "items": [
            {"stretch": "knee-to-chest", "hold_seconds": 20, "note": "keep the knee soft"},
            {"stretch": "my-rocking-kneel"},
        ],
    }
    source = tmp_path / "routine.yaml"
    source.write_text(yaml.safe_dump(routine), encoding="utf-8")
    screen(runner, tmp_path)
    run(runner, "plan", "--routine", str(source), "--save-as", "Kestrel mornings")
    out = tmp_path / "out" / "for-my-patient.yaml"
    said = run(runner, "routines", "share", "Kestrel mornings", "--out", str(out))
    assert f"Wrote the routine 'Kestrel mornings' to {out}." in words(said.stdout)
    return out


def forget_everything(runner: CliRunner) -> None:
    """Start afresh as somebody else on this machine would: no routines, no own stretches."""
    run(runner, "forget", "--yes")


def test_share_writes_a_file_with_the_own_stretches_inside(shared: Path) -> None:
    document = yaml.safe_load(shared.read_text(encoding="utf-8"))
    assert set(document) == {"name", "items", "stretches"}
    assert {i["stretch"] for i in document["items"]} == {"knee-to-chest", "my-rocking-kneel"}
    assert [s["id"] for s in document["stretches"]] == ["my-rocking-kneel"]


def test_share_of_an_unknown_routine_names_the_saved_ones(
    runner: CliRunner, shared: Path, tmp_path: Path
) -> None:
    del shared
    result = run(runner, "routines", "share", "Evening", "--out", str(tmp_path / "x.yaml"), code=2)
    assert "no saved routine called 'Evening'. Saved routines: Kestrel mornings." in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_add_receives_it_and_the_receivers_restrictions_apply(
    runner: CliRunner, shared: Path, tmp_path: Path
) -> None:
    forget_everything(runner)
    screen(runner, tmp_path, knee_pain_kneeling=True)
    added = words(run(runner, "routines", "add", str(shared), "--name", "From my physio").stdout)
    assert "Added the routine 'From my physio'." in added
    assert "New own stretches: my-rocking-kneel." in added
    assert "backstretch plan --routine 'From my physio'" in added
    planned = json.loads(run(runner, "plan", "--routine", "From my physio", "--json").stdout)
    assert [i["stretch"] for i in planned["items"]] == ["knee-to-chest"]
    assert [e["stretch"] for e in planned["excluded"]] == ["my-rocking-kneel"]
    # The same file again, under its own name: the stretch it brings is the same, no clash.
    again = json.loads(run(runner, "routines", "add", str(shared), "--json").stdout)
    assert again["added"]["name"] == "Kestrel mornings"
    assert again["own_stretches"] == []


def test_plan_reads_the_shared_file_as_it_is(
    runner: CliRunner, shared: Path, tmp_path: Path
) -> None:
    forget_everything(runner)
    screen(runner, tmp_path)
    planned = json.loads(run(runner, "plan", "--routine", str(shared), "--json").stdout)
    assert {i["stretch"] for i in planned["items"]} == {"knee-to-chest", "my-rocking-kneel"}
    # Nothing was stored by planning from the file.
    listed = json.loads(run(runner, "stretches", "--json").stdout)
    assert "my-rocking-kneel" not in [s["id"] for s in listed]


def test_a_bad_file_exits_2_and_adds_nothing(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    stretch = {**KNEELING, "movements": ["floor"]}  # a kneeling way that hides its tag
    document = {"name": "Bad", "items": [{"stretch": "my-rocking-kneel"}], "stretches": [stretch]}
    bad.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = run(runner, "routines", "add", str(bad), code=2)
    assert f"{bad}: stretches.0" in result.stderr
    assert "movements must include kneeling" in result.stderr
    assert json.loads(run(runner, "routines", "--json").stdout) == []
    missing = run(runner, "routines", "add", str(tmp_path / "nowhere.yaml"), code=2)
    assert "cannot read" in missing.stderr
