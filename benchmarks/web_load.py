"""The JSON API under concurrent load: latency (p50, p99) and requests/s, measured with wrk.

Starts `backstretch serve` (one uvicorn process, SQLite in a fresh temporary folder), stores a
screening with every answer no so planning is allowed, checks each endpoint once (a plan must
answer 200 with a plan, never the 409 of a safety block), then runs wrk against, in turn,

  GET  /api/health       the bare "hello" route: the server's own ceiling
  GET  /api/stretches    the stretch list
  POST /api/plan         {"profile": {"areas": ["lower_back"], "minutes": 10, "setting": "floor"}}

each with the same connections and threads, a short warm-up (not counted) and then the measured
run, all against the same server in the same run. It prints p50 and p99 latency, requests/s,
bytes read per request, non-2xx answers and socket errors for each, and the plan API's
throughput as a share of the hello route's (aim: at least 40%). A run in which any request was
answered with a non-2xx status exits non-zero: figures for errors would be a lie.

Needs wrk (Debian/Ubuntu package `wrk`: `apt-get install wrk`). wrk and the server share the
machine's cores; say how many when quoting figures.

    .venv/bin/python benchmarks/web_load.py [--connections 50] [--threads 2] [--duration 10]
        [--warmup 2] [--gzip]

`--gzip` sends `Accept-Encoding: gzip` as a browser would (the server then compresses answers
of 600 bytes or more); without it answers go uncompressed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import _server

AIM_RATIO = 0.40
RECOVERY_S = 90  # longer than SQLAlchemy's 30 s pool timeout, so a stall shows as errors
UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
UNITS_B = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass(frozen=True)
class Endpoint:
    """One thing to load: its label, path and, for a POST, its JSON body."""

    label: str
    path: str
    body: dict[str, object] | None = None


ENDPOINTS = (
    Endpoint("GET /api/health", "/api/health"),
    Endpoint("GET /api/stretches", "/api/stretches"),
    Endpoint("POST /api/plan", "/api/plan", {"profile": _server.PLAN_PROFILE}),
)


@dataclass(frozen=True)
class Result:
    """What one wrk run reported."""

    p50_ms: float
    p99_ms: float
    requests: int
    per_second: float
    bytes_read: float
    non_2xx: int
    socket_errors: dict[str, int]


def seconds(value: str, unit: str) -> float:
    """Convert one of wrk's durations (e.g. 1.23 and 'ms') to seconds."""
    return float(value) * UNITS_S[unit]


