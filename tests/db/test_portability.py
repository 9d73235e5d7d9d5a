"""Export, import and forget, per person: the JSON export round-trips exactly (ids aside: the
database gives new ones), on SQLite and PostgreSQL; one person's export, import and forget never
touch another person's rows. The table-driven format is `db/portability.py`'s; the use cases
(`services/your_data.py`) also check own stretches and routines and raise typed errors."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session

from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import screen
from backstretch.data import screening_guide
from backstretch.db import portability, repository
from backstretch.db.engine import session_factory, transaction
from backstretch.db.owners import NoOwnerError
from backstretch.db.portability import (
    MAX_IMPORT_BYTES,
    MAX_ROWS,
    ExportFormatError,
    column_kind,
    count_rows,
    dump_document,
    erase_freed_space,
    export_csv_zip,
    export_document,
    exported_columns,
    exported_tables,
    forget_everything,
    import_rows,
    parse_document,
)
from backstretch.db.store import Store, open_store
from backstretch.db.tables import AccountRow, Base
from backstretch.services.context import PersonContext, Services
from backstretch.services.errors import Blocked, Conflict, Invalid
from backstretch.services.planning import PlanChoice, plan_today
from backstretch.services.your_data import (
    check_export,
    count_data,
    dump_json,
    export_csv,
    export_json,
    forget_me,
    import_data,
    read_export,
)
from tests.conftest import FIXED_NOW
from tests.data.test_catalogue import VALID
from tests.data.test_yaml_limits import BILLION_LAUGHS
from tests.factories import EMERGENCY_NUMBER, all_no_answers
from tests.fakes import FakeNow

# Microseconds, so a round trip that dropped them would show.
T0 = FIXED_NOW + timedelta(microseconds=123456)
EXPORTED_AT = FIXED_NOW + timedelta(days=1)
ZONE = "Europe/London"
# A routine name to look for in the raw database file after forgetting.
MARKER = "Zebra lunchtime routine"
FIRST_UUID = "00000000-0000-4000-8000-000000000001"
SECOND_UUID = "00000000-0000-4000-8000-000000000002"
OWN_STRETCH = yaml.safe_dump(VALID, sort_keys=False, allow_unicode=True)


def fill(
    session: Session, uuids: tuple[str, str] = (FIRST_UUID, SECOND_UUID), marker: str = MARKER
) -> None:
    """Store a little of everything: screenings, clearances, blocks, profile, sessions,
    check-in, an own stretch and saved routines (the uuids and the marker tell two people's
    rows apart)."""
    first_uuid, second_uuid = uuids
    guide = screening_guide()
    answers = all_no_answers(weight_loss=True)
    first = screen(answers, guide, emergency_number=EMERGENCY_NUMBER)
    repository.save_screening(
        db=session,
        result=first,
        answers=answers,
        answered_at=T0,
        recorded_at=T0,
        timezone=ZONE,
    )
    repository.open_block(
        db=session, kind=BlockKind.SEE_CLINICIAN, reason="weight_loss", at=T0, timezone=ZONE
    )
    repository.add_clearance(
        db=session, flag="weight_loss", at=T0 + timedelta(hours=1), timezone=ZONE
    )
    repository.add_clearance(db=session, flag="night_pain", at=T0, timezone=ZONE)
    repository.lapse_clearances(db=session, flags=["night_pain"], at=T0 + timedelta(hours=2))
    cleared = {**answers, "cleared": ["weight_loss"]}
    second = screen(cleared, guide, emergency_number=EMERGENCY_NUMBER)
    stored = repository.save_screening(
        db=session,
        result=second,
        answers=cleared,
        answered_at=T0 + timedelta(hours=1),
        recorded_at=T0 + timedelta(hours=1),
        timezone=ZONE,
        origin="clearance",
    )
    repository.close_blocks(
        db=session,
        at=T0 + timedelta(hours=1),
        kinds=[BlockKind.SEE_CLINICIAN],
        screening_id=stored.id,
    )
    repository.open_block(
        db=session,
        kind=BlockKind.PAIN_PAUSE,
        reason="pain_rule",
        at=T0 + timedelta(days=2),
        timezone=ZONE,
        note="Pain rose twice in a row.",
    )
    repository.save_profile(
        db=session,
        data={"areas": ["lower_back"], "minutes": 10, "setting": "chair"},
        at=T0,
    )
    repository.save_preferences(db=session, data={"lead_in_seconds": 8, "voice": True}, at=T0)
    items = (
        ItemRecord(position=0, stretch="cat-cow", planned_seconds=60, planned_reps=6),
        ItemRecord(position=1, stretch="childs-pose", planned_seconds=90, planned_reps=3),
    )
    repository.add_session(
        db=session,
        record=SessionRecord(
            uuid=first_uuid,
            started_at=T0 + timedelta(days=1),
            timezone=ZONE,
            status=SessionStatus.IN_PROGRESS,
            routine_name=marker,
            planned_seconds=150,
            items=items,
            pain_before=3,
        ),
        plan={"items": [{"stretch": "cat-cow", "sets": 1}], "lead_in_seconds": 5},
        at=T0 + timedelta(days=1),
    )
    repository.record_item(
        db=session,
        uuid=first_uuid,
        position=0,
        done_seconds=60,
        done_reps=6,
        skipped=False,
        at=T0 + timedelta(days=1, minutes=1),
    )
    repository.record_item(
        db=session,
        uuid=first_uuid,
        position=1,
        done_seconds=0,
        done_reps=0,
        skipped=True,
        at=T0 + timedelta(days=1, minutes=2),
    )
    repository.update_session(
        db=session,
        uuid=first_uuid,
        at=T0 + timedelta(days=1, minutes=3),
        status=SessionStatus.COMPLETED,
        ended_at=T0 + timedelta(days=1, minutes=3),
        pain_after=2,
    )
    repository.add_session(
        db=session,
        record=SessionRecord(
            uuid=second_uuid,
            started_at=T0 + timedelta(days=2),
            timezone="America/New_York",
            status=SessionStatus.STOPPED,
            routine_name="Desk break",
            planned_seconds=60,
            items=(
                ItemRecord(
                    position=0, stretch="lateral-neck-flexion", planned_seconds=60, planned_reps=2
                ),
            ),
            ended_at=T0 + timedelta(days=2, seconds=20),
            pain_before=2,
            stop_signal=StopSignal.SHARP_PAIN,
            stopped_stretch="lateral-neck-flexion",
        ),
        plan={"items": []},
        at=T0 + timedelta(days=2),
    )
    repository.add_checkin(
        db=session,
        record=CheckinRecord(
            at=T0 + timedelta(days=3),
            timezone=ZONE,
            activities=(Activity("Sitting at my desk", 6), Activity("Tying my shoes ✓ café", 4)),
        ),
    )
    repository.save_own_stretch(
        db=session, stretch_id="my-wall-stretch", document=OWN_STRETCH, at=T0
    )
    repository.save_routine(
        db=session,
        name=f"{marker}: desk",
        document={"name": "Desk", "items": [{"stretch": "my-wall-stretch", "hold_seconds": 20}]},
        at=T0 + timedelta(days=4),
    )
    repository.save_routine(
        db=session,
        name="Morning",
        document={"name": "Morning", "items": [{"stretch": "cat-cow", "reps": 8, "sets": 1}]},
        at=T0 + timedelta(days=5),
    )


def filled_document(folder: Path) -> dict[str, Any]:
    """Return the export of a filled SQLite database made in `folder`."""
    store = open_store(f"sqlite:///{folder / 'source.sqlite3'}")
    try:
        with transaction(store.sessions) as session:
            fill(session)
        with transaction(store.sessions) as session:
            return export_document(session, exported_at=EXPORTED_AT)
    finally:
        store.close()


@pytest.fixture
def store(services: Services) -> Store:
    """The test's fresh database, as the use cases see it (the local person's)."""
    return services.store


@pytest.fixture(autouse=True)
def on_export_day(clock: FakeNow) -> None:
    """The use cases export at EXPORTED_AT, as the database-level helpers below do."""
    clock.value = EXPORTED_AT


@pytest.fixture
def filled(store: Store) -> Store:
    """A store holding a little of everything."""
    with transaction(store.sessions) as session:
        fill(session)
    return store


@pytest.fixture(scope="module")
def good_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A valid export, made once for the validation tests (which need no database)."""
    return filled_document(tmp_path_factory.mktemp("export"))


