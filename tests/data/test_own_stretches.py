"""A person's own stretches: `stretches add FILE [--replace]` and `stretches remove ID`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.core.models import Movement
from backstretch.core.screening import Restriction, restrictions_rule_out
from backstretch.data import load_catalogue
from tests.data.test_catalogue import VALID


def own_folder(data_dir: Path) -> Path:
    return data_dir / "stretches"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its content."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def stretch_file(tmp_path: Path, file_name: str = "wall.yaml", **changes: Any) -> Path:
    document = copy.deepcopy(VALID)
    document.update(changes)
    path = tmp_path / "incoming" / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def add(runner: CliRunner, path: Path, *extra: str) -> Any:
    return runner.invoke(app, ["stretches", "add", str(path), *extra])


def test_add_a_valid_own_stretch(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path
) -> None:
    result = add(runner, stretch_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Added my-wall-stretch (Wall chest stretch)." in result.stdout
    assert (own_folder(isolated_settings) / "my-wall-stretch.yaml").is_file()
    # No temporary file is left behind.
    assert sorted(snapshot(own_folder(isolated_settings))) == ["my-wall-stretch.yaml"]

    shown = runner.invoke(app, ["show", "my-wall-stretch"])
    assert shown.exit_code == 0, shown.output
    assert "Wall chest stretch" in shown.stdout
    assert "My physiotherapist" in shown.stdout

    listed = runner.invoke(app, ["stretches", "--json"])
    assert listed.exit_code == 0, listed.output
    mine = [s for s in json.loads(listed.stdout) if s["id"] == "my-wall-stretch"]
    assert len(mine) == 1
    assert mine[0]["sources"] == [
        {"fact": "Hold 30 s, twice.", "file": None, "given_by": "My physiotherapist"}
    ]
    assert mine[0]["dose"]["hold_seconds"] == 30


def test_own_stretch_is_found_by_area_and_search(runner: CliRunner, tmp_path: Path) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    by_area = runner.invoke(app, ["stretches", "--area", "upper-back", "--json"])
    assert "my-wall-stretch" in {s["id"] for s in json.loads(by_area.stdout)}
    by_text = runner.invoke(app, ["stretches", "--search", "wall chest", "--json"])
    assert [s["id"] for s in json.loads(by_text.stdout)] == ["my-wall-stretch"]


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"id": "wall-stretch"}, "id", "start with 'my-'"),
        ({"id": "cat-cow"}, "id", "start with 'my-'"),
        ({"movements": None}, "movements", "valid array"),
        ({"position": "all_fours"}, "(entry)", "movements must include"),
        ({"variants": {"easier": ["my-nothing"]}}, "variants.easier", "does not exist"),
        ({"variant_of": "no-such-stretch"}, "variant_of", "does not exist"),
        ({"dose": {"hold_seconds": 90, "choice": "long"}}, "dose.hold_seconds", "60"),
        ({"sources": []}, "sources", "at least 1"),
    ],
    ids=[
        "no-prefix",
        "builtin-id",
        "no-movements",
        "kneeling-tags-missing",
        "missing-variant",
        "missing-parent",
        "hold-90s",
        "no-sources",
    ],
)
def test_a_bad_file_is_rejected_and_changes_nothing(
    runner: CliRunner,
    tmp_path: Path,
    isolated_settings: Path,
    changes: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    before = snapshot(isolated_settings)
    path = stretch_file(tmp_path, **changes)
    result = add(runner, path)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("backstretch: not added: ")
    assert f": {field}: " in message
    assert problem in message
    assert snapshot(isolated_settings) == before


@pytest.mark.parametrize(
    "changes",
    [{"variants": {"easier": ["my-nothing"]}}, {"variant_of": "no-such-stretch"}],
    ids=["missing-variant", "missing-parent"],
)
def test_a_broken_link_names_the_file_that_was_given(
    runner: CliRunner, tmp_path: Path, changes: dict[str, Any]
) -> None:
    # Every other error names the file the person passed; a link to nowhere should too, rather
    # than the not-yet-existing target name "my-wall-stretch.yaml".
    path = stretch_file(tmp_path, **changes)
    result = add(runner, path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"backstretch: not added: {path}: "), result.stderr


def test_missing_movements_key_is_rejected(runner: CliRunner, tmp_path: Path) -> None:
    document = copy.deepcopy(VALID)
    del document["movements"]
    path = tmp_path / "wall.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = add(runner, path)
    assert result.exit_code == 2
    assert f"{path}: movements: Field required" in result.stderr


def test_broken_yaml_is_rejected_and_changes_nothing(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path
) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    before = snapshot(isolated_settings)
    path = tmp_path / "broken.yaml"
    path.write_text("id: my-wall-stretch\nname: [oops\n", encoding="utf-8")
    result = add(runner, path, "--replace")
    assert result.exit_code == 2
    assert f"{path}: line" in result.stderr
    assert "not valid YAML" in result.stderr
    assert snapshot(isolated_settings) == before


def test_a_file_that_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    result = add(runner, tmp_path / "nowhere.yaml")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert "nowhere.yaml" in result.stderr


def test_replace_is_needed_to_overwrite(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path
) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    before = snapshot(isolated_settings)
    changed = stretch_file(tmp_path, "wall2.yaml", name="Doorway stretch")

    refused = add(runner, changed)
    assert refused.exit_code == 2
    assert "--replace" in refused.stderr
    assert snapshot(isolated_settings) == before

    replaced = add(runner, changed, "--replace")
    assert replaced.exit_code == 0, replaced.output
    shown = runner.invoke(app, ["show", "my-wall-stretch", "--json"])
    assert json.loads(shown.stdout)["name"] == "Doorway stretch"
    assert sorted(snapshot(own_folder(isolated_settings))) == ["my-wall-stretch.yaml"]


def test_own_stretch_may_link_to_builtin_and_own_stretches(
    runner: CliRunner, tmp_path: Path
) -> None:
    first = stretch_file(tmp_path, variants={"alternatives": ["standing-side-stretch"]})
    assert add(runner, first).exit_code == 0
    second = stretch_file(
        tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch", name="Easy wall"
    )
    result = add(runner, second)
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["show", "my-wall-stretch"])
    assert "my-easy-wall" in shown.stdout


def test_remove_an_own_stretch(runner: CliRunner, tmp_path: Path, isolated_settings: Path) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    result = runner.invoke(app, ["stretches", "remove", "my-wall-stretch"])
    assert result.exit_code == 0, result.output
    assert "Removed my-wall-stretch." in result.stdout
    assert snapshot(own_folder(isolated_settings)) == {}
    gone = runner.invoke(app, ["show", "my-wall-stretch"])
    assert gone.exit_code == 2


def test_removing_a_builtin_stretch_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["stretches", "remove", "cat-cow"])
    assert result.exit_code == 2
    assert "cat-cow is built in" in result.stderr
    assert runner.invoke(app, ["show", "cat-cow"]).exit_code == 0


@pytest.mark.parametrize("stretch_id", ["my-unknown", "no-such-stretch"])
def test_removing_an_unknown_stretch_is_refused(runner: CliRunner, stretch_id: str) -> None:
    result = runner.invoke(app, ["stretches", "remove", stretch_id])
    assert result.exit_code == 2
    assert f"you have no stretch '{stretch_id}'" in result.stderr


def test_removing_a_linked_stretch_is_refused(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path
) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    child = stretch_file(tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch")
    assert add(runner, child).exit_code == 0
    before = snapshot(isolated_settings)
    result = runner.invoke(app, ["stretches", "remove", "my-wall-stretch"])
    assert result.exit_code == 2
    assert "linked from my-easy-wall" in result.stderr
    assert snapshot(isolated_settings) == before


def test_safety_rules_apply_to_own_stretches(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path
) -> None:
    path = stretch_file(
        tmp_path,
        position="all_fours",
        movements=["kneeling", "hands_weight", "floor", "spinal_flexion"],
    )
    assert add(runner, path).exit_code == 0
    stretch = load_catalogue(own_folder(isolated_settings)).get("my-wall-stretch")
    assert Movement.KNEELING in stretch.movements
    ruled = restrictions_rule_out(list(Restriction), stretch.movements)
    assert set(ruled) == {
        Restriction.OSTEOPOROSIS,
        Restriction.DISC_WITH_LEG_PAIN,
        Restriction.KNEE_PAIN_KNEELING,
        Restriction.WRIST_PAIN,
        Restriction.NO_FLOOR,
        Restriction.POST_SURGERY,
    }
    assert restrictions_rule_out([Restriction.NECK_GENTLE], stretch.movements) == ()
