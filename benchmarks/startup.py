"""Start-up of `backstretch` next to a bare Python start: whole processes, side by side, one run.

Every round runs each of these once, in an order that rotates from round to round (so no command
always follows the same one), and times the whole process from spawn to exit, or for the server
from spawn to its first 200:

  python -c pass                 the interpreter alone (the yardstick of the ratios)
  backstretch --help             the command line's help
  backstretch plan ... --json    `plan --area lower_back --minutes 10 --json` over a data folder
                                 that already has a database and a screening (every answer no)
  plan, empty cache              the same with an empty cache folder each time (XDG_CACHE_HOME),
                                 so the compiled catalogue is built and written again
  plan's libraries alone         `python -c "import typer, sqlalchemy.orm, pydantic; ..."`: the
                                 floor under `plan` with this stack
  serve's libraries alone        `python -c "import fastapi, uvicorn, sqlalchemy.orm, ..."`: the
                                 floor under any server start with this stack
  serve: /api/health             `backstretch serve --port P` until GET /api/health answers 200
  serve: /                       the same until GET / (the first page) answers 200

The commands are the `backstretch` script beside this interpreter (as a person runs it), with
BACKSTRETCH_TIMEZONE=UTC, a cache folder of the run's own and Python's bytecode cached in a
folder of the run's own. One round first warms the file cache, the bytecode and the compiled
catalogue; it is not counted. For each command it prints the median, min, p90 and max wall
seconds, the median of its ratio to `python -c pass` timed in the same round (paired) and the
median CPU seconds, against the aims: `--help` at most 6x, `plan --json` at most 40x, the
server under 0.5 s. `--instructions` also counts each command's instructions once under
valgrind, a figure a busy machine does not move. `--importtime` runs each once under
`python -X importtime` and prints where the import time goes: by package, which of our modules
pulls in which package, and our own modules.

    .venv/bin/python benchmarks/startup.py [--runs 10] [--json] [--no-serve] \
        [--importtime [--top 12]] [--instructions] [--bytecode-as-is]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _server

PLAN_ARGS = ("plan", "--area", "lower_back", "--minutes", "10", "--json")
SERVE_AIM_S = 0.5
# What any `serve` must import before it can answer, timed alone as the server's floor: the web
# framework, the ASGI server, the ORM and the templates.
SERVER_LIBRARIES = "import fastapi, uvicorn, sqlalchemy.orm, jinja2"
# What `plan` must import before it reads a row, timed alone as its floor: the command line,
# the ORM the database is read through and the validated models of the catalogue.
PLAN_LIBRARIES = "import typer, sqlalchemy.orm, pydantic; pydantic.BaseModel"
START_LIMIT_S = 30.0


# Timing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One timed start: wall seconds, and the CPU seconds (user + system) the process used."""

    wall: float
    cpu: float | None


