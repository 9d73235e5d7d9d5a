"""What the planner makes of every situation: a sweep of plans, in-process, and what is wrong.

Plans a grid of profiles with the built-in catalogue, as issue 15 measured it, and counts what a
physiotherapist would object to. The grid:

  areas         each area alone, every pair of areas, and all five (16)
  settings      floor, chair, standing, bed (4)
  minutes       1 to 60 (60)
  restrictions  none; each restriction alone, pregnancy at week 10 and at week 20; and five
                pairs (16 cases; `neck_circles` is always in force, as in the app): each
                situation (areas, setting, minutes) under every other case, in turn, so that
                every case meets every length and every (areas, setting) pair; `--full` plans
                every situation under all 16
  levels, times of day
                3 x 5 = 15 pairs, rotated through the grid rather than multiplied (the full
                product would take fifteen times as long): the pair of a situation turns with
                its minutes and its (areas, setting), so every length and every case meet every
                pair, and each pair takes a fifteenth of the plans

That is 30,720 plans (61,440 with `--full`), all on one day (2 November 2026), spread over the
machine's cores (`--jobs`). They take about 260 s of CPU (8 ms a plan): a little over 2 minutes
on two idle cores, 4 minutes on the shared 2-core machine at a load average of 3.5 (the script
prints its wall and CPU time and the load average). Each plan is `planner.plan()` as the app
calls it. Then, for a sample of 40 profiles (seeded; areas, setting, restriction case and level
drawn from the grid, 4 profiles at each of 10 lengths from 3 to 60 minutes, time of day "any"),
it plans 28 consecutive days.

It prints:
  plans                  how many were planned
  empty                  plans with no stretch; of those, how many have no permitted way for any
                         area (nothing fits, `planner.permitted_way` over the area's stretches)
                         and how many are empty although something fits (of those, how many
                         are after exercise where only moving stretches fit: a cool-down is
                         holds only)
  uncovered              plans of 3 minutes or more in which a requested area has no stretch
                         while some way of one of its stretches is permitted (again with those
                         after exercise where only moving stretches fit apart)
  budget use             total / budget of the plans with a stretch: median, share under 80%
  holds a side           the most holds of one stretch a side (sets x holds) in any plan, and
                         the share of plans with a stretch held more than 3 times a side
  second sets            share of plans under 20 minutes with a stretch in two sets or more
                         (and under 15, the planner's own rule)
  position changes       the most in a plan of 15 minutes or less, and the share of those plans
                         with more than 3
  move after hold        plans with a moving stretch after a hold
  day to day             share of yesterday's stretches kept today: median and minimum over the
                         sample's 27 pairs of days each, by length too, and how many profiles
                         kept at least half every day; distinct routines (orders of stretches)
                         in 28 days, median and most
  within 7 days          for each profile's area, the share of the stretches the planner may use
                         for it (`planner.resolve`: the stretch, or the variant it would swap in)
                         that came up in the first 7 days (a harder variant planned in its place
                         counts), median and minimum

and, for each kind of problem, the first few plans that show it. `--quick` plans a small grid
(each area alone and all five, 6 lengths, 4 restriction cases; 4 profiles over 28 days) in a few
seconds. `--json` prints one JSON document with the same figures instead of the table. No figure
is a time: the counts are the same on any machine, the time is only printed.

    .venv/bin/python benchmarks/plan_sweep.py [--quick | --full] [--json] [--jobs N] \
        [--examples 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from itertools import combinations, pairwise
from typing import Any

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.models import Kind, Level, Region
from backstretch.core.planner import Limits, Plan, permitted_way, plan, position_changes, resolve
from backstretch.core.profile import Profile, Setting, TimeOfDay, parse_profile
from backstretch.core.screening import ALWAYS_ON, Restriction
from backstretch.data import builtin_catalogue

ON = date(2026, 11, 2)
DAYS = 28
WEEK = 7
MAX_HOLDS_A_SIDE = 3  # source 001: a 30 s hold, three times a side
BUDGET_USE_AIM = 0.8
SECOND_SET_UNDER = (20, 15)  # the issue's measurement, and the planner's rule
SHORT_SESSION_MINUTES = 15
MAX_POSITION_CHANGES = 3
COVERED_FROM_MINUTES = 3
LOAD_RETRIES = 12  # the catalogue is being extended: a half-written file fails to load for a while
LOAD_WAIT_S = 10.0

AREAS = tuple(Region)
SETTINGS = tuple(Setting)
LEVEL_TIMES: tuple[tuple[Level, TimeOfDay], ...] = tuple(
    (level, when) for level in Level for when in TimeOfDay
)
PAIRS: tuple[tuple[Restriction, Restriction], ...] = (
    (Restriction.OSTEOPOROSIS, Restriction.STENOSIS_OR_SPONDYLOLISTHESIS),
    (Restriction.DISC_WITH_LEG_PAIN, Restriction.KNEE_PAIN_KNEELING),
    (Restriction.NECK_GENTLE, Restriction.POST_SURGERY),
    (Restriction.WRIST_PAIN, Restriction.NO_FLOOR),
    (Restriction.PREGNANT, Restriction.NO_FLOOR),  # at week 20
)
PREGNANCY_WEEKS = (10, 20)  # before and after week 13, where the pregnancy rules widen
PAIR_PREGNANCY_WEEKS = 20
OVERLAP_PROFILES = 40
OVERLAP_MINUTES = (3, 5, 8, 10, 12, 15, 20, 30, 45, 60)
LENGTH_BANDS = ((1, 9), (10, 20), (21, 60))
SEED = 20261102
HALF = 2  # without --full, each situation is planned under every other restriction case


# The grid ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What is in force besides `neck_circles`: a label, the restrictions and pregnancy weeks."""

    label: str
    restrictions: tuple[Restriction, ...] = ()
    pregnancy_weeks: int | None = None

    def limits(self) -> Limits:
        """Return the limits of this case, with what is always in force."""
        return Limits(frozenset((*ALWAYS_ON, *self.restrictions)), self.pregnancy_weeks)


