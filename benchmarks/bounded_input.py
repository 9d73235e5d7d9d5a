"""Rerun issue 17's attacks on input from a person and on acknowledged writes; print the cost.

Three parts (all by default, or one with --part):

  files  Each case in a fresh Python process, so its peak resident memory is its own: a
         person's own stretch of nested aliases (the 332-byte "billion laughs" that took the
         server from 398 MB to 2.6 GB in 14 s), the same inside an import, the 16.5 MB import of
         150,000 check-ins (which froze every request for 18 s), one of 20,001 check-ins, and
         the largest imports taken: 20,000 check-ins, and years of daily sessions. For each: the
         status the web answers for it, the seconds, the process's peak RSS and how much of it
         the case added.
  races  A live `backstretch serve --accounts`: the same first PUT of one session sent 8 times at
         once (--rounds times), 40 wrong passwords for one name at once (401: checked, 429:
         refused before any check), the owner from another address afterwards, and 12
         registrations at once from one address.
  kill   A live `backstretch serve` on PostgreSQL, --writers clients each PUTting new sessions;
         after each 200 the session is read on a connection of the client's own (visible at
         once?); the server is killed with SIGKILL mid-run, started again, and every session
         acknowledged before the kill is looked for in the database (--runs times).

    .venv/bin/python benchmarks/bounded_input.py [--part files|races|kill] [--postgres ADMIN_URL]

--postgres is the admin URL of a PostgreSQL server where a fresh database is made (and dropped)
for the races and kill parts (default: env BACKSTRETCH_TEST_POSTGRES_URL, else the local
server); the races part runs on SQLite with --sqlite. Times depend on the machine: quote the
load average printed with them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _server

HERE = Path(__file__).resolve()
HOST = _server.HOST
CSRF_COOKIE = "backstretch_csrf"  # web/auth.py
PASSWORD = "a long enough password"
DEFAULT_ADMIN_URL = os.environ.get(
    "BACKSTRETCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def nested_aliases(levels: int = 9, width: int = 9) -> str:
    """Return "billion laughs" as an own stretch: 332 bytes that stand for 9 ** 9 strings."""
    lines = ["id: my-x", f"a: &a [{','.join(['lol'] * width)}]"]
    for before, name in zip("abcdefgh", "bcdefghi"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [{','.join([f'*{before}'] * width)}]")
    return "\n".join(lines)


# Files: each case in a process of its own ------------------------------------------------------


def _services(folder: Path) -> Any:
    from backstretch.config import Settings
    from backstretch.services.context import open_services

    return open_services(Settings(data_dir=folder, timezone="Europe/London"), accounts=False)


def _real_export(folder: Path, sessions: int) -> dict[str, Any]:
    """Return the export of a person who did a 20-minute routine (12 stretches) `sessions` times:
    one session made by the use cases, its rows copied with new uuids, a day apart."""
    from datetime import UTC, datetime, timedelta

    from backstretch.core.records import SessionStatus
    from backstretch.services import sessions as use
    from backstretch.services.planning import PlanChoice, plan_today
    from backstretch.services.screening import record_screening
    from backstretch.services.your_data import export_json

    services = _services(folder)
    try:
        me = services.local_person()
        record_screening(me, {q.id: False for q in services.guide.questions})
        choice = PlanChoice(
            profile={"areas": ["lower_back", "neck_shoulders"], "minutes": 20, "setting": "floor"}
        )
        today = plan_today(me, choice)
        record = use.begin_session(me, today, pain_before=3, uuid=str(uuid.uuid4()))
        use.finish_session(me, record.uuid, status=SessionStatus.COMPLETED, pain_after=2)
        document = export_json(me)
    finally:
        services.close()
    session, items = document["tables"]["sessions"][0], document["tables"]["session_items"]
    start = datetime(2020, 1, 1, 8, tzinfo=UTC)
    all_sessions, all_items = [], []
    for day in range(sessions):
        new = str(uuid.UUID(int=day + 1, version=4))
        at = start + timedelta(days=day)
        all_sessions.append(
            {
                **session,
                "uuid": new,
                "started_at": at.isoformat(),
                "updated_at": (at + timedelta(minutes=20)).isoformat(),
                "ended_at": (at + timedelta(minutes=20)).isoformat(),
            }
        )
        all_items += [
            {**item, "id": day * len(items) + i + 1, "session_uuid": new}
            for i, item in enumerate(items)
        ]
    document["tables"]["sessions"], document["tables"]["session_items"] = all_sessions, all_items
    return document


def _checkins_export(count: int) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from backstretch.db.portability import EXPORT_FORMAT, EXPORT_VERSION, exported_tables

    start = datetime(2020, 1, 1, 8, tzinfo=UTC)
    tables: dict[str, list[Any]] = {table.name: [] for table in exported_tables()}
    tables["checkins"] = [
        {
            "id": index + 1,
            "at": (start + timedelta(hours=index)).isoformat(),
            "timezone": "Europe/London",
            "activities": [{"name": "walking the dog", "score": 6}],
        }
        for index in range(count)
    ]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": start.isoformat(),
        "tables": tables,
    }


def _with_own_stretch(text: str) -> dict[str, Any]:
    document = _checkins_export(1)
    document["tables"]["own_stretches"] = [
        {"id": 1, "stretch_id": "my-x", "document": text, "added_at": document["exported_at"]}
    ]
    return document


@dataclass
class FileCase:
    name: str
    kind: str  # "stretch": add an own stretch; "import": import a file
    path: Path


def make_files(folder: Path) -> list[FileCase]:
    """Write every case's input to `folder`; return the cases."""
    from backstretch.db.portability import MAX_IMPORT_VALUES, MAX_ROWS, dump_document

    bomb = nested_aliases()
    # The most values a file may hold, each a string of its own: the worst a parse may build.
    strings = (
        b'{"format": "backstretch-export", "tables": {}, "x": ['
        + b",".join(b'"%06d"' % (i % 1_000_000) for i in range(MAX_IMPORT_VALUES - 10))
        + b"]}"
    )
    cases = [
        ("own stretch: 332-byte nested aliases", "stretch", bomb.encode()),
        ("import: an own stretch of nested aliases", "import", _with_own_stretch(bomb)),
        ("import: 150,000 check-ins (issue: 16.5 MB)", "import", _checkins_export(150_000)),
        ("import: 20,001 check-ins", "import", _checkins_export(MAX_ROWS + 1)),
        ("import: 1.5 million strings, the most parsed", "import", strings),
        ("import: 20,000 check-ins, taken", "import", _checkins_export(MAX_ROWS)),
        ("import: 3 years of daily sessions, taken", "import", _real_export(folder / "a", 1100)),
        ("import: 7.5 years of daily sessions, taken", "import", _real_export(folder / "b", 2700)),
        ("import: 9 years of daily sessions", "import", _real_export(folder / "c", 3300)),
    ]
    made = []
    for index, (name, kind, content) in enumerate(cases):
        path = folder / f"case{index}.in"
        if isinstance(content, bytes):
            data = content
        elif "check-ins" in name:  # compact, as the file that froze the server: 16.5 MB
            data = json.dumps(content, separators=(",", ":")).encode()
        else:  # as `backstretch export` writes it
            data = dump_document(content).encode()
        path.write_bytes(data)
        made.append(FileCase(name, kind, path))
    return made