def children_cpu() -> float:
    """Return the CPU seconds used so far by this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float | None:
    """Return the CPU seconds a running process (and its finished children) used so far, from
    /proc on Linux; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_process(command: list[str], env: dict[str, str]) -> Sample:
    """Run `command` to its end and return its times; exit loudly if it fails."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(command)} exited {done.returncode}:\n"
            f"{done.stderr.decode(errors='replace')[-1500:]}"
        )
    return Sample(elapsed, children_cpu() - cpu_before)


def status_of(port: int, path: str, timeout: float = 10.0) -> int | None:
    """Ask GET `path` once; return the status, or None while nothing listens on the port."""
    connection = http.client.HTTPConnection(_server.HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": "text/html,*/*"})
        response = connection.getresponse()
        response.read()
        return response.status
    except ConnectionError:  # refused (not listening yet), reset or aborted
        return None
    finally:
        connection.close()


def time_to_first_200(
    data_dir: Path,
    *,
    path: str = "/api/health",
    poll: float = 0.001,
    env: dict[str, str] | None = None,
    python_options: tuple[str, ...] = (),
    limit: float = START_LIMIT_S,
) -> tuple[Sample, str]:
    """Spawn `backstretch serve` over `data_dir` on a free port; return the time from the spawn
    to the first 200 of GET `path` (with the CPU time the server used until then, on Linux),
    and the server's log. A refused connection is retried
    every `poll` seconds; any other answer than 200, or a server that dies or stays silent for
    `limit` seconds, ends the benchmark with the log."""
    port = _server.free_port()
    command = _server.serve_command(port)
    if python_options:
        command = with_python_options(command, python_options)
    log_path = data_dir.parent / f"serve-{data_dir.name}-{port}.log"
    with log_path.open("w+b") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            env=env or _server.server_env(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while (status := status_of(port, path)) is None:
                if process.poll() is not None:
                    sys.exit(
                        f"backstretch serve exited {process.returncode}:\n{_server.log_tail(log)}"
                    )
                if time.perf_counter() - started > limit:
                    sys.exit(f"backstretch serve did not answer within {limit:.0f} s")
                time.sleep(poll)
            elapsed = time.perf_counter() - started
            cpu = process_cpu(process.pid)
            if status != 200:
                sys.exit(
                    f"GET {path} answered {status} at start-up, not 200:\n{_server.log_tail(log)}"
                )
        finally:
            _server.stop(process)
        return Sample(elapsed, cpu), _server.log_tail(log, limit=10_000_000)


# The commands ----------------------------------------------------------------------------------


@dataclass
class Folders:
    """The run's temporary folders."""

    root: Path
    data: Path  # a database with a screening stored
    cache: Path  # the cache folder every command but "empty cache" shares
    bytecode_as_is: bool = False

    def env(self, cache: Path | None = None) -> dict[str, str]:
        """Return this process's environment without stray settings, plus the run's own.

        Python's compiled bytecode goes to a folder of the run's own (PYTHONPYCACHEPREFIX), so
        every start after the warm-up reads it as an installed package's would, even where the
        environment says not to write it (PYTHONDONTWRITEBYTECODE), and the source tree gets no
        __pycache__ folders. `bytecode_as_is` leaves the environment's choice alone instead.
        """
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("BACKSTRETCH_") and k != "PYTHONPROFILEIMPORTTIME"
        }
        if not self.bytecode_as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.root / "pycache")
        env["BACKSTRETCH_DATA_DIR"] = str(self.data)
        env["BACKSTRETCH_TIMEZONE"] = "UTC"
        env["BACKSTRETCH_EMERGENCY_NUMBER"] = "999"
        env["XDG_CACHE_HOME"] = str(cache or self.cache)
        return env

    def empty_cache(self) -> Path:
        """Return a new, empty cache folder."""
        return Path(tempfile.mkdtemp(prefix="cache-", dir=self.root))


@dataclass
class Case:
    """One thing timed: a whole command, or the server up to its first 200 of a path."""

    key: str
    label: str
    measure: Callable[[Folders], Sample]
    # For a whole command: its command line and environment (for --instructions).
    command: Callable[[Folders], tuple[list[str], dict[str, str]]] | None = None
    ratio_aim: float | None = None  # at most this many times `python -c pass`
    seconds_aim: float | None = None  # under this many seconds
    argv: tuple[str, ...] = ()  # the backstretch arguments, for --importtime
    path: str | None = None  # the server's path, for --importtime
    times: list[float] = field(default_factory=list)  # wall seconds
    ratios: list[float] = field(default_factory=list)  # to `python -c pass` in the same round
    cpu: list[float] = field(default_factory=list)  # CPU seconds, when known
    cpu_ratios: list[float] = field(default_factory=list)


def prepare(folders: Folders) -> None:
    """Create the database and store a screening with every answer no, through the CLI."""
    from backstretch.core.screening import ASKED_RESTRICTIONS, RED_FLAG_IDS

    answers = {**dict.fromkeys(RED_FLAG_IDS, False)}
    answers.update({restriction.value: False for restriction in ASKED_RESTRICTIONS})
    path = folders.root / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    command = [*_server.cli_command(), "screen", "--answers", str(path), "--json"]
    done = subprocess.run(command, env=folders.env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"backstretch screen exited {done.returncode}:\n{done.stderr[-1500:]}")
    verdict = json.loads(done.stdout)["verdict"]
    if verdict != "self_care":
        sys.exit(f"the stored screening says {verdict}, not self_care: plan would be refused")


