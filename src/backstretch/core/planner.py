"""The planner: from a person's situation to a safe routine that fits the time exactly.

Priorities, in order: safety; never over the time budget; one to two stretches for each painful
area (source 001); use at least 80% of the budget when the permitted stretches allow (adding
stretches, then sets, then reps, within the sources' ranges); positions grouped into one run
each; dynamic movement before static holds (warm muscles first, source 002); gentler in the
morning, calmer at night; variety from day to day among equal choices. Pure and deterministic
for the same inputs and date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.models import MAX_SETS, Kind, Level, Position, Region
from backstretch.core.profile import Profile, Setting, TimeOfDay
from backstretch.core.progression import Progress, dose_at_step
from backstretch.core.screening import Restriction, pregnancy_weeks_in_force, restrictions_rule_out
from backstretch.core.timeline import (
    ItemDose,
    RoutineItem,
    Segment,
    TimelineSettings,
    default_dose,
    item_seconds,
    routine_seconds,
    timeline,
)

SETTING_POSITIONS: dict[Setting, frozenset[Position]] = {
    Setting.FLOOR: frozenset(Position),
    Setting.CHAIR: frozenset({Position.CHAIR, Position.STANDING}),
    Setting.STANDING: frozenset({Position.STANDING}),
    # In bed: lying on the back or side, or sitting up (on the bed, or on its edge when no
    # chair back is needed).
    Setting.BED: frozenset(
        {Position.SUPINE, Position.SIDE_LYING, Position.FLOOR_SEATED, Position.CHAIR}
    ),
}

# Getting down gradually and staying down: standing first, lying last.
POSITION_ORDER: tuple[Position, ...] = (
    Position.STANDING,
    Position.CHAIR,
    Position.ALL_FOURS,
    Position.KNEELING,
    Position.FLOOR_SEATED,
    Position.PRONE,
    Position.SIDE_LYING,
    Position.SUPINE,
)

LEVEL_ORDER: tuple[Level, ...] = (Level.GENTLE, Level.STANDARD, Level.ADVANCED)
STRETCHES_PER_AREA = 2  # "choose one to two exercises" for the area that hurts (source 001)


class ReasonKind(StrEnum):
    """Why a stretch was left out or swapped."""

    RESTRICTION = "restriction"
    SETTING = "setting"
    PREFERENCE = "preference"
    LEVEL = "level"
    TIME = "time"
    EASED = "eased"  # progression eases off: an easier variant, or a stretch resting


@dataclass(frozen=True)
class Reason:
    """One reason, with the id of what caused it (a restriction, setting, level...)."""

    kind: ReasonKind
    id: str

    def to_json(self) -> dict[str, str]:
        """Return the reason as JSON-ready data."""
        return {"kind": self.kind.value, "id": self.id}


@dataclass(frozen=True)
class Swap:
    """A stretch replaced by a permitted variant."""

    from_id: str
    to_id: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the swap as JSON-ready data."""
        return {
            "from": self.from_id,
            "to": self.to_id,
            "reasons": [r.to_json() for r in self.reasons],
        }