def _memory(field: str) -> float:
    """Return a figure of /proc/self/status in MB: VmRSS now, VmHWM the peak since the reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> float:
    """Start the peak afresh from the memory in use now (Linux); return that memory in MB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _memory("VmRSS")


def run_case(kind: str, path: Path) -> dict[str, Any]:
    """Run one case in this process (a fresh one); return its outcome, seconds and memory."""
    from backstretch.services.errors import ServiceError
    from backstretch.services.own_stretches import add_own_stretch
    from backstretch.services.your_data import import_file
    from backstretch.web.app import status_for

    folder = Path(tempfile.mkdtemp(prefix="bounded-case-"))
    services = _services(folder)
    me = services.local_person()
    raw = path.read_bytes()
    before = _reset_peak()
    started = time.perf_counter()
    try:
        if kind == "stretch":
            add_own_stretch(me, raw.decode(), origin="laughs.yaml")
        else:
            import_file(me, raw)
        outcome, detail = 200, "stored"
    except ServiceError as error:
        outcome, detail = status_for(error), str(error)
    seconds = time.perf_counter() - started
    peak = _memory("VmHWM")
    services.close()
    return {
        "status": outcome,
        "detail": detail[:90],
        "seconds": seconds,
        "peak_mb": peak,
        "added_mb": peak - before,
        "bytes": len(raw),
    }


