"""Sessions made for one person see and change only that person's rows, whatever the query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from backstretch.db.engine import session_factory, transaction
from backstretch.db.owners import ALL_OWNERS, NoOwnerError
from backstretch.db.store import Store
from backstretch.db.tables import AccountRow, ProfileRow

NOW = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def two_people(store: Store) -> Store:
    with transaction(store.sessions) as session:
        session.add(AccountRow(username="bo", created_at=NOW))
    with transaction(store.for_owner(1)) as session:
        session.add(ProfileRow(data={"who": "local"}, updated_at=NOW))
    with transaction(store.for_owner(2)) as session:
        session.add(ProfileRow(data={"who": "bo"}, updated_at=NOW))
    return store


def profiles(store: Store, owner: int) -> list[dict[str, str]]:
    with transaction(store.for_owner(owner)) as session:
        return [row.data for row in session.scalars(select(ProfileRow).order_by(ProfileRow.id))]


def test_each_person_reads_only_their_rows(two_people: Store) -> None:
    assert profiles(two_people, 1) == [{"who": "local"}]
    assert profiles(two_people, 2) == [{"who": "bo"}]
    with transaction(two_people.for_owner(2)) as session:
        assert session.get(ProfileRow, 1) is None  # the local person's row, by its id
        counted = select(func.count()).select_from(ProfileRow)
        assert session.execute(counted).scalar_one() == 1


def test_updates_and_deletes_reach_only_their_rows(two_people: Store) -> None:
    with transaction(two_people.for_owner(2)) as session:
        session.execute(update(ProfileRow).values(data={"who": "changed"}))
        session.execute(delete(ProfileRow).where(ProfileRow.id == 1))
    assert profiles(two_people, 1) == [{"who": "local"}]
    assert profiles(two_people, 2) == [{"who": "changed"}]
    with transaction(two_people.for_owner(2)) as session:
        session.execute(delete(ProfileRow))
    assert profiles(two_people, 1) == [{"who": "local"}]
    assert profiles(two_people, 2) == []


def test_new_rows_are_stamped_and_cannot_be_planted_on_another(two_people: Store) -> None:
    with pytest.raises(NoOwnerError), transaction(two_people.for_owner(2)) as session:
        session.add(ProfileRow(data={"who": "planted"}, updated_at=NOW, owner_id=1))
    assert profiles(two_people, 1) == [{"who": "local"}]


def test_a_session_for_nobody_may_not_touch_personal_rows(two_people: Store) -> None:
    nobody = session_factory(two_people.engine, owner_id=None)
    with pytest.raises(NoOwnerError), transaction(nobody) as session:
        session.scalars(select(ProfileRow)).all()
    with pytest.raises(NoOwnerError), transaction(nobody) as session:
        session.add(ProfileRow(data={}, updated_at=NOW))
    with transaction(nobody) as session:
        # Statements the filter cannot see through still find nothing for nobody...
        counted = select(func.count()).select_from(ProfileRow)
        assert session.execute(counted).scalar_one() == 0
        # ...and accounts, which belong to nobody, are read as usual.
        assert session.scalar(select(AccountRow.username).where(AccountRow.id == 2)) == "bo"


def test_looking_across_owners_must_be_asked_for(two_people: Store) -> None:
    with transaction(two_people.for_owner(2)) as session:
        everyone = select(ProfileRow.id).execution_options(**{ALL_OWNERS: True})
        assert len(session.scalars(everyone).all()) == 2