@dataclass(frozen=True)
class Exclusion:
    """A stretch left out, and why."""

    stretch: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the exclusion as JSON-ready data."""
        return {"stretch": self.stretch, "reasons": [r.to_json() for r in self.reasons]}


@dataclass(frozen=True)
class PlannedItem:
    """One stretch of the plan, its dose, its length and why it is there."""

    item: RoutineItem
    seconds: int
    why: str

    def to_json(self) -> dict[str, Any]:
        """Return the item as the plan JSON describes it."""
        dose = self.item.dose
        return {
            "stretch": self.item.stretch.id,
            "name": self.item.stretch.name,
            "sets": dose.sets,
            "sides": dose.sides.value,
            "hold_seconds": dose.hold_seconds,
            "reps": dose.reps,
            "seconds": self.seconds,
            "why": self.why,
        }


@dataclass(frozen=True)
class Plan:
    """A routine with everything a person (or a player) needs to know about it."""

    items: tuple[PlannedItem, ...]
    swaps: tuple[Swap, ...]
    excluded: tuple[Exclusion, ...]
    total_seconds: int
    budget_seconds: int
    segments: tuple[Segment, ...]

    @property
    def routine(self) -> tuple[RoutineItem, ...]:
        """Return the routine items in order."""
        return tuple(p.item for p in self.items)


@dataclass(frozen=True)
class Request:
    """A fixed list of items asked for by a preset or a routine file, before safety filtering."""

    stretch_id: str
    dose: ItemDose | None = None  # None: the catalogue's default


@dataclass(frozen=True)
class Strategy:
    """Dose preferences of a preset such as the comprehensive routine (source 002)."""

    include_all: bool = False
    sets: int | None = None
    min_hold_seconds: int | None = None
    min_reps: int | None = None


@dataclass(frozen=True)
class Limits:
    """What is in force for this plan."""

    restrictions: frozenset[Restriction]
    pregnancy_weeks: int | None = None


def _why_not(stretch: Stretch, profile: Profile, limits: Limits) -> tuple[Reason, ...]:
    reasons = [
        Reason(ReasonKind.RESTRICTION, r.value)
        for r in restrictions_rule_out(
            sorted(limits.restrictions),
            stretch.movements,
            pregnancy_weeks=limits.pregnancy_weeks,
        )
    ]
    if stretch.position not in SETTING_POSITIONS[profile.setting] or (
        profile.setting is Setting.BED
        and stretch.position is Position.CHAIR
        and "chair" in stretch.equipment
    ):
        reasons.append(Reason(ReasonKind.SETTING, profile.setting.value))
    if LEVEL_ORDER.index(stretch.level) > LEVEL_ORDER.index(profile.level):
        reasons.append(Reason(ReasonKind.LEVEL, profile.level.value))
    if stretch.id in profile.avoid:
        reasons.append(Reason(ReasonKind.PREFERENCE, "avoid"))
    return tuple(reasons)


def _swap_options(stretch: Stretch, catalogue: Catalogue) -> list[Stretch]:
    """Return the variants a stretch may be swapped for, never a harder one.

    Harder means listed as harder by the stretch, listing the stretch as its easier version,
    or of a higher level.
    """
    level = LEVEL_ORDER.index(stretch.level)
    return [
        v
        for v in catalogue.variants_of(stretch.id)
        if v.id not in stretch.variants.harder
        and stretch.id not in v.variants.easier
        and LEVEL_ORDER.index(v.level) <= level
    ]


@dataclass(frozen=True)
class _Choice:
    stretch: Stretch
    swapped_from: str | None = None


def resolve(
    stretch: Stretch, catalogue: Catalogue, profile: Profile, limits: Limits
) -> tuple[_Choice | None, Swap | None, Exclusion | None]:
    """Return the stretch itself if permitted, else a permitted variant, else an exclusion."""
    reasons = _why_not(stretch, profile, limits)
    if not reasons:
        return _Choice(stretch), None, None
    for option in _swap_options(stretch, catalogue):
        if not _why_not(option, profile, limits):
            return (
                _Choice(option, swapped_from=stretch.id),
                Swap(stretch.id, option.id, reasons),
                None,
            )
    return None, None, Exclusion(stretch.id, reasons)


def _variety(stretch_id: str, on: date) -> str:
    # A stable hash (Python's hash() changes between runs) so the same day gives the same plan.
    return hashlib.sha256(f"{on.isoformat()}:{stretch_id}".encode()).hexdigest()


def _score(stretch: Stretch, profile: Profile, on: date) -> tuple[Any, ...]:
    """Sort key: lower is better."""
    favourite = 0 if stretch.id in profile.favourites else 1
    morning = profile.time_of_day is TimeOfDay.MORNING
    evening = profile.time_of_day is TimeOfDay.EVENING
    work_break = profile.time_of_day is TimeOfDay.WORK_BREAK
    gentleness = LEVEL_ORDER.index(stretch.level) if (morning or evening) else 0
    calm = 1 if evening and stretch.kind is Kind.REPS and stretch.level is not Level.GENTLE else 0
    dynamic = (
        0 if (morning or profile.time_of_day is TimeOfDay.ANY) and stretch.kind is Kind.REPS else 1
    )
    desk = 0 if not work_break or stretch.position in (Position.CHAIR, Position.STANDING) else 1
    return (favourite, desk, gentleness, calm, dynamic if morning else 0, _variety(stretch.id, on))


def _ordered(items: Sequence[RoutineItem], profile: Profile) -> list[RoutineItem]:
    """Group positions into one run each; within a run, dynamic moves before holds."""
    morning = profile.time_of_day is TimeOfDay.MORNING

    def key(item: RoutineItem) -> tuple[int, int, int]:
        stretch = item.stretch
        return (
            POSITION_ORDER.index(stretch.position),
            0 if stretch.kind is Kind.REPS else 1,
            LEVEL_ORDER.index(stretch.level) if morning else 0,
        )

    return sorted(items, key=key)  # sorted() is stable: equal keys keep the chosen order


def _fits(items: Sequence[RoutineItem], profile: Profile, settings: TimelineSettings) -> bool:
    return routine_seconds(_ordered(items, profile), settings) <= profile.minutes * 60


def _smallest_dose(stretch: Stretch, dose: ItemDose) -> ItemDose:
    """Return the least the sources allow."""
    ranges = stretch.dose
    reps = ranges.reps_range.min if ranges.reps_range else 1
    hold = dose.hold_seconds
    if hold is not None and ranges.hold_range is not None:
        hold = ranges.hold_range.min
    return replace(dose, sets=1, reps=min(reps, dose.reps), hold_seconds=hold)


def _strategy_dose(stretch: Stretch, strategy: Strategy) -> ItemDose:
    dose = default_dose(stretch)
    ranges = stretch.dose
    if strategy.sets is not None:
        dose = replace(dose, sets=ranges.sets_range.clamp(min(strategy.sets, MAX_SETS)))
    if strategy.min_hold_seconds and dose.hold_seconds is not None:
        top = ranges.hold_range.max if ranges.hold_range else dose.hold_seconds
        dose = replace(
            dose, hold_seconds=max(dose.hold_seconds, min(strategy.min_hold_seconds, top))
        )
    if strategy.min_reps and stretch.kind is Kind.REPS:
        top = ranges.reps_range.max if ranges.reps_range else dose.reps
        dose = replace(dose, reps=max(dose.reps, min(strategy.min_reps, top)))
    return dose


def _grow(
    items: list[RoutineItem], profile: Profile, settings: TimelineSettings
) -> list[RoutineItem]:
    """Raise sets (at most 3), then reps, one item at a time, while the routine still fits."""
    for field in ("sets", "reps"):
        grew = True
        while grew:
            grew = False
            for index, item in enumerate(items):
                ranges = item.stretch.dose
                dose = item.dose
                if field == "sets":
                    top = min(MAX_SETS, ranges.sets_range.max)
                    bigger = replace(dose, sets=dose.sets + 1) if dose.sets < top else None
                else:
                    top = ranges.reps_range.max if ranges.reps_range else dose.reps
                    bigger = replace(dose, reps=dose.reps + 1) if dose.reps < top else None
                if bigger is None:
                    continue
                trial = [*items[:index], RoutineItem(item.stretch, bigger), *items[index + 1 :]]
                if _fits(trial, profile, settings):
                    items = trial
                    grew = True
    return items


def _finish(
    items: Sequence[RoutineItem],
    why: dict[str, str],
    swaps: Sequence[Swap],
    excluded: Sequence[Exclusion],
    profile: Profile,
    settings: TimelineSettings,
) -> Plan:
    ordered = _ordered(items, profile)
    planned, previous = [], None
    for item in ordered:
        seconds = item_seconds(item, previous, settings)
        planned.append(PlannedItem(item, seconds, why.get(item.stretch.id, "")))
        previous = item.stretch.position
    segments = timeline(ordered, settings)
    return Plan(
        items=tuple(planned),
        swaps=tuple(swaps),
        excluded=tuple(excluded),
        total_seconds=sum(p.seconds for p in planned),
        budget_seconds=profile.minutes * 60,
        segments=segments,
    )


def _area_words(regions: Sequence[Region]) -> str:
    return ", ".join(r.value.replace("_", " ") for r in regions)


def plan(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    *,
    on: date,
    settings: TimelineSettings | None = None,
    requests: Sequence[Request] | None = None,
    strategy: Strategy | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Plan a routine for `profile` from `catalogue`, within `limits`, for the day `on`.

    With `requests` (a preset's or a routine file's items) the plan keeps those items, swapped or
    left out as safety and the setting require, and trims from the end to fit the time.
    `progress` raises or eases the doses, swaps in easier variants and rests stopped stretches.
    """
    settings = settings or TimelineSettings()
    progress = progress or Progress()
    reports = []  # every source that says "pregnant", with its weeks (None: not known)
    if Restriction.PREGNANT in limits.restrictions:
        reports.append(limits.pregnancy_weeks)
    if Restriction.PREGNANT in profile.restrictions:
        reports.append(profile.pregnancy_weeks)
    limits = Limits(
        restrictions=limits.restrictions | set(profile.restrictions),
        pregnancy_weeks=pregnancy_weeks_in_force(reports),
    )
    if requests is not None:
        return _plan_requests(profile, catalogue, limits, requests, on, settings, progress)
    return _plan_areas(profile, catalogue, limits, on, settings, strategy or Strategy(), progress)


