"""Reminder schedules and deliveries in the database: one row per reminder, each person's own."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backstretch.core.schedule import DeliveryState, Reminder, ReminderKind
from backstretch.db import reminders as rows
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.owners import NoOwnerError
from backstretch.db.store import Store, open_store
from backstretch.db.tables import AccountRow

NOW = datetime(2026, 6, 8, 7, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def reminder(key: str = "session:2026-06-08T08:30", due: datetime = NOW) -> Reminder:
    return Reminder(ReminderKind.SESSION, due, due.astimezone(LONDON), "morning", key)


@pytest.fixture
def two_people(store: Store) -> Store:
    with transaction(store.sessions) as session:
        session.add(AccountRow(username="bo", created_at=NOW))
    return store


def test_a_schedule_is_one_row_per_person(two_people: Store) -> None:
    with transaction(two_people.for_owner(1)) as db:
        assert rows.load_schedule(db=db) is None
        rows.save_schedule(db=db, document={"v": 1}, at=NOW)
        rows.save_schedule(db=db, document={"v": 2}, at=NOW + timedelta(minutes=1))
    with transaction(two_people.for_owner(2)) as db:
        assert rows.load_schedule(db=db) is None
        rows.save_schedule(db=db, document={"v": "bo"}, at=NOW)
    with transaction(two_people.for_owner(1)) as db:
        assert rows.load_schedule(db=db) == {"v": 2}
    with transaction(two_people.sessions) as db:
        assert rows.owners_with_schedules(db=db) == [1, 2]


def test_a_delivery_is_recorded_once_per_person(two_people: Store) -> None:
    with transaction(two_people.for_owner(1)) as db:
        assert rows.record_due(db=db, reminder=reminder())
        assert not rows.record_due(db=db, reminder=reminder())
    with transaction(two_people.for_owner(2)) as db:
        assert rows.record_due(db=db, reminder=reminder())  # the same key, another person
        assert [d.key for d in rows.list_deliveries(db=db)] == ["session:2026-06-08T08:30"]
    with transaction(two_people.for_owner(1)) as db:
        [stored] = rows.list_deliveries(db=db)
        assert (stored.state, stored.due_at, stored.sent_at) == (DeliveryState.DUE, NOW, None)


def test_sent_once_however_many_ask(store: Store) -> None:
    with transaction(store.for_owner(1)) as db:
        rows.record_due(db=db, reminder=reminder())
    with transaction(store.for_owner(1)) as db:
        assert rows.mark_sent_if_due(db=db, key=reminder().key, at=NOW)
    with transaction(store.for_owner(1)) as db:
        assert not rows.mark_sent_if_due(db=db, key=reminder().key, at=NOW)
        stored = rows.get_delivery(db=db, key=reminder().key)
    assert stored is not None and stored.state is DeliveryState.SENT and stored.sent_at == NOW


def test_states_snooze_skip_and_drop(store: Store) -> None:
    later = NOW + timedelta(minutes=10)
    with transaction(store.for_owner(1)) as db:
        snoozed = rows.set_state(
            db=db, reminder=reminder(), state=DeliveryState.SNOOZED, at=NOW, snoozed_until=later
        )
        assert (snoozed.state, snoozed.snoozed_until, snoozed.next_due) == (
            DeliveryState.SNOOZED,
            later,
            later,
        )
        skipped = rows.set_state(db=db, reminder=reminder(), state=DeliveryState.SKIPPED, at=NOW)
        assert (skipped.state, skipped.snoozed_until, skipped.next_due) == (
            DeliveryState.SKIPPED,
            None,
            NOW,
        )
        rows.record_due(db=db, reminder=reminder("session:2026-06-10T08:30", NOW + timedelta(2)))
        assert rows.drop_pending(db=db, after=NOW) == 1  # only the due one; skipped stays
        states = {d.key: d.state for d in rows.list_deliveries(db=db)}
    assert states == {
        "session:2026-06-08T08:30": DeliveryState.SKIPPED,
        "session:2026-06-10T08:30": DeliveryState.DROPPED,
    }


def test_a_session_for_nobody_cannot_record_a_delivery(database_url: str) -> None:
    store = open_store(database_url, owner_id=None)
    try:
        with pytest.raises(NoOwnerError), transaction(store.sessions) as db:
            rows.record_due(db=db, reminder=reminder())
    finally:
        store.close()


def test_forgetting_deletes_only_that_persons_reminders(two_people: Store) -> None:
    for owner in (1, 2):
        with transaction(two_people.for_owner(owner)) as db:
            rows.save_schedule(db=db, document={"owner": owner}, at=NOW)
            rows.record_due(db=db, reminder=reminder())
    with transaction(two_people.for_owner(2)) as db:
        repository.delete_everything(db=db)
    with transaction(two_people.for_owner(2)) as db:
        assert rows.load_schedule(db=db) is None and rows.list_deliveries(db=db) == []
    with transaction(two_people.for_owner(1)) as db:
        assert rows.load_schedule(db=db) == {"owner": 1}
        assert len(rows.list_deliveries(db=db)) == 1


def test_racing_servers_make_one_row(database_url: str) -> None:
    """Eight connections record and send the same reminder at once: one row, one sender."""
    stores = [open_store(database_url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    made: list[bool] = []
    sent: list[bool] = []
    errors: list[BaseException] = []

    def serve(store: Store) -> None:
        try:
            barrier.wait()
            with transaction(store.for_owner(1)) as db:
                made.append(rows.record_due(db=db, reminder=reminder()))
            with transaction(store.for_owner(1)) as db:
                sent.append(rows.mark_sent_if_due(db=db, key=reminder().key, at=NOW))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=serve, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    assert made.count(True) == 1
    assert sent.count(True) == 1
