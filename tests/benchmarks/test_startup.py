"""Smoke tests of the start-up benchmark: one round, and its figures are printed (never checked).

Nothing here asserts a time: the figures depend on the machine.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"
LABELS = (
    "python -c pass",
    "backstretch --help",
    "backstretch plan ... --json",
    "plan --json, empty cache",
    "plan's libraries alone",
    "serve's libraries alone",
    "serve: first 200 of /api/health",
    "serve: first 200 of /",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the benchmark with this interpreter and return what it did."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / "startup.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def load(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the script as a module (it imports its sibling `_server`)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("startup")


@pytest.mark.slow
def test_one_round_prints_the_table_and_the_import_costs() -> None:
    done = run("--runs", "1", "--importtime", "--top", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    for label in LABELS:
        assert label in done.stdout
    assert "<= 40x:" in done.stdout
    assert "<= 6x:" in done.stdout
    assert "< 0.5 s:" in done.stdout
    assert "backstretch plan ... --json, under python -X importtime" in done.stdout
    assert "serve: first 200 of /api/health, under python -X importtime" in done.stdout
    assert "our modules that import another package first" in done.stdout


@pytest.mark.slow
def test_json_without_the_server() -> None:
    done = run("--runs", "1", "--no-serve", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert set(result["results"]) == {
        "python",
        "help",
        "plan",
        "plan_empty_cache",
        "plan_libraries",
    }
    plan = result["results"]["plan"]
    for key in ("median_s", "min_s", "p90_s", "max_s", "ratio_median", "aim", "met"):
        assert key in plan
    assert plan["runs"] == 1
    assert result["runs"] == 1


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |         _io
import time:       300 |        400 |       sqlalchemy.util
import time:      1000 |       1400 |     sqlalchemy
import time:        50 |       1450 |   backstretch.db.engine
import time:       200 |        200 |   json
import time:        20 |       1670 | backstretch.cli.context
something the server logged
"""


def test_the_import_report_names_who_imports_what(monkeypatch: pytest.MonkeyPatch) -> None:
    startup = load(monkeypatch)
    modules = {m.name: m for m in startup.parse_importtime(IMPORTTIME)}
    assert list(modules) == [
        "_io",
        "sqlalchemy.util",
        "sqlalchemy",
        "backstretch.db.engine",
        "json",
        "backstretch.cli.context",
    ]
    assert modules["_io"].parent is modules["sqlalchemy.util"]
    assert modules["sqlalchemy.util"].parent is modules["sqlalchemy"]
    assert modules["sqlalchemy"].parent is modules["backstretch.db.engine"]
    assert modules["backstretch.db.engine"].parent is modules["backstretch.cli.context"]
    assert modules["json"].parent is modules["backstretch.cli.context"]
    assert modules["backstretch.cli.context"].parent is None
    report = [line.split() for line in startup.import_report(list(modules.values()), top=5)]
    assert report[0] == ["1.7", "ms", "of", "imports", "in", "6", "modules"]
    assert ["1.4", "ms", "backstretch.db.engine", "->", "sqlalchemy"] in report
    assert ["0.2", "ms", "backstretch.cli.context", "->", "json"] in report
    assert ["1.3", "ms", "sqlalchemy"] in report  # by package: the time of its own modules
