"""A soak run: many people use the multi-person web app for a long time, against PostgreSQL.

Starts `backstretch serve --accounts` (the script beside this interpreter, one uvicorn process)
on a free local port over a PostgreSQL database: by default a fresh one made on the local server
and dropped afterwards, or `--database-url`. Then `--clients` simulated people (asyncio, one
httpx2 client each: its own cookies and its own keep-alive connection, as a browser has)
arrive one by one over `--ramp` seconds (30, at most half the warm-up), each

  - registering an account of its own (GET /register for the CSRF cookie, POST /register),
  - answering the screening with every answer no (POST /api/screen) and saving a profile
    (POST /profile: lower back, 5 minutes, chair),

then, until `--seconds` have passed since the first client started, looping over a mix in
which about 70% of the requests read and 30% write (the first thing each does is a session):

  reads   GET /plan, /history, /stretches, /learn (pages), /api/history, /api/stats,
          /api/stretches, equally likely
  writes  POST /api/plan, then the session of that plan recorded as the browser player does:
          PUT /api/sessions/{uuid} in progress, PUT completed (every item done, pain after no
          higher than before), and for half of the sessions a replay of the same final body,
          which must answer 200 with the same answer (a retry records nothing twice)

with a think time before every request (uniform between `--think-min` and `--think-max`; each
client's random numbers come from `--seed` and its number, so the mix is reproducible). Any
status other than the one expected, a replay answered differently, a timeout or a connection
error is an error; the first few are shown with what was sent and what came back.

The server's RSS (VmRSS from /proc, summed with any child processes), threads, open files and
PostgreSQL connections are sampled every `--sample-every` seconds. At the end it prints the
requests, errors, requests/s and p50/p95/p99 latency per kind, a line per minute (requests,
p95, errors, RSS, threads, connections), the RSS growth from the end of the warm-up to the end
(median of the samples of the first and of the last 30 s of the measured window, in MB and %)
and a least-squares slope in MB/min over the samples after the warm-up, and checks the database:
every session a client completed is stored exactly once, completed, with its items, and no
other. The verdict is clean when there was no error (none logged by the server either), the
sessions match and memory stayed flat: growth within the larger of 20 MB and 10% (see
benchmarks/README.md for why). Exit status 0 only when clean.

    .venv/bin/python benchmarks/soak.py [--clients 50] [--seconds 600] [--warmup 60] \
        [--database-url URL] [--json] [--ramp 30]

`--json` prints one JSON document on stdout instead of the report (progress lines go to stderr
either way).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _server

DEFAULT_ADMIN_URL = os.environ.get(
    "BACKSTRETCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CSRF_COOKIE, LOGIN_COOKIE = "backstretch_csrf", "backstretch_login"  # web/auth.py
PROFILE = {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}
READS = (
    "/plan",
    "/history",
    "/stretches",
    "/learn",
    "/api/history",
    "/api/stats",
    "/api/stretches",
)
WRITE_SHARE = 0.30  # of the requests in the loop
REPLAY_CHANCE = 0.5  # of the sessions: the final PUT sent again, as an offline retry would
# Requests per session cycle: the plan, in progress, completed, and the replay half the time.
WRITES_PER_CYCLE = 3 + REPLAY_CHANCE
# Chance of a cycle rather than one read, so that writes are WRITE_SHARE of the requests.
CYCLE_CHANCE = WRITE_SHARE / (WRITES_PER_CYCLE - (WRITES_PER_CYCLE - 1) * WRITE_SHARE)
SETUP_KINDS = ("GET /register", "POST /register", "POST /api/screen", "POST /profile")
WRITE_KINDS = (
    "POST /api/plan",
    "PUT session in progress",
    "PUT session completed",
    "PUT session replay",
)
# Memory is flat when it grew by no more than the larger of these after the warm-up.
FLAT_MB, FLAT_SHARE = 20.0, 0.10
EDGE_WINDOW_S = 30.0  # samples averaged (median) at each end of the measured window
REQUEST_TIMEOUT_S = 30.0  # as long as the server's own database pool waits
SHOWN_ERRORS = 5


# Records -------------------------------------------------------------------------------------


@dataclass
class Sample:
    """The server process (and its children) at one moment of the run."""

    at: float  # seconds since the first client started
    rss_mb: float
    threads: int
    open_files: int
    db_connections: int | None
    cpu_seconds: float
    load: float  # the machine's 1-minute load average (a shared machine: others' work too)


@dataclass
class Run:
    """Everything the clients and the sampler note while the run goes."""

    started: float  # time.monotonic() when the first client started
    deadline: float
    answers: dict[str, bool]  # the screening, every answer no
    sent: int = 0  # requests sent, answered or not
    # (kind, finished at (s since start), seconds) for every answered request
    timings: list[tuple[str, float, float]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_counts: Counter[str] = field(default_factory=Counter)
    started_sessions: dict[str, int] = field(default_factory=dict)  # uuid -> items planned
    completed: dict[str, int] = field(default_factory=dict)  # uuid -> items planned
    samples: list[Sample] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    server_exit: int | None = None

    def now(self) -> float:
        return time.monotonic() - self.started

    def error(self, client: int, kind: str, what: str, detail: str, **more: Any) -> None:
        self.error_counts[f"{kind}: {what}"] += 1
        self.errors.append(
            {"at_s": round(self.now(), 2), "client": client, "kind": kind, "error": what}
            | more
            | {"detail": detail[:400]}
        )


# One simulated person ------------------------------------------------------------------------


class Person:
    """A client with an account of its own: registers, screens, then reads and records."""

    def __init__(self, index: int, run: Run, http: Any, options: argparse.Namespace, tag: str):
        self.index = index
        self.run = run
        self.http = http
        self.options = options
        self.username = f"soak-{tag}-{index}"
        self.rng = random.Random(f"{options.seed}-{index}")
        self.csrf = ""

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(self.options.think_min, self.options.think_max))

    async def call(
        self, kind: str, method: str, path: str, expect: int = 200, **kwargs: Any
    ) -> Any | None:
        """Send one request; return the response when its status is `expect`, else None."""
        import httpx2

        headers = {"x-csrftoken": self.csrf} if method != "GET" else {}
        started = time.monotonic()
        self.run.sent += 1
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx2.HTTPError as error:
            self.run.error(
                self.index,
                kind,
                type(error).__name__,
                str(error) or repr(error),
                request=f"{method} {path}",
                after_s=round(time.monotonic() - started, 3),
            )
            return None
        finished = time.monotonic()
        self.run.timings.append((kind, finished - self.run.started, finished - started))
        if response.status_code != expect:
            self.run.error(
                self.index,
                kind,
                f"status {response.status_code}",
                response.text,
                request=f"{method} {path}",
                expected=expect,
                location=response.headers.get("location"),
            )
            return None
        return response

    async def setup(self) -> bool:
        """Register, answer the screening and save a profile; False if any step failed."""
        if await self.call("GET /register", "GET", "/register") is None:
            return False
        self.csrf = self.http.cookies.get(CSRF_COOKIE) or ""
        password = f"soak password {self.username}"
        form = {
            "csrftoken": self.csrf,
            "username": self.username,
            "password": password,
            "password_again": password,
        }
        done = await self.call("POST /register", "POST", "/register", 303, data=form)
        if done is None:
            return False
        if not self.http.cookies.get(LOGIN_COOKIE):
            self.run.error(self.index, "POST /register", "no login cookie", str(done.headers))
            return False
        # The CSRF token is tied to the login: the answer that logs in sets a new one.
        self.csrf = self.http.cookies.get(CSRF_COOKIE) or self.csrf
        answers = self.run.answers
        if await self.call("POST /api/screen", "POST", "/api/screen", json=answers) is None:
            return False
        profile = {"csrftoken": self.csrf, **PROFILE, "minutes": str(PROFILE["minutes"])}
        return await self.call("POST /profile", "POST", "/profile", 303, data=profile) is not None

    async def read(self) -> None:
        path = self.rng.choice(READS)
        await self.call(f"GET {path}", "GET", path)

    async def session_cycle(self) -> None:
        """Plan, then record a session of that plan in two or three PUTs."""
        planned = await self.call("POST /api/plan", "POST", "/api/plan", json={"profile": PROFILE})
        if planned is None:
            return
        items = [
            {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
            for item in planned.json()["items"]
        ]
        session_id = str(uuid.uuid4())
        url = f"/api/sessions/{session_id}"
        pain_before = self.rng.randint(1, 4)
        body: dict[str, Any] = {
            "routine_name": "My routine",
            "items": items,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "pain_before": pain_before,
            "status": "in_progress",
        }
        await self.think()
        if await self.call("PUT session in progress", "PUT", url, json=body) is None:
            return
        self.run.started_sessions[session_id] = len(items)
        plan_items = planned.json()["items"]
        done = [
            {
                "position": position,
                "done_seconds": int(item.get("seconds", 0)),
                "done_reps": item["reps"] * item["sets"],
            }
            for position, item in enumerate(plan_items)
        ]
        final = {
            **body,
            "status": "completed",
            "done": done,
            "pain_after": self.rng.randint(0, pain_before),
        }
        await self.think()
        completed = await self.call("PUT session completed", "PUT", url, json=final)
        if completed is None:
            return
        answer = completed.json()
        if answer.get("status") != "completed":
            self.run.error(self.index, "PUT session completed", "not completed", str(answer))
            return
        self.run.completed[session_id] = len(items)
        if self.rng.random() < REPLAY_CHANCE:
            await self.think()
            replay = await self.call("PUT session replay", "PUT", url, json=final)
            if replay is not None and replay.json() != answer:
                self.run.error(
                    self.index,
                    "PUT session replay",
                    "answer differs from the first",
                    f"first {answer!r}\nreplay {replay.json()!r}",
                    request=f"PUT {url}",
                )

    async def live(self, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        if not await self.setup():
            return  # the error is recorded; without an account there is nothing to do
        first = True  # someone who has just set up plays a routine: every client records one
        while time.monotonic() < self.run.deadline and not self.run.stop.is_set():
            await self.think()
            if first or self.rng.random() < CYCLE_CHANCE:
                first = False
                await self.session_cycle()
            else:
                await self.read()


# The server process --------------------------------------------------------------------------


def _process_tree(pid: int) -> list[int]:
    """Return `pid` and its descendants (uvicorn with workers would have some)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _status_value(pid: int, name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def measure_process(pid: int) -> tuple[float, int, int, float]:
    """Return RSS (MB), threads, open files and CPU seconds of `pid` and its descendants."""
    rss_kb = threads = files = 0
    ticks = 0
    for member in _process_tree(pid):
        try:
            rss_kb += _status_value(member, "VmRSS")
            threads += _status_value(member, "Threads")
            files += len(os.listdir(f"/proc/{member}/fd"))
            with open(f"/proc/{member}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return rss_kb / 1024, threads, files, ticks / os.sysconf("SC_CLK_TCK")


# The database --------------------------------------------------------------------------------


class Database:
    """Our own small connection to the run's database: counts and the final check."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.sa = sa
        self.engine = sa.create_engine(url, pool_size=1, max_overflow=0)

    def connections(self) -> int:
        """Connections to this database other than ours (the server's pool)."""
        sa = self.sa
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        with self.engine.connect() as connection:
            return int(connection.execute(sa.text(query)).scalar_one()) - 1

    def opened(self) -> int | None:
        """Connections ever opened to this database (PostgreSQL 14 and later), or None."""
        query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        try:
            with self.engine.connect() as connection:
                return int(connection.execute(self.sa.text(query)).scalar_one())
        except self.sa.exc.SQLAlchemyError:  # an older server: no such column
            return None

    def version(self) -> str:
        with self.engine.connect() as connection:
            text = str(connection.execute(self.sa.text("SHOW server_version")).scalar_one())
            return text.split()[0]

    def sessions_of(self, prefix: str) -> dict[str, tuple[str, int, int]]:
        """Return uuid -> (status, item rows, rows with that uuid) for the run's accounts."""
        query = self.sa.text(
            "SELECT s.uuid, s.status,"
            " (SELECT count(*) FROM session_items i WHERE i.session_uuid = s.uuid)"
            " FROM sessions s JOIN accounts a ON a.id = s.owner_id"
            " WHERE a.username LIKE :prefix"
        )
        found: dict[str, tuple[str, int, int]] = {}
        with self.engine.connect() as connection:
            for uuid_, status, items in connection.execute(query, {"prefix": prefix + "%"}):
                seen = found.get(uuid_, (status, items, 0))[2]
                found[uuid_] = (status, int(items), seen + 1)
        return found

    def close(self) -> None:
        self.engine.dispose()


def check_sessions(run: Run, stored: dict[str, tuple[str, int, int]]) -> dict[str, Any]:
    """Compare what the clients recorded with what the database holds."""
    completed_in_db = {u for u, (status, _, _) in stored.items() if status == "completed"}
    missing = sorted(set(run.completed) - completed_in_db)
    unexpected = sorted(completed_in_db - set(run.completed))
    twice = sorted(u for u, (_, _, seen) in stored.items() if seen != 1)
    wrong_items = sorted(u for u, n in run.completed.items() if u in stored and stored[u][1] != n)
    # Sessions whose completion did not answer (errors) may be stored in progress: no more.
    strays = sorted(set(stored) - set(run.started_sessions))
    ok = not (missing or unexpected or twice or wrong_items or strays)
    return {
        "completed_by_clients": len(run.completed),
        "started_by_clients": len(run.started_sessions),
        "in_database": len(stored),
        "completed_in_database": len(completed_in_db),
        "missing": missing[:10],
        "unexpected": unexpected[:10],
        "stored_more_than_once": twice[:10],
        "wrong_item_count": wrong_items[:10],
        "never_started_by_a_client": strays[:10],
        "match": ok,
    }


# Figures -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of `values` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(1, round(share * len(ordered))) - 1]


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Return the least-squares slope of (seconds, MB) points, in MB per minute."""
    if len(points) < 2:
        return 0.0
    xs = [x / 60 for x, _ in points]
    ys = [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def memory_trend(samples: list[Sample], warmup: float, end: float) -> dict[str, Any]:
    """Return the RSS growth from the end of the warm-up to the end, the slope and the verdict.

    Each end is the median of the samples within EDGE_WINDOW_S of it (at most a third of the
    measured window each), so one sample taken mid-burst does not decide the verdict.
    """
    after = [s for s in samples if s.at >= warmup]
    if not after:
        return {"flat": False, "reason": "no sample after the warm-up"}
    window = min(EDGE_WINDOW_S, max((end - warmup) / 3, 0.0))
    first = [s.rss_mb for s in after if s.at <= after[0].at + window]
    last = [s.rss_mb for s in after if s.at >= after[-1].at - window]
    start_mb, end_mb = statistics.median(first), statistics.median(last)
    growth = end_mb - start_mb
    allowed = max(FLAT_MB, FLAT_SHARE * start_mb)
    return {
        "warmup_end_mb": round(start_mb, 1),
        "end_mb": round(end_mb, 1),
        "growth_mb": round(growth, 1),
        "growth_pct": round(100 * growth / start_mb, 1) if start_mb else None,
        "slope_mb_per_min": round(slope_per_minute([(s.at, s.rss_mb) for s in after]), 3),
        "allowed_mb": round(allowed, 1),
        "max_mb": round(max(s.rss_mb for s in samples), 1),
        "flat": growth <= allowed,
    }


def per_kind(timings: list[tuple[str, float, float]]) -> dict[str, dict[str, float]]:
    """Return count and latency percentiles (ms) per kind of request."""
    by_kind: dict[str, list[float]] = {}
    for kind, _, seconds in timings:
        by_kind.setdefault(kind, []).append(seconds * 1000)
    order = [*SETUP_KINDS, *(f"GET {p}" for p in READS), *WRITE_KINDS]
    figures = {}
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        values = by_kind[kind]
        figures[kind] = {
            "count": len(values),
            "p50_ms": round(percentile(values, 0.50), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values), 1),
        }
    return figures


def per_minute(run: Run, end: float) -> list[dict[str, Any]]:
    """Return one line per minute of the run (the last may be shorter)."""
    lines = []
    minute = 0
    while minute * 60 < end:
        low, high = minute * 60, min((minute + 1) * 60, end)
        seconds = [s for k, at, s in run.timings if low <= at < high]
        errors = sum(1 for e in run.errors if low <= e["at_s"] < high)
        samples = [s for s in run.samples if low <= s.at < high] or run.samples[-1:]
        last = samples[-1] if samples else None
        lines.append(
            {
                "minute": minute + 1,
                "requests": len(seconds),
                "per_second": round(len(seconds) / max(high - low, 1e-9), 1),
                "p95_ms": round(percentile(seconds, 0.95) * 1000, 1) if seconds else None,
                "errors": errors,
                "rss_mb": round(last.rss_mb, 1) if last else None,
                "rss_min_mb": round(min(s.rss_mb for s in samples), 1) if samples else None,
                "rss_max_mb": round(max(s.rss_mb for s in samples), 1) if samples else None,
                "threads": last.threads if last else None,
                "open_files": last.open_files if last else None,
                "db_connections": last.db_connections if last else None,
                "load": round(last.load, 1) if last else None,
            }
        )
        minute += 1
    return lines


# Running -------------------------------------------------------------------------------------


async def sample_forever(
    run: Run, pid: int, process: subprocess.Popen[bytes], database: Database, every: float
) -> None:
    """Sample the server every `every` seconds, and print progress to stderr every minute."""
    next_report = 60.0
    while True:
        if process.poll() is not None:
            run.server_exit = process.returncode
            run.error(-1, "server", f"exited {process.returncode}", "the server process ended")
            run.stop.set()
            return
        rss, threads, files, cpu = measure_process(pid)
        try:
            connections: int | None = await asyncio.to_thread(database.connections)
        except Exception:  # the count is a nicety; the run goes on without it
            connections = None
        load = os.getloadavg()[0]
        run.samples.append(Sample(run.now(), rss, threads, files, connections, cpu, load))
        if run.now() >= next_report:
            done = len(run.timings)
            print(
                f"  [{run.now() / 60:4.1f} min] {done} requests, {len(run.errors)} errors, "
                f"RSS {rss:.1f} MB, {threads} threads, {connections} db connections, "
                f"load {load:.1f}",
                file=sys.stderr,
                flush=True,
            )
            next_report += 60
        await asyncio.sleep(every)


async def watch_loop(run: Run, every: float = 0.1) -> None:
    """Note how late the event loop wakes up: the client's own saturation."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(every)
        run.loop_lag.append(time.monotonic() - before - every)


async def drive(
    options: argparse.Namespace,
    port: int,
    process: subprocess.Popen[bytes],
    database: Database,
    tag: str,
) -> tuple[Run, float, float]:
    """Run the clients; return the run, its length (s) and the client process's CPU seconds."""
    import httpx2

    answers = _server.all_no_answers()  # loads the screening guide: not while clients run
    started = time.monotonic()
    run = Run(started=started, deadline=started + options.seconds, answers=answers)
    # One TLS context for all (none is used over http, but each client would build its own).
    context = ssl.create_default_context()
    limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx2.AsyncClient(
            base_url=f"http://{_server.HOST}:{port}",
            timeout=REQUEST_TIMEOUT_S,
            verify=context,
            limits=limits,
            trust_env=False,
        )
        for _ in range(options.clients)
    ]
    # Arrivals spread over the first half of the warm-up (30 s at most): each registration
    # hashes a password with argon2id (64 MiB, about 0.2 s of CPU), and fifty at once on two
    # cores is a burst of its own, not the steady use this run is about (`--ramp 0` makes it).
    ramp = min(options.ramp, options.warmup / 2)
    cpu_before = time.process_time()
    sampler = asyncio.create_task(
        sample_forever(run, process.pid, process, database, options.sample_every)
    )
    watcher = asyncio.create_task(watch_loop(run))
    try:
        await asyncio.gather(
            *(
                Person(index, run, client, options, tag).live(ramp * index / options.clients)
                for index, client in enumerate(clients)
            )
        )
    finally:
        elapsed = run.now()
        # One last sample at the very end, after the last answer.
        rss, threads, files, cpu = measure_process(process.pid)
        connections = await asyncio.to_thread(database.connections)
        load = os.getloadavg()[0]
        run.samples.append(Sample(elapsed, rss, threads, files, connections, cpu, load))
        for task in (sampler, watcher):
            task.cancel()
        for client in clients:
            await client.aclose()
    return run, elapsed, time.process_time() - cpu_before


def soak(options: argparse.Namespace, database_url: str, fresh: bool) -> dict[str, Any]:
    """Start the server over `database_url`, run the clients, check the database; the result."""
    import sqlalchemy as sa

    tag = uuid.uuid4().hex[:6]
    machine = _server.machine()  # before the run loads it
    database = Database(database_url)
    with tempfile.TemporaryDirectory(prefix="backstretch-soak-") as temp:
        folder = Path(temp)
        port = _server.free_port()
        env = _server.server_env(folder / "data")
        env["BACKSTRETCH_DATABASE_URL"] = database_url
        command = [*_server.serve_command(port), "--accounts"]
        log_path = folder / "serve.log"
        with log_path.open("w+b") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while not _server.health_ok(port):
                    if process.poll() is not None:
                        sys.exit(
                            f"backstretch serve exited {process.returncode}:\n"
                            + _server.log_tail(log)
                        )
                    if time.monotonic() > deadline:
                        sys.exit("backstretch serve did not answer /api/health in 60 s")
                    time.sleep(0.05)
                rss_idle = measure_process(process.pid)[0]
                opened_before = database.opened()
                print(
                    f"soak: {options.clients} clients for {options.seconds:g} s "
                    f"({options.warmup:g} s warm-up), server pid {process.pid} on port {port}",
                    file=sys.stderr,
                    flush=True,
                )
                run, elapsed, client_cpu = asyncio.run(drive(options, port, process, database, tag))
                time.sleep(1.5)  # PostgreSQL publishes its counts within a second
                opened_after = database.opened()
            finally:
                _server.stop(process)
            server = _server.Server(_server.HOST, port, process, folder / "data", log_path)
            logged, summaries = _server.logged_errors(server)
            log_tail = _server.log_tail(log) if logged else ""
    try:
        stored = database.sessions_of(f"soak-{tag}-")
        postgres = database.version()
    except sa.exc.SQLAlchemyError as error:
        stored, postgres = {}, "?"
        run.error(-1, "database check", type(error).__name__, str(error))
    finally:
        database.close()
    sessions = check_sessions(run, stored)
    return report(
        options,
        run,
        elapsed,
        client_cpu,
        sessions=sessions,
        logged=(logged, summaries, log_tail),
        context={
            "machine": machine,
            "postgres": postgres,
            "fresh": fresh,
            "command": " ".join(command).replace(f"--port {port}", "--port P"),
            "rss_idle_mb": round(rss_idle, 1),
            "db_connections_opened": None
            if opened_before is None or opened_after is None
            else opened_after - opened_before,
        },
    )


def report(
    options: argparse.Namespace,
    run: Run,
    elapsed: float,
    client_cpu: float,
    *,
    sessions: dict[str, Any],
    logged: tuple[int, list[str], str],
    context: dict[str, Any],
) -> dict[str, Any]:
    """Put the figures of a finished run together, with the verdict."""
    warmup = min(options.warmup, elapsed)
    measured = [t for t in run.timings if t[1] >= warmup and t[0] not in SETUP_KINDS]
    loop = [t for t in run.timings if t[0] not in SETUP_KINDS]
    writes = sum(1 for t in loop if t[0] in WRITE_KINDS)
    memory = memory_trend(run.samples, warmup, elapsed)
    after = [s for s in run.samples if s.at >= warmup]
    server_cpu = (after[-1].cpu_seconds - after[0].cpu_seconds) if len(after) > 1 else 0.0
    server_span = (after[-1].at - after[0].at) if len(after) > 1 else 0.0
    lag = sorted(run.loop_lag) or [0.0]
    connections = [s.db_connections for s in run.samples if s.db_connections is not None]
    problems = []
    if run.errors:
        problems.append(f"{len(run.errors)} requests went wrong")
    if logged[0]:
        problems.append(f"the server logged {logged[0]} errors")
    if not sessions["match"]:
        problems.append("the sessions in the database do not match those the clients recorded")
    if not memory.get("flat"):
        problems.append(
            f"memory grew {memory.get('growth_mb')} MB after the warm-up "
            f"(allowed {memory.get('allowed_mb')} MB)"
            if "growth_mb" in memory
            else memory.get("reason", "memory not measured")
        )
    if not run.completed:
        problems.append("no session was completed")
    return {
        "settings": {
            "clients": options.clients,
            "seconds": options.seconds,
            "warmup_s": options.warmup,
            "think_s": [options.think_min, options.think_max],
            "ramp_s": min(options.ramp, options.warmup / 2),
            "seed": options.seed,
            "sample_every_s": options.sample_every,
        },
        "context": context | {"python": sys.version.split()[0]},
        "elapsed_s": round(elapsed, 1),
        "requests": run.sent,
        "answered": len(run.timings),
        "setup_requests": len(run.timings) - len(loop),
        "measured_requests": len(measured),
        "per_second": round(len(measured) / max(elapsed - warmup, 1e-9), 1),
        "write_share": round(writes / len(loop), 3) if loop else None,
        "errors": len(run.errors),
        "error_kinds": dict(run.error_counts.most_common()),
        "first_errors": run.errors[:SHOWN_ERRORS],
        "kinds": per_kind(run.timings),
        "kinds_measured": per_kind(measured),
        "minutes": per_minute(run, elapsed),
        "memory": memory,
        "db_connections": {
            "max": max(connections) if connections else None,
            "end": connections[-1] if connections else None,
        },
        "load_average": {
            "mean": round(statistics.fmean(s.load for s in run.samples), 1),
            "max": round(max(s.load for s in run.samples), 1),
        },
        "server_cpu_share": round(server_cpu / server_span, 2) if server_span else None,
        "client": {
            "cpu_share": round(client_cpu / elapsed, 2) if elapsed else None,
            "loop_lag_p99_ms": round(percentile(lag, 0.99) * 1000, 1),
            "loop_lag_max_ms": round(lag[-1] * 1000, 1),
        },
        "server_log_errors": logged[0],
        "server_log_summaries": logged[1][:5],
        "sessions": sessions,
        "problems": problems,
        "clean": not problems,
    }


def print_report(result: dict[str, Any]) -> None:
    """Print the result for a person."""
    settings, context = result["settings"], result["context"]
    print(
        f"soak: {settings['clients']} clients for {settings['seconds']:g} s "
        f"({settings['warmup_s']:g} s warm-up, arriving over {settings['ramp_s']:g} s), "
        f"think {settings['think_s'][0]:g}-"
        f"{settings['think_s'][1]:g} s, seed {settings['seed']}"
    )
    where = "a fresh database, dropped after" if context["fresh"] else "the given database"
    print(f"  server: {context['command']} on PostgreSQL {context['postgres']} ({where})")
    print(f"  {context['machine']}; Python {context['python']}; clients in one process")
    print(
        f"requests: {result['requests']} ({result['setup_requests']} for setting up accounts), "
        f"errors: {result['errors']}; {result['per_second']} requests/s after the warm-up "
        f"({result['measured_requests']} in {result['elapsed_s'] - settings['warmup_s']:.0f} s); "
        f"writes {result['write_share']:.0%} of the loop's requests"
    )
    for problem in result["first_errors"]:
        print(f"  ERROR {json.dumps(problem)}")
    if result["errors"] > len(result["first_errors"]):
        print(f"  ... {result['errors'] - len(result['first_errors'])} more; by kind:")
        for what, count in result["error_kinds"].items():
            print(f"    {count:6d}  {what}")
    print(
        "latency per kind (setup: whole run; the rest: after the warm-up)\n"
        f"  {'kind':26} {'count':>7} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"
    )
    kinds = {k: v for k, v in result["kinds"].items() if k in SETUP_KINDS}
    kinds |= result["kinds_measured"]
    for kind, figures in kinds.items():
        cells = " ".join(f"{figures[k]:6.1f} ms" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
        print(f"  {kind:26} {figures['count']:7d} {cells}")
    print(
        f"per minute\n  {'min':>3} {'requests':>8} {'req/s':>6} {'p95':>9} {'errors':>6} "
        f"{'RSS MB':>7} {'(min-max)':>13} {'threads':>7} {'files':>5} {'db conns':>8} {'load':>5}"
    )
    for line in result["minutes"]:
        p95 = f"{line['p95_ms']:6.1f} ms" if line["p95_ms"] is not None else "-"
        spread = f"({line['rss_min_mb']:.1f}-{line['rss_max_mb']:.1f})"
        print(
            f"  {line['minute']:3d} {line['requests']:8d} {line['per_second']:6.1f} {p95:>9} "
            f"{line['errors']:6d} {line['rss_mb']:7.1f} {spread:>13} {line['threads']:7d} "
            f"{line['open_files']:5d} {line['db_connections']!s:>8} {line['load']:5.1f}"
        )
    memory = result["memory"]
    if "growth_mb" in memory:
        print(
            f"memory (RSS): {context['rss_idle_mb']} MB idle before the run, max "
            f"{memory['max_mb']} MB; end of warm-up {memory['warmup_end_mb']} MB -> end "
            f"{memory['end_mb']} MB: {memory['growth_mb']:+.1f} MB ({memory['growth_pct']:+.1f}%), "
            f"slope {memory['slope_mb_per_min']:+.3f} MB/min; "
            f"{'flat' if memory['flat'] else 'NOT flat'} (allowed {memory['allowed_mb']} MB)"
        )
    client = result["client"]
    print(
        f"server CPU: {result['server_cpu_share']} cores on average after the warm-up; client "
        f"process: {client['cpu_share']} cores, event-loop lag p99 {client['loop_lag_p99_ms']} "
        f"ms (max {client['loop_lag_max_ms']} ms); db connections max "
        f"{result['db_connections']['max']}, at the end {result['db_connections']['end']}, "
        f"opened during the run {context['db_connections_opened']}; "
        f"machine load average during the run: mean {result['load_average']['mean']}, "
        f"max {result['load_average']['max']} ({os.cpu_count()} CPUs)"
    )
    sessions = result["sessions"]
    print(
        f"sessions: {sessions['completed_by_clients']} completed by the clients "
        f"({sessions['started_by_clients']} started); in the database "
        f"{sessions['completed_in_database']} completed of {sessions['in_database']}: "
        + ("each once, with its items" if sessions["match"] else f"MISMATCH {sessions}")
    )
    print(f"server log: {result['server_log_errors']} errors")
    for line in result["server_log_summaries"]:
        print(f"  {line}")
    if result["clean"]:
        print("verdict: clean (no errors, sessions recorded once each, memory flat)")
    else:
        print("verdict: NOT clean: " + "; ".join(result["problems"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="simulated people")
    parser.add_argument("--seconds", type=float, default=600, help="length of the run, warm-up in")
    parser.add_argument("--warmup", type=float, default=60, help="seconds left out of the trend")
    parser.add_argument("--database-url", help="use this database (default: a fresh one)")
    parser.add_argument(
        "--admin-url",
        default=DEFAULT_ADMIN_URL,
        help="where to create the fresh database (env BACKSTRETCH_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="seconds over which the clients arrive (at most half the warm-up; 0: all at once)",
    )
    parser.add_argument("--think-min", type=float, default=0.2, help="seconds")
    parser.add_argument("--think-max", type=float, default=1.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' choices")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args()
    if options.clients < 1 or options.seconds <= 0 or not 0 <= options.warmup < options.seconds:
        parser.error("--clients 1 or more, --seconds above 0, --warmup from 0 to below --seconds")
    if not 0 <= options.think_min <= options.think_max or options.sample_every <= 0:
        parser.error("--think-min from 0 to --think-max; --sample-every above 0")
    if options.ramp < 0:
        parser.error("--ramp 0 or more")

    if options.database_url:
        result = soak(options, options.database_url, fresh=False)
    else:
        with _server.fresh_database(options.admin_url) as url:
            result = soak(options, url, fresh=True)
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    if not result["clean"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