def exported(store: Store, at: Any = EXPORTED_AT) -> dict[str, Any]:
    with transaction(store.sessions) as session:
        return export_document(session, exported_at=at)


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "exported_at"}


def without_ids(document: dict[str, Any]) -> dict[str, Any]:
    """Return the document with each integer id replaced by the row's place in its table (and
    each reference by the place of the row it refers to): the same data whatever ids the
    database gave."""
    tables = copy.deepcopy(document["tables"])
    places: dict[str, dict[int, int]] = {}
    for table in exported_tables():
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and keys[0].name == "id":
            places[table.name] = {
                row["id"]: index for index, row in enumerate(tables[table.name], 1)
            }
            for row in tables[table.name]:
                row["id"] = places[table.name][row["id"]]
    for table in exported_tables():
        for column in exported_columns(table):
            for foreign_key in column.foreign_keys:
                target = foreign_key.column.table.name
                if target not in places:
                    continue
                for row in tables[table.name]:
                    if row[column.name] is not None:
                        row[column.name] = places[target][row[column.name]]
    return {**without_time(document), "tables": tables}


def is_empty(store: Store) -> bool:
    with transaction(store.sessions) as session:
        return repository.is_empty(db=session)


# What `fill` leaves open: the pain pause (its see-a-clinician block was closed by a clearance).
OPEN_BLOCKS = 1


def kept_after_forgetting(counts: dict[str, int]) -> dict[str, int]:
    """Return row counts as forgetting leaves them: only the open safety blocks."""
    return {table: OPEN_BLOCKS if table == "safety_blocks" else 0 for table in counts}


def deleted_by_forgetting(counts: dict[str, int]) -> dict[str, int]:
    """Return what forgetting deletes of these rows: all but the open safety blocks."""
    kept = kept_after_forgetting(counts)
    return {table: count - kept[table] for table, count in counts.items()}


def add_person(services: Services, account_id: int = 2) -> PersonContext:
    """Make a second account in the test's database; return that person's context."""
    with services.transaction() as session:
        session.add(AccountRow(id=account_id, username=f"person-{account_id}", created_at=T0))
    return services.person(account_id)


OTHER_UUIDS = ("00000000-0000-4000-8000-00000000000b", "00000000-0000-4000-8000-00000000000c")
OTHER_MARKER = "Yak evening routine"


@pytest.fixture
def two_people(
    filled: Store, services: Services, me: PersonContext
) -> tuple[PersonContext, PersonContext]:
    """The local person, with the filled rows, and a second person with data of their own."""
    del filled  # asked for to fill the local person's rows first
    other = add_person(services)
    with other.transaction() as session:
        fill(session, uuids=OTHER_UUIDS, marker=OTHER_MARKER)
    return me, other


