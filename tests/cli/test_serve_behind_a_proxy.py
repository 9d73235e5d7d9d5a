"""`serve` behind a reverse proxy (docs/production.md): the forwarded headers count only when
the request comes from an address in FORWARDED_ALLOW_IPS (by default this machine, where the
proxy runs). A proxy that says "https" then gets Secure cookies; anyone else saying so does not.
"""

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

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cookies_of(url: str) -> list[str]:
    request = urllib.request.Request(url, headers=FORWARDED)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.headers.get_all("set-cookie") or []
    except urllib.error.HTTPError as error:
        return error.headers.get_all("set-cookie") or []


def _serve_and_ask(tmp_path: Path, forwarded_allow_ips: str | None) -> list[str]:
    """Start `backstretch serve --accounts` and return the cookies of the login page, asked
    for with the headers a proxy terminating HTTPS adds."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTRETCH_")}
    environment.pop("FORWARDED_ALLOW_IPS", None)
    environment["BACKSTRETCH_DATA_DIR"] = str(tmp_path)
    if forwarded_allow_ips is not None:
        environment["FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
    command = [sys.executable, "-m", "backstretch", "serve", "--accounts", "--port", str(port)]
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        return _cookies_of(f"{base}/login")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_a_proxy_on_this_machine_is_trusted_by_default(tmp_path: Path) -> None:
    cookies = _serve_and_ask(tmp_path, None)
    assert cookies, "the login page sets the CSRF cookie"
    assert all("secure" in cookie.lower() for cookie in cookies), cookies


@pytest.mark.slow
def test_forwarded_headers_from_anyone_but_the_proxy_are_ignored(tmp_path: Path) -> None:
    # The proxy is elsewhere (a documentation address): this machine's request is not its.
    cookies = _serve_and_ask(tmp_path, "192.0.2.10")
    assert cookies, "the login page sets the CSRF cookie"
    assert not any("secure" in cookie.lower() for cookie in cookies), cookies
