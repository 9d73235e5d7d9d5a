"""Timer accuracy of the terminal player in real time.

Plays a 30-second and a 5-minute timeline through the real player (`cli.player.Run`) with the
real monotonic clock, saving progress to a real SQLite database at every cue as `start` does,
and measures each cue's lateness: when it was given minus when it was due. Two modes: the live
display (redrawn ten times a second into an off-screen terminal) and plain timed lines.

Reports p50, p99 and the worst lateness, and compares the first and second half of each run to
show whether lateness grows with session length (the aim: p99 under 20 ms, no growth).

    .venv/bin/python benchmarks/timer_accuracy.py          # both lengths, both modes (~11 min)
    .venv/bin/python benchmarks/timer_accuracy.py --quick  # the 30-second timeline only
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from backstretch.cli.player import MonotonicClock, PlayerHooks, Run, Silent
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Sides
from backstretch.core.records import ItemRecord
from backstretch.core.safety import stop_signals_for
from backstretch.core.timeline import ItemDose, RoutineItem, TimelineSettings, timeline
from backstretch.data import builtin_catalogue, screening_guide
from backstretch.db.engine import transaction
from backstretch.db.store import open_store
from backstretch.services import sessions


class Sleeper:
    """No keys: only the waiting, as `start` does without a terminal."""

    def read(self, timeout: float) -> str | None:
        time.sleep(max(0.0, timeout))
        return None


def routine(catalogue: Catalogue, seconds: int) -> list[RoutineItem]:
    """Return a routine of about `seconds`: breath-paced reps, then holds on each side."""
    rolls = catalogue.get("shoulder-rolls")
    neck = catalogue.get("lateral-neck-flexion")
    if seconds <= 30:
        return [
            RoutineItem.usual(
                rolls, ItemDose(sets=1, reps=4, sides=Sides.BILATERAL, tempo=rolls.dose.tempo)
            )
        ]
    items = [
        RoutineItem.usual(
            rolls, ItemDose(sets=2, reps=10, sides=Sides.BILATERAL, tempo=rolls.dose.tempo)
        ),
        RoutineItem.usual(neck, ItemDose(sets=1, reps=1, sides=Sides.EACH, hold_seconds=30)),
        RoutineItem.usual(
            catalogue.get("cat-cow"),
            ItemDose(
                sets=1, reps=13, sides=Sides.BILATERAL, tempo=catalogue.get("cat-cow").dose.tempo
            ),
        ),
    ]
    return items


def play(seconds: int, *, live: bool, folder: Path) -> list[float]:
    """Play one timeline in real time; return each cue's lateness in milliseconds."""
    catalogue = builtin_catalogue()
    guide = screening_guide()
    settings = TimelineSettings(lead_in_seconds=5, transition_seconds=5)
    items = routine(catalogue, seconds)
    segments = timeline(items, settings)
    print(f"  playing {segments[-1].end_ms / 1000:.0f} s, {'live' if live else 'plain'} ...")
    store = open_store(f"sqlite:///{folder / f'bench-{uuid.uuid4().hex}.sqlite3'}")
    session_uuid = str(uuid.uuid4())
    with transaction(store.sessions) as session:
        sessions.begin_session(
            session,
            uuid=session_uuid,
            routine_name="benchmark",
            items=items,
            settings=settings,
            pain_before=2,
            now=datetime.now(UTC),
            timezone="UTC",
        )

    def save(done: tuple[ItemRecord, ...]) -> None:
        with transaction(store.sessions) as session:
            sessions.save_items(session, uuid=session_uuid, items=done, now=datetime.now(UTC))

    console = Console(file=io.StringIO(), width=80, force_terminal=live, color_system=None)
    run = Run(
        segments,
        catalogue=catalogue,
        clock=MonotonicClock(),
        keys=Sleeper(),
        console=console,
        voice=Silent(),
        signals=stop_signals_for(pregnant=False),
        signal_labels={s.id: s.label for s in guide.stop_signals},
        hooks=PlayerHooks(save=save),
        bell=True,
        live=live,
    )
    outcome = run.play()
    store.close()
    return [cue.given_ms - cue.due_ms for cue in outcome.cues]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 30-second timeline")
    options = parser.parse_args()
    lengths = [30] if options.quick else [30, 300]
    print(
        f"{'timeline':>9} {'mode':>6} {'cues':>5} {'p50 ms':>7} {'p99 ms':>7} {'worst':>7} "
        f"{'1st half p50':>12} {'2nd half p50':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for seconds in lengths:
            for live in (True, False):
                lateness = play(seconds, live=live, folder=Path(folder))
                half = len(lateness) // 2
                first, second = lateness[:half], lateness[half:]
                print(
                    f"{seconds:>8}s {'live' if live else 'plain':>6} {len(lateness):>5} "
                    f"{statistics.median(lateness):>7.1f} {percentile(lateness, 0.99):>7.1f} "
                    f"{max(lateness):>7.1f} {statistics.median(first):>12.1f} "
                    f"{statistics.median(second):>12.1f}"
                )


if __name__ == "__main__":
    main()