# Export ------------------------------------------------------------------------------------------


def test_every_owned_table_and_column_is_exported_without_the_owner(filled: Store) -> None:
    document = exported(filled)
    assert document["format"] == "backstretch-export"
    assert document["version"] == 3
    assert document["exported_at"] == "2026-11-03T08:30:00+00:00"
    # Every table of the schema with an owner, not only those the repository lists: a forgotten
    # table shows. Accounts, logins and server secrets are nobody's data to take away.
    owned = {name for name, table in Base.metadata.tables.items() if "owner_id" in table.c}
    # The reminders' working state and the devices stay behind (deleted with the rest).
    not_exported = {"reminder_schedules", "reminder_deliveries", "push_subscriptions"}
    assert set(document["tables"]) == owned - not_exported
    assert {"own_stretches", "routines"} <= owned
    for table in exported_tables():
        rows = document["tables"][table.name]
        assert rows, f"fill() stores no {table.name}"
        expected = [column.name for column in table.columns if column.name != "owner_id"]
        for row in rows:
            assert list(row) == expected, table.name


def test_values_are_plain_json(filled: Store) -> None:
    tables = exported(filled)["tables"]
    screenings, blocks = tables["screenings"], tables["safety_blocks"]
    assert [s["verdict"] for s in screenings] == ["see_clinician", "self_care"]
    assert screenings[0]["answered_at"] == "2026-11-02T08:30:00.123456+00:00"
    assert isinstance(screenings[0]["answers"], dict)
    assert screenings[1]["cleared"] == ["weight_loss"]
    assert blocks[0]["closed_by_screening_id"] == screenings[1]["id"]
    assert blocks[1]["closed_at"] is None
    assert [item["skipped"] for item in tables["session_items"]] == [False, True, False]
    assert tables["sessions"][0]["plan"]["lead_in_seconds"] == 5
    assert tables["profiles"][0]["data"]["setting"] == "chair"
    assert tables["checkins"][0]["activities"][1]["name"] == "Tying my shoes ✓ café"
    assert tables["checkins"][0]["activities"][0] == {"name": "Sitting at my desk", "score": 6}
    assert [c["lapsed_at"] is None for c in tables["clearances"]] == [True, False]
    assert tables["own_stretches"][0]["document"] == OWN_STRETCH
    assert tables["routines"][0]["document"]["items"][0] == {
        "stretch": "my-wall-stretch",
        "hold_seconds": 20,
    }


def test_rows_come_in_primary_key_order_and_the_text_is_stable(filled: Store) -> None:
    first = exported(filled)
    for table in exported_tables():
        (key,) = [column.name for column in table.primary_key.columns]
        keys = [row[key] for row in first["tables"][table.name]]
        assert keys == sorted(keys)
    assert dump_document(first) == dump_document(exported(filled))


def test_a_column_type_without_a_rule_is_refused() -> None:
    from sqlalchemy import Column, LargeBinary, MetaData, Table

    table = Table("t", MetaData(), Column("blob", LargeBinary))
    with pytest.raises(TypeError, match=r"t\.blob"):
        column_kind(table.c.blob)


def test_a_session_made_for_nobody_cannot_export_count_or_forget(filled: Store) -> None:
    nobody = session_factory(filled.engine, owner_id=None)
    for use in (
        lambda s: export_document(s, exported_at=EXPORTED_AT),
        count_rows,
        lambda s: forget_everything(s, keep_open_blocks=True),
    ):
        with pytest.raises(NoOwnerError), transaction(nobody) as session:
            use(session)
    assert not is_empty(filled)


# Round trip --------------------------------------------------------------------------------------


def test_export_forget_import_export_gives_the_same_document(
    filled: Store, me: PersonContext, clock: FakeNow
) -> None:
    before = export_json(me)
    assert before == exported(filled)
    stored = {name: len(rows) for name, rows in before["tables"].items()}
    forgotten = forget_me(me)
    assert forgotten == deleted_by_forgetting(stored)
    assert count_data(me) == kept_after_forgetting(stored)
    counts = import_data(me, json.loads(dump_json(before)))
    # The block kept open is the file's own: its copy takes its place, in the file's order.
    assert counts == stored
    assert count_data(me) == counts
    clock.value = EXPORTED_AT + timedelta(days=7)
    after = export_json(me)
    assert after["exported_at"] != before["exported_at"]
    # The same rows, in the same order, with the same references; only the ids may differ.
    assert dump_document(without_ids(after)) == dump_document(without_ids(before))
    assert [s["uuid"] for s in after["tables"]["sessions"]] == [FIRST_UUID, SECOND_UUID]


def test_imported_rows_get_new_ids_and_their_references_follow(
    filled: Store, me: PersonContext, good_document: dict[str, Any]
) -> None:
    forget_me(me)
    document = copy.deepcopy(good_document)
    # Ids far from anything the database would give: the import must not keep them.
    for table in ("screenings", "safety_blocks", "routines"):
        for row in document["tables"][table]:
            row["id"] += 1000
    for block in document["tables"]["safety_blocks"]:
        if block["closed_by_screening_id"] is not None:
            block["closed_by_screening_id"] += 1000
    import_data(me, document)
    tables = exported(filled)["tables"]
    screening_ids = [row["id"] for row in tables["screenings"]]
    assert all(i < 1000 for i in screening_ids)
    assert tables["safety_blocks"][0]["closed_by_screening_id"] == screening_ids[1]
    assert all(row["id"] < 1000 for row in tables["routines"])
    assert without_ids(exported(filled)) == without_ids(document)