def restriction_cases(quick: bool) -> list[Case]:
    """Return none, each restriction alone (pregnancy at two weeks), and the pairs."""
    if quick:
        return [
            Case("none"),
            Case("no_floor", (Restriction.NO_FLOOR,)),
            Case("pregnant wk 20", (Restriction.PREGNANT,), 20),
            Case("neck_gentle+post_surgery", PAIRS[2]),
        ]
    cases = [Case("none")]
    for restriction in Restriction:
        if restriction in ALWAYS_ON:
            continue
        if restriction is Restriction.PREGNANT:
            cases += [Case(f"pregnant wk {w}", (restriction,), w) for w in PREGNANCY_WEEKS]
        else:
            cases.append(Case(restriction.value, (restriction,)))
    for pair in PAIRS:
        weeks = PAIR_PREGNANCY_WEEKS if Restriction.PREGNANT in pair else None
        label = "+".join(r.value for r in pair) + (f" wk {weeks}" if weeks else "")
        cases.append(Case(label, pair, weeks))
    return cases


def area_sets(quick: bool) -> list[tuple[Region, ...]]:
    """Return each area alone, every pair (not in the quick grid), and all five."""
    found: list[tuple[Region, ...]] = [(area,) for area in AREAS]
    if not quick:
        found += list(combinations(AREAS, 2))
    return [*found, AREAS]


@dataclass(frozen=True)
class Spec:
    """One plan of the grid."""

    areas: tuple[Region, ...]
    setting: Setting
    minutes: int
    level: Level
    time_of_day: TimeOfDay
    case: Case

    def profile(self) -> Profile:
        """Return the profile, validated as the app validates one."""
        return parse_profile(
            {
                "areas": [a.value for a in self.areas],
                "minutes": self.minutes,
                "setting": self.setting.value,
                "level": self.level.value,
                "time_of_day": self.time_of_day.value,
            }
        )

    def words(self) -> str:
        """Return the plan's situation in one line."""
        areas = "all five areas" if len(self.areas) == len(AREAS) else "+".join(self.areas)
        return (
            f"{areas}, {self.setting.value}, {self.minutes} min, {self.level.value}, "
            f"{self.time_of_day.value}, restrictions: {self.case.label}"
        )


def grid(quick: bool, full: bool) -> list[Spec]:
    """Return every plan of the sweep: each situation (areas, setting, minutes) under every
    restriction case (`full`) or every other one, and the levels and times of day rotated.

    The turn of a situation is its minutes plus its place among the (areas, setting) pairs, so
    for a given case and length the level, the time of day and the half of the cases change
    from one (areas, setting) pair to the next.
    """
    minutes = (1, 3, 5, 10, 20, 60) if quick else tuple(range(1, 61))
    cases = restriction_cases(quick)
    every = 1 if quick or full else HALF
    specs = []
    outer = 0
    for areas in area_sets(quick):
        for setting in SETTINGS:
            for length in minutes:
                turn = outer + length
                level, when = LEVEL_TIMES[turn % len(LEVEL_TIMES)]
                for case in cases[turn % every :: every]:
                    specs.append(Spec(areas, setting, length, level, when, case))
            outer += 1
    return specs


