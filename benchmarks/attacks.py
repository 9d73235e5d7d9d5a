"""Rerun issue 17's attacks on the web server's input and print what each costs now.

Starts `backstretch serve --accounts` for real (SQLite in a temporary folder, or a fresh
PostgreSQL database with --postgres), makes three accounts through the register form, then sends
each attack with a raw socket (so bodies of 100 MB are streamed, with or without a
Content-Length, and the sender stops as soon as the server answers). For each it prints the
status the server answered, the bytes actually sent before the answer, the server's peak
resident memory while it ran (VmHWM, reset before each attack through /proc/PID/clear_refs),
the slowest of the /api/health requests sent every 20 ms meanwhile, and the wall time.

The last rows import exports of many activity check-ins through the data import form (150,000
check-ins, the attack that froze every request for 18 s; 70,000, just under the file's limit and
over the rows' limit; 20,000, the most an import takes), to show what is refused before it is
read, and that parsing and storing no longer hold up the event loop (the health column).

    .venv/bin/python benchmarks/attacks.py [--postgres URL] [--big-mb 100] \
        [--checkins 150000:413,70000:422,20000:200]

Figures depend on the machine: quote the load average printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import _server

HOST = _server.HOST
CSRF_COOKIE, LOGIN_COOKIE = "backstretch_csrf", "backstretch_login"  # web/auth.py
PASSWORD = "a long enough password"
MB = 1024 * 1024
PIECE = 64 * 1024
# A valid own stretch (as tests/data/test_catalogue.py's VALID).
OWN_STRETCH = {
    "id": "my-wall-stretch",
    "name": "Wall chest stretch",
    "summary": "A forearm on a door frame, turning the chest gently away.",
    "regions": ["upper_back", "neck_shoulders"],
    "position": "standing",
    "equipment": ["wall"],
    "kind": "hold",
    "level": "gentle",
    "dose": {"hold_seconds": 30, "reps": 2, "choice": "What my physiotherapist gave me."},
    "movements": [],
    "steps": {
        "setup": ["Stand in a doorway with one forearm on the frame."],
        "movement": ["Turn your chest slowly away until you feel a mild stretch."],
        "finish": ["Turn back and lower the arm."],
    },
    "breath": ["Breathe slowly throughout."],
    "form_cues": ["Keep the shoulder down, away from the ear."],
    "mistakes": ["Pushing into pain."],
    "stop_if": ["Tingling or numbness in the arm."],
    "sources": [{"given_by": "My physiotherapist", "fact": "Hold 30 s, twice."}],
}


# A raw HTTP client: bodies streamed piece by piece, stopping once the server has answered ------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    sent: int  # body bytes sent before the server answered (or closed)

    def cookies(self) -> dict[str, str | None]:
        """Return the cookies the answer sets (None: deleted)."""
        found: dict[str, str | None] = {}
        for name, value in self.headers:
            if name.lower() != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            key, _, content = pair.partition("=")
            gone = "max-age=0" in attributes.lower().replace(" ", "")
            found[key.strip()] = None if gone else content.strip().strip('"')
        return found


def _read_answer(sock: socket.socket, sent: int, deadline: float) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        piece = sock.recv(65536)
        if not piece:
            return Answer(0, [], data, sent)  # closed without an answer
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
    while length is None or len(body) < length:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            piece = sock.recv(65536)
        except OSError:
            break
        if not piece:
            break
        body += piece
    return Answer(status, headers, body, sent)


def send(
    port: int,
    method: str,
    path: str,
    *,
    headers: Iterable[tuple[str, str | bytes]] = (),
    body: bytes | Iterator[bytes] = b"",
    length: int | None = None,
    timeout: float = 120,
) -> Answer:
    """Send one request (chunked when `body` is an iterator and `length` is None)."""
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((HOST, port), timeout=timeout)
    try:
        chunked = not isinstance(body, bytes) and length is None
        if isinstance(body, bytes):
            length = len(body)
        head = [f"{method} {path} HTTP/1.1".encode(), f"Host: {HOST}:{port}".encode()]
        for name, value in headers:
            raw = value if isinstance(value, bytes) else value.encode("latin-1")
            head.append(name.encode() + b": " + raw)
        head.append(
            b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}".encode()
        )
        head.append(b"Connection: close")
        sock.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        sent = 0
        pieces = [body] if isinstance(body, bytes) else body
        try:
            for piece in pieces:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server answered (or closed) before the end of the body
                wire = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
                sock.settimeout(10)
                sock.sendall(wire)
                sent += len(piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        try:
            return _read_answer(sock, sent, deadline)
        except (ConnectionResetError, TimeoutError):
            return Answer(0, [], b"", sent)
    finally:
        sock.close()


def pieces(head: bytes, total: int, filler: bytes = b"a") -> Iterator[bytes]:
    """Yield `head`, then filler up to `total` bytes, 64 kB at a time."""
    yield head
    left = total - len(head)
    block = filler * (PIECE // len(filler))
    while left > 0:
        yield block[:left]
        left -= len(block)


# A browser's cookies, for the accounts -------------------------------------------------------


@dataclass
class Browser:
    """Cookies as a browser keeps them, and the CSRF token its pages show (the cookie's value)."""

    port: int
    jar: dict[str, str] = field(default_factory=dict)

    def cookie_header(self, **changes: str) -> str:
        return "; ".join(f"{k}={v}" for k, v in {**self.jar, **changes}.items())

    def keep(self, answer: Answer) -> Answer:
        for name, value in answer.cookies().items():
            if value is None:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return answer

    @property
    def token(self) -> str:
        return self.jar[CSRF_COOKIE]

    def get(self, path: str) -> Answer:
        return self.keep(send(self.port, "GET", path, headers=[("Cookie", self.cookie_header())]))

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        body = urlencode({"csrftoken": self.token, **fields}).encode()
        kind = ("Content-Type", "application/x-www-form-urlencoded")
        answer = send(
            self.port, "POST", path, headers=[kind, ("Cookie", self.cookie_header())], body=body
        )
        return self.keep(answer)

    def register(self, name: str) -> None:
        self.get("/register")
        made = self.post_form(
            "/register", {"username": name, "password": PASSWORD, "password_again": PASSWORD}
        )
        if made.status != 303:
            sys.exit(f"registering {name} answered {made.status}: {made.body[:300]!r}")


def multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """Encode form parts (name, file name or None, content) as multipart/form-data."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


# The measurements ------------------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


def reset_peak(pid: int) -> None:
    # On a kernel without it, the peak is the process's peak so far.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class HealthWatch:
    """Ask GET /api/health every 20 ms in a thread; keep the slowest answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.slowest = 0.0
        self.count = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            answer = send(self.port, "GET", "/api/health", timeout=60)
            took = time.perf_counter() - started
            self.count += 1
            self.failed += answer.status != 200
            self.slowest = max(self.slowest, took)
            self._stop.wait(0.02)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Row:
    attack: str
    expected: str
    status: int
    sent_mb: float
    peak_mb: float
    health_ms: float
    seconds: float


def measure(pid: int, port: int, attack: str, expected: str, run: Callable[[], Answer]) -> Row:
    time.sleep(0.3)  # let the last attack's connections close
    reset_peak(pid)
    started = time.perf_counter()
    with HealthWatch(port) as health:
        answer = run()
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    return Row(
        attack,
        expected,
        answer.status,
        answer.sent / MB,
        peak_rss_mb(pid),
        health.slowest * 1000,
        seconds,
    )


def export_with_checkins(count: int, folder: Path) -> bytes:
    """Return an export file (JSON) holding `count` activity check-ins."""
    from datetime import UTC, datetime, timedelta

    from backstretch.config import Settings
    from backstretch.core.records import Activity, CheckinRecord
    from backstretch.services.context import open_services
    from backstretch.services.sessions import record_checkin
    from backstretch.services.your_data import export_json

    settings = Settings(data_dir=folder / "export", timezone="Europe/London")
    services = open_services(settings)
    try:
        person = services.local_person()
        start = datetime(2020, 1, 1, 8, tzinfo=UTC)
        record_checkin(
            person, CheckinRecord(start, "Europe/London", (Activity("walking the dog", 6),))
        )
        document = export_json(person)
    finally:
        services.close()
    template = document["tables"]["checkins"][0]
    rows = []
    for index in range(count):
        row = dict(template)
        if "id" in row:
            row["id"] = index + 1
        row["at"] = (start + timedelta(hours=index)).isoformat()
        rows.append(row)
    document["tables"]["checkins"] = rows
    return json.dumps(document).encode()


@contextmanager
def database(admin_url: str | None) -> Iterator[str | None]:
    """Yield a fresh PostgreSQL database's URL (dropped afterwards), or None for SQLite."""
    if admin_url is None:
        yield None
        return
    with _server.fresh_database(admin_url, "backstretch_attacks") as url:
        yield url


@contextmanager
def serving(folder: Path, database_url: str | None) -> Iterator[tuple[int, int]]:
    port = _server.free_port()
    env = _server.server_env(folder / "data")
    if database_url:
        env["BACKSTRETCH_DATABASE_URL"] = database_url
    log = (folder / "serve.log").open("w+b")
    command = [*_server.serve_command(port), "--accounts"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _server.health_ok(port):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"backstretch serve did not start:\n{_server.log_tail(log)}")
            time.sleep(0.05)
        yield process.pid, port
    finally:
        _server.stop(process)
        log.close()


def attacks(
    port: int, big: int, imports: list[tuple[int, str, bytes]]
) -> list[tuple[str, str, Callable[[], Answer]]]:
    """Return (attack, expected answer, how to send it), the accounts made first."""
    ana, bob, cy = Browser(port), Browser(port), Browser(port)
    ana.register("ana")
    bob.register("bob")
    cy.register("cy")
    ana.get("/settings")
    form = ("Content-Type", "application/x-www-form-urlencoded")

    def anas(**changes: str) -> tuple[str, str]:
        return ("Cookie", ana.cookie_header(**changes))

    own = json.dumps(OWN_STRETCH).encode()  # JSON is YAML

    def tight_multipart(token: bool) -> Answer:
        parts = [("csrftoken", None, ana.token.encode())] if token else []
        parts.append(("file", "my.yaml", own))
        return send(
            port,
            "POST",
            "/stretches/own",
            headers=[("Content-Type", "multipart/form-data;boundary=XyZ"), anas()],
            body=multipart("XyZ", parts),
        )

    def import_as_cy(content: bytes) -> Callable[[], Answer]:
        body = multipart(
            "XyZ", [("csrftoken", None, cy.token.encode()), ("file", "export.json", content)]
        )
        return lambda: send(
            port,
            "POST",
            "/data/import",
            headers=[
                ("Content-Type", "multipart/form-data; boundary=XyZ"),
                ("Cookie", cy.cookie_header()),
            ],
            body=iter([body[i : i + PIECE] for i in range(0, len(body), PIECE)]),
            length=len(body),
            timeout=600,
        )

    token_first = f"csrftoken={ana.token}&lead_in_seconds=".encode()
    mb = big // MB
    return [
        (
            "cookie header with invalid UTF-8, no login",
            "403",
            lambda: send(
                port,
                "POST",
                "/settings",
                headers=[form, ("Cookie", b"backstretch_csrf=\xff\xfe; backstretch_login=\xc3(")],
                body=b"a=b",
            ),
        ),
        (
            "non-ASCII x-csrftoken, Ana's cookies",
            "403",
            lambda: send(
                port,
                "POST",
                "/api/screen",
                headers=[
                    ("Content-Type", "application/json"),
                    anas(),
                    ("x-csrftoken", "tökén".encode()),
                ],
                body=b"{}",
            ),
        ),
        (
            "invalid UTF-8 in a form body, Ana's cookies, no token",
            "403",
            lambda: send(
                port, "POST", "/settings", headers=[form, anas()], body=b"lead_in_seconds=\xff\xfe"
            ),
        ),
        (
            "invalid UTF-8 in a form body, with Ana's token",
            "422",
            lambda: send(
                port,
                "POST",
                "/settings",
                headers=[form, anas()],
                body=token_first + b"\xff\xfe&timezone=\x80",
            ),
        ),
        ("multipart boundary= without a space, no token", "403", lambda: tight_multipart(False)),
        ("multipart boundary= without a space, with token", "303", lambda: tight_multipart(True)),
        (
            "Authorization: Bearer, Ana's cookies, no token",
            "403",
            lambda: send(
                port,
                "POST",
                "/api/screen",
                headers=[
                    ("Content-Type", "application/json"),
                    anas(),
                    ("Authorization", "Bearer x"),
                ],
                body=b"{}",
            ),
        ),
        (
            "Ana's token with Bob's login",
            "403",
            lambda: send(
                port,
                "POST",
                "/api/screen",
                headers=[
                    ("Content-Type", "application/json"),
                    ("Cookie", bob.cookie_header(**{CSRF_COOKIE: ana.token})),
                    ("x-csrftoken", ana.token),
                ],
                body=b"{}",
            ),
        ),
        (
            "a session of 2 MB of JSON (300,000 items), Ana's token",
            "413/422",
            lambda: send(
                port,
                "PUT",
                f"/api/sessions/{uuid.uuid4()}",
                headers=[("Content-Type", "application/json"), anas(), ("x-csrftoken", ana.token)],
                body=b'{"items": [' + b"{}," * (2 * MB // 3 - 10) + b"{}]}",
            ),
        ),
        (
            f"{mb} MB urlencoded, Content-Length, no login",
            "413",
            lambda: send(
                port, "POST", "/login", headers=[form], body=pieces(b"username=", big), length=big
            ),
        ),
        (
            f"{mb} MB urlencoded, chunked, no login",
            "403",
            lambda: send(port, "POST", "/login", headers=[form], body=pieces(b"username=", big)),
        ),
        (
            f"{mb} MB urlencoded, chunked, Ana's token first",
            "413",
            lambda: send(
                port, "POST", "/settings", headers=[form, anas()], body=pieces(token_first, big)
            ),
        ),
        (
            f"{mb} MB of '&' (a million empty fields), Ana's token first",
            "413",
            lambda: send(
                port,
                "POST",
                "/settings",
                headers=[form, anas()],
                body=pieces(token_first, big, b"&"),
            ),
        ),
        (
            f"{mb} MB file to the import, chunked, with token",
            "413" if big > 21 * MB else "422",
            lambda: send(
                port,
                "POST",
                "/data/import",
                headers=[("Content-Type", "multipart/form-data; boundary=XyZ"), anas()],
                body=pieces(
                    f'--XyZ\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{ana.token}'
                    '\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="x.json"'
                    "\r\n\r\n".encode(),
                    big,
                ),
            ),
        ),
        *(
            (
                f"import of {count:,} check-ins ({len(content) / MB:.1f} MB) through the form",
                expected,
                import_as_cy(content),
            )
            for count, expected, content in imports
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an admin URL: run on a fresh database")
    parser.add_argument("--big-mb", type=int, default=100, help="size of the large bodies (MB)")
    parser.add_argument(
        "--checkins",
        default="150000:413,70000:422,20000:200",
        help="imports to send: check-ins and the expected status, comma-separated",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="backstretch-attacks-") as folder_name:
        folder = Path(folder_name)
        imports = []
        for spec in options.checkins.split(","):
            count, _, expected = spec.partition(":")
            imports.append((int(count), expected, export_with_checkins(int(count), folder)))
        with database(options.postgres) as url, serving(folder, url) as (pid, port):
            rows = []
            baseline = peak_rss_mb(pid)
            for attack, expected, run in attacks(port, options.big_mb * MB, imports):
                rows.append(measure(pid, port, attack, expected, run))
                print(f"  {attack}: {rows[-1].status}", file=sys.stderr)
            log = (folder / "serve.log").read_text(errors="replace").splitlines()
    errors = [line for line in log if line.startswith("ERROR:")]

    print(
        f"backstretch serve --accounts on {'PostgreSQL' if options.postgres else 'SQLite'}; "
        f"{_server.machine()}"
    )
    print(f"server RSS before the attacks: {baseline:.0f} MB (peak so far)")
    print()
    header = ("attack", "expected", "status", "sent MB", "peak RSS MB", "health max ms", "s")
    widths = (58, 14, 6, 8, 11, 13, 6)
    print(
        "  ".join(
            h.ljust(w) if i < 2 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    for row in rows:
        cells = (
            row.attack,
            row.expected[:14],
            str(row.status),
            f"{row.sent_mb:.1f}",
            f"{row.peak_mb:.0f}",
            f"{row.health_ms:.0f}",
            f"{row.seconds:.1f}",
        )
        print(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    print()
    print(
        f"server errors logged: {len(errors)}"
        + (f" ({' | '.join(errors)[:300]})" if errors else "")
    )
    unexpected = [r for r in rows if str(r.status) not in r.expected]
    if unexpected:
        print("UNEXPECTED: " + "; ".join(f"{r.attack}: {r.status}" for r in unexpected))
    if errors or any(r.status >= 500 or r.status == 0 for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