def check_plan(folders: Folders) -> None:
    """Make sure `plan --json` gives a plan (not a refusal) over the prepared folder."""
    command = [*_server.cli_command(), *PLAN_ARGS]
    done = subprocess.run(command, env=folders.env(), capture_output=True, text=True, check=False)
    if done.returncode != 0 or not json.loads(done.stdout).get("items"):
        sys.exit(f"backstretch plan gave no plan (exit {done.returncode}):\n{done.stderr[-1500:]}")


def process_case(
    key: str,
    label: str,
    command: Callable[[Folders], tuple[list[str], dict[str, str]]],
    **options: Any,
) -> Case:
    """Return a case that runs a whole command to its end."""
    return Case(key, label, lambda f: run_process(*command(f)), command=command, **options)


def cases(serve: bool) -> list[Case]:
    """Return what a round times."""
    cli = _server.cli_command()
    found = [
        process_case(
            "python", "python -c pass", lambda f: ([sys.executable, "-c", "pass"], f.env())
        ),
        process_case(
            "help",
            "backstretch --help",
            lambda f: ([*cli, "--help"], f.env()),
            ratio_aim=6,
            argv=("--help",),
        ),
        process_case(
            "plan",
            "backstretch plan ... --json",
            lambda f: ([*cli, *PLAN_ARGS], f.env()),
            ratio_aim=40,
            argv=PLAN_ARGS,
        ),
        process_case(
            "plan_empty_cache",
            "plan --json, empty cache",
            lambda f: ([*cli, *PLAN_ARGS], f.env(f.empty_cache())),
            ratio_aim=40,
        ),
        process_case(
            "plan_libraries",
            "plan's libraries alone",
            lambda f: ([sys.executable, "-c", PLAN_LIBRARIES], f.env()),
        ),
    ]
    if serve:
        found.append(
            process_case(
                "server_libraries",
                "serve's libraries alone",
                lambda f: ([sys.executable, "-c", SERVER_LIBRARIES], f.env()),
            )
        )
        for path in ("/api/health", "/"):
            found.append(
                Case(
                    f"serve {path}",
                    f"serve: first 200 of {path}",
                    lambda f, path=path: time_to_first_200(f.data, path=path, env=f.env())[0],
                    seconds_aim=SERVE_AIM_S,
                    path=path,
                )
            )
    return found


def instructions(command: list[str], env: dict[str, str]) -> int:
    """Return how many instructions `command` executes, counted by valgrind's callgrind: the
    same on a busy machine as on an idle one (it runs about fifty times slower)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("--instructions needs valgrind (Debian package `valgrind`)")
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^==\d+== I\s+refs:\s+([\d,]+)", done.stderr, re.MULTILINE)
    if done.returncode != 0 or found is None:
        sys.exit(f"valgrind {' '.join(command)} exited {done.returncode}:\n{done.stderr[-1500:]}")
    return int(found.group(1).replace(",", ""))


# Figures -------------------------------------------------------------------------------------


def p90(values: list[float]) -> float:
    """Return the nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(1, round(0.9 * len(ordered))) - 1]


def summary(case: Case) -> dict[str, Any]:
    """Return a case's figures: wall seconds, CPU seconds, and the ratios to `python -c pass`
    timed in the same round (paired)."""
    values = case.times
    figures: dict[str, Any] = {
        "label": case.label,
        "runs": len(values),
        "median_s": statistics.median(values),
        "min_s": min(values),
        "p90_s": p90(values),
        "max_s": max(values),
        "times_s": values,
        "cpu_median_s": statistics.median(case.cpu) if case.cpu else None,
        "cpu_s": case.cpu,
    }
    if case.key != "python":
        figures["ratio_median"] = statistics.median(case.ratios)
        figures["ratio_min"] = min(case.ratios)
        figures["ratio_max"] = max(case.ratios)
        figures["cpu_ratio_median"] = (
            statistics.median(case.cpu_ratios) if case.cpu_ratios else None
        )
    if case.ratio_aim is not None:
        figures["aim"] = f"<= {case.ratio_aim:g}x"
        figures["met"] = figures["ratio_median"] <= case.ratio_aim
    if case.seconds_aim is not None:
        figures["aim"] = f"< {case.seconds_aim:g} s"
        figures["met"] = figures["median_s"] < case.seconds_aim
    return figures


