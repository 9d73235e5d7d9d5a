"""`backstretch export`, `import` and `forget`: the round trip, private files, clear refusals."""

from __future__ import annotations

import copy
import json
import os
import stat
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.config import get_settings
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.portability import count_rows
from backstretch.db.store import Store, open_store
from backstretch.db.tables import Base
from backstretch.services.context import Services
from backstretch.services.your_data import import_data
from tests.db.test_portability import (
    FIRST_UUID,
    OWN_STRETCH,
    add_person,
    fill,
    filled_document,
    without_ids,
)
from tests.factories import all_no_answers
from tests.fakes import FakeNow


@pytest.fixture
def filled(store: Store) -> Store:
    with transaction(store.sessions) as session:
        fill(session)
    return store


@pytest.fixture
def good_document(tmp_path: Path) -> dict[str, Any]:
    return filled_document(tmp_path)


def counts(store: Store) -> dict[str, int]:
    with transaction(store.sessions) as session:
        return count_rows(session)


def stored_nothing() -> bool:
    store = open_store(get_settings().resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            return repository.is_empty(db=session)
    finally:
        store.close()


def only_the_open_block_left() -> bool:
    """Tell whether forgetting left only the block `fill` leaves open (the pain pause)."""
    store = open_store(get_settings().resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            left = {table: n for table, n in count_rows(session).items() if n}
            still_open = [block.kind.value for block in repository.open_blocks(db=session)]
    finally:
        store.close()
    return left == {"safety_blocks": 1} and still_open == ["pain_pause"]


def run(runner: CliRunner, *args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def without_time(text: str) -> dict[str, Any]:
    """The document without its time, and with ids as places (an import gives new ids)."""
    return without_ids(json.loads(text))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# The round trip ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("filled")
def test_export_forget_import_export_gives_the_same_json(
    runner: CliRunner, tmp_path: Path, clock: FakeNow
) -> None:
    first = tmp_path / "first.json"
    result = run(runner, "export", "--out", str(first))
    assert "Exported 1 preference, 1 profile, 2 screenings" in result.stdout
    assert "1 check-in, 2 sessions, 3 session items, 1 own stretch, 2 saved routines to" in (
        " ".join(result.stdout.split())
    )
    result = run(runner, "forget", "--yes")
    assert "Deleted 1 preference, 1 profile, 2 screenings" in result.stdout
    assert only_the_open_block_left()
    result = run(runner, "import", str(first))
    assert (
        "Imported 1 preference, 1 profile, 2 screenings, 2 clearances, 2 safety blocks, "
        in result.stdout
    )
    clock.value += timedelta(days=3)
    second = run(runner, "export").stdout
    assert json.loads(second)["exported_at"] != json.loads(first.read_text())["exported_at"]
    assert without_time(second) == without_time(first.read_text(encoding="utf-8"))
    # The sequences moved on, so storing something new after the import works on PostgreSQL too.
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(all_no_answers()), encoding="utf-8")
    run(runner, "screen", "--answers", str(answers))


@pytest.mark.usefixtures("filled")
def test_export_json_goes_to_standard_output(runner: CliRunner) -> None:
    result = run(runner, "export", "--format", "json")
    document = json.loads(result.stdout)
    assert document["format"] == "backstretch-export"
    assert document["exported_at"] == "2026-11-02T08:30:00+00:00"
    owned = {name for name, table in Base.metadata.tables.items() if "owner_id" in table.c}
    # Reminders and devices are this server's working state: deleted with the rest, not exported.
    assert set(document["tables"]) == owned - {
        "reminder_schedules",
        "reminder_deliveries",
        "push_subscriptions",
    }
    assert result.stderr == ""


# Files -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize("format_name", ["json", "csv"])
def test_export_files_are_private_and_replace_an_older_one(
    runner: CliRunner, tmp_path: Path, format_name: str
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / f"export.{'zip' if format_name == 'csv' else 'json'}"
    out.write_text("an older export", encoding="utf-8")
    out.chmod(0o644)
    run(runner, "export", "--format", format_name, "--out", str(out))
    assert mode_of(out) == 0o600
    assert [path.name for path in folder.iterdir()] == [out.name]  # no temporary file left
    if format_name == "csv":
        with zipfile.ZipFile(out) as archive:
            assert "sessions.csv" in archive.namelist()
    else:
        assert json.loads(out.read_text(encoding="utf-8"))["version"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "--format csv writes a zip file: give it a name with --out FILE"),
        (["--format", "xml"], "unknown export format 'xml'"),
        (["--out", "/nonexistent-folder/x.json"], "cannot write /nonexistent-folder/x.json"),
    ],
    ids=["csv-without-out", "unknown-format", "missing-folder"],
)
def test_export_refusals_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = run(runner, "export", *args, code=2)
    assert message in result.stderr
    assert result.stdout == ""


# Import refuses ----------------------------------------------------------------------------------


def test_import_refuses_a_database_that_holds_data(
    runner: CliRunner, filled: Store, tmp_path: Path
) -> None:
    file = tmp_path / "export.json"
    run(runner, "export", "--out", str(file))
    before = counts(filled)
    result = run(runner, "import", str(file), code=2)
    assert "already holds data" in result.stderr
    assert "backstretch forget --yes" in result.stderr
    assert counts(filled) == before


def changed(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    table, index, column = path.split(".")

    def change(document: dict[str, Any]) -> None:
        document["tables"][table][int(index)][column] = value

    return change


BAD_DOCUMENTS: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "wrong-version",
        lambda d: d.update(version=7),
        "version: this backstretch reads versions 1 to 3",
    ),
    ("unknown-table", lambda d: d["tables"].update(moods=[]), "tables.moods: unknown table"),
    (
        "missing-column",
        lambda d: d["tables"]["checkins"][0].pop("timezone"),
        "tables.checkins[0]: missing column 'timezone'",
    ),
    (
        "wrong-type",
        changed("session_items.2.done_seconds", "60"),
        "tables.session_items[2].done_seconds: expected a whole number",
    ),
    (
        "bad-date-time",
        changed("sessions.1.started_at", "2026-13-45T99:00:00+00:00"),
        "tables.sessions[1].started_at: not an ISO date-time",
    ),
]


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize(
    ("change", "message"),
    [(change, message) for _, change, message in BAD_DOCUMENTS],
    ids=[name for name, _, _ in BAD_DOCUMENTS],
)
def test_a_malformed_export_exits_2_naming_the_place(
    runner: CliRunner,
    tmp_path: Path,
    good_document: dict[str, Any],
    change: Callable[[dict[str, Any]], Any],
    message: str,
) -> None:
    document = copy.deepcopy(good_document)
    change(document)
    file = tmp_path / "broken.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    result = run(runner, "import", str(file), code=2)
    assert message in result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert stored_nothing()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "backstretch-export",\n  "version": 1,,\n}', "not valid JSON (line 2, column"),
        ('{"version": NaN}', "not valid JSON (NaN is not a JSON number)"),
        ("[]", "(document): expected a JSON object"),
        ('{"hello": "world"}', "hello: unknown key"),
    ],
    ids=["bad-json", "nan", "a-list", "another-json-file"],
)
def test_a_file_that_is_no_export_exits_2(
    runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    file = tmp_path / "other.json"
    file.write_text(content, encoding="utf-8")
    result = run(runner, "import", str(file), code=2)
    assert message in result.stderr
    assert stored_nothing()


def test_an_unreadable_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "import", str(tmp_path / "missing.json"), code=2)
    assert "cannot read" in result.stderr
    assert "missing.json" in result.stderr