def test_new_rows_after_an_import_get_fresh_ids(
    store: Store, me: PersonContext, good_document: dict[str, Any]
) -> None:
    import_data(me, good_document)
    imported = exported(store)["tables"]
    with transaction(store.sessions) as session:
        repository.add_checkin(
            db=session,
            record=CheckinRecord(at=T0, timezone=ZONE, activities=(Activity("Walking", 7),)),
        )
        repository.add_clearance(db=session, flag="fever", at=T0, timezone=ZONE)
        repository.open_block(
            db=session, kind=BlockKind.EMERGENCY, reason="weakness", at=T0, timezone=ZONE
        )
        answers = all_no_answers()
        result = screen(answers, screening_guide(), emergency_number=EMERGENCY_NUMBER)
        stored = repository.save_screening(
            db=session,
            result=result,
            answers=answers,
            answered_at=T0,
            recorded_at=T0,
            timezone=ZONE,
        )
        repository.add_session(
            db=session,
            record=SessionRecord(
                uuid="00000000-0000-4000-8000-000000000003",
                started_at=T0,
                timezone=ZONE,
                status=SessionStatus.IN_PROGRESS,
                routine_name="After the import",
                planned_seconds=30,
                items=(
                    ItemRecord(position=0, stretch="cat-cow", planned_seconds=30, planned_reps=3),
                ),
            ),
            plan={},
            at=T0,
        )
    tables = exported(store)["tables"]
    assert stored.id > max(row["id"] for row in imported["screenings"])
    for name in ("checkins", "clearances", "safety_blocks", "screenings", "session_items"):
        imported_ids = [row["id"] for row in imported[name]]
        ids = [row["id"] for row in tables[name]]
        assert ids[:-1] == imported_ids, name
        assert ids[-1] > max(imported_ids), name


def older(document: dict[str, Any], version: int) -> dict[str, Any]:
    """Return `document` as an export of `version` wrote it: without the later tables and
    columns."""
    made = copy.deepcopy(document)
    made["version"] = version
    del made["tables"]["own_stretches"], made["tables"]["routines"]
    for row in made["tables"]["sessions"]:
        del row["identity_hash"], row["final_hash"]
    if version < 2:
        del made["tables"]["preferences"]
    return made


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_export_still_imports(
    store: Store, me: PersonContext, good_document: dict[str, Any], version: int
) -> None:
    import_data(me, older(good_document, version))
    tables = exported(store)["tables"]
    assert tables["own_stretches"] == tables["routines"] == []
    assert len(tables["preferences"]) == (0 if version == 1 else 1)
    for row in tables["sessions"]:
        assert row["identity_hash"] is row["final_hash"] is None
    expected = copy.deepcopy(good_document["tables"]["sessions"])
    for row in expected:
        row["identity_hash"] = row["final_hash"] = None
    assert tables["sessions"] == expected


@pytest.mark.parametrize(
    ("version", "table"),
    [(2, "preferences"), (3, "own_stretches"), (3, "routines")],
)
def test_an_export_must_hold_the_tables_of_its_version(
    store: Store, me: PersonContext, good_document: dict[str, Any], version: int, table: str
) -> None:
    newer = older(good_document, 2) if version == 2 else copy.deepcopy(good_document)
    del newer["tables"][table]
    with pytest.raises(Invalid) as raised:
        import_data(me, newer)
    assert str(raised.value) == f"tables.{table}: missing table"
    assert raised.value.field == f"tables.{table}"
    assert is_empty(store)


# Import refuses --------------------------------------------------------------------------------


def test_import_never_merges_into_a_database_with_data(filled: Store, me: PersonContext) -> None:
    before = exported(filled)
    with pytest.raises(Conflict) as raised:
        import_data(me, before)
    assert str(raised.value).startswith(
        "the database already holds data of yours, and an import never merges."
    )
    assert "backstretch forget --yes and import again" in str(raised.value)
    assert exported(filled) == before