# Planning and looking at a plan -------------------------------------------------------------------


@cache
def catalogue() -> Catalogue:
    """Return the built-in catalogue, waiting a little while others are writing a new file."""
    for attempt in range(LOAD_RETRIES):
        try:
            return builtin_catalogue()
        except CatalogueError as error:
            if attempt == LOAD_RETRIES - 1:
                raise
            print(f"catalogue did not load ({error}); retrying", file=sys.stderr)
            time.sleep(LOAD_WAIT_S)
    raise AssertionError("unreachable")


def fitting_areas(profile: Profile, limits: Limits) -> tuple[set[Region], set[Region]]:
    """Return the requested areas for which some way of some stretch is permitted, and those
    for which some way of a hold is (after exercise the planner plans holds only)."""
    fits: set[Region] = set()
    holds: set[Region] = set()
    for stretch in catalogue():
        areas = set(profile.areas) & set(stretch.regions)
        if areas and permitted_way(stretch, profile, limits)[0] is not None:
            fits |= areas
            if stretch.kind is Kind.HOLD:
                holds |= areas
    return fits, holds


@dataclass(frozen=True)
class Looked:
    """What the sweep reads off one plan."""

    index: int
    items: int
    nothing_fits: bool
    uncovered: tuple[str, ...]  # requested areas with no stretch although a way fits
    moves_only: bool  # after exercise, and no hold fits any area left empty or uncovered
    total_seconds: int
    budget_seconds: int
    max_holds: int  # the most holds a side of one stretch (sets x holds); 0 without holds
    max_holds_stretch: str
    second_set: bool
    changes: int
    move_after_hold: bool


def look(index: int, spec: Spec) -> Looked:
    """Plan one spec and read what the sweep counts."""
    profile, limits = spec.profile(), spec.case.limits()
    result = plan(profile, catalogue(), limits, on=ON)
    fits, hold_fits = fitting_areas(profile, limits)
    planned_areas = {r for p in result.items for r in p.item.stretch.regions}
    uncovered = tuple(a for a in profile.areas if a in fits and a not in planned_areas)
    holds = [
        (p.item.dose.sets * p.item.dose.reps, p.item.stretch.id)
        for p in result.items
        if p.item.stretch.kind is Kind.HOLD
    ]
    most, most_id = max(holds, default=(0, ""))
    kinds = [p.item.stretch.kind for p in result.items]
    return Looked(
        index=index,
        items=len(result.items),
        nothing_fits=not fits,
        uncovered=tuple(a.value for a in uncovered),
        moves_only=profile.time_of_day is TimeOfDay.AFTER_EXERCISE
        and bool(unexplained := uncovered if result.items else tuple(fits))
        and not hold_fits & set(unexplained),
        total_seconds=result.total_seconds,
        budget_seconds=result.budget_seconds,
        max_holds=most,
        max_holds_stretch=most_id,
        second_set=any(p.item.dose.sets > 1 for p in result.items),
        changes=position_changes(result.routine),
        move_after_hold=any(a is Kind.HOLD and b is Kind.REPS for a, b in pairwise(kinds)),
    )


def look_all(chunk: Sequence[tuple[int, Spec]]) -> list[Looked]:
    """Plan a chunk of the grid (one task of a worker process)."""
    return [look(index, spec) for index, spec in chunk]


def chunks(specs: Sequence[Spec], size: int) -> list[list[tuple[int, Spec]]]:
    """Return the grid cut into tasks, each plan with its index."""
    numbered = list(enumerate(specs))
    return [numbered[start : start + size] for start in range(0, len(numbered), size)]


# Day to day ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Days:
    """One profile planned on consecutive days."""

    spec: Spec
    # Share of yesterday's stretches kept today, for each day after the first.
    kept: tuple[float, ...]
    routines: int  # distinct routines (orders of stretches) over the days
    # Per area: the share of the stretches the planner may use for it that came up in 7 days.
    week_shares: tuple[float, ...]
    empty_days: int