# Forget ------------------------------------------------------------------------------------------


def test_forget_without_yes_deletes_nothing(runner: CliRunner, filled: Store) -> None:
    before = counts(filled)
    result = run(runner, "forget", code=2)
    assert "Nothing was deleted" in result.stderr
    assert "2 sessions" in result.stderr
    assert "backstretch forget --yes" in result.stderr
    assert counts(filled) == before


def test_forget_with_yes_deletes_everything_but_an_open_safety_block(
    runner: CliRunner, filled: Store
) -> None:
    result = run(runner, "forget", "--yes")
    said = " ".join(result.stdout.split())
    assert "Deleted 1 preference, 1 profile, 2 screenings, 2 clearances, 1 safety block," in said
    assert "Kept 1 safety block still open: it closes with a new screening" in said
    assert {table: n for table, n in counts(filled).items() if n} == {"safety_blocks": 1}
    assert "own stretches" not in result.stdout  # there are none to mention


@pytest.mark.usefixtures("database_url")
def test_forget_deletes_own_stretches_and_leaves_the_old_files(runner: CliRunner) -> None:
    own = get_settings().own_stretches_dir
    own.mkdir(parents=True)
    (own / "my-wall-stretch.yaml").write_text(OWN_STRETCH, encoding="utf-8")
    result = run(runner, "forget", "--yes")
    # The old file was copied into the database on first use, then deleted with the rest.
    assert "copied your own stretches into the database: my-wall-stretch" in result.stderr
    assert "Deleted 1 own stretch from" in result.stdout
    assert f"Left the stretch files in {own} in place" in " ".join(result.stdout.split())
    assert (own / "my-wall-stretch.yaml").exists()
    # Copied once: forgetting does not bring it back.
    listed = run(runner, "stretches", "--json")
    assert "my-wall-stretch" not in {s["id"] for s in json.loads(listed.stdout)}
    assert "copied" not in listed.stderr


