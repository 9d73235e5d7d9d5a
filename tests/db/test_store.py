"""Opening and closing the database: what a closed store leaves behind."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from backstretch.db.store import open_store


def test_each_person_keeps_one_session_factory(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        assert store.for_owner(2) is store.for_owner(2)
        assert store.for_owner(2) is not store.for_owner(3)
    finally:
        store.close()


def test_a_closed_store_is_freed_with_its_engine(tmp_path: Path) -> None:
    # A long-lived process (a server reopening after a settings change, the test run) that
    # opens store after store must not keep every engine and its pool alive.
    store = open_store(f"sqlite:///{tmp_path / 'many.sqlite3'}")
    store.for_owner(2)
    engine = weakref.ref(store.engine)
    store.close()
    del store
    gc.collect()
    assert engine() is None