def overlap_specs(quick: bool) -> list[Spec]:
    """Return the sample of profiles planned day after day (seeded)."""
    rng = random.Random(SEED)
    cases = restriction_cases(quick)
    sets = area_sets(quick)
    lengths = (5, 10, 20, 45) if quick else OVERLAP_MINUTES
    count = len(lengths) if quick else OVERLAP_PROFILES
    return [
        Spec(
            rng.choice(sets),
            rng.choice(SETTINGS),
            lengths[n % len(lengths)],
            rng.choice(tuple(Level)),
            TimeOfDay.ANY,
            rng.choice(cases),
        )
        for n in range(count)
    ]


def usable(area: Region, profile: Profile, limits: Limits) -> set[str]:
    """Return the stretches the planner may use for an area: each of the area's stretches, or the
    variant it would be swapped for, when permitted."""
    found: set[str] = set()
    for stretch in catalogue():
        if stretch.variant_of is not None or area not in stretch.regions:
            continue  # variants come in only in place of their base stretch, as in the planner
        choice, _, _ = resolve(stretch, catalogue(), profile, limits)
        if choice is not None and area in choice.stretch.regions:
            found.add(choice.stretch.id)
    return found


def days_of(spec: Spec) -> Days:
    """Plan one profile for 28 consecutive days and compare each day with the day before."""
    profile, limits = spec.profile(), spec.case.limits()
    plans: list[Plan] = [
        plan(profile, catalogue(), limits, on=ON + timedelta(days=d)) for d in range(DAYS)
    ]
    ids = [[p.item.stretch.id for p in result.items] for result in plans]
    kept = tuple(
        len(set(yesterday) & set(today)) / len(yesterday)
        for yesterday, today in pairwise(ids)
        if yesterday
    )
    week = {i for day in ids[:WEEK] for i in day}
    shares = []
    for area in profile.areas:
        allowed = usable(area, profile, limits)
        if allowed:
            came = {
                s for s in allowed if s in week or week & set(catalogue().get(s).variants.harder)
            }
            shares.append(len(came) / len(allowed))
    return Days(
        spec=spec,
        kept=kept,
        routines=len({tuple(day) for day in ids}),
        week_shares=tuple(shares),
        empty_days=sum(1 for day in ids if not day),
    )


# Figures ----------------------------------------------------------------------------------------


def share(count: int, whole: int) -> float:
    """Return count / whole, or 0 for an empty whole."""
    return count / whole if whole else 0.0


def examples(
    looked: Iterable[Looked], specs: Sequence[Spec], limit: int, detail: str = ""
) -> list[str]:
    """Return the first few plans, in words."""
    found: list[str] = []
    for one in looked:
        if len(found) == limit:
            break
        extra = getattr(one, detail) if detail else ""
        if isinstance(extra, tuple):
            extra = ", ".join(extra)
        found.append(specs[one.index].words() + (f" ({extra})" if extra else ""))
    return found


def unexplained_first(looked: Iterable[Looked]) -> list[Looked]:
    """Return the plans with those a cool-down's holds-only rule explains last."""
    return sorted(looked, key=lambda x: x.moves_only)