def _eased(
    choice: _Choice,
    swap: Swap | None,
    catalogue: Catalogue,
    profile: Profile,
    limits: Limits,
    progress: Progress,
) -> tuple[_Choice, Swap | None]:
    """Swap in an easier, permitted variant while the programme is easing off."""
    if progress.step >= 0:
        return choice, swap
    for easier_id in choice.stretch.variants.easier:
        easier = catalogue.get(easier_id)
        if not _why_not(easier, profile, limits):
            origin = choice.swapped_from or choice.stretch.id
            reasons = (*(swap.reasons if swap else ()), Reason(ReasonKind.EASED, "pain_or_stop"))
            return _Choice(easier, swapped_from=origin), Swap(origin, easier.id, reasons)
    return choice, swap


def _resting(stretch_ids: Sequence[str], progress: Progress, on: date) -> Exclusion | None:
    for stretch_id in stretch_ids:
        if (back := progress.rests_on(stretch_id, on)) is not None:
            return Exclusion(stretch_id, (Reason(ReasonKind.EASED, f"resting_until_{back}"),))
    return None


def _plan_requests(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    requests: Sequence[Request],
    on: date,
    settings: TimelineSettings,
    progress: Progress,
) -> Plan:
    swaps: list[Swap] = []
    excluded: list[Exclusion] = []
    items: list[RoutineItem] = []
    why: dict[str, str] = {}
    for request in requests:
        stretch = catalogue.get(request.stretch_id)
        choice, swap, exclusion = resolve(stretch, catalogue, profile, limits)
        if choice is None:
            assert exclusion is not None  # resolve gives a choice or an exclusion
            excluded.append(exclusion)
            continue
        choice, swap = _eased(choice, swap, catalogue, profile, limits, progress)
        if resting := _resting((stretch.id, choice.stretch.id), progress, on):
            excluded.append(resting)
            continue
        if swap:
            swaps.append(swap)
        if any(i.stretch.id == choice.stretch.id for i in items):
            continue
        dose = request.dose if (request.dose and not swap) else default_dose(choice.stretch)
        dose = dose_at_step(choice.stretch, dose, progress.step)
        items.append(RoutineItem(choice.stretch, dose))
        why[choice.stretch.id] = (
            f"in place of {swap.from_id}" if swap else "part of the routine you chose"
        )
    while items and not _fits(items, profile, settings):
        dropped = items.pop()
        excluded.append(Exclusion(dropped.stretch.id, (Reason(ReasonKind.TIME, "budget"),)))
    return _finish(items, why, swaps, excluded, profile, settings)