def print_table(results: list[dict[str, Any]], runs: int, header: str) -> None:
    """Print the figures as a table."""
    print(header)
    print(
        f"  {'':31} {'median':>7} {'min':>7} {'p90':>7} {'max':>7} {'x pass':>6} "
        f"{'(min-max)':>12} {'cpu':>7} {'x pass':>6}  aim (wall median)"
    )
    for figures in results:
        cells = " ".join(f"{figures[k]:6.3f}s" for k in ("median_s", "min_s", "p90_s", "max_s"))
        ratio, spread, cpu_ratio = "1.0x", "", "1.0x"
        if "ratio_median" in figures:
            ratio = f"{figures['ratio_median']:.1f}x"
            spread = f"({figures['ratio_min']:.1f}-{figures['ratio_max']:.1f})"
            cpu_ratio = f"{figures['cpu_ratio_median']:.1f}x" if figures["cpu_ratio_median"] else ""
        cpu = f"{figures['cpu_median_s']:6.3f}s" if figures["cpu_median_s"] is not None else ""
        aim = (
            f"{figures['aim']}: {'met' if figures['met'] else 'NOT met'}"
            if "aim" in figures
            else ""
        )
        label = figures["label"]
        print(f"  {label:31} {cells} {ratio:>6} {spread:>12} {cpu:>7} {cpu_ratio:>6}  {aim}")
    print(
        f"  x pass: median over the {runs} rounds of the time / `python -c pass` in that round; "
        "cpu: user + system seconds of the process (for the server, until its first 200)"
    )


# Import time -----------------------------------------------------------------------------------


@dataclass
class Imported:
    """One line of `python -X importtime`: a module, the time of it alone and with its imports."""

    name: str
    depth: int
    self_us: int
    cumulative_us: int
    parent: Imported | None = None


def parse_importtime(text: str) -> list[Imported]:
    """Read `-X importtime` output; a module's parent is the module whose import loaded it."""
    found: list[Imported] = []
    waiting: list[Imported] = []  # printed, parent not yet seen (children come before parents)
    for line in text.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        try:
            self_part, cumulative_part, name_part = line.removeprefix("import time:").split("|")
            self_us, cumulative_us = int(self_part), int(cumulative_part)
        except ValueError:  # the header line
            continue
        depth = (len(name_part) - len(name_part.lstrip())) // 2
        module = Imported(name_part.strip(), depth, self_us, cumulative_us)
        while waiting and waiting[-1].depth > depth:
            waiting.pop().parent = module
        waiting.append(module)
        found.append(module)
    return found