def figures(
    looked: list[Looked], specs: Sequence[Spec], days: list[Days], limit: int
) -> dict[str, Any]:
    """Return every figure of the sweep."""
    empty = [x for x in looked if not x.items]
    nothing_fits = [x for x in empty if x.nothing_fits]
    something_fits = [x for x in empty if not x.nothing_fits]
    long_enough = [x for x in looked if specs[x.index].minutes >= COVERED_FROM_MINUTES]
    uncovered = [x for x in long_enough if x.uncovered]
    planned = [x for x in looked if x.items]
    uses = [x.total_seconds / x.budget_seconds for x in planned]
    low = sorted(
        (x for x in planned if x.total_seconds < BUDGET_USE_AIM * x.budget_seconds),
        key=lambda x: x.total_seconds / x.budget_seconds,
    )
    over_holds = [x for x in looked if x.max_holds > MAX_HOLDS_A_SIDE]
    short = [x for x in looked if specs[x.index].minutes <= SHORT_SESSION_MINUTES]
    many_changes = [x for x in short if x.changes > MAX_POSITION_CHANGES]
    move_after_hold = [x for x in looked if x.move_after_hold]
    second_sets = {}
    for under in SECOND_SET_UNDER:
        group = [x for x in looked if specs[x.index].minutes < under]
        with_second = [x for x in group if x.second_set]
        second_sets[f"under_{under}_min"] = {
            "plans": len(group),
            "with_second_set": len(with_second),
            "rate": share(len(with_second), len(group)),
            "examples": examples(with_second, specs, limit),
        }
    kept = [k for d in days for k in d.kept]
    week = [s for d in days for s in d.week_shares]
    bands = {}
    for low_minutes, high_minutes in LENGTH_BANDS:
        band = [d for d in days if low_minutes <= d.spec.minutes <= high_minutes]
        band_kept = [k for d in band for k in d.kept]
        if band:
            bands[f"{low_minutes}-{high_minutes}_min"] = {
                "profiles": len(band),
                "kept_median": statistics.median(band_kept) if band_kept else None,
                "kept_min": min(band_kept, default=None),
                "routines_median": statistics.median(d.routines for d in band),
                "routines_max": max(d.routines for d in band),
            }
    worst_kept = sorted(days, key=lambda d: min(d.kept, default=1.0))[:limit]
    return {
        "plans": len(looked),
        "stretches_in_catalogue": len(catalogue()),
        "empty": {
            "plans": len(empty),
            "rate": share(len(empty), len(looked)),
            "nothing_fits": len(nothing_fits),
            "something_fits": len(something_fits),
            "something_fits_rate": share(len(something_fits), len(looked)),
            "something_fits_after_exercise_moves_only": sum(
                1 for x in something_fits if x.moves_only
            ),
            "examples": examples(unexplained_first(something_fits), specs, limit),
        },
        "uncovered": {
            "plans_from_3_min": len(long_enough),
            "plans": len(uncovered),
            "rate": share(len(uncovered), len(long_enough)),
            "after_exercise_moves_only": sum(1 for x in uncovered if x.moves_only),
            "examples": examples(unexplained_first(uncovered), specs, limit, "uncovered"),
        },
        "budget_use": {
            "plans_with_a_stretch": len(planned),
            "median": statistics.median(uses) if uses else None,
            "min": min(uses, default=None),
            "under_80_percent": len(low),
            "under_80_percent_rate": share(len(low), len(planned)),
            "examples": [
                f"{specs[x.index].words()} ({x.total_seconds} of {x.budget_seconds} s)"
                for x in low[:limit]
            ],
        },
        "holds_a_side": {
            "max": max((x.max_holds for x in looked), default=0),
            "over_3": len(over_holds),
            "over_3_rate": share(len(over_holds), len(looked)),
            "examples": [
                f"{specs[x.index].words()} ({x.max_holds_stretch} {x.max_holds} a side)"
                for x in over_holds[:limit]
            ],
        },
        "second_sets": second_sets,
        "position_changes": {
            "plans_up_to_15_min": len(short),
            "max_up_to_15_min": max((x.changes for x in short), default=0),
            "max": max((x.changes for x in looked), default=0),
            "over_3": len(many_changes),
            "over_3_rate": share(len(many_changes), len(short)),
            "examples": examples(many_changes, specs, limit, "changes"),
        },
        "move_after_hold": {
            "plans": len(move_after_hold),
            "rate": share(len(move_after_hold), len(looked)),
            "examples": examples(move_after_hold, specs, limit),
        },
        "day_to_day": {
            "profiles": len(days),
            "days": DAYS,
            "kept_median": statistics.median(kept) if kept else None,
            "kept_min": min(kept, default=None),
            "profiles_always_keeping_half": sum(1 for d in days if min(d.kept, default=1) >= 0.5),
            "routines_median": statistics.median(d.routines for d in days) if days else None,
            "routines_max": max((d.routines for d in days), default=0),
            "empty_days": sum(d.empty_days for d in days),
            "by_length": bands,
            "least_kept": [
                f"{d.spec.words()} (min {min(d.kept, default=1.0):.2f}, {d.routines} routines)"
                for d in worst_kept
            ],
        },
        "within_7_days": {
            "areas": len(week),
            "came_up_median": statistics.median(week) if week else None,
            "came_up_min": min(week, default=None),
            "areas_all_came_up": sum(1 for s in week if s == 1.0),
        },
    }


def percent(value: float | None) -> str:
    """Return a share as a percentage, or a dash."""
    return "-" if value is None else f"{100 * value:.1f}%"


