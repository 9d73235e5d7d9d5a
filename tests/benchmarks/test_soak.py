"""Smoke test of the soak benchmark: a few seconds with three clients against PostgreSQL.

Nothing here asserts a time or a memory figure: only that the script runs clean, reports no
error, gives its JSON with the expected fields, and that every session the clients completed is
in the database once. Without a reachable PostgreSQL the run is skipped, except under CI=true
where it fails (as the postgres fixtures in tests/conftest.py do).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import POSTGRES_ADMIN_URL

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def need_postgres() -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()


def load_soak(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the script as a module (it imports its sibling `_server`)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("soak")


@pytest.mark.slow
@pytest.mark.postgres
def test_a_short_soak_runs_clean() -> None:
    need_postgres()
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "soak.py"),
            *("--clients", "3", "--seconds", "8", "--warmup", "2", "--sample-every", "1"),
            *("--admin-url", POSTGRES_ADMIN_URL, "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["clean"] is True, result["problems"]
    assert result["errors"] == 0
    assert result["first_errors"] == []
    assert result["server_log_errors"] == 0
    for key in (
        "settings",
        "context",
        "requests",
        "per_second",
        "write_share",
        "kinds",
        "minutes",
        "memory",
        "sessions",
        "client",
    ):
        assert key in result, key
    assert result["settings"]["clients"] == 3
    setup = ("GET /register", "POST /register", "POST /api/screen", "POST /profile")
    for kind in (*setup, "POST /api/plan", "PUT session in progress", "PUT session completed"):
        assert result["kinds"][kind]["count"] >= 1, kind
        assert {"p50_ms", "p95_ms", "p99_ms"} <= result["kinds"][kind].keys()
    assert {"warmup_end_mb", "end_mb", "growth_mb", "growth_pct", "slope_mb_per_min"} <= (
        result["memory"].keys()
    )
    assert result["minutes"][0]["rss_mb"] > 0
    sessions = result["sessions"]
    assert sessions["match"] is True
    assert sessions["completed_by_clients"] >= 3  # each client records a session first
    assert sessions["completed_in_database"] == sessions["completed_by_clients"]
    assert sessions["in_database"] == sessions["started_by_clients"]


def test_memory_is_flat_when_it_settles_and_not_when_it_climbs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    soak = load_soak(monkeypatch)

    def samples(rss: list[float], every: float = 5) -> list[object]:
        return [soak.Sample(i * every, mb, 40, 70, 10, 0.0, 1.0) for i, mb in enumerate(rss)]

    # A spike in the warm-up (password hashing) and noise afterwards: flat.
    settled = [100.0, 900.0, 400.0, 120.0] + [121.0, 123.0, 122.0] * 20
    trend = soak.memory_trend(samples(settled), warmup=15, end=5 * len(settled))
    assert trend["flat"]
    assert abs(trend["growth_mb"]) < 3
    assert trend["max_mb"] == 900.0
    # Half a megabyte a sample, for ten minutes: 60 MB more.
    climbing = [120.0 + 0.5 * i for i in range(120)]
    trend = soak.memory_trend(samples(climbing), warmup=60, end=600)
    assert not trend["flat"]
    assert trend["slope_mb_per_min"] == pytest.approx(6.0)
    assert trend["growth_mb"] > 20


def test_percentiles_and_slope(monkeypatch: pytest.MonkeyPatch) -> None:
    soak = load_soak(monkeypatch)
    values = [float(v) for v in range(1, 101)]
    assert soak.percentile(values, 0.50) == 50
    assert soak.percentile(values, 0.99) == 99
    assert soak.slope_per_minute([(0, 10.0), (60, 12.0), (120, 14.0)]) == pytest.approx(2.0)
    assert soak.slope_per_minute([(0, 10.0)]) == 0.0