@pytest.mark.usefixtures("database_url")
def test_import_works_beside_old_own_stretch_files(
    runner: CliRunner, good_document: dict[str, Any], tmp_path: Path
) -> None:
    # The old files are not copied in before an import (the account must be empty), and are
    # copied afterwards unless the export held a stretch with the same id.
    own = get_settings().own_stretches_dir
    own.mkdir(parents=True)
    (own / "my-wall-stretch.yaml").write_text(OWN_STRETCH.replace("30 s", "40 s"), "utf-8")
    other = OWN_STRETCH.replace("my-wall-stretch", "my-door-stretch")
    (own / "my-door-stretch.yaml").write_text(other, encoding="utf-8")
    file = tmp_path / "export.json"
    file.write_text(json.dumps(good_document), encoding="utf-8")
    result = run(runner, "import", str(file))
    assert "1 own stretch, 2 saved routines" in " ".join(result.stdout.split())
    listed = run(runner, "stretches", "--json")
    assert "copied your own stretches into the database: my-door-stretch" in listed.stderr
    mine = {s["id"]: s for s in json.loads(listed.stdout) if s["id"].startswith("my-")}
    assert sorted(mine) == ["my-door-stretch", "my-wall-stretch"]
    assert mine["my-wall-stretch"]["sources"][0]["fact"] == "Hold 30 s, twice."


def test_import_refuses_sessions_stored_in_another_account(
    runner: CliRunner, filled: Store, services: Services, tmp_path: Path
) -> None:
    file = tmp_path / "export.json"
    run(runner, "export", "--out", str(file))
    # The local person's data moves to a second account's keeping: the sessions stay stored.
    second = add_person(services)
    with transaction(filled.sessions) as session:
        document = json.loads(file.read_text(encoding="utf-8"))
        repository.delete_everything(db=session)
    import_data(second, document)
    result = run(runner, "import", str(file), code=2)
    assert f"session {FIRST_UUID} is already stored on this server" in result.stderr
    assert "nothing was imported" in result.stderr
    assert stored_nothing()


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("export", "Keep the file private"),
        ("import", "Never merges"),
        ("forget", "Without --yes nothing is deleted"),
    ],
)
def test_every_data_command_has_help(runner: CliRunner, command: str, says: str) -> None:
    result = run(runner, command, "--help")
    assert "Usage: backstretch " + command in " ".join(result.stdout.split())
    assert says in " ".join(result.stdout.split())