def parse_wrk(output: str) -> Result:
    """Read p50, p99, requests, requests/s, bytes, non-2xx and socket errors from wrk --latency.

    Exits with wrk's output if it is not in the expected format.
    """
    percentiles = {
        int(p): seconds(v, u)
        for p, v, u in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    total = re.search(r"^\s+(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (total and rate and {50, 99} <= percentiles.keys()):
        sys.exit(f"could not read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    kinds = ("connect", "read", "write", "timeout")
    return Result(
        p50_ms=percentiles[50] * 1000,
        p99_ms=percentiles[99] * 1000,
        requests=int(total.group(1)),
        per_second=float(rate.group(1)),
        bytes_read=float(total.group(2)) * UNITS_B[total.group(3)],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(kinds, map(int, errors.groups()), strict=True))
        if errors
        else dict.fromkeys(kinds, 0),
    )


def lua_post(body: dict[str, object], folder: Path) -> Path:
    """Write a wrk Lua script that POSTs `body` as JSON and return its path."""
    text = json.dumps(body)
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [==[{text}]==]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def run_wrk(
    wrk: str,
    server: _server.Server,
    endpoint: Endpoint,
    seconds_: int,
    options: argparse.Namespace,
    folder: Path,
) -> Result:
    """Run wrk once against `endpoint` for `seconds_` and return what it reported."""
    threads = min(options.threads, options.connections)
    command = [wrk, "--latency", f"-t{threads}", f"-c{options.connections}"]
    command += [f"-d{seconds_}s", f"--timeout={options.timeout}s"]
    if options.gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    if endpoint.body is not None:
        command += ["-s", str(lua_post(endpoint.body, folder))]
        for name, value in _server.csrf_headers(server).items():  # a change needs its token
            command += ["-H", f"{name}: {value}"]
    command.append(server.url + endpoint.path)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def check_once(server: _server.Server, endpoint: Endpoint) -> None:
    """Send one request and exit unless it is a 200 with the expected kind of answer."""
    if endpoint.body is None:
        reply = _server.fetch(server, endpoint.path)
        status, answer = reply.status, json.loads(reply.body() or b"null")
    else:
        status, answer = _server.post_json(server, endpoint.path, endpoint.body)
    if status != 200:
        sys.exit(f"{endpoint.label} answered {status}, not 200: {str(answer)[:500]}")
    if endpoint.path == "/api/stretches" and not answer:
        sys.exit("GET /api/stretches answered an empty list")
    if endpoint.path == "/api/plan" and not answer.get("items"):
        sys.exit(f"POST /api/plan answered 200 without a plan: {str(answer)[:500]}")


def after_run(server: _server.Server, endpoint: Endpoint, errors_before: int) -> list[str]:
    """Wait for the server to answer again after a run; return what went wrong in the run.

    A stalled server finishes its backlog (or times it out) before /api/health answers, and
    the errors it logs meanwhile belong to this run.
    """
    problems = []
    started = time.perf_counter()
    if not _server.health_ok(server.port, timeout=RECOVERY_S):
        problems.append(f"{endpoint.label}: /api/health did not answer {RECOVERY_S} s after")
    waited = time.perf_counter() - started
    if waited > 1:
        problems.append(f"{endpoint.label}: /api/health answered only {waited:.1f} s after")
    errors, summaries = _server.logged_errors(server, after=errors_before)
    if errors > errors_before:
        problems.append(
            f"{endpoint.label}: the server logged {errors - errors_before} errors: "
            + " | ".join(summaries)[:600]
        )
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50, help="open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per endpoint")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--timeout", type=int, default=5, help="wrk's per-request timeout (s)")
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    options = parser.parse_args()
    if options.duration < 1 or options.warmup < 0 or options.connections < 1:
        parser.error("--duration must be 1 or more, --warmup 0 or more, --connections 1 or more")

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: install the `wrk` package (apt-get install wrk)")
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    wrk_version = (version.stdout + version.stderr).split()[1:2] or ["?"]

    machine = _server.machine()  # before the runs load it
    results: dict[str, Result] = {}
    trouble: list[str] = []
    with tempfile.TemporaryDirectory(prefix="backstretch-bench-") as temp:
        folder = Path(temp)
        with _server.running_server(folder / "data") as server:
            _server.screen_all_no(server)
            for endpoint in ENDPOINTS:
                check_once(server, endpoint)
            for endpoint in ENDPOINTS:
                errors_before, _ = _server.logged_errors(server)
                if options.warmup > 0:
                    run_wrk(wrk, server, endpoint, options.warmup, options, folder)
                results[endpoint.label] = run_wrk(
                    wrk, server, endpoint, options.duration, options, folder
                )
                trouble += after_run(server, endpoint, errors_before)

    threads = min(options.threads, options.connections)
    print(
        f"wrk {wrk_version[0]}: {threads} threads, {options.connections} connections, "
        f"{options.duration} s per endpoint after {options.warmup} s of warm-up"
        f"{', Accept-Encoding: gzip' if options.gzip else ''}; "
        "one `backstretch serve` on 127.0.0.1"
    )
    print(f"  {machine} (wrk and the server share them)")
    hello = results[ENDPOINTS[0].label].per_second

    def of_hello(rate: float) -> float:
        return rate / hello if hello else float("nan")

    header = f"  {'endpoint':20} {'p50':>9} {'p99':>9} {'req/s':>9} {'of hello':>9}"
    print(header + f" {'B/req':>7} {'requests':>9} {'non-2xx':>8} {'socket errors':>14}")
    for label, result in results.items():
        errors = sum(result.socket_errors.values())
        detail = ",".join(f"{k} {v}" for k, v in result.socket_errors.items() if v)
        latency = f"{result.p50_ms:6.2f} ms {result.p99_ms:6.2f} ms" if result.requests else ""
        print(
            f"  {label:20} {latency or 'stalled':>19} "
            f"{result.per_second:9.1f} {of_hello(result.per_second):8.0%} "
            f"{result.bytes_read / max(result.requests, 1):7.0f} {result.requests:9d} "
            f"{result.non_2xx:8d} {errors:7d}{' (' + detail + ')' if detail else ''}"
        )
    ratio = of_hello(results[ENDPOINTS[2].label].per_second)
    verdict = "met" if ratio >= AIM_RATIO else "NOT met"
    print(f"plan / hello throughput ratio: {ratio:.0%} (aim ≥ {AIM_RATIO:.0%}: {verdict})")

    for label, result in results.items():
        if not result.requests:
            trouble.append(f"{label}: not one answer in {options.duration} s (the server stalled)")
        elif result.non_2xx:
            trouble.append(f"{label}: {result.non_2xx} answers were not 2xx")
    if trouble:
        sys.exit("NOT VALID:\n  " + "\n  ".join(trouble))


if __name__ == "__main__":
    main()