def test_a_failure_part_way_leaves_nothing(
    store: Store,
    me: PersonContext,
    good_document: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = portability._insert_rows

    def break_down(session: Session, table: Any, rows: Any, new_ids: Any) -> None:
        real(session, table, rows, new_ids)
        if table.name == "routines":  # the last table: every other row is in by now
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(portability, "_insert_rows", break_down)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_data(me, good_document)
    assert is_empty(store)


def test_a_malformed_document_writes_nothing(
    store: Store, me: PersonContext, good_document: dict[str, Any]
) -> None:
    broken = copy.deepcopy(good_document)
    broken["tables"]["checkins"][0]["at"] = "last tuesday"
    with pytest.raises(Invalid, match=r"^tables\.checkins\[0\]\.at: not an ISO date-time"):
        import_data(me, broken)
    assert is_empty(store)


def test_rows_parsed_by_the_database_layer_import_as_they_are(
    store: Store, good_document: dict[str, Any]
) -> None:
    with transaction(store.sessions) as session:
        counts = import_rows(session, parse_document(copy.deepcopy(good_document)))
    assert counts == {name: len(rows) for name, rows in good_document["tables"].items()}
    assert without_ids(exported(store)) == without_ids(good_document)


Change = Callable[[dict[str, Any]], Any]


def setting(path: str, value: Any) -> Change:
    """Return a change that sets `tables.<table>.<index>.<column>` to `value`."""
    table, index, column = path.split(".")

    def change(document: dict[str, Any]) -> None:
        document["tables"][table][int(index)][column] = value

    return change


def dropping(path: str) -> Change:
    table, index, column = path.split(".")

    def change(document: dict[str, Any]) -> None:
        del document["tables"][table][int(index)][column]

    return change


def first_item_twice(document: dict[str, Any]) -> None:
    items = document["tables"]["session_items"]
    items[1]["position"] = items[0]["position"]


MALFORMED: list[tuple[str, Change, str]] = [
    ("wrong-format", lambda d: d.update(format="something-else"), "format: expected"),
    (
        "newer-version",
        lambda d: d.update(version=4),
        "version: this backstretch reads versions 1 to 3",
    ),
    ("version-true", lambda d: d.update(version=True), "version:"),
    ("extra-key", lambda d: d.update(comment="hi"), "comment: unknown key"),
    ("no-tables", lambda d: d.pop("tables"), "tables: missing"),
    ("bad-exported-at", lambda d: d.update(exported_at="now"), "exported_at: not an ISO"),
    ("unknown-table", lambda d: d["tables"].update(moods=[]), "tables.moods: unknown table"),
    ("missing-table", lambda d: d["tables"].pop("checkins"), "tables.checkins: missing table"),
    ("rows-not-a-list", lambda d: d["tables"].update(profiles={}), "tables.profiles: expected"),
    ("row-not-an-object", lambda d: d["tables"].update(profiles=[1]), "tables.profiles[0]: "),
    (
        "missing-column",
        dropping("sessions.0.started_at"),
        "tables.sessions[0]: missing column 'started_at'",
    ),
    (
        "unknown-column",
        setting("sessions.1.mood", "fine"),
        "tables.sessions[1]: unknown column 'mood'",
    ),
    (
        "text-for-a-number",
        setting("session_items.1.position", "1"),
        "tables.session_items[1].position: expected a whole number",
    ),
    (
        "boolean-for-a-number",
        setting("sessions.0.planned_seconds", True),
        "tables.sessions[0].planned_seconds: expected a whole number",
    ),
    (
        "number-for-a-boolean",
        setting("session_items.0.skipped", 0),
        "tables.session_items[0].skipped: expected true or false",
    ),
    (
        "number-for-text",
        setting("clearances.0.flag", 7),
        "tables.clearances[0].flag: expected a string",
    ),
    (
        "bad-date-time",
        setting("sessions.1.started_at", "yesterday"),
        "tables.sessions[1].started_at: not an ISO date-time",
    ),
    (
        "date-time-without-offset",
        setting("sessions.1.started_at", "2026-11-02T08:30:00"),
        "tables.sessions[1].started_at: an ISO date-time needs a UTC offset",
    ),
    (
        "null-where-required",
        setting("checkins.0.at", None),
        "tables.checkins[0].at: must not be null",
    ),
    (
        "unknown-verdict",
        setting("screenings.0.verdict", "fine"),
        "tables.screenings[0].verdict: unknown value 'fine'",
    ),
    (
        "unknown-status",
        setting("sessions.0.status", "done"),
        "tables.sessions[0].status: unknown value",
    ),
    (
        "unknown-restriction",
        setting("screenings.0.restrictions", ["no_neck"]),
        "tables.screenings[0].restrictions[0]: unknown value 'no_neck'",
    ),
    (
        "json-of-the-wrong-shape",
        setting("screenings.0.reasons", "weight_loss"),
        "tables.screenings[0].reasons: ",
    ),
    (
        "json-with-a-wrong-item",
        setting("screenings.1.missing", ["a", 2]),
        "tables.screenings[1].missing[1]: ",
    ),
    (
        "unknown-time-zone",
        setting("checkins.0.timezone", "Mars/Olympus"),
        "tables.checkins[0].timezone: unknown time zone",
    ),
    (
        "number-out-of-range",
        setting("sessions.0.planned_seconds", 2**31),
        "tables.sessions[0].planned_seconds: 2147483648 is out of range",
    ),
    (
        "nul-character",
        setting("safety_blocks.1.note", "a\x00b"),
        "tables.safety_blocks[1].note: contains a NUL character",
    ),
    (
        "too-long",
        setting("sessions.0.routine_name", "x" * 121),
        "tables.sessions[0].routine_name: longer than 120 characters",
    ),
    (
        "same-primary-key",
        setting("screenings.1.id", 1),
        "tables.screenings[1]: same id as tables.screenings[0]",
    ),
    (
        "same-position-twice",
        first_item_twice,
        "tables.session_items[1]: same session_uuid, position as tables.session_items[0]",
    ),
    (
        "unknown-session",
        setting("session_items.2.session_uuid", "nope"),
        "tables.session_items[2].session_uuid: refers to sessions.uuid 'nope'",
    ),
    (
        "unknown-screening",
        setting("safety_blocks.0.closed_by_screening_id", 99),
        "tables.safety_blocks[0].closed_by_screening_id: refers to screenings.id 99",
    ),
    (
        "an-owner",
        setting("sessions.0.owner_id", 1),
        "tables.sessions[0]: unknown column 'owner_id'",
    ),
    (
        "no-fingerprint-column-in-version-3",
        dropping("sessions.0.identity_hash"),
        "tables.sessions[0]: missing column 'identity_hash'",
    ),
    (
        "own-stretch-not-yaml",
        setting("own_stretches.0.document", "id: [my-wall"),
        "tables.own_stretches[0].document: line 2: not valid YAML",
    ),
    (
        "own-stretch-invalid",
        setting(
            "own_stretches.0.document", OWN_STRETCH.replace("hold_seconds: 30", "hold_seconds: 90")
        ),
        "tables.own_stretches[0].document: dose.hold_seconds: ",
    ),
    (
        "own-stretch-without-prefix",
        setting("own_stretches.0.document", OWN_STRETCH.replace("id: my-wall-stretch", "id: wall")),
        "tables.own_stretches[0].document: id: your own stretch ids start with 'my-'",
    ),
    (
        "own-stretch-of-another-id",
        setting("own_stretches.0.stretch_id", "my-door-stretch"),
        "tables.own_stretches[0].stretch_id: the stretch's id is 'my-wall-stretch'",
    ),
    (
        "routine-of-an-unknown-stretch",
        setting("routines.1.document", {"name": "Morning", "items": [{"stretch": "cat-cw"}]}),
        "tables.routines[1].document: items.0.stretch: no stretch with id 'cat-cw'",
    ),
    (
        "routine-not-a-routine",
        setting("routines.0.document", {"title": "Desk"}),
        "tables.routines[0].document: title: unknown field",
    ),
    (
        "same-routine-name",
        setting("routines.1.name", "Zebra lunchtime routine: desk"),
        "tables.routines[1]: same name as tables.routines[0]",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [(change, message) for _, change, message in MALFORMED],
    ids=[name for name, _, _ in MALFORMED],
)
def test_a_malformed_document_is_refused_naming_the_place(
    good_document: dict[str, Any], change: Change, message: str
) -> None:
    document = copy.deepcopy(good_document)
    change(document)
    with pytest.raises(Invalid) as raised:
        check_export(document)
    assert message in str(raised.value)
    # `field` names the place at fault, which the message begins with.
    assert raised.value.field
    assert str(raised.value).startswith(f"{raised.value.field}: ")
    assert message.startswith(raised.value.field)


# Checked as live input is: each refusal names the row and the field.
LIKE_LIVE: list[tuple[str, Change, str]] = [
    (
        "pain-15",
        setting("sessions.0.pain_after", 15),
        "tables.sessions[0].pain_after: 15 is not within the pain scale: 0 to 10",
    ),
    (
        "pain-minus-3",
        setting("sessions.1.pain_before", -3),
        "tables.sessions[1].pain_before: -3 is not within the pain scale: 0 to 10",
    ),
    (
        "done-999999-seconds",
        setting("session_items.0.done_seconds", 999999),
        "tables.session_items[0].done_seconds: 999999 is not within the planned seconds: 0 to 60",
    ),
    (
        "planned-more-than-the-session",
        setting("session_items.1.planned_seconds", 100000),
        "tables.session_items[1].planned_seconds: 100000 is not within its session's planned",
    ),
    (
        "a-session-of-a-week",
        setting("sessions.0.planned_seconds", 7 * 24 * 3600),
        "tables.sessions[0].planned_seconds: 604800 is not within the seconds a session may last",
    ),
    (
        "more-reps-done-than-planned",
        setting("session_items.0.done_reps", 7),
        "tables.session_items[0].done_reps: 7 is not within the planned repetitions: 0 to 6",
    ),
    (
        "unknown-stretch-done",
        setting("session_items.1.stretch", "cat-cw"),
        "tables.session_items[1].stretch: unknown stretch 'cat-cw'",
    ),
    (
        "unknown-stretch-stopped",
        setting("sessions.1.stopped_stretch", "neck-tilt"),
        "tables.sessions[1].stopped_stretch: unknown stretch 'neck-tilt'",
    ),
    (
        "unknown-stretch-planned",
        setting("sessions.0.plan", {"items": [{"stretch": "cat-cow"}, {"stretch": "x"}]}),
        "tables.sessions[0].plan.items[1].stretch: unknown stretch 'x'",
    ),
    (
        "ended-before-it-started",
        setting("sessions.1.ended_at", "2026-11-01T00:00:00+00:00"),
        "tables.sessions[1].ended_at: 2026-11-01T00:00:00+00:00 is before its start",
    ),
    (
        "block-closed-before-it-opened",
        setting("safety_blocks.0.closed_at", "2026-01-01T00:00:00+00:00"),
        "tables.safety_blocks[0].closed_at: 2026-01-01T00:00:00+00:00 is before it opened",
    ),
    (
        "checkin-rated-11",
        setting("checkins.0.activities", [{"name": "Sitting", "score": 11}]),
        "tables.checkins[0].activities[0].score: 11 is not within the rating scale: 0 to 10",
    ),
    (
        "checkin-of-nothing",
        setting("checkins.0.activities", []),
        "tables.checkins[0].activities: 0 is not within the activities rated: 1 to 3",
    ),
    (
        "profile-of-no-area",
        setting("profiles.0.data", {"areas": [], "minutes": 10}),
        "tables.profiles[0].data.areas: ",
    ),
    (
        "lead-in-of-an-hour",
        setting("preferences.0.data", {"lead_in_seconds": 3600}),
        "tables.preferences[0].data.lead_in_seconds: expected 0 to 30 seconds",
    ),
    (
        "own-stretch-of-aliases",
        setting("own_stretches.0.document", "id: &name my-wall-stretch\nname: *name\n"),
        "tables.own_stretches[0].document: line 1: anchors (&name) are not accepted",
    ),
    (
        "too-many-check-ins",
        lambda d: d["tables"].update(checkins=[{}] * (MAX_ROWS + 1)),
        f"tables.checkins: {MAX_ROWS + 1} rows, more than the {MAX_ROWS} an import takes",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [(change, message) for _, change, message in LIKE_LIVE],
    ids=[name for name, _, _ in LIKE_LIVE],
)
def test_an_import_is_checked_like_live_input(
    good_document: dict[str, Any], change: Change, message: str
) -> None:
    document = copy.deepcopy(good_document)
    change(document)
    with pytest.raises(Invalid) as raised:
        check_export(document)
    assert str(raised.value).startswith(message)
    assert message.startswith(f"{raised.value.field}: ")


def test_the_billion_laughs_in_an_own_stretch_are_refused_at_once(
    good_document: dict[str, Any],
) -> None:
    document = copy.deepcopy(good_document)
    setting("own_stretches.0.document", BILLION_LAUGHS)(document)
    with pytest.raises(Invalid, match=r"^tables\.own_stretches\[0\]\.document: line 2: anchors"):
        check_export(document)


@pytest.mark.usefixtures("filled")
def test_an_import_never_removes_an_open_safety_block(
    me: PersonContext, good_document: dict[str, Any]
) -> None:
    with me.transaction() as session:
        still_open = repository.open_blocks(db=session)
    assert [block.kind for block in still_open] == [BlockKind.PAIN_PAUSE]
    forget_me(me)
    # The file without its block, or with it closed: the block stays open either way.
    without = copy.deepcopy(good_document)
    without["tables"]["safety_blocks"] = without["tables"]["safety_blocks"][:1]
    closed = copy.deepcopy(good_document)
    closed["tables"]["safety_blocks"][1]["closed_at"] = "2026-11-05T08:30:00+00:00"
    for document in (without, closed):
        import_data(me, document)
        with me.transaction() as session:
            assert [b.kind for b in repository.open_blocks(db=session)] == [BlockKind.PAIN_PAUSE]
            assert repository.open_blocks(db=session)[0].opened_at == still_open[0].opened_at
        with pytest.raises(Blocked):
            plan_today(me, PlanChoice(profile={"areas": ["lower_back"]}))
        forget_me(me)


def test_an_export_file_is_read_within_its_limits() -> None:
    with pytest.raises(Invalid, match=r"larger than 20 MB"):
        read_export(b" " * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(Invalid, match=r"nested too deeply"):
        read_export(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(Invalid, match=r"not a text file"):
        read_export(b"\xff\xfe{}")
    with pytest.raises(Invalid, match=r"not valid JSON \(NaN is not a JSON number\)"):
        read_export(b'{"a": NaN}')
    with pytest.raises(Invalid, match=r"not valid JSON \(line 1, column 2"):
        read_export(b"{")


def test_the_database_layer_leaves_own_stretches_and_routines_to_the_use_case(
    good_document: dict[str, Any],
) -> None:
    document = copy.deepcopy(good_document)
    setting("own_stretches.0.document", "id: [my-wall")(document)
    setting("routines.1.document", {"name": "Morning", "items": [{"stretch": "cat-cw"}]})(document)
    rows = parse_document(document)
    assert rows["own_stretches"][0]["document"] == "id: [my-wall"
    with pytest.raises(Invalid, match=r"^tables\.own_stretches\[0\]\.document: "):
        check_export(document)


def test_a_table_level_fault_is_an_export_format_error(good_document: dict[str, Any]) -> None:
    document = copy.deepcopy(good_document)
    setting("sessions.1.started_at", "yesterday")(document)
    with pytest.raises(ExportFormatError) as raised:
        parse_document(document)
    assert raised.value.where == "tables.sessions[1].started_at"


def test_a_document_that_is_not_an_object_is_refused(good_document: dict[str, Any]) -> None:
    with pytest.raises(Invalid, match=r"^\(document\): expected a JSON object"):
        check_export([good_document])


def test_the_untouched_document_is_valid(good_document: dict[str, Any]) -> None:
    rows = check_export(copy.deepcopy(good_document))
    assert {name: len(found) for name, found in rows.items()} == {
        name: len(found) for name, found in good_document["tables"].items()
    }


# CSV ---------------------------------------------------------------------------------------------


def expected_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def test_the_csv_zip_has_one_readable_file_per_table(filled: Store, me: PersonContext) -> None:
    document = exported(filled)
    with transaction(filled.sessions) as session:
        content = export_csv_zip(session, exported_at=EXPORTED_AT)
        again = export_csv_zip(session, exported_at=EXPORTED_AT)
    assert content == again
    assert export_csv(me) == content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert names == {"README.txt"} | {f"{table}.csv" for table in document["tables"]}
        readme = archive.read("README.txt").decode("utf-8")
        assert "backstretch import" in readme
        assert "JSON export" in readme
        for table in exported_tables():
            assert f"{table.name}.csv" in readme
            text = archive.read(f"{table.name}.csv").decode("utf-8")
            header, *rows = list(csv.reader(io.StringIO(text, newline="")))
            assert header == [column.name for column in exported_columns(table)]
            assert "owner_id" not in header
            wanted = document["tables"][table.name]
            assert rows == [[expected_cell(row[name]) for name in header] for row in wanted]
        checkins = list(csv.DictReader(io.StringIO(archive.read("checkins.csv").decode())))
    activities = json.loads(checkins[0]["activities"])
    assert activities == document["tables"]["checkins"][0]["activities"]


# Forget ------------------------------------------------------------------------------------------


def test_forget_deletes_everything_and_says_how_much(filled: Store) -> None:
    with transaction(filled.sessions) as session:
        before = count_rows(session)
        assert forget_everything(session, keep_open_blocks=False) == before
    assert before["session_items"] == 3
    assert is_empty(filled)
    with transaction(filled.sessions) as session:
        assert set(count_rows(session).values()) == {0}


@pytest.mark.usefixtures("filled")
def test_forget_me_keeps_only_the_open_safety_blocks_and_says_what_it_deleted(
    me: PersonContext,
) -> None:
    before = count_data(me)
    assert before["session_items"] == 3 and before["safety_blocks"] == 2
    with me.transaction() as session:
        still_open = repository.open_blocks(db=session)
    assert [b.kind for b in still_open] == [BlockKind.PAIN_PAUSE]
    assert forget_me(me) == deleted_by_forgetting(before)
    assert count_data(me) == kept_after_forgetting(before)
    with me.transaction() as session:
        assert repository.open_blocks(db=session) == still_open


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forgotten_rows_leave_no_trace_in_the_sqlite_file(
    services: Services, me: PersonContext
) -> None:
    path = Path(services.where)
    with me.transaction() as session:
        fill(session)
    assert MARKER.encode() in b"".join(f.read_bytes() for f in path.parent.glob(f"{path.name}*"))
    forget_me(me)
    # Checked while the database is still open: closing the last connection would empty the
    # write-ahead log anyway, but a web server may keep it open for weeks.
    files = list(path.parent.glob(f"{path.name}*"))
    assert path in files
    for file in files:
        assert MARKER.encode() not in file.read_bytes(), file.name


def test_erasing_freed_space_on_a_file_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite3"
    store = open_store(f"sqlite:///{path}")
    try:
        with transaction(store.sessions) as session:
            fill(session)
        with transaction(store.sessions) as session:
            forget_everything(session, keep_open_blocks=True)
        erase_freed_space(store.engine)
        for file in tmp_path.glob("private.sqlite3*"):
            assert MARKER.encode() not in file.read_bytes(), file.name
    finally:
        store.close()


def test_erasing_freed_space_is_harmless_on_every_backend(filled: Store) -> None:
    erase_freed_space(filled.engine)
    assert not is_empty(filled)


# Two people in one database ----------------------------------------------------------------------


def test_an_export_holds_only_its_persons_rows(
    two_people: tuple[PersonContext, PersonContext],
) -> None:
    first, second = two_people
    mine, theirs = export_json(first), export_json(second)
    for name, rows in mine["tables"].items():
        assert len(rows) == len(theirs["tables"][name]), name
        if rows and "id" in rows[0]:
            assert {r["id"] for r in rows}.isdisjoint({r["id"] for r in theirs["tables"][name]})
    assert OTHER_MARKER not in dump_document(mine)
    assert MARKER not in dump_document(theirs)
    assert [s["uuid"] for s in theirs["tables"]["sessions"]] == list(OTHER_UUIDS)
    # Apart from ids, uuids and the marker, the two people stored the same things.
    assert dump_document(without_ids(theirs)) == dump_document(without_ids(mine)).replace(
        MARKER, OTHER_MARKER
    ).replace(FIRST_UUID, OTHER_UUIDS[0]).replace(SECOND_UUID, OTHER_UUIDS[1])
    assert count_data(second) == {name: len(rows) for name, rows in theirs["tables"].items()}


def with_new_session_uuids(document: dict[str, Any], uuids: tuple[str, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    renamed = dict(zip((s["uuid"] for s in changed["tables"]["sessions"]), uuids, strict=True))
    for row in changed["tables"]["sessions"]:
        row["uuid"] = renamed[row["uuid"]]
    for row in changed["tables"]["session_items"]:
        row["session_uuid"] = renamed[row["session_uuid"]]
    return changed


def test_another_person_imports_an_export_into_their_empty_account(
    filled: Store, services: Services
) -> None:
    before = exported(filled)
    second = add_person(services)
    # The same rows, ids and all, under new session uuids (a session is stored once).
    document = with_new_session_uuids(before, OTHER_UUIDS)
    assert set(count_data(second).values()) == {0}
    counts = import_data(second, document)
    assert counts == {name: len(rows) for name, rows in before["tables"].items()}
    assert exported(filled) == before  # the first person's rows are untouched
    theirs = export_json(second)
    assert without_ids(theirs) == without_ids(document)
    # New ids (the first person's are taken), and the reference follows them.
    screenings = [row["id"] for row in theirs["tables"]["screenings"]]
    assert set(screenings).isdisjoint(row["id"] for row in before["tables"]["screenings"])
    assert theirs["tables"]["safety_blocks"][0]["closed_by_screening_id"] == screenings[1]
    with second.transaction() as session:
        assert repository.load_profile(db=session) == before["tables"]["profiles"][0]["data"]
        assert [r.name for r in repository.list_routines(db=session)] == [
            "Morning",
            f"{MARKER}: desk",
        ]
        assert repository.get_session(db=session, uuid=OTHER_UUIDS[0]) is not None
        assert repository.get_session(db=session, uuid=FIRST_UUID) is None


def test_a_session_stored_in_another_account_refuses_the_whole_import(
    filled: Store, services: Services
) -> None:
    before = exported(filled)
    second = add_person(services)
    with pytest.raises(Conflict) as raised:
        import_data(second, before)
    assert str(raised.value) == (
        f"tables.sessions[0].uuid: session {FIRST_UUID} is already stored on this server "
        "(in this or another account); a session can be stored once"
    )
    assert set(count_data(second).values()) == {0}
    assert exported(filled) == before


def test_forget_deletes_one_persons_rows_only(
    two_people: tuple[PersonContext, PersonContext], filled: Store
) -> None:
    first, second = two_people
    mine = export_json(first)
    forgotten = forget_me(second)
    stored = {name: len(rows) for name, rows in mine["tables"].items()}
    assert forgotten == deleted_by_forgetting(stored)
    assert count_data(second) == kept_after_forgetting(stored)
    assert export_json(first) == mine
    assert not is_empty(filled)
