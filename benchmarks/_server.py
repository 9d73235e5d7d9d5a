"""Shared by the web benchmarks: start `backstretch serve` for real and talk to it.

The server is the command a person runs (the `backstretch` script beside this interpreter, or
`python -m backstretch` when there is none) on a free local port, over a data folder of the
benchmark's own (SQLite), with the time zone and emergency number set. Requests use the
standard library only, so the bytes counted are the bytes the server sent.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HOST = "127.0.0.1"
# The routine the plan benchmarks ask for (and the profile the player page is given).
PLAN_PROFILE: dict[str, Any] = {"areas": ["lower_back"], "minutes": 10, "setting": "floor"}


def cli_command() -> list[str]:
    """Return how to run the `backstretch` command with this interpreter's installation."""
    script = Path(sys.executable).with_name("backstretch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "backstretch"]


def serve_command(port: int, host: str = HOST) -> list[str]:
    """Return the `backstretch serve` command line for this port."""
    return [*cli_command(), "serve", "--host", host, "--port", str(port)]


def server_env(data_dir: Path) -> dict[str, str]:
    """Return this process's environment without stray BACKSTRETCH_ settings, plus our own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTRETCH_")}
    env["BACKSTRETCH_DATA_DIR"] = str(data_dir)
    env["BACKSTRETCH_TIMEZONE"] = "Europe/London"
    env["BACKSTRETCH_EMERGENCY_NUMBER"] = "999"
    # Every client of a benchmark registers from this one machine: no limit per address here.
    env["BACKSTRETCH_REGISTRATIONS_PER_HOUR"] = "1000000"
    return env


def machine() -> str:
    """Return the CPU count and load average, to quote next to the figures (shared machines)."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def free_port(host: str = HOST) -> int:
    """Return a port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def health_ok(port: int, host: str = HOST, timeout: float = 0.2) -> bool:
    """Ask GET /api/health once; True only for a 200 (a refused connection is False)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/api/health")
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:  # refused, reset or timed out: not up yet
        return False
    finally:
        connection.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server this module started: SIGINT (uvicorn's clean stop), then kill if stuck."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(log: IO[bytes], limit: int = 1500) -> str:
    """Return the end of a server's log file."""
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-limit:]


@dataclass
class Server:
    """A running `backstretch serve`."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:8123."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def running_server(data_dir: Path, *, start_timeout: float = 30.0) -> Iterator[Server]:
    """Start `backstretch serve` over `data_dir`, wait until it answers, stop it afterwards.

    Exits the benchmark with the server's log if it dies or does not answer in time.
    """
    port = free_port()
    log_path = data_dir.parent / f"serve-{port}.log"
    with log_path.open("w+b") as log:
        process = subprocess.Popen(
            serve_command(port), env=server_env(data_dir), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + start_timeout
            while not health_ok(port):
                if process.poll() is not None:
                    sys.exit(f"backstretch serve exited {process.returncode}:\n{log_tail(log)}")
                if time.monotonic() > deadline:
                    sys.exit(f"backstretch serve did not answer in {start_timeout:.0f} s")
                time.sleep(0.02)
            yield Server(HOST, port, process, data_dir, log_path)
        finally:
            stop(process)


def logged_errors(server: Server, after: int = 0) -> tuple[int, list[str]]:
    """Return how many errors the server has logged so far, and the distinct exception lines of
    those after the first `after` of them (a traceback's last, unindented lines)."""
    count, summaries = 0, []
    skip = ("INFO:", "ERROR:", "WARNING:", "Traceback", "During handling", "The above exception")
    for line in server.log_path.read_text(errors="replace").splitlines():
        if line.startswith("ERROR:"):
            count += 1
        elif count > after and line and not line[0].isspace() and not line.startswith(skip):
            summaries.append(line)
    return count, list(dict.fromkeys(summaries))


@dataclass
class Reply:
    """One HTTP response as received: the body exactly as sent (still compressed, if it was)."""

    status: int
    headers: dict[str, str]
    raw: bytes

    def body(self) -> bytes:
        """Return the body decoded from its content encoding (gzip or none)."""
        import gzip
        import zlib

        encoding = self.headers.get("content-encoding", "").lower()
        if encoding == "gzip":
            return gzip.decompress(self.raw)
        if encoding == "deflate":
            return zlib.decompress(self.raw)
        if encoding not in ("", "identity"):
            sys.exit(f"unexpected Content-Encoding {encoding!r}")
        return self.raw


def fetch(
    server: Server,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Send one request and return the reply; redirects are not followed."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    finally:
        connection.close()


CSRF_COOKIE = "backstretch_csrf"  # web/auth.py


def csrf_headers(server: Server) -> dict[str, str]:
    """Return the headers a script sends with a change: the CSRF cookie a first GET sets, and
    its value as x-csrftoken (the server refuses any change without them)."""
    reply = fetch(server, "/offline/account")
    cookie = reply.headers.get("set-cookie", "")
    token = cookie.split(";", 1)[0].removeprefix(f"{CSRF_COOKIE}=")
    if not cookie.startswith(f"{CSRF_COOKIE}=") or not token:
        sys.exit(f"GET /offline/account set no CSRF cookie: {reply.headers}")
    return {"Cookie": f"{CSRF_COOKIE}={token}", "x-csrftoken": token}


def post_json(server: Server, path: str, data: Any) -> tuple[int, Any]:
    """POST `data` as JSON (with a CSRF token) and return the status and the decoded answer."""
    reply = fetch(
        server,
        path,
        method="POST",
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **csrf_headers(server)},
    )
    try:
        return reply.status, json.loads(reply.body())
    except ValueError:
        return reply.status, reply.body().decode(errors="replace")


def all_no_answers() -> dict[str, bool]:
    """Return every screening question (red flags and restrictions) answered no."""
    from backstretch.data import screening_guide

    return {question.id: False for question in screening_guide().questions}


def screen_all_no(server: Server) -> None:
    """Store a screening with every answer no, so planning and playing are allowed."""
    status, answer = post_json(server, "/api/screen", all_no_answers())
    if status != 200:
        sys.exit(f"POST /api/screen answered {status}: {answer}")


def store_profile(data_dir: Path, profile: dict[str, Any] = PLAN_PROFILE) -> None:
    """Create the database in `data_dir` (migrated) and remember `profile` in it.

    Done before the server starts, so the server finds a profile as after a first session.
    """
    from backstretch.config import Settings
    from backstretch.core.profile import parse_profile
    from backstretch.db import repository
    from backstretch.db.engine import transaction
    from backstretch.db.store import open_store
    from backstretch.services.clock import utc_now

    settings = Settings(data_dir=data_dir, timezone="Europe/London")
    data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.resolved_database_url)
    try:
        with transaction(store.sessions) as session:
            data = parse_profile(profile).model_dump(mode="json")
            repository.save_profile(db=session, data=data, at=utc_now())
    finally:
        store.close()


def create_database(data_dir: Path) -> None:
    """Create and migrate the database in `data_dir`, as a first run of the server would."""
    from backstretch.config import Settings
    from backstretch.db.store import open_store

    data_dir.mkdir(parents=True, exist_ok=True)
    open_store(Settings(data_dir=data_dir).resolved_database_url).close()


@contextmanager
def fresh_database(admin_url: str, prefix: str = "backstretch_soak") -> Iterator[str]:
    """Create a database on the PostgreSQL server of `admin_url`; drop it afterwards. An
    unreachable server ends the script with one line saying so."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        shown = sa.engine.make_url(admin_url).render_as_string(hide_password=True)
        sys.exit(f"PostgreSQL is not reachable at {shown}: {str(error.orig).strip()}")
    try:
        url = sa.engine.make_url(admin_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
