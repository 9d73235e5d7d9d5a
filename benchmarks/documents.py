"""How long the web server's documents take to draw: a handout and a clinician summary, in-process.

Over a temporary SQLite database (UTC), a person answers the screening with every answer no,
keeps a profile (lower back, 10 minutes, floor) and logs a session on each of the last 28 days
(pain 4 before, 2 after), so the summary has four full weeks to show. Then each document is made
the way its web route makes it, through the use case (planning and reading the rows included):

  handout              `services.handout.handout_pdf`: today's routine, A4, with its QR code
  summary (PDF)        `services.summary.summary_files`: the four weeks, A4
  summary (FHIR)       the same with the FHIR bundle that carries the PDF

One run of each first (WeasyPrint's import, fonts, templates) is not counted. For each it prints
the median, p90 and max wall seconds of `--runs` runs, the median CPU seconds of the drawing
thread and the PDF's size. Then two handouts drawn at once on two threads of this one process,
the wall time of the pair against one alone, and how many cores the process kept busy meanwhile
(its CPU seconds over the wall seconds): Python's lock lets one thread run Python at a time, so
a second document drawn at once in one server process takes turns with the first (and with
every other request of that process) instead of using a second core: about 1, not 2. Last, how
late a 10 ms timer on the main thread fires while a handout is drawn on another thread (a
request that only needs a moment waits this long for its turn). The figures ground the limits
of `web/documents.py`.

    .venv/bin/python benchmarks/documents.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import _server

from backstretch.config import Settings
from backstretch.services.clock import utc_now
from backstretch.services.context import PersonContext, Services, open_services
from backstretch.services.handout import handout_pdf
from backstretch.services.planning import PlanChoice, remember_profile
from backstretch.services.screening import record_screening
from backstretch.services.sessions import log_session
from backstretch.services.summary import summary_files

HISTORY_DAYS = 28
LINK = "http://127.0.0.1:8000/plan"


def prepare(services: Services) -> PersonContext:
    """Store a screening, a profile and a session on each of the last `HISTORY_DAYS` days."""
    me = services.local_person()
    record_screening(me, _server.all_no_answers())
    remember_profile(me, {"areas": ["lower_back"], "minutes": 10, "setting": "floor"})
    now = utc_now()
    for day in range(HISTORY_DAYS, 0, -1):
        log_session(
            me,
            PlanChoice(),
            uuid=f"00000000-0000-4000-8000-{day:012d}",
            pain_before=4,
            pain_after=2,
            started_at=now - timedelta(days=day),
        )
    return me


def timed(make: Callable[[], bytes]) -> tuple[float, float, int]:
    """Return the wall and CPU seconds (this thread's) of one `make()`, and its bytes."""
    wall, cpu = time.perf_counter(), time.thread_time()
    made = make()
    return time.perf_counter() - wall, time.thread_time() - cpu, len(made)


def p90(values: list[float]) -> float:
    """Return the nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, round(0.9 * len(ordered)) - 1)]


def two_at_once(make: Callable[[], bytes]) -> tuple[float, float]:
    """Return the wall and CPU seconds (the whole process's) of two `make()` started together
    on two threads."""
    threads = [threading.Thread(target=make) for _ in range(2)]
    wall, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - wall, time.process_time() - cpu


def timer_lateness(make: Callable[[], bytes], tick: float = 0.010) -> list[float]:
    """Return how late (seconds) each `tick` sleep on this thread woke while another thread
    ran `make()`."""
    worker = threading.Thread(target=make)
    late: list[float] = []
    worker.start()
    while worker.is_alive():
        asked = time.perf_counter()
        time.sleep(tick)
        late.append(time.perf_counter() - asked - tick)
    worker.join()
    return late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each document")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="backstretch-documents-") as folder:
        services = open_services(Settings(data_dir=Path(folder), timezone="UTC"))
        try:
            me = prepare(services)
            documents: dict[str, Callable[[], bytes]] = {
                "handout": lambda: handout_pdf(me, PlanChoice(), paper="a4", link=LINK).pdf,
                "summary (PDF)": lambda: summary_files(me).pdf,
                "summary (FHIR)": lambda: json.dumps(summary_files(me, fhir=True).fhir).encode(),
            }
            print(f"{_server.machine()}; {options.runs} runs each after one not counted")
            print(f"{'document':<16}{'median s':>10}{'p90 s':>8}{'max s':>8}{'CPU s':>8}{'kB':>8}")
            for name, make in documents.items():
                make()  # warm-up: imports, fonts, templates
                runs = [timed(make) for _ in range(options.runs)]
                walls = [wall for wall, _, _ in runs]
                cpu = statistics.median(cpu for _, cpu, _ in runs)
                size = runs[-1][2] / 1000
                print(
                    f"{name:<16}{statistics.median(walls):>10.3f}{p90(walls):>8.3f}"
                    f"{max(walls):>8.3f}{cpu:>8.3f}{size:>8.0f}"
                )
            handout = documents["handout"]
            alone = statistics.median(timed(handout)[0] for _ in range(3))
            pairs = [two_at_once(handout) for _ in range(3)]
            pair = statistics.median(wall for wall, _ in pairs)
            busy = statistics.median(cpu / wall for wall, cpu in pairs)
            print(
                f"two handouts at once on two threads: {pair:.3f} s ({pair / alone:.2f}x one "
                f"alone, {alone:.3f} s), {busy:.2f} cores busy on average"
            )
            late = [seconds * 1000 for seconds in timer_lateness(handout)]
            print(
                f"a 10 ms timer while a handout is drawn: late by {statistics.median(late):.1f} ms"
                f" (median), {max(late):.1f} ms (max), {len(late)} ticks"
            )
        finally:
            services.close()


if __name__ == "__main__":
    main()