def print_table(found: dict[str, Any], seconds: float, cpu: float, jobs: int) -> None:
    """Print the figures as plain lines."""
    e, u, b, h = found["empty"], found["uncovered"], found["budget_use"], found["holds_a_side"]
    c, m, d, w = (
        found["position_changes"],
        found["move_after_hold"],
        found["day_to_day"],
        found["within_7_days"],
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{found['plans']} plans ({found['stretches_in_catalogue']} stretches in the catalogue) "
        f"in {seconds:.0f} s ({cpu:.0f} s of CPU) with {jobs} process(es); load average {load}"
    )
    rows = [
        ("empty plans", f"{e['plans']}  {percent(e['rate'])}"),
        ("  nothing fits", f"{e['nothing_fits']}"),
        (
            "  something fits",
            f"{e['something_fits']}  {percent(e['something_fits_rate'])}; of which after "
            f"exercise with only moves fitting: {e['something_fits_after_exercise_moves_only']}",
        ),
        (
            "uncovered area (>= 3 min)",
            f"{u['plans']} of {u['plans_from_3_min']}  {percent(u['rate'])}; of which after "
            f"exercise with only moves fitting: {u['after_exercise_moves_only']}",
        ),
        (
            "budget use",
            f"median {percent(b['median'])}, min {percent(b['min'])}; under 80%: "
            f"{b['under_80_percent']}  {percent(b['under_80_percent_rate'])}",
        ),
        ("holds a side", f"max {h['max']}; over 3: {h['over_3']}  {percent(h['over_3_rate'])}"),
    ]
    for key, group in found["second_sets"].items():
        under = key.removeprefix("under_").removesuffix("_min")
        rows.append(
            (
                f"second set, under {under} min",
                f"{group['with_second_set']} of {group['plans']}  {percent(group['rate'])}",
            )
        )
    rows += [
        (
            "position changes (<= 15 min)",
            f"max {c['max_up_to_15_min']} (any length {c['max']}); over 3: "
            f"{c['over_3']} of {c['plans_up_to_15_min']}  {percent(c['over_3_rate'])}",
        ),
        ("move after a hold", f"{m['plans']}  {percent(m['rate'])}"),
        (
            f"day to day ({d['profiles']} x {d['days']} d)",
            f"kept median {percent(d['kept_median'])}, min {percent(d['kept_min'])}; "
            f"always half kept: {d['profiles_always_keeping_half']} of {d['profiles']}; "
            f"routines median {d['routines_median']}, max {d['routines_max']}; "
            f"empty days {d['empty_days']}",
        ),
    ]
    for band, group in d["by_length"].items():
        rows.append(
            (
                f"  {band.replace('_', ' ')} ({group['profiles']})",
                f"kept median {percent(group['kept_median'])}, min {percent(group['kept_min'])}; "
                f"routines median {group['routines_median']}, max {group['routines_max']}",
            )
        )
    rows.append(
        (
            f"within 7 days ({w['areas']} areas)",
            f"came up median {percent(w['came_up_median'])}, min {percent(w['came_up_min'])}; "
            f"all came up: {w['areas_all_came_up']} of {w['areas']}",
        )
    )
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:{width}}  {value}")
    sections = [
        ("empty although something fits", e["examples"]),
        ("an area uncovered", u["examples"]),
        ("under 80% of the minutes (least used first)", b["examples"]),
        ("a stretch held more than 3 times a side", h["examples"]),
        *(
            (f"a second set {k.replace('_', ' ')}", g["examples"])
            for k, g in found["second_sets"].items()
        ),
        ("more than 3 changes of position in 15 minutes or less", c["examples"]),
        ("a move after a hold", m["examples"]),
        ("least kept from day to day", d["least_kept"]),
    ]
    for title, lines in sections:
        if lines:
            print(f"\n{title}:")
            for line in lines:
                print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small grid, a few seconds")
    parser.add_argument(
        "--full", action="store_true", help="every situation under every restriction case"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes (1: this one alone)"
    )
    parser.add_argument("--examples", type=int, default=3, help="plans shown per problem")
    options = parser.parse_args()

    catalogue()  # loaded (and validated) once, before the workers fork
    specs = grid(options.quick, options.full)
    samples = overlap_specs(options.quick)
    started = time.perf_counter()
    tasks = chunks(specs, 100)
    if options.jobs > 1:
        with ProcessPoolExecutor(options.jobs) as pool:
            looked = [x for part in pool.map(look_all, tasks) for x in part]
            days = list(pool.map(days_of, samples))
    else:
        looked = [x for part in map(look_all, tasks) for x in part]
        days = [days_of(spec) for spec in samples]
    seconds = time.perf_counter() - started
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    found = figures(looked, specs, days, options.examples)
    if options.json:
        found["seconds"] = seconds
        found["cpu_seconds"] = cpu
        found["jobs"] = options.jobs
        found["restriction_cases"] = [c.label for c in restriction_cases(options.quick)]
        print(json.dumps(found, indent=2, default=str))
    else:
        print_table(found, seconds, cpu, options.jobs)


if __name__ == "__main__":
    main()