def package(name: str) -> str:
    """Return the top-level package, or our second level (backstretch.cli, backstretch.db)."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "backstretch" else parts[0]


def import_report(modules: list[Imported], top: int) -> list[str]:
    """Return lines: the total, the packages that cost most, our modules that pull them in."""
    total = sum(m.self_us for m in modules)
    lines = [f"{total / 1000:7.1f} ms of imports in {len(modules)} modules"]
    by_package: dict[str, int] = defaultdict(int)
    for module in modules:
        by_package[package(module.name)] += module.self_us
    lines.append("  by package (time of its own modules):")
    for name, spent in sorted(by_package.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"    {spent / 1000:7.1f} ms  {name}")
    lines.append("  our modules that import another package first (with all it imports):")
    edges = [
        m
        for m in modules
        if not m.name.startswith("backstretch")
        and m.parent is not None
        and m.parent.name.startswith("backstretch")
    ]
    for module in sorted(edges, key=lambda m: -m.cumulative_us)[:top]:
        assert module.parent is not None
        lines.append(
            f"    {module.cumulative_us / 1000:7.1f} ms  {module.parent.name} -> {module.name}"
        )
    lines.append("  our modules (with all they import):")
    ours = [m for m in modules if m.name.startswith("backstretch")]
    for module in sorted(ours, key=lambda m: -m.cumulative_us)[:top]:
        lines.append(f"    {module.cumulative_us / 1000:7.1f} ms  {module.name}")
    return lines


def with_python_options(command: list[str], options: tuple[str, ...]) -> list[str]:
    """Return `command` run by this interpreter with `options` (a script or `-m backstretch`)."""
    if command[0] == sys.executable:
        return [sys.executable, *options, *command[1:]]
    return [sys.executable, *options, *command]


def importtime(case: Case, folders: Folders) -> str:
    """Run a case once under `python -X importtime` and return what it printed on stderr."""
    options = ("-X", "importtime")
    if case.path is not None:
        return time_to_first_200(
            folders.data, path=case.path, env=folders.env(), python_options=options
        )[1]
    command = with_python_options([*_server.cli_command(), *case.argv], options)
    done = subprocess.run(command, env=folders.env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-1500:]}")
    return done.stderr


# Main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed rounds (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead")
    parser.add_argument("--no-serve", action="store_true", help="leave out the server")
    parser.add_argument(
        "--importtime", action="store_true", help="also show where the import time goes"
    )
    parser.add_argument(
        "--bytecode-as-is",
        action="store_true",
        help="keep the environment's bytecode settings (by default bytecode is cached in a "
        "folder of the run's own, as for an installed package)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each command's instructions once under valgrind (steady on a busy "
        "machine; the server is left out)",
    )
    parser.add_argument("--top", type=int, default=12, help="lines per import list (default 12)")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be 1 or more")

    machine = _server.machine()  # before the runs load the machine
    todo = cases(serve=not options.no_serve)
    bare = todo[0]
    warmup: dict[str, float] = {}
    imports: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="backstretch-startup-") as temp:
        root = Path(temp)
        folders = Folders(
            root=root,
            data=root / "data",
            cache=root / "cache",
            bytecode_as_is=options.bytecode_as_is,
        )
        prepare(folders)
        check_plan(folders)
        for case in todo:  # warms the file cache and the compiled catalogue; not counted
            warmup[case.key] = case.measure(folders).wall
        for index in range(options.runs):
            shift = index % len(todo)
            samples = {case.key: case.measure(folders) for case in todo[shift:] + todo[:shift]}
            yardstick = samples[bare.key]
            for case in todo:
                sample = samples[case.key]
                case.times.append(sample.wall)
                case.ratios.append(sample.wall / yardstick.wall)
                if sample.cpu is not None and yardstick.cpu:
                    case.cpu.append(sample.cpu)
                    case.cpu_ratios.append(sample.cpu / yardstick.cpu)
        if options.instructions:
            for case in todo:
                if case.command is not None:
                    counts[case.key] = instructions(*case.command(folders))
        if options.importtime:
            for case in todo[1:]:
                if case.argv or case.path:
                    imports[case.label] = import_report(
                        parse_importtime(importtime(case, folders)), options.top
                    )

    results = [summary(case) for case in todo]
    command = " ".join(_server.cli_command())
    if options.json:
        document = {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "command": command,
            "machine": machine,
            "runs": options.runs,
            "warmup_s": warmup,
            "results": {case.key: figures for case, figures in zip(todo, results, strict=True)},
            "imports": imports,
            "instructions": counts,
        }
        print(json.dumps(document, indent=2))
        return
    header = (
        f"{options.runs} rounds, each command once per round in a rotating order: {command}\n"
        f"  Python {sys.version.split()[0]}; {machine}\n"
        f"  warm-up round (not counted): "
        + ", ".join(f"{case.label} {warmup[case.key]:.3f}s" for case in todo)
    )
    print_table(results, options.runs, header)
    if counts:
        print("\ninstructions executed (valgrind --tool=callgrind), once each:")
        for case in todo:
            if case.key in counts:
                ratio = counts[case.key] / counts[bare.key]
                print(f"  {case.label:31} {counts[case.key] / 1e6:9.1f} M  {ratio:6.1f}x")
    for label, lines in imports.items():
        print(f"\n{label}, under python -X importtime (which itself adds some time):")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()
