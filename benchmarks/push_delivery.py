"""Web Push delivery over a simulated week: two app servers, one PostgreSQL, one push service.

N people (random but seeded schedules: session times, desk breaks, quiet hours, in six time
zones, over a week with a daylight-saving change) each subscribe one or two devices to a push
service on this machine (tests/push_endpoint.py). Two app servers (two `Services` over one
PostgreSQL database, as two processes would have) step a fake clock through the week, each
running the scheduler every `--tick` seconds; both tick at the same moments, in two threads, so
every due reminder is contested. The push service keeps every push; each is decrypted with its
device's keys to read which reminder it is.

Reported: pushes expected (every reminder `core.schedule.reminders_between` gives for the week,
times each device), received, on time (sent by the first tick at or after the reminder's time,
within one tick), late, duplicates (must be 0), missed (must be 0), unexpected; how the claims
split between the servers; and the wall time of a tick. With `--restart-at HOURS` both servers
stop and start again at that point of the week (the scheduler resumes from the checkpoint in
the database).

    .venv/bin/python benchmarks/push_delivery.py [--people 40] [--days 7] [--tick 30] \
        [--phase 0] [--restart-at 60] [--seed 18] [--json]

`--phase` moves the ticks off the minute (reminders fall on whole minutes): with 0 a reminder
goes at the tick of its own minute; with 13, 13 seconds after it (a server's ticks fall where
they fall).

Needs PostgreSQL (BACKSTRETCH_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1
:5432/test): a database of its own is made and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.push_endpoint, tests.fakes

ADMIN_URL = os.environ.get(
    "BACKSTRETCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
)
PRESETS = ("morning", "bedtime", "basic-daily", "neck-shoulders", None)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Monday 19 October 2026: Europe leaves summer time on Sunday the 25th.
START = datetime(2026, 10, 19, tzinfo=UTC)


def random_schedule(rng: random.Random) -> dict[str, Any]:
    """Return a schedule document a person might choose."""
    sessions = []
    taken: set[str] = set()
    for _ in range(rng.randint(1, 2)):
        at = f"{rng.randint(6, 21):02d}:{rng.choice(range(0, 60, 5)):02d}"
        if at in taken:
            continue
        taken.add(at)
        days = sorted(rng.sample(range(7), rng.randint(2, 6)))
        sessions.append({"days": [DAYS[d] for d in days], "at": at, "preset": rng.choice(PRESETS)})
    document: dict[str, Any] = {"sessions": sessions}
    if rng.random() < 0.5:
        document["weekly_target"] = rng.randint(2, 5)
    if rng.random() < 0.4:
        document["quiet"] = {"start": "21:30", "end": "07:00"}
    if rng.random() < 0.6:
        document["breaks"] = {
            "days": list(DAYS[:5]),
            "start": f"{rng.randint(8, 10):02d}:00",
            "end": f"{rng.randint(16, 18):02d}:00",
            "every_minutes": rng.choice((45, 50, 60, 90)),
        }
    return document


def tick_together(pair: list[Any], durations: list[float]) -> list[Any]:
    """Tick both servers at the same moment, each in its own thread; return their reports."""
    barrier = threading.Barrier(len(pair))
    reports: list[Any] = [None] * len(pair)

    def one(index: int) -> None:
        barrier.wait()
        began = time.perf_counter()
        reports[index] = pair[index].tick()
        durations.append(time.perf_counter() - began)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(pair))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reports


def make_database() -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"backstretch_push_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.factories import all_no_answers
    from tests.fakes import FakeNow
    from tests.push_endpoint import PushEndpoint

    from backstretch.config import Settings
    from backstretch.core.schedule import reminders_between
    from backstretch.db.tables import AccountRow
    from backstretch.services import push, reminders, scheduler
    from backstretch.services.context import open_services
    from backstretch.services.preferences import save_settings
    from backstretch.services.scheduler import INSTANT
    from backstretch.services.screening import record_screening

    rng = random.Random(args.seed)
    tick = timedelta(seconds=args.tick)
    end = START + timedelta(days=args.days)
    url = make_database()
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp()),
        database_url=url,
        accounts=True,
        timezone="Europe/London",
        reminder_tick_seconds=0,
        push_loopback_endpoints=True,
    )
    first_tick = START - tick + timedelta(seconds=args.phase)
    last_tick = first_tick + tick * ((end - first_tick) // tick)
    clock = FakeNow(first_tick)  # both servers read the same clock: the same moments
    opened: list[Any] = []

    def servers() -> list[scheduler.Scheduler]:
        for services in opened:
            services.close()
        opened[:] = [open_services(settings, clock=clock) for _ in range(2)]
        return [scheduler.Scheduler(services) for services in opened]

    try:
        with PushEndpoint() as endpoint:
            pair = servers()
            first = opened[0]
            devices: dict[str, tuple[int, Any]] = {}  # endpoint path -> (owner, device)
            expected: set[tuple[str, str]] = set()  # (device path, reminder key)
            due_at: dict[tuple[int, str], datetime] = {}
            with first.transaction() as db:
                rows = [
                    AccountRow(username=f"person{i}", created_at=START) for i in range(args.people)
                ]
                db.add_all(rows)
                db.flush()
                owners = [row.id for row in rows]
            for index, owner in enumerate(owners):
                save_settings(first.person(owner), {"timezone": ZONES[index % len(ZONES)]})
                person = first.person(owner)
                record_screening(person, all_no_answers())
                reminders.save_schedule(person, random_schedule(rng))
                schedule = reminders.get_schedule(person)
                owned = []
                for number in range(rng.choice((1, 1, 2))):
                    device = endpoint.device(f"p{owner}-d{number}")
                    push.subscribe(person, device.subscription())
                    devices[device.path] = (owner, device)
                    owned.append(device)
                # Every reminder due from the first tick to the last one, both included.
                for reminder in reminders_between(schedule, first_tick, last_tick + INSTANT):
                    due_at[(owner, reminder.key)] = reminder.due
                    expected.update((device.path, reminder.key) for device in owned)

            sent_at: dict[tuple[int, str], datetime] = {}
            claims = Counter[int]()
            tick_seconds: list[float] = []
            restart = START + timedelta(hours=args.restart_at) if args.restart_at else None
            started = time.perf_counter()
            steps = 0
            while clock.value <= last_tick:
                if restart is not None and clock.value >= restart:
                    pair, restart = servers(), None
                reports = tick_together(pair, tick_seconds)
                for index, report in enumerate(reports):
                    claims[index] += len(report.sent)
                    for owner, key in report.sent:
                        sent_at[(owner, key)] = clock.value
                clock.value += tick
                steps += 1
            wall = time.perf_counter() - started

            received = Counter[tuple[str, str]]()
            for push_request in endpoint.received:
                owner, device = devices[push_request.path]
                message = device.read(push_request)
                received[(push_request.path, message["key"])] += 1
    finally:
        for services in opened:
            services.close()
        drop_database(url)

    late = {
        key: (sent_at[key] - due).total_seconds() for key, due in due_at.items() if key in sent_at
    }
    on_time = sum(
        1 for path, key in received if 0 <= late.get((devices[path][0], key), -1) <= args.tick
    )
    lateness = sorted(late.values())
    return {
        "people": args.people,
        "devices": len(devices),
        "days": args.days,
        "tick_seconds": args.tick,
        "phase_seconds": args.phase,
        "restart_at_hours": args.restart_at,
        "servers": 2,
        "reminders_due": len(due_at),
        "pushes_expected": len(expected),
        "pushes_received": sum(received.values()),
        "on_time": on_time,
        "late": sum(
            1 for path, key in received if late.get((devices[path][0], key), 0) > args.tick
        ),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "missed": len(expected - set(received)),
        "missed_examples": sorted(key for _, key in expected - set(received))[:5],
        "unexpected": len(set(received) - expected),
        "seconds_after_due": {
            "median": statistics.median(lateness) if lateness else None,
            "max": max(lateness) if lateness else None,
        },
        "claims_by_server": [claims[0], claims[1]],
        "ticks": steps * 2,
        "tick_ms": {
            "median": round(statistics.median(tick_seconds) * 1000, 2),
            "p95": round(sorted(tick_seconds)[int(len(tick_seconds) * 0.95)] * 1000, 2),
            "max": round(max(tick_seconds) * 1000, 2),
        },
        "wall_seconds": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--tick", type=int, default=30, help="seconds between a server's ticks")
    parser.add_argument(
        "--phase", type=int, default=0, help="seconds past the minute the servers tick at"
    )
    parser.add_argument("--restart-at", type=float, default=60, help="hours; 0: never")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['people']} people, {result['devices']} devices, {result['days']} days, "
        f"2 servers ticking every {result['tick_seconds']} s (at +{args.phase} s) on one "
        "PostgreSQL"
        + (f", both restarted at hour {result['restart_at_hours']:g}" if args.restart_at else "")
    )
    print(
        f"reminders due {result['reminders_due']}; pushes expected {result['pushes_expected']}, "
        f"received {result['pushes_received']}"
    )
    print(
        f"on time (within one tick) {result['on_time']}, late {result['late']}, duplicates "
        f"{result['duplicates']}, missed {result['missed']}, unexpected {result['unexpected']}"
    )
    after = result["seconds_after_due"]
    print(f"seconds after due: median {after['median']}, max {after['max']}")
    print(f"claims by server: {result['claims_by_server']}")
    ticks = result["tick_ms"]
    print(
        f"{result['ticks']} ticks: median {ticks['median']} ms, p95 {ticks['p95']} ms, "
        f"max {ticks['max']} ms; wall {result['wall_seconds']} s"
    )


if __name__ == "__main__":
    main()
