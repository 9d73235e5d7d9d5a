"""Time from `backstretch serve` to its first answered request, on an empty and a used folder.

Each run spawns `backstretch serve --port P` (the script beside this interpreter, as a person
runs it) on a free port and asks GET /api/health in a tight loop (a refused connection is
retried after `--poll` seconds) until the first 200, and records the time from the spawn to
that answer; then the server is stopped. Runs alternate between two kinds of data folder:

  empty              a fresh folder: the server creates the SQLite database and migrates it
  existing database  a folder whose database was created (and migrated) before the run

The very first spawn warms the file cache; it is reported apart and left out of the figures.
Prints the median, p90, min and max of each kind against the aim of 0.5 s.

    .venv/bin/python benchmarks/serve_start.py [--runs 10] [--poll 0.001]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import _server
from startup import time_to_first_200

AIM_S = 0.5


def time_to_first_answer(data_dir: Path, poll: float, limit: float = 30.0) -> float:
    """Spawn `backstretch serve` over `data_dir`; return seconds until /api/health answers 200."""
    return time_to_first_200(data_dir, path="/api/health", poll=poll, limit=limit)[0].wall


def p90(values: list[float]) -> float:
    """Return the nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(1, round(0.9 * len(ordered))) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each kind of folder")
    parser.add_argument("--poll", type=float, default=0.001, help="seconds between tries")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be 1 or more")

    machine = _server.machine()  # before the runs load it
    empty: list[float] = []
    existing: list[float] = []
    with tempfile.TemporaryDirectory(prefix="backstretch-bench-") as temp:
        folder = Path(temp)
        first = time_to_first_answer(folder / "first", options.poll)
        used = folder / "used"
        _server.create_database(used)
        for index in range(options.runs):
            kinds = [("empty", empty), ("used", existing)]
            # Alternate the order too, so neither kind always runs right after the other.
            for kind, out in kinds if index % 2 == 0 else reversed(kinds):
                data_dir = folder / f"empty-{index}" if kind == "empty" else used
                out.append(time_to_first_answer(data_dir, options.poll))

    command = " ".join(_server.serve_command(0)).replace("--port 0", "--port P")
    print(f"{options.runs} runs of each kind, alternating: {command}")
    print(f"  Python {sys.version.split()[0]}; {machine}; poll every {options.poll:g} s")
    print(
        f"  first spawn (cold file cache, empty folder; not in the figures): {first * 1000:6.0f} ms"
    )
    print(f"  {'data folder':34} {'median':>9} {'p90':>9} {'min':>9} {'max':>9}  aim < 0.5 s")
    for label, values in (
        ("empty (creates the database)", empty),
        ("existing database", existing),
    ):
        median = statistics.median(values)
        cells = " ".join(
            f"{v * 1000:6.0f} ms" for v in (median, p90(values), min(values), max(values))
        )
        print(f"  {label:34} {cells}  {'met' if median < AIM_S else 'NOT met'} (median)")


if __name__ == "__main__":
    main()