def _plan_areas(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    on: date,
    settings: TimelineSettings,
    strategy: Strategy,
    progress: Progress,
) -> Plan:
    areas = set(profile.areas)
    swaps: list[Swap] = []
    excluded: list[Exclusion] = []
    candidates: list[Stretch] = []
    for stretch in catalogue:
        if stretch.variant_of is not None or not areas & set(stretch.regions):
            continue  # variants come in as swaps for their base stretch
        choice, swap, exclusion = resolve(stretch, catalogue, profile, limits)
        if choice is not None:
            choice, swap = _eased(choice, swap, catalogue, profile, limits, progress)
            if resting := _resting((stretch.id, choice.stretch.id), progress, on):
                choice, swap, exclusion = None, None, resting
        if exclusion:
            excluded.append(exclusion)
        if swap:
            swaps.append(swap)
        if choice and choice.stretch.id not in {c.id for c in candidates}:
            candidates.append(choice.stretch)
    candidates.sort(key=lambda s: _score(s, profile, on))

    chosen: list[RoutineItem] = []
    why: dict[str, str] = {}

    def try_add(stretch: Stretch, reason: str) -> bool:
        if any(i.stretch.id == stretch.id for i in chosen):
            return False
        dose = dose_at_step(stretch, _strategy_dose(stretch, strategy), progress.step)
        # A preset that sets its own dose (the comprehensive routine) keeps it or leaves the
        # stretch out; otherwise the least the sources allow is tried before leaving it out.
        trials = (dose,) if strategy.include_all else (dose, _smallest_dose(stretch, dose))
        for trial_dose in trials:
            if _fits([*chosen, RoutineItem(stretch, trial_dose)], profile, settings):
                chosen.append(RoutineItem(stretch, trial_dose))
                why[stretch.id] = reason
                return True
        return False

    per_area = len(candidates) if strategy.include_all else STRETCHES_PER_AREA
    for round_number in range(per_area):
        for area in profile.areas:
            covered = sum(1 for i in chosen if area in i.stretch.regions)
            if covered > round_number:
                continue
            for stretch in candidates:
                note = f"for your {area.value.replace('_', ' ')}"
                if stretch.id in profile.favourites:
                    note += " (a favourite)"
                if area in stretch.regions and try_add(stretch, note):
                    break
    # Then more stretches for the same areas, while time allows; not while easing off, when a
    # shorter session is the point.
    for stretch in candidates if progress.step >= 0 else ():
        common = [r for r in stretch.regions if r in areas]
        try_add(stretch, f"more for your {_area_words(common)}")
    if progress.step >= 0:  # easing off means less, not the time filled with more sets
        chosen = _grow(chosen, profile, settings)
    for stretch in candidates:
        if not any(i.stretch.id == stretch.id for i in chosen):
            excluded.append(Exclusion(stretch.id, (Reason(ReasonKind.TIME, "budget"),)))
    return _finish(chosen, why, swaps, excluded, profile, settings)
