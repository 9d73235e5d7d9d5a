"""`serve`: one person on loopback without a login; anything else only with accounts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_which_addresses_are_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_single_person_mode_refuses_to_listen_beyond_this_machine(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKSTRETCH_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-accounts"])
    assert result.exit_code == 2
    assert "without accounts there is no login" in result.output
    assert "--accounts" in result.output
    assert not (tmp_path / "backstretch.sqlite3").exists()  # refused before opening anything


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_any_other_address_turns_accounts_on(tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "BACKSTRETCH_DATA_DIR": str(tmp_path),
        "BACKSTRETCH_DATABASE_URL": "",
        "BACKSTRETCH_ACCOUNTS": "",
    }
    environment = {k: v for k, v in environment.items() if v != ""}
    command = [sys.executable, "-m", "backstretch", "serve", "--host", "0.0.0.0"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"{base}/api/health") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert _get(f"{base}/login") == 200  # account pages exist
        assert _get(f"{base}/api/history") == 401  # and nothing personal without a login
        database = tmp_path / "backstretch.sqlite3"
        assert oct(database.stat().st_mode & 0o777) == "0o600"
    finally:
        server.terminate()
        server.wait(timeout=10)
