"""Smoke test of the two-server benchmark: two app servers behind nginx on PostgreSQL, one of
them killed with -9 and started again, for a few seconds with three clients.

Nothing here asserts a time: only that the run is clean (no error a client did not retry, every
acknowledged session in the database once, CSRF and the login limit shared by the two servers)
and that its JSON has the expected fields. Without PostgreSQL or nginx the run is skipped,
except under CI=true where it fails (scripts/test installs nginx).
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

from tests.benchmarks.test_soak import need_postgres
from tests.conftest import POSTGRES_ADMIN_URL

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def load(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the script as a module (it imports its siblings `_server` and `soak`)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("two_servers")


def need_nginx(module: ModuleType) -> str:
    binary = module.nginx_binary()
    if binary is None:
        reason = "nginx is not installed (apt-get install nginx-light)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return str(binary)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_servers_behind_nginx_survive_a_kill(monkeypatch: pytest.MonkeyPatch) -> None:
    need_nginx(load(monkeypatch))
    need_postgres()
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "two_servers.py"),
            *("--quick", "--seconds", "12", "--admin-url", POSTGRES_ADMIN_URL, "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    result = json.loads(done.stdout)
    assert result["clean"] is True, result["problems"]
    assert result["errors"] == 0, result["first_errors"]
    assert result["server_log_errors"] == {"server 1": 0, "server 2": 0}
    assert len(result["kills"]) == 1
    assert result["kills"][0]["server"] == 1
    for kind in (
        "POST /login",
        "GET /plan",
        "POST /api/plan",
        "PUT session in progress",
        "PUT session completed",
    ):
        assert result["kinds"][kind]["count"] >= 1, kind
        assert {"p50_ms", "p95_ms", "max_ms", "retried"} <= result["kinds"][kind].keys()
    sessions = result["sessions"]
    assert sessions["match"] is True
    assert sessions["completed_by_clients"] >= 3
    assert sessions["completed_in_database"] == sessions["completed_by_clients"]
    checks = result["cross_server"]
    assert checks["consistent"] is True, checks
    assert checks["wrong_passwords_before_429"] <= checks["login_limit"]
    assert checks["registrations_before_429"] == checks["registration_limit"]
    # nginx passed requests to both servers.
    assert set(result["nginx"]["per_server"]) >= {"server 1", "server 2"}


def test_the_nginx_configuration_is_valid(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = load(monkeypatch)
    binary = need_nginx(module)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "temp" / kind).mkdir(parents=True)
    config = tmp_path / "nginx.conf"
    config.write_text(module.nginx_config(tmp_path, 8080, [8001, 8002]))
    error_log = tmp_path / "error.log"
    checked = subprocess.run(
        [binary, "-p", str(tmp_path), "-c", str(config), "-e", str(error_log), "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    text = config.read_text()
    assert "server 127.0.0.1:8001" in text and "server 127.0.0.1:8002" in text
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text


def test_nginx_log_lines_are_counted_per_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    module = load(monkeypatch)
    (tmp_path / "nginx-access.log").write_text(
        "GET|/plan|200|127.0.0.1:8001|200|0.010\n"
        "PUT|/api/sessions/x|200|127.0.0.1:8001, 127.0.0.1:8002|502, 200|0.020\n"
        "POST|/api/plan|502|127.0.0.1:8002|502|0.001\n"
        "GET|/|502|backstretch|502|0.000\n"
    )
    passes = module.nginx_passes(tmp_path, {8001: 1, 8002: 2})
    assert passes == {
        "requests": 4,
        "per_server": {"none": 1, "server 1": 1, "server 2": 2},
        "passed_to_the_other_server": 1,
        "answered_502": 2,
    }
