"""An answer that says "saved" means committed: every write commits before its answer is sent.

The browser's offline queue (static/offline.js) forgets a session once the server answers 2xx,
so a 2xx that came before the commit could lose the session for good. Here the row is read on a
connection of its own (another engine, as another app server would) the moment each answer
arrives; and a live server on PostgreSQL, killed with SIGKILL while ten clients write, is found
to hold every session it acknowledged, once (`benchmarks/bounded_input.py` measures the same).
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.test_api_sessions import body, planned

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture
def elsewhere(database_url: str) -> Iterator[sa.Engine]:
    """An engine of its own on the test's database: nothing the app's connections hold."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def stored_elsewhere(engine: sa.Engine, session: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT status, pain_after FROM sessions WHERE uuid = :uuid"),
            {"uuid": session},
        ).first()
        done = connection.execute(
            sa.text("SELECT done_seconds FROM session_items WHERE session_uuid = :uuid"),
            {"uuid": session},
        ).scalars()
        return {"status": row[0], "pain_after": row[1], "done": sorted(done)} if row else None


def test_every_answered_put_is_on_another_connection_at_once(
    screened: TestClient, elsewhere: sa.Engine
) -> None:
    plan = planned(screened)
    for _ in range(10):
        session = str(uuid.uuid4())
        url = f"/api/sessions/{session}"
        assert screened.put(url, json=body(plan)).status_code == 200
        assert stored_elsewhere(elsewhere, session) == {
            "status": "in_progress",
            "pain_after": None,
            "done": [0] * len(plan["items"]),
        }
        progress = body(plan, done=[{"position": 0, "done_seconds": 7, "done_reps": 1}])
        assert screened.put(url, json=progress).status_code == 200
        assert stored_elsewhere(elsewhere, session)["done"][-1] == 7  # type: ignore[index]
        ending = {**progress, "status": "completed", "pain_after": 2}
        assert screened.put(url, json=ending).status_code == 200
        found = stored_elsewhere(elsewhere, session)
        assert found is not None and (found["status"], found["pain_after"]) == ("completed", 2)


def test_other_writes_are_committed_before_their_answer_too(
    screened: TestClient, elsewhere: sa.Engine
) -> None:
    saved = screened.post(
        "/settings",
        data={"lead_in_seconds": "9", "emergency_region": "uk", "timezone": "Europe/London"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with elsewhere.connect() as connection:
        data = connection.execute(sa.text("SELECT data FROM preferences")).scalar_one()
    stored = data if isinstance(data, dict) else json.loads(data)  # SQLite gives the text
    assert stored["lead_in_seconds"] == 9
    with elsewhere.connect() as connection:
        screenings = connection.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one()
    assert screenings == 1  # the screening `screened` answered, committed before its 200


@pytest.mark.slow
@pytest.mark.postgres
def test_a_kill_9_under_ten_writers_loses_no_acknowledged_session(
    postgres_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(postgres_database).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    bounded_input = importlib.import_module("bounded_input")
    try:
        run = bounded_input.kill_during_writes(
            url.render_as_string(hide_password=False), tmp_path, writers=10
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    assert run.acknowledged >= 150  # the kill came mid-run, with writers still going
    assert run.missing == []
    assert run.stored_once == run.acknowledged
    assert run.visible_at_once == run.acknowledged