def files_part() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bounded-files-") as scratch:
        for case in make_files(Path(scratch)):
            done = subprocess.run(
                [sys.executable, str(HERE), "--case", case.kind, str(case.path)],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            if done.returncode != 0:
                sys.exit(f"{case.name}: the case failed:\n{done.stderr[-2000:]}")
            rows.append({"case": case.name, **json.loads(done.stdout)})
    print(f"\nfiles ({_server.machine()})")
    print(f"{'case':<43} {'size':>8} {'status':>6} {'seconds':>8} {'peak RSS':>9} {'added':>7}")
    for row in rows:
        print(
            f"{row['case']:<43} {row['bytes'] / 1e6:>6.2f}MB {row['status']:>6} "
            f"{row['seconds']:>8.3f} {row['peak_mb']:>7.0f}MB {row['added_mb']:>5.0f}MB"
        )
        if row["status"] != 200:
            print(f"    {row['detail']}")
    return rows


# A small HTTP client: cookies, the CSRF header, a source address ---------------------------------


@dataclass
class Client:
    port: int
    source: str = HOST
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, kind: str = "application/json"
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(
            HOST, self.port, timeout=60, source_address=(self.source, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method not in ("GET", "HEAD"):
            headers["x-csrftoken"] = self.cookies.get(CSRF_COOKIE, "")
            headers["Content-Type"] = kind
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, cookie = pair.partition("=")
                    if cookie.strip('"'):
                        self.cookies[key] = cookie.strip('"')
                    else:
                        self.cookies.pop(key, None)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def page(self, path: str = "/") -> int:
        return self.request("GET", path)[0]

    def form(self, path: str, fields: dict[str, str]) -> int:
        if CSRF_COOKIE not in self.cookies:
            self.page("/login" if "login" in path or "register" in path else "/")
        body = urlencode(fields).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")[0]

    def json(self, method: str, path: str, data: Any) -> tuple[int, Any]:
        if CSRF_COOKIE not in self.cookies:
            self.page("/")
        status, _, body = self.request(method, path, json.dumps(data).encode())
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")


def all_at_once(work: Any, times: int) -> list[Any]:
    start = threading.Barrier(times)
    results: list[Any] = [None] * times

    def one(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except OSError as error:
            results[index] = type(error).__name__

    threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@contextmanager
def fresh_database(admin_url: str | None) -> Iterator[str | None]:
    """Yield a fresh PostgreSQL database's URL (dropped afterwards), or None for SQLite."""
    if admin_url is None:
        yield None
        return
    with _server.fresh_database(admin_url, "backstretch_bounded") as url:
        yield url


@dataclass
class Serving:
    """A `backstretch serve` process this script started (and may kill and start again)."""

    folder: Path
    database_url: str | None
    accounts: bool
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = self.port or _server.free_port()
        env = _server.server_env(self.folder / "data")
        env["BACKSTRETCH_REGISTRATIONS_PER_HOUR"] = "5"  # the default: this measures it
        if self.database_url:
            env["BACKSTRETCH_DATABASE_URL"] = self.database_url
        command = _server.serve_command(self.port) + (["--accounts"] if self.accounts else [])
        log = (self.folder / "serve.log").open("ab")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while not _server.health_ok(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "serve.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"backstretch serve did not start:\n{tail}")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            _server.stop(self.process)


@contextmanager
def serving(folder: Path, database_url: str | None, *, accounts: bool) -> Iterator[Serving]:
    server = Serving(folder, database_url, accounts)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def screen_and_plan(client: Client) -> dict[str, Any]:
    """Answer the screening with every answer no and return a session body of today's plan."""
    status, answer = client.json("POST", "/api/screen", _server.all_no_answers())
    if status != 200:
        raise RuntimeError(f"POST /api/screen answered {status}: {answer}")
    status, plan = client.json("POST", "/api/plan", {"profile": _server.PLAN_PROFILE})
    if status != 200:
        raise RuntimeError(f"POST /api/plan answered {status}: {plan}")
    keys = ("stretch", "sets", "reps", "sides", "hold_seconds")
    return {
        "items": [{k: item[k] for k in keys} for item in plan["items"]],
        "started_at": "2026-11-02T08:31:00+00:00",
        "pain_before": 3,
    }


# Races -----------------------------------------------------------------------------------------


def races_part(database_url: str | None, rounds: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bounded-races-") as scratch,
        serving(Path(scratch), database_url, accounts=True) as server,
    ):
        ana = Client(server.port)
        made = ana.form(
            "/register", {"username": "ana", "password": PASSWORD, "password_again": PASSWORD}
        )
        if made != 303:
            raise RuntimeError(f"POST /register answered {made}")
        body = screen_and_plan(ana)
        puts: Counter[Any] = Counter()
        for _ in range(rounds):
            path = f"/api/sessions/{uuid.uuid4()}"
            statuses = all_at_once(lambda _i, p=path: ana.json("PUT", p, body)[0], 8)
            puts.update(statuses)
            if ana.json("GET", path, None)[0] != 200:
                puts["not stored"] += 1
        history = ana.json("GET", "/api/history", None)[1]
        ana.request("POST", "/logout")

        guesser = Client(server.port)
        guesser.page("/login")
        guesses = Counter(
            all_at_once(
                lambda i: guesser.form(
                    "/login", {"username": "ana", "password": f"wrong guess {i}"}
                ),
                40,
            )
        )
        owner = Client(server.port, source="127.0.0.2")
        owner_in = owner.form("/login", {"username": "ana", "password": PASSWORD})

        crowd = Client(server.port, source="127.0.0.3")
        crowd.page("/register")
        registrations = Counter(
            all_at_once(
                lambda i: crowd.form(
                    "/register",
                    {"username": f"bulk{i}", "password": PASSWORD, "password_again": PASSWORD},
                ),
                12,
            )
        )
    result = {
        "backend": "postgresql" if database_url else "sqlite",
        "identical_first_puts": {"rounds": rounds, "statuses": dict(puts)},
        "sessions_stored": len(history),
        "wrong_passwords_at_once": dict(guesses),
        "owner_from_another_address": owner_in,
        "registrations_at_once": dict(registrations),
    }
    print(f"\nraces on {result['backend']} ({_server.machine()})")
    print(f"  8 identical first PUTs x {rounds}: {dict(puts)}; sessions stored: {len(history)}")
    print(f"  40 wrong passwords at once (401 checked, 429 refused unchecked): {dict(guesses)}")
    print(f"  then the owner from another address: {owner_in}")
    print(f"  12 registrations at once from one address: {dict(registrations)}")
    return result


# Kill -9 mid-run -------------------------------------------------------------------------------


@dataclass
class KillRun:
    acknowledged: int
    stored_once: int
    missing: list[str]
    visible_at_once: int
    stored_unacknowledged: int
    writers: int
    seconds_before_kill: float


def kill_during_writes(
    database_url: str, folder: Path, *, writers: int = 10, acknowledged_before_kill: int = 150
) -> KillRun:
    """Run `writers` clients PUTting new sessions against a live server on `database_url`; kill
    it with SIGKILL once `acknowledged_before_kill` sessions were acknowledged (the writers go
    on meanwhile); start it again; return what was acknowledged and what is stored."""
    import sqlalchemy as sa

    folder.mkdir(parents=True, exist_ok=True)
    acknowledged: list[str] = []
    visible: list[bool] = []
    lock = threading.Lock()
    stop = threading.Event()
    server = Serving(folder, database_url, accounts=False)
    server.start()
    try:
        client = Client(server.port)
        body = {**screen_and_plan(client), "status": "completed", "pain_after": 2}

        def write(index: int) -> None:
            mine = Client(server.port, cookies=dict(client.cookies))
            reader = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
            try:
                while not stop.is_set():
                    session = str(uuid.uuid4())
                    try:
                        status, _ = mine.json("PUT", f"/api/sessions/{session}", body)
                    except (OSError, http.client.HTTPException):
                        return  # the server is gone
                    if status != 200:
                        continue
                    # A second connection, the moment the answer arrived.
                    with reader.connect() as connection:
                        seen = connection.execute(
                            sa.text("SELECT count(*) FROM sessions WHERE uuid = :u"), {"u": session}
                        ).scalar_one()
                    with lock:
                        acknowledged.append(session)
                        visible.append(seen == 1)
            finally:
                reader.dispose()
                del index

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while len(acknowledged) < acknowledged_before_kill and time.monotonic() - started < 120:
            time.sleep(0.01)
        before_kill = time.monotonic() - started
        server.kill()  # SIGKILL: no shutdown, no flush, requests in flight cut off
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        with lock:
            acked = list(acknowledged)
            seen_at_once = sum(visible)
        server.start()  # the same database, the same port
        engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                counts = dict(
                    connection.execute(
                        sa.text("SELECT uuid, count(*) FROM sessions GROUP BY uuid")
                    ).all()
                )
        finally:
            engine.dispose()
        answered = Client(server.port, cookies=dict(client.cookies))
        missing = [
            s
            for s in acked
            if counts.get(s) != 1 or answered.json("GET", f"/api/sessions/{s}", None)[0] != 200
        ]
    finally:
        server.stop()
    return KillRun(
        acknowledged=len(acked),
        stored_once=sum(1 for s in acked if counts.get(s) == 1),
        missing=missing,
        visible_at_once=seen_at_once,
        stored_unacknowledged=len(set(counts) - set(acked)),
        writers=writers,
        seconds_before_kill=before_kill,
    )


def kill_part(admin_url: str, runs: int, writers: int) -> list[dict[str, Any]]:
    results = []
    print(f"\nkill -9 under {writers} writers on PostgreSQL ({_server.machine()})")
    for run in range(runs):
        with (
            fresh_database(admin_url) as database_url,
            tempfile.TemporaryDirectory(prefix="bounded-kill-") as scratch,
        ):
            assert database_url is not None
            done = kill_during_writes(database_url, Path(scratch), writers=writers)
        results.append(asdict(done))
        print(
            f"  run {run + 1}: acknowledged {done.acknowledged}, stored once "
            f"{done.stored_once}, missing {len(done.missing)}, visible on a second connection "
            f"at once {done.visible_at_once}/{done.acknowledged}, stored but cut off before the "
            f"answer {done.stored_unacknowledged} (killed after {done.seconds_before_kill:.1f} s)"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["files", "races", "kill"], action="append")
    parser.add_argument("--postgres", default=DEFAULT_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--sqlite", action="store_true", help="the races part on SQLite")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of 8 identical PUTs")
    parser.add_argument("--runs", type=int, default=5, help="kill -9 runs")
    parser.add_argument("--writers", type=int, default=10, help="writers in each kill run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--case", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.case:
        print(json.dumps(run_case(options.case[0], Path(options.case[1]))))
        return
    parts = options.part or ["files", "races", "kill"]
    figures: dict[str, Any] = {}
    if "files" in parts:
        figures["files"] = files_part()
    if "races" in parts:
        with fresh_database(None if options.sqlite else options.postgres) as url:
            figures["races"] = races_part(url, options.rounds)
    if "kill" in parts:
        figures["kill"] = kill_part(options.postgres, options.runs, options.writers)
    if options.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
