"""How long the planner takes for one profile, in-process, with the built-in catalogue.

Plans N random profiles (seeded: areas, 1-60 minutes, settings, restriction subsets, levels,
times of day, pregnancy weeks) and prints p50, p99, max and mean in milliseconds. The catalogue is
loaded (and validated) once beforehand; only `plan()` is timed.

    .venv/bin/python benchmarks/plan_speed.py [--count 1000] [--seed 20261102]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from backstretch.core.models import Level, Region
from backstretch.core.planner import Limits, plan
from backstretch.core.profile import Profile, Setting, TimeOfDay
from backstretch.core.screening import ALWAYS_ON, Restriction
from backstretch.data import builtin_catalogue

START = date(2026, 11, 2)


def random_profile(rng: random.Random) -> Profile:
    """Return one random but valid profile."""
    areas = rng.sample(list(Region), rng.randint(1, len(Region)))
    chosen = [r for r in Restriction if rng.random() < 0.2 and r not in ALWAYS_ON]
    weeks = rng.randint(0, 42) if Restriction.PREGNANT in chosen and rng.random() < 0.7 else None
    return Profile(
        areas=tuple(areas),
        minutes=rng.randint(1, 60),
        setting=rng.choice(list(Setting)),
        restrictions=tuple(chosen),
        pregnancy_weeks=weeks,
        level=rng.choice(list(Level)),
        time_of_day=rng.choice(list(TimeOfDay)),
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="profiles to plan")
    parser.add_argument("--seed", type=int, default=20261102, help="random seed")
    options = parser.parse_args()

    rng = random.Random(options.seed)
    catalogue = builtin_catalogue()
    profiles = [random_profile(rng) for _ in range(options.count)]
    days = [START + timedelta(days=rng.randint(0, 365)) for _ in profiles]
    plan(profiles[0], catalogue, Limits(frozenset(ALWAYS_ON)), on=START)  # warm-up, not timed

    timings, items, over = [], 0, 0
    for profile, day in zip(profiles, days, strict=True):
        limits = Limits(restrictions=frozenset(ALWAYS_ON))
        started = time.perf_counter()
        result = plan(profile, catalogue, limits, on=day)
        timings.append((time.perf_counter() - started) * 1000)
        items += len(result.items)
        over += result.total_seconds > result.budget_seconds
    timings.sort()
    print(f"plan() for {options.count} random profiles (seed {options.seed}), ", end="")
    print(f"{len(catalogue)} stretches in the catalogue")
    print(f"  p50  {percentile(timings, 0.50):8.2f} ms")
    print(f"  p99  {percentile(timings, 0.99):8.2f} ms")
    print(f"  max  {timings[-1]:8.2f} ms")
    print(f"  mean {statistics.fmean(timings):8.2f} ms")
    print(f"  items per plan (mean) {items / options.count:.1f}; plans over budget: {over}")


if __name__ == "__main__":
    main()
