"""The unit of work: committed together or not at all, and a database that cannot be used is
said in one line naming it, never as a driver's traceback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from backstretch.core.records import Activity, CheckinRecord
from backstretch.db import repository
from backstretch.db.tables import AccountRow
from backstretch.services import sessions
from backstretch.services.context import PersonContext, Services, unit_of_work
from backstretch.services.errors import Unavailable
from tests.conftest import FIXED_NOW

# A SQLite page is 4096 bytes unless the file says otherwise (header bytes 16-17).
PAGE_SIZE_OFFSET = 16


def checkin(minutes: int) -> CheckinRecord:
    return CheckinRecord(
        at=FIXED_NOW + timedelta(minutes=minutes),
        timezone="Europe/London",
        # Three long names (a check-in's most), so 200 of them fill several pages.
        activities=tuple(
            Activity(f"Sitting at my desk for a long afternoon, part {part}", 6)
            for part in range(3)
        ),
    )


def damage(path: Path) -> None:
    """Overwrite every page from the third on with garbage, keeping the header valid."""
    content = bytearray(path.read_bytes())
    page_size = int.from_bytes(content[PAGE_SIZE_OFFSET : PAGE_SIZE_OFFSET + 2], "big")
    start = 2 * page_size
    assert len(content) > start + page_size, "too few pages to damage"
    garbage = bytes(range(251)) * (len(content) // 251 + 1)
    content[start:] = garbage[: len(content) - start]
    path.write_bytes(bytes(content))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_damaged_sqlite_file_is_unavailable_in_one_line_naming_it(
    services: Services, me: PersonContext
) -> None:
    for minutes in range(200):
        sessions.record_checkin(me, checkin(minutes))
    assert len(sessions.checkins(me)) == 200
    path = Path(services.where)
    assert path.is_file()
    # Close every connection, so the write-ahead log is folded into the file and removed.
    services.store.engine.dispose()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    damage(path)

    with pytest.raises(Unavailable) as raised:
        sessions.checkins(me)
    message = str(raised.value)
    assert message.splitlines() == [message]
    assert message.startswith(f"the database {path} is damaged (")
    assert "malformed" in message or "not a database" in message
    assert "Move it aside and start afresh, or restore a copy" in message
    assert "backstretch import FILE" in message
    # The cause is not chained: adapters print the message, not a driver's traceback.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_a_database_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    where = str(tmp_path / "no-such-folder" / "db.sqlite3")
    engine = create_engine(f"sqlite:///{where}")
    try:
        with pytest.raises(Unavailable) as raised, unit_of_work(sessionmaker(engine), where) as db:
            db.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert str(raised.value) == f"cannot use the database {where}: unable to open database file"


def test_work_in_a_unit_is_committed_together_or_not_at_all(me: PersonContext) -> None:
    with pytest.raises(RuntimeError), me.transaction() as db:
        repository.add_checkin(db=db, record=checkin(0))
        raise RuntimeError("something went wrong half-way")
    assert sessions.checkins(me) == []
    with me.transaction() as db:
        repository.add_checkin(db=db, record=checkin(0))
        repository.add_checkin(db=db, record=checkin(1))
    assert [c.at for c in sessions.checkins(me)] == [checkin(0).at, checkin(1).at]


def test_an_integrity_error_is_left_for_the_use_case_to_explain(services: Services) -> None:
    with pytest.raises(IntegrityError), services.transaction() as db:
        db.add(AccountRow(username="same", created_at=FIXED_NOW))
        db.flush()
        db.add(AccountRow(username="same", created_at=FIXED_NOW))
        db.flush()
