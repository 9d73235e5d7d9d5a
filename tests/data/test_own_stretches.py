"""A person's own stretches, kept in the database: `stretches add FILE [--replace]`,
`stretches remove ID`, each person's catalogue, and the old folder of files copied in once."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.config import get_settings
from backstretch.core.catalogue import CatalogueError
from backstretch.core.models import Movement
from backstretch.core.screening import Restriction, restrictions_rule_out
from backstretch.data import builtin_catalogue
from backstretch.data.own import (
    LEGACY_MARKER,
    NoSuchOwnStretch,
    OwnStretchError,
    OwnStretchExists,
    add_own_stretch,
    catalogue_for,
    import_legacy_folder,
    remove_own_stretch,
)
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import Store, open_store
from backstretch.db.tables import AccountRow
from tests.conftest import FIXED_NOW
from tests.data.test_catalogue import VALID

# Every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database_url")


def own_folder(data_dir: Path) -> Path:
    return data_dir / "stretches"


def document(**changes: Any) -> str:
    entry = copy.deepcopy(VALID)
    entry.update(changes)
    return yaml.safe_dump(entry, sort_keys=False)


def stretch_file(tmp_path: Path, file_name: str = "wall.yaml", **changes: Any) -> Path:
    path = tmp_path / "incoming" / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document(**changes), encoding="utf-8")
    return path


def add(runner: CliRunner, path: Path, *extra: str) -> Any:
    return runner.invoke(app, ["stretches", "add", str(path), *extra])


@pytest.fixture
def opened() -> Iterator[Store]:
    """The database the CLI uses, opened for the test to look into."""
    store = open_store(get_settings().resolved_database_url)
    yield store
    store.close()


def stored(store: Store) -> dict[str, str]:
    """Return the local person's own stretches as stored: id -> YAML text."""
    with transaction(store.sessions) as session:
        return dict(repository.own_stretch_documents(session=session))


def second_person(store: Store) -> sessionmaker[Session]:
    with transaction(store.sessions) as session:
        session.add(AccountRow(id=2, username="second", created_at=FIXED_NOW))
    return store.for_owner(2)


# Adding --------------------------------------------------------------------------------------


def test_add_a_valid_own_stretch(
    runner: CliRunner, tmp_path: Path, isolated_settings: Path, opened: Store
) -> None:
    path = stretch_file(tmp_path)
    result = add(runner, path)
    assert result.exit_code == 0, result.output
    assert "Added my-wall-stretch (Wall chest stretch)." in result.stdout
    # Kept in the database, as the text given; no file is written any more.
    assert stored(opened) == {"my-wall-stretch": path.read_text(encoding="utf-8")}
    assert not own_folder(isolated_settings).exists()

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
    opened: Store,
    changes: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    path = stretch_file(tmp_path, **changes)
    result = add(runner, path)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("backstretch: not added: ")
    assert f": {field}: " in message
    assert problem in message
    assert stored(opened) == {}


@pytest.mark.parametrize(
    "changes",
    [{"variants": {"easier": ["my-nothing"]}}, {"variant_of": "no-such-stretch"}],
    ids=["missing-variant", "missing-parent"],
)
def test_a_broken_link_names_the_file_that_was_given(
    runner: CliRunner, tmp_path: Path, changes: dict[str, Any]
) -> None:
    path = stretch_file(tmp_path, **changes)
    result = add(runner, path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"backstretch: not added: {path}: "), result.stderr


def test_missing_movements_key_is_rejected(runner: CliRunner, tmp_path: Path) -> None:
    entry = copy.deepcopy(VALID)
    del entry["movements"]
    path = tmp_path / "wall.yaml"
    path.write_text(yaml.safe_dump(entry), encoding="utf-8")
    result = add(runner, path)
    assert result.exit_code == 2
    assert f"{path}: movements: Field required" in result.stderr


def test_broken_yaml_is_rejected_and_changes_nothing(
    runner: CliRunner, tmp_path: Path, opened: Store
) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    before = stored(opened)
    path = tmp_path / "broken.yaml"
    path.write_text("id: my-wall-stretch\nname: [oops\n", encoding="utf-8")
    result = add(runner, path, "--replace")
    assert result.exit_code == 2
    assert f"{path}: line" in result.stderr
    assert "not valid YAML" in result.stderr
    assert stored(opened) == before


