"""Cold start of `backstretch plan` next to a bare Python start, measured side by side.

Alternates `python -m backstretch plan --area lower_back --minutes 10 --json` and
`python -c pass` N times (same interpreter, the one running this script), with
BACKSTRETCH_DATA_DIR pointing at a fresh temporary folder, and prints the median and p90 of each
and their ratio. The first plan run creates and migrates the SQLite database; it is reported
apart and left out of the figures, so they show the everyday start.

    .venv/bin/python benchmarks/cold_start.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PLAN = [sys.executable, "-m", "backstretch", "plan", "--area", "lower_back", "--minutes", "10"]
PLAN += ["--json"]
BARE = [sys.executable, "-c", "pass"]


def timed(command: list[str], env: dict[str, str]) -> float:
    """Run `command` once and return its wall time in milliseconds; fail loudly if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def p90(values: list[float]) -> float:
    """Return the nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(1, round(0.9 * len(ordered))) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="backstretch-bench-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTRETCH_")}
        env["BACKSTRETCH_DATA_DIR"] = folder
        env["BACKSTRETCH_TIMEZONE"] = "Europe/London"
        first = timed(PLAN, env)  # creates and migrates the database
        plan_ms: list[float] = []
        bare_ms: list[float] = []
        for index in range(options.runs):
            # Alternate the order too, so neither command always runs right after the other.
            pair = [(PLAN, plan_ms), (BARE, bare_ms)]
            for command, out in pair if index % 2 == 0 else reversed(pair):
                out.append(timed(command, env))

    plan_median, bare_median = statistics.median(plan_ms), statistics.median(bare_ms)
    print(
        f"{options.runs} alternating runs each, {sys.executable} (Python {sys.version.split()[0]})"
    )
    print(f"  first plan run (creates the database): {first:7.1f} ms")
    print(f"  {'':32} {'median':>9} {'p90':>9}")
    print(f"  {'backstretch plan ... --json':32} {plan_median:7.1f} ms {p90(plan_ms):7.1f} ms")
    print(f"  {'python -c pass':32} {bare_median:7.1f} ms {p90(bare_ms):7.1f} ms")
    print(f"  ratio (median): {plan_median / bare_median:.1f}x; ", end="")
    print(f"backstretch's own share: {plan_median - bare_median:.1f} ms")


if __name__ == "__main__":
    main()
