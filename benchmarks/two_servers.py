"""Two app servers behind nginx on one PostgreSQL: soak both, kill one with -9, restart it.

The production set-up of docs/production.md in miniature, on this machine:

  - a fresh PostgreSQL database of the run's own (`--admin-url`, as benchmarks/soak.py makes
    it), dropped afterwards;
  - two `backstretch serve --accounts --port P1/P2` (the script beside this interpreter),
    started at the same moment on that database (one migrates it, the other waits), with one
    `BACKSTRETCH_SECRET_KEY` for both and `FORWARDED_ALLOW_IPS=127.0.0.1` (the proxy);
  - nginx (the Debian package, `apt-get install nginx-light`) in the foreground with a
    configuration, pid file, logs and temporary folders of the run's own, listening on a free
    local port and passing every request to the two servers in turn (plain HTTP here: TLS is
    nginx's job and changes nothing behind it; docs/production.md shows it).

`--clients` simulated people (asyncio, one httpx2 client each, with its own cookies, as a
browser) register through nginx, answer the screening with every answer no and save a profile.
Then, until `--seconds` have passed, each one visits: logs in (GET /login, POST /login with the
form's CSRF token, GET /offline/account for the current token as `offline.js` does), then one to
three times opens the plan page (GET /plan) and records a session of today's plan as the
browser player does (POST /api/plan, PUT /api/sessions/{new uuid} in progress, PUT completed,
and half the time the same final PUT again, which must answer the same), and logs out.

A request that fails the way a network or a dying server fails (no connection, a reset, a
timeout, 502/503/504 from nginx) is sent again after a short pause (0.1 s doubling to 2 s, for
up to `--retry-for` seconds), as `offline.js` keeps a session until the server takes it. Any
other unexpected answer is an error, and so is a request still failing after `--retry-for`.

Meanwhile server 1 is killed with SIGKILL at a third of the run and server 2 at two thirds
(`--kills`), each started again on its port after `--down` seconds. At the end, directly on the
two servers' ports:

  - CSRF: an account registered on server 2 with the form token server 1 gave, its token and
    login cookie used on the other server, and a wrong token refused by both;
  - limits, each from an address of its own (see `from_address`): wrong passwords for one name
    sent to the two servers in turn until one answers 429, which with the count in the
    database is after the limit (5 checks), not twice it, and then both answer 429; and new
    accounts made on the two in turn until one answers 429: after 5 (the hourly limit per
    address, set on both servers as by default), not 10;

then PostgreSQL itself: every session a client saw completed is stored exactly once, completed,
with its items, and no session exists that no client started. The servers' logs are read for
errors. It prints a table per kind of request (answered, retried, p50/p95/max), the retries by
cause, what nginx passed to which server, the kills and restarts, the checks and a verdict;
exit status 0 only when clean.

    .venv/bin/python benchmarks/two_servers.py [--clients 6] [--seconds 150] [--kills 2] \
        [--down 5] [--quick] [--json] [--admin-url URL]

`--quick` (3 clients, 25 s, one kill) is the smoke test's run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import _server
import soak

FULL = {"clients": 6, "seconds": 150.0, "kills": 2, "down": 5.0}
QUICK = {"clients": 3, "seconds": 25.0, "kills": 1, "down": 2.0}
RETRY_STATUSES = frozenset({502, 503, 504})  # a proxy without a server, or one going away
REGISTRATIONS_PER_HOUR = 5  # per address, as by default (config.Settings.registrations_per_hour)
# One line per request; "|" apart, as the upstream fields hold ", " when nginx tried several.
NGINX_LOG = "$request_method|$uri|$status|$upstream_addr|$upstream_status|$request_time"


def nginx_binary() -> str | None:
    """Return the nginx program (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


# The servers and the proxy ---------------------------------------------------------------------


@dataclass
class AppServer:
    """One `backstretch serve --accounts` of the two; restarted on the same port after a kill."""

    number: int
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{_server.HOST}:{self.port}"

    def command(self) -> list[str]:
        return [*_server.serve_command(self.port), "--accounts"]

    def start(self) -> None:
        self.log = self.log_path.open("ab")  # a restart appends to the same log
        self.process = subprocess.Popen(
            self.command(), env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.close_log()

    def stop(self) -> None:
        if self.process is not None:
            _server.stop(self.process)
        self.close_log()

    def close_log(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_healthy(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> float:
    """Wait until GET /api/health answers 200 on `port`; return the seconds it took."""
    started = time.monotonic()
    while not _server.health_ok(port):
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            sys.exit(f"{what} exited {process.returncode}:\n{tail}")
        if time.monotonic() - started > 60:
            sys.exit(f"{what} did not answer GET /api/health within 60 s")
        time.sleep(0.02)
    return time.monotonic() - started


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> str:
    """Return nginx's configuration: one upstream of the two servers, plain HTTP on `port`.

    The proxy part is docs/production.md's, without TLS; everything nginx writes stays in
    `folder`, and it runs in the foreground (`daemon off`), so it stops with this script.
    """
    user = ""
    if os.geteuid() == 0:  # workers would otherwise switch to nobody, who cannot use `folder`
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n"
    servers = "\n".join(
        f"        server {_server.HOST}:{p} max_fails=1 fail_timeout=2s;" for p in upstreams
    )
    temp = "\n".join(
        f"    {kind}_temp_path {folder / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{
    worker_connections 512;
}}
http {{
    log_format upstreams '{NGINX_LOG}';
    access_log {folder / "nginx-access.log"} upstreams;
{temp}
    upstream backstretch {{
{servers}
        keepalive 16;
    }}
    server {{
        listen {_server.HOST}:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://backstretch;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def start_nginx(folder: Path, port: int, upstreams: list[int]) -> subprocess.Popen[bytes]:
    """Start nginx in the foreground with the run's configuration; wait until it answers."""
    binary = nginx_binary()
    if binary is None:
        sys.exit("nginx is not installed: apt-get install nginx-light")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "temp" / kind).mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder, port, upstreams))
    error_log = folder / "nginx-error.log"
    command = [binary, "-p", str(folder), "-c", str(config), "-e", str(error_log)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        sys.exit(f"nginx refused its configuration:\n{checked.stderr}")
    with (folder / "nginx-stderr.log").open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    wait_healthy(port, process, "nginx", error_log)
    return process


def stop_nginx(process: subprocess.Popen[bytes]) -> None:
    """Stop nginx (SIGQUIT: finish the requests under way), then kill it if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def nginx_passes(folder: Path, ports: dict[int, int]) -> dict[str, Any]:
    """Read nginx's access log: requests per server, and those passed on to the next server."""
    per_server: Counter[str] = Counter()
    passed_on = statuses_502 = 0
    path = folder / "nginx-access.log"
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    for line in lines:
        parts = line.split("|")
        if len(parts) != 6:
            continue
        status, upstream = parts[2], parts[3]
        tried = [u.strip() for u in re.split(r"[,:] ", upstream) if u.strip()]
        if len(tried) > 1:
            passed_on += 1
        if status == "502":
            statuses_502 += 1
        final = tried[-1] if tried else "-"
        port = int(final.rsplit(":", 1)[1]) if final.count(":") == 1 else None
        per_server[f"server {ports[port]}" if port in ports else "none"] += 1
    return {
        "requests": len(lines),
        "per_server": dict(sorted(per_server.items())),
        "passed_to_the_other_server": passed_on,
        "answered_502": statuses_502,
    }


# The clients ---------------------------------------------------------------------------------


def from_address(index: int) -> dict[str, str]:
    """Return the header that makes a client here come from an address of its own.

    People come from many addresses, and the login and registration limits count per address.
    The header is believed only because this client runs on 127.0.0.1, an address the servers
    trust as a proxy (FORWARDED_ALLOW_IPS): through nginx, which appends the address it saw,
    uvicorn skips the trusted addresses from the right and takes this one. A visitor from
    elsewhere cannot do this: their own address is the right-most untrusted one. The addresses
    are from 198.18.0.0/15, kept for benchmarks (RFC 2544); negative indexes are the checks'.
    """
    if index < 0:
        return {"X-Forwarded-For": f"198.19.255.{-index}"}
    return {"X-Forwarded-For": f"198.18.{index // 250}.{index % 250 + 1}"}


@dataclass
class Run(soak.Run):
    """soak.Run, plus the retries and the kills."""

    retries: Counter[str] = field(default_factory=Counter)  # "kind: cause" -> count
    retried_requests: Counter[str] = field(default_factory=Counter)  # kind -> requests retried
    kills: list[dict[str, Any]] = field(default_factory=list)
    setup_requests: int = 0  # answered before the clock started (registrations, screenings)
    prefix: str = ""  # the run's account names start with it


class Visitor(soak.Person):
    """soak's person (register, screen, plan, record sessions), who also logs in and out and
    sends a request again when the network or a server fails, as the browser's offline queue
    does."""

    run: Run

    async def call(
        self, kind: str, method: str, path: str, expect: int = 200, **kwargs: Any
    ) -> Any | None:
        """Send one request, again after a pause while it fails for a retryable reason; return
        the response when its status is `expect`, else None (the error is recorded)."""
        import httpx2

        headers = {"x-csrftoken": self.csrf} if method != "GET" else {}
        first = time.monotonic()
        pause = 0.1
        attempts = 0
        while True:
            attempts += 1
            self.run.sent += 1
            try:
                response = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx2.HTTPError as error:
                cause = type(error).__name__
            else:
                if response.status_code not in RETRY_STATUSES:
                    break
                cause = f"status {response.status_code}"
            self.run.retries[f"{kind}: {cause}"] += 1
            if time.monotonic() - first > self.options.retry_for:
                self.run.error(
                    self.index,
                    kind,
                    f"still failing after {self.options.retry_for:g} s: {cause}",
                    "",
                    request=f"{method} {path}",
                )
                return None
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
        finished = time.monotonic()
        if attempts > 1:
            self.run.retried_requests[kind] += 1
        self.run.timings.append((kind, finished - self.run.started, finished - first))
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

    @property
    def password(self) -> str:
        return f"soak password {self.username}"  # as soak.Person.setup registers it

    async def log_in(self) -> bool:
        """Log in as a browser does: the login page (its CSRF cookie), the form, then the
        current token from /offline/account (the token may be tied to the login)."""
        self.http.cookies.clear()
        if await self.call("GET /login", "GET", "/login") is None:
            return False
        self.csrf = self.http.cookies.get(soak.CSRF_COOKIE) or ""
        form = {"csrftoken": self.csrf, "username": self.username, "password": self.password}
        if await self.call("POST /login", "POST", "/login", 303, data=form) is None:
            return False
        if not self.http.cookies.get(soak.LOGIN_COOKIE):
            self.run.error(self.index, "POST /login", "no login cookie", "")
            return False
        account = await self.call("GET /offline/account", "GET", "/offline/account")
        if account is None:
            return False
        self.csrf = account.json().get("csrf") or self.http.cookies.get(soak.CSRF_COOKIE) or ""
        return True

    async def log_out(self) -> None:
        await self.call("POST /logout", "POST", "/logout", 303, data={"csrftoken": self.csrf})

    async def visit(self) -> None:
        """Log in, plan and record one to three sessions, log out."""
        if not await self.log_in():
            return
        for _ in range(self.rng.randint(1, 3)):
            if self.over():
                break
            await self.think()
            await self.call("GET /plan", "GET", "/plan")
            await self.think()
            await self.session_cycle()
        await self.think()
        await self.log_out()

    def over(self) -> bool:
        return time.monotonic() >= self.run.deadline or self.run.stop.is_set()

    async def visits(self) -> None:
        while not self.over():
            await self.visit()
            await self.think()


async def kill_and_restart(run: Run, servers: list[AppServer], options: argparse.Namespace) -> None:
    """Kill the servers in turn with SIGKILL, evenly spaced over the run, and start each again
    on its port after `--down` seconds."""
    for turn in range(options.kills):
        at = options.seconds * (turn + 1) / (options.kills + 1)
        await asyncio.sleep(max(0.0, run.started + at - time.monotonic()))
        if run.stop.is_set():
            return
        server = servers[turn % len(servers)]
        killed_at = run.now()
        server.kill()
        await asyncio.sleep(options.down)
        server.start()
        assert server.process is not None
        took = await asyncio.to_thread(
            wait_healthy, server.port, server.process, f"server {server.number}", server.log_path
        )
        run.kills.append(
            {
                "server": server.number,
                "killed_at_s": round(killed_at, 1),
                "restarted_at_s": round(killed_at + options.down, 1),
                "answering_after_restart_s": round(took, 2),
            }
        )


async def drive(options: argparse.Namespace, proxy_port: int, servers: list[AppServer]) -> Run:
    """Set up the accounts through nginx, then the visits while the servers are killed."""
    import httpx2

    answers = _server.all_no_answers()
    tag = uuid.uuid4().hex[:6]
    context = ssl.create_default_context()
    limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx2.AsyncClient(
            base_url=f"http://{_server.HOST}:{proxy_port}",
            timeout=soak.REQUEST_TIMEOUT_S,
            verify=context,
            limits=limits,
            trust_env=False,
            headers=from_address(index),
        )
        for index in range(options.clients)
    ]
    now = time.monotonic()
    run = Run(started=now, deadline=now + 3600, answers=answers)
    people = [Visitor(i, run, client, options, tag) for i, client in enumerate(clients)]
    try:
        # Accounts first (argon2 hashing, one after another on a small machine), then the clock.
        for person in people:
            if not await person.setup():
                sys.exit(f"setting up an account failed: {run.errors[:3]}")
            await person.log_out()
        run.setup_requests = len(run.timings)
        run.started = time.monotonic()
        run.deadline = run.started + options.seconds
        killer = asyncio.create_task(kill_and_restart(run, servers, options))
        await asyncio.gather(*(person.visits() for person in people))
        await killer
    finally:
        run.stop.set()
        for client in clients:
            await client.aclose()
    run.prefix = f"soak-{tag}-"
    return run


# The checks across the two servers -------------------------------------------------------------


def cross_server_checks(servers: list[AppServer]) -> dict[str, Any]:
    """CSRF tokens, logins, the login limit and the registration limit, each used on both
    servers directly. The limits are counted per address: each check comes from an address of
    its own (an X-Forwarded-For this machine may send, see `person_address`)."""
    import httpx2

    from backstretch.services import accounts

    one, two = servers[0].url, servers[1].url
    name = f"probe-{uuid.uuid4().hex[:8]}"
    password = f"probe password {name}"
    found: dict[str, Any] = {}
    with httpx2.Client(timeout=30, trust_env=False) as browser:
        browser.get(f"{one}/register")
        token = browser.cookies.get(soak.CSRF_COOKIE) or ""
        form = {"csrftoken": token, "username": name, "password": password}
        made = browser.post(f"{two}/register", data={**form, "password_again": password})
        found["token_from_1_registers_on_2"] = made.status_code == 303
        token = browser.get(f"{one}/offline/account").json().get("csrf") or token
        screened = browser.post(
            f"{two}/api/screen", json=_server.all_no_answers(), headers={"x-csrftoken": token}
        )
        found["login_and_token_from_1_accepted_by_2"] = screened.status_code == 200
        found["wrong_token_refused_by_both"] = all(
            browser.post(
                f"{url}/api/screen",
                json=_server.all_no_answers(),
                headers={"x-csrftoken": "not-the-token"},
            ).status_code
            == 403
            for url in (one, two)
        )
    # Wrong passwords for one name from one address, to the two servers in turn.
    limit = accounts.CHECKS_PER_PAIR
    statuses = []
    with httpx2.Client(timeout=30, trust_env=False, headers=from_address(-1)) as guesser:
        guesser.get(f"{one}/login")
        token = guesser.cookies.get(soak.CSRF_COOKIE) or ""
        wrong = {"csrftoken": token, "username": name, "password": "not the password"}
        for attempt in range(2 * limit + 2):
            statuses.append(
                guesser.post(f"{(one, two)[attempt % 2]}/login", data=wrong).status_code
            )
            if statuses[-1] == 429:
                break
        after = [guesser.post(f"{url}/login", data=wrong).status_code for url in (one, two)]
    refused = statuses.index(429) if 429 in statuses else None
    found["login_limit"] = limit
    found["wrong_passwords_before_429"] = refused
    found["login_statuses"] = statuses
    found["after_the_limit_both_answer_429"] = after == [429, 429]
    found["login_limit_shared"] = (
        refused is not None and refused <= limit and found["after_the_limit_both_answer_429"]
    )
    # New accounts from one address, to the two servers in turn.
    per_hour = REGISTRATIONS_PER_HOUR
    made_statuses = []
    with httpx2.Client(timeout=30, trust_env=False, headers=from_address(-2)) as maker:
        for attempt in range(2 * per_hour + 2):
            maker.cookies.clear()  # each new account logs the browser in: start afresh
            maker.get(f"{two}/register")
            new = f"{name}-{attempt}"
            form = {
                "csrftoken": maker.cookies.get(soak.CSRF_COOKIE) or "",
                "username": new,
                "password": f"probe password {new}",
                "password_again": f"probe password {new}",
            }
            made_statuses.append(
                maker.post(f"{(one, two)[attempt % 2]}/register", data=form).status_code
            )
            if made_statuses[-1] == 429:
                break
    made = made_statuses.index(429) if 429 in made_statuses else None
    found["registration_limit"] = per_hour
    found["registrations_before_429"] = made
    found["registration_statuses"] = made_statuses
    found["registration_limit_shared"] = made == per_hour
    found["consistent"] = all(
        found[k]
        for k in (
            "token_from_1_registers_on_2",
            "login_and_token_from_1_accepted_by_2",
            "wrong_token_refused_by_both",
            "login_limit_shared",
            "registration_limit_shared",
        )
    )
    return found


# Running ----------------------------------------------------------------------------------------


def run_two_servers(options: argparse.Namespace, database_url: str) -> dict[str, Any]:
    """Start everything, drive the clients, check, stop; return the result."""
    import sqlalchemy as sa

    machine = _server.machine()
    secret = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="backstretch-two-") as temp:
        folder = Path(temp)
        ports = [_server.free_port(), _server.free_port()]
        while ports[1] == ports[0]:
            ports[1] = _server.free_port()
        servers = []
        for number, port in enumerate(ports, start=1):
            env = _server.server_env(folder / f"data{number}")
            env["BACKSTRETCH_DATABASE_URL"] = database_url
            env["BACKSTRETCH_SECRET_KEY"] = secret
            env["FORWARDED_ALLOW_IPS"] = _server.HOST  # the proxy's address: trust only it
            # The production limit (_server lifts it): here each person has an address of its own.
            env["BACKSTRETCH_REGISTRATIONS_PER_HOUR"] = str(REGISTRATIONS_PER_HOUR)
            servers.append(AppServer(number, port, env, folder / f"serve-{number}.log"))
        nginx = None
        try:
            for server in servers:  # together: one migrates the new database, one waits
                server.start()
            for server in servers:
                assert server.process is not None
                wait_healthy(
                    server.port, server.process, f"server {server.number}", server.log_path
                )
            proxy_port = _server.free_port()
            nginx = start_nginx(folder, proxy_port, ports)
            print(
                f"two servers: {options.clients} clients for {options.seconds:g} s through "
                f"nginx on port {proxy_port}, servers on {ports[0]} and {ports[1]}",
                file=sys.stderr,
                flush=True,
            )
            run = asyncio.run(drive(options, proxy_port, servers))
            elapsed = run.now()
            checks = cross_server_checks(servers)
        finally:
            if nginx is not None:
                stop_nginx(nginx)
            for server in servers:
                server.stop()
        passes = nginx_passes(folder, {port: n for n, port in enumerate(ports, start=1)})
        logged = {}
        for server in servers:
            assert server.process is not None
            shown = _server.Server(
                _server.HOST, server.port, server.process, folder, server.log_path
            )
            logged[f"server {server.number}"] = _server.logged_errors(shown)
    database = soak.Database(database_url)
    try:
        stored = database.sessions_of(run.prefix)
        postgres = database.version()
    except sa.exc.SQLAlchemyError as error:
        stored, postgres = {}, "?"
        run.error(-1, "database check", type(error).__name__, str(error))
    finally:
        database.close()
    return report(
        options,
        run,
        elapsed,
        sessions=soak.check_sessions(run, stored),
        checks=checks,
        passes=passes,
        logged=logged,
        context={"machine": machine, "postgres": postgres, "ports": ports},
    )


def report(
    options: argparse.Namespace,
    run: Run,
    elapsed: float,
    *,
    sessions: dict[str, Any],
    checks: dict[str, Any],
    passes: dict[str, Any],
    logged: dict[str, tuple[int, list[str]]],
    context: dict[str, Any],
) -> dict[str, Any]:
    """Put the figures of a finished run together, with the verdict."""
    setup = run.setup_requests
    timings = run.timings[setup:]
    kinds = soak.per_kind(timings)
    for kind, figures in kinds.items():
        figures["retried"] = run.retried_requests.get(kind, 0)
    log_errors = {name: count for name, (count, _) in logged.items()}
    problems = []
    if run.errors:
        problems.append(f"{len(run.errors)} requests went wrong (not retryable, or gave up)")
    if any(log_errors.values()):
        problems.append(f"the servers logged errors: {log_errors}")
    if not sessions["match"]:
        problems.append("the sessions in the database do not match those the clients recorded")
    if not run.completed:
        problems.append("no session was completed")
    if len(run.kills) != options.kills:
        problems.append(f"{len(run.kills)} of {options.kills} kills and restarts happened")
    if not checks["consistent"]:
        problems.append("CSRF or the limits differ between the two servers")
    return {
        "settings": {
            "clients": options.clients,
            "seconds": options.seconds,
            "kills": options.kills,
            "down_s": options.down,
            "retry_for_s": options.retry_for,
            "think_s": [options.think_min, options.think_max],
            "seed": options.seed,
        },
        "context": context | {"python": sys.version.split()[0]},
        "elapsed_s": round(elapsed, 1),
        "setup_requests": setup,
        "requests": len(timings),
        "per_second": round(len(timings) / max(elapsed, 1e-9), 1),
        "sent": run.sent,
        "retries": sum(run.retries.values()),
        "retry_causes": dict(run.retries.most_common()),
        "retried_requests": sum(run.retried_requests.values()),
        "errors": len(run.errors),
        "error_kinds": dict(run.error_counts.most_common()),
        "first_errors": run.errors[: soak.SHOWN_ERRORS],
        "kinds": kinds,
        "kills": run.kills,
        "nginx": passes,
        "cross_server": checks,
        "sessions": sessions,
        "server_log_errors": log_errors,
        "server_log_summaries": {name: lines[:5] for name, (_, lines) in logged.items()},
        "problems": problems,
        "clean": not problems,
    }


def print_report(result: dict[str, Any]) -> None:
    """Print the result for a person."""
    settings, context = result["settings"], result["context"]
    print(
        f"two servers behind nginx on PostgreSQL {context['postgres']}: "
        f"{settings['clients']} clients for {settings['seconds']:g} s, think "
        f"{settings['think_s'][0]:g}-{settings['think_s'][1]:g} s, seed {settings['seed']}; "
        f"{context['machine']}"
    )
    for kill in result["kills"]:
        print(
            f"  kill -9 of server {kill['server']} at {kill['killed_at_s']} s, started again at "
            f"{kill['restarted_at_s']} s, answering {kill['answering_after_restart_s']} s later"
        )
    print(
        f"requests: {result['requests']} after setting up the accounts "
        f"({result['per_second']}/s), sent {result['sent']} times in all with the setup; "
        f"{result['retried_requests']} needed a retry ({result['retries']} retries); "
        f"errors not retried: {result['errors']}"
    )
    print(f"  {'kind':26} {'answered':>8} {'retried':>7} {'p50':>9} {'p95':>9} {'max':>10}")
    for kind, figures in result["kinds"].items():
        cells = " ".join(f"{figures[k]:6.1f} ms" for k in ("p50_ms", "p95_ms"))
        print(
            f"  {kind:26} {figures['count']:8d} {figures['retried']:7d} {cells} "
            f"{figures['max_ms']:7.1f} ms"
        )
    if result["retry_causes"]:
        print("retries by cause:")
        for cause, count in result["retry_causes"].items():
            print(f"  {count:6d}  {cause}")
    for problem in result["first_errors"]:
        print(f"  ERROR {json.dumps(problem)}")
    nginx = result["nginx"]
    print(
        f"nginx: {nginx['requests']} requests, per server {nginx['per_server']}; passed to the "
        f"other server after a failure: {nginx['passed_to_the_other_server']}; answered 502: "
        f"{nginx['answered_502']}"
    )
    checks = result["cross_server"]

    def yes(value: bool) -> str:
        return "yes" if value else "NO"

    print(
        "across the two servers:\n"
        f"  CSRF token from server 1 registers on server 2: "
        f"{yes(checks['token_from_1_registers_on_2'])}\n"
        f"  login and token from server 1 accepted by server 2: "
        f"{yes(checks['login_and_token_from_1_accepted_by_2'])}\n"
        f"  a wrong token refused by both: {yes(checks['wrong_token_refused_by_both'])}\n"
        f"  wrong passwords for one name from one address, servers in turn, before the first "
        f"429: {checks['wrong_passwords_before_429']} (limit {checks['login_limit']}); then "
        f"both answer 429: {yes(checks['after_the_limit_both_answer_429'])}\n"
        f"  new accounts from one address, servers in turn, before the first 429: "
        f"{checks['registrations_before_429']} (limit {checks['registration_limit']} an hour)"
    )
    sessions = result["sessions"]
    print(
        f"sessions in PostgreSQL: {sessions['completed_by_clients']} completed by the clients "
        f"({sessions['started_by_clients']} started); stored {sessions['in_database']}, "
        f"{sessions['completed_in_database']} completed: "
        + ("each once, with its items" if sessions["match"] else f"MISMATCH {sessions}")
    )
    print(f"server logs: errors {result['server_log_errors']}")
    for name, lines in result["server_log_summaries"].items():
        for line in lines:
            print(f"  {name}: {line}")
    if result["clean"]:
        print(
            "verdict: clean (every error retried, every acknowledged session stored once, "
            "CSRF, logins and limits shared)"
        )
    else:
        print("verdict: NOT clean: " + "; ".join(result["problems"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, help="simulated people (6; --quick 3)")
    parser.add_argument("--seconds", type=float, help="length of the soak (150; --quick 25)")
    parser.add_argument("--kills", type=int, help="kill -9s, servers in turn (2; --quick 1)")
    parser.add_argument(
        "--down", type=float, help="seconds a killed server stays down (5; --quick 2)"
    )
    parser.add_argument(
        "--retry-for", type=float, default=60, help="seconds a client keeps retrying a request"
    )
    parser.add_argument(
        "--admin-url",
        default=soak.DEFAULT_ADMIN_URL,
        help="where to create the fresh database (env BACKSTRETCH_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--think-min", type=float, default=0.1, help="seconds")
    parser.add_argument("--think-max", type=float, default=0.6, help="seconds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' choices")
    parser.add_argument("--quick", action="store_true", help="3 clients, 25 s, one kill")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args()
    # --quick changes the defaults; a value given still counts.
    defaults = QUICK if options.quick else FULL
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    if options.clients < 1 or options.seconds <= 0 or options.kills < 0 or options.down < 0:
        parser.error("--clients 1 or more, --seconds above 0, --kills and --down 0 or more")
    if not 0 <= options.think_min <= options.think_max:
        parser.error("--think-min from 0 to --think-max")
    if nginx_binary() is None:
        sys.exit("nginx is not installed: apt-get install nginx-light")
    with _server.fresh_database(options.admin_url, "backstretch_two_servers") as url:
        result = run_two_servers(options, url)
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    if not result["clean"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