def test_a_file_that_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    result = add(runner, tmp_path / "nowhere.yaml")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert "nowhere.yaml" in result.stderr


def test_a_huge_file_is_refused(runner: CliRunner, tmp_path: Path, opened: Store) -> None:
    path = stretch_file(tmp_path, summary="x" * 120_000)
    result = add(runner, path)
    assert result.exit_code == 2
    assert "larger than 100 kB" in result.stderr
    assert stored(opened) == {}


def test_replace_is_needed_to_overwrite(runner: CliRunner, tmp_path: Path, opened: Store) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    before = stored(opened)
    changed = stretch_file(tmp_path, "wall2.yaml", name="Doorway stretch")

    refused = add(runner, changed)
    assert refused.exit_code == 2
    assert "--replace" in refused.stderr
    assert stored(opened) == before

    replaced = add(runner, changed, "--replace")
    assert replaced.exit_code == 0, replaced.output
    shown = runner.invoke(app, ["show", "my-wall-stretch", "--json"])
    assert json.loads(shown.stdout)["name"] == "Doorway stretch"
    assert list(stored(opened)) == ["my-wall-stretch"]


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


# Removing ------------------------------------------------------------------------------------


def test_remove_an_own_stretch(runner: CliRunner, tmp_path: Path, opened: Store) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    result = runner.invoke(app, ["stretches", "remove", "my-wall-stretch"])
    assert result.exit_code == 0, result.output
    assert "Removed my-wall-stretch." in result.stdout
    assert stored(opened) == {}
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
    runner: CliRunner, tmp_path: Path, opened: Store
) -> None:
    assert add(runner, stretch_file(tmp_path)).exit_code == 0
    child = stretch_file(tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch")
    assert add(runner, child).exit_code == 0
    before = stored(opened)
    result = runner.invoke(app, ["stretches", "remove", "my-wall-stretch"])
    assert result.exit_code == 2
    assert "linked from my-easy-wall" in result.stderr
    assert stored(opened) == before


def test_safety_rules_apply_to_own_stretches(
    runner: CliRunner, tmp_path: Path, opened: Store
) -> None:
    path = stretch_file(
        tmp_path,
        position="all_fours",
        movements=["kneeling", "hands_weight", "floor", "spinal_flexion"],
    )
    assert add(runner, path).exit_code == 0
    with transaction(opened.sessions) as session:
        stretch = catalogue_for(session).get("my-wall-stretch")
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


# Each person's own ---------------------------------------------------------------------------


def test_each_person_has_their_own_catalogue(opened: Store) -> None:
    other = second_person(opened)
    with transaction(other) as session:
        add_own_stretch(session, document(), origin="wall.yaml", at=FIXED_NOW)
    with transaction(opened.sessions) as session:
        mine = catalogue_for(session)
        assert "my-wall-stretch" not in mine
        with pytest.raises(NoSuchOwnStretch):
            remove_own_stretch(session, "my-wall-stretch")
        # The same id is free for this person: ids are unique per person.
        add_own_stretch(session, document(name="Mine"), origin="mine.yaml", at=FIXED_NOW)
    with transaction(other) as session:
        assert catalogue_for(session).get("my-wall-stretch").name == "Wall chest stretch"
    with transaction(opened.sessions) as session:
        assert catalogue_for(session).get("my-wall-stretch").name == "Mine"


def test_catalogues_are_built_once_per_set_of_stretches(opened: Store) -> None:
    other = second_person(opened)
    with transaction(opened.sessions) as session:
        # No own stretches: the built-in catalogue itself, not a copy.
        assert catalogue_for(session) is builtin_catalogue()
        add_own_stretch(session, document(), origin="wall.yaml", at=FIXED_NOW)
        first = catalogue_for(session)
        assert catalogue_for(session) is first
    with transaction(other) as session:
        add_own_stretch(session, document(), origin="wall.yaml", at=FIXED_NOW)
        assert catalogue_for(session) is first  # the same stretches, the same catalogue
    with transaction(opened.sessions) as session:
        # Replaced at the very same moment: still a new catalogue, as the text changed.
        add_own_stretch(
            session, document(name="Changed"), origin="wall.yaml", at=FIXED_NOW, replace=True
        )
        changed = catalogue_for(session)
    assert changed is not first
    assert changed.get("my-wall-stretch").name == "Changed"


def test_the_library_functions_refuse_as_the_commands_do(opened: Store) -> None:
    with transaction(opened.sessions) as session:
        add_own_stretch(session, document(), origin="wall.yaml", at=FIXED_NOW)
        with pytest.raises(OwnStretchExists) as raised:
            add_own_stretch(session, document(), origin="again.yaml", at=FIXED_NOW)
        assert raised.value.stretch_id == "my-wall-stretch"
        with pytest.raises(CatalogueError, match=r"^upload\.yaml: id: "):
            add_own_stretch(session, document(id="wall"), origin="upload.yaml", at=FIXED_NOW)
        with pytest.raises(OwnStretchError, match="built in"):
            remove_own_stretch(session, "cat-cow")


# The old folder of files ---------------------------------------------------------------------


def old_files(data_dir: Path, **documents: str) -> Path:
    folder = own_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_old_files_are_copied_in_once_on_first_use(
    runner: CliRunner, isolated_settings: Path, opened: Store
) -> None:
    folder = old_files(
        isolated_settings,
        # Linked to a stretch whose file comes later in name order: copied all the same.
        **{
            "my-easy-wall": document(id="my-easy-wall", variant_of="my-wall-stretch"),
            "my-wall-stretch": document(),
            "my-broken": "id: my-broken\nname: [oops\n",
        },
    )
    first = runner.invoke(app, ["stretches", "--json"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.stderr.split())
    assert "copied your own stretches into the database: my-wall-stretch, my-easy-wall" in said
    assert f"your own stretch {folder / 'my-broken.yaml'} was not copied" in first.stderr
    assert "backstretch stretches add" in first.stderr
    assert {"my-easy-wall", "my-wall-stretch"} <= {s["id"] for s in json.loads(first.stdout)}
    assert sorted(stored(opened)) == ["my-easy-wall", "my-wall-stretch"]
    # The files stay; the marker lists what was handled, the broken file included.
    assert sorted(p.name for p in folder.glob("*.yaml")) == [
        "my-broken.yaml",
        "my-easy-wall.yaml",
        "my-wall-stretch.yaml",
    ]
    assert sorted((folder / LEGACY_MARKER).read_text(encoding="utf-8").split()) == [
        "my-broken.yaml",
        "my-easy-wall.yaml",
        "my-wall-stretch.yaml",
    ]
    again = runner.invoke(app, ["stretches", "--json"])
    assert again.stderr == ""
    # Removed from the database: not copied back from the old file.
    assert runner.invoke(app, ["stretches", "remove", "my-easy-wall"]).exit_code == 0
    assert runner.invoke(app, ["stretches", "remove", "my-wall-stretch"]).exit_code == 0
    assert stored(opened) == {}
    # A file put into the old folder later is copied at the next use.
    (folder / "my-door.yaml").write_text(document(id="my-door"), encoding="utf-8")
    later = runner.invoke(app, ["show", "my-door", "--json"])
    assert later.exit_code == 0, later.output
    assert sorted(stored(opened)) == ["my-door"]


def test_a_stretch_in_the_database_wins_over_its_old_file(
    isolated_settings: Path, opened: Store
) -> None:
    with transaction(opened.sessions) as session:
        add_own_stretch(session, document(name="New"), origin="new.yaml", at=FIXED_NOW)
    folder = old_files(isolated_settings, **{"my-wall-stretch": document(name="Old")})
    copied = import_legacy_folder(opened.sessions, folder, at=FIXED_NOW + timedelta(days=1))
    assert copied.added == copied.refused == ()
    with transaction(opened.sessions) as session:
        assert catalogue_for(session).get("my-wall-stretch").name == "New"


def test_the_web_app_copies_the_old_files_for_the_local_person(
    isolated_settings: Path, opened: Store
) -> None:
    from fastapi.testclient import TestClient

    from backstretch.web.app import create_app

    old_files(isolated_settings, **{"my-wall-stretch": document()})
    with TestClient(create_app(get_settings())) as client:
        page = client.get("/stretches/my-wall-stretch")
    assert page.status_code == 200
    assert list(stored(opened)) == ["my-wall-stretch"]
