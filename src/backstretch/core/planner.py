"""The planner: from a person's situation to a safe routine that fits the time.

Priorities, in order:
1. Safety: a stretch is planned only in a way (standing, on a chair, on the edge of a bed, on the
   floor, on a bed) that fits the setting and whose movement tags no restriction rules out;
   otherwise a permitted variant takes its place, or it is left out.
2. Never over the time budget (shortened by easing off, core/progression.time_scale).
3. Every painful area gets a stretch first (source 001: "choose one to two exercises" for the
   area that hurts), then the minutes are filled with more *different* stretches, and only then
   with more of each: the sources' doses are ceilings per session (001: a 30 s hold three times
   a side), a second set comes only from 15 minutes up, alternating moves stay even.
4. The shape of a session: moving stretches before holds (warm up first, 002), at most three
   changes of position up to 15 minutes, calm holds last in the evening, only holds after
   exercise (a cool-down, 003), gentler first in the morning, desk ways at a work break.
5. Variety with a stable core: among equally good stretches for an area the order turns a
   little each day, so consecutive days share most of a plan and a week goes round them all;
   favourites always come first.
Pure and deterministic for the same inputs and date.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from backstretch.core.catalogue import Catalogue, Stretch, Way
from backstretch.core.models import MAX_SETS, Kind, Level, Place, Position, Region, Sides
from backstretch.core.profile import Profile, Setting, TimeOfDay
from backstretch.core.progression import HOLDS_A_SIDE_MAX, Progress, dose_at_step, time_scale
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

# The places each setting allows, the one it is named after first: a chair plan is mostly done
# on the chair, and in bed means lying on the bed or sitting on its edge.
SETTING_PLACES: dict[Setting, tuple[Place, ...]] = {
    Setting.FLOOR: (Place.FLOOR, Place.STANDING, Place.CHAIR),
    Setting.CHAIR: (Place.CHAIR, Place.STANDING),
    Setting.STANDING: (Place.STANDING,),
    Setting.BED: (Place.BED, Place.BED_EDGE),
}
PLACE_ORDER: tuple[Place, ...] = (
    Place.STANDING,
    Place.CHAIR,
    Place.BED_EDGE,
    Place.FLOOR,
    Place.BED,
)

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
STEP_TIME_CHANGE = 0.2  # a progression step changes a session's time by at most a fifth (§3.3)
SECOND_SET_FROM_MINUTES = 15  # shorter sessions are filled with more stretches, not more sets
MAX_POSITION_CHANGES = 3  # up to SHORT_SESSION_MINUTES: getting up and down costs the time
SHORT_SESSION_MINUTES = 15


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
            "way": self.item.way.place.value,
            "where": self.item.way.words,
            "sets": dose.sets,
            "sides": dose.sides.value,
            "hold_seconds": dose.hold_seconds,
            "reps": dose.reps,
            "seconds": self.seconds,
            "why": self.why,
        }


@dataclass(frozen=True)
class Uncovered:
    """An area the plan has no stretch for, and what would make room for one."""

    area: Region
    hint: str

    def to_json(self) -> dict[str, str]:
        """Return the note as JSON-ready data."""
        return {"area": self.area.value, "hint": self.hint}


@dataclass(frozen=True)
class Plan:
    """A routine with everything a person (or a player) needs to know about it."""

    items: tuple[PlannedItem, ...]
    swaps: tuple[Swap, ...]
    excluded: tuple[Exclusion, ...]
    total_seconds: int
    budget_seconds: int
    segments: tuple[Segment, ...]
    uncovered: tuple[Uncovered, ...] = ()

    @property
    def routine(self) -> tuple[RoutineItem, ...]:
        """Return the routine items in order."""
        return tuple(p.item for p in self.items)


@dataclass(frozen=True)
class Request:
    """A fixed list of items asked for by a preset or a routine file, before safety filtering."""

    stretch_id: str
    dose: ItemDose | None = None  # None: the catalogue's default
    way: Place | None = None  # None: the way the setting picks


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


def _why_not_way(way: Way, profile: Profile, limits: Limits) -> list[Reason]:
    reasons = [
        Reason(ReasonKind.RESTRICTION, r.value)
        for r in restrictions_rule_out(
            sorted(limits.restrictions), way.movements, pregnancy_weeks=limits.pregnancy_weeks
        )
    ]
    if way.place not in SETTING_PLACES[profile.setting]:
        reasons.append(Reason(ReasonKind.SETTING, profile.setting.value))
    return reasons


def _why_not_stretch(stretch: Stretch, profile: Profile) -> list[Reason]:
    reasons = []
    if LEVEL_ORDER.index(stretch.level) > LEVEL_ORDER.index(profile.level):
        reasons.append(Reason(ReasonKind.LEVEL, profile.level.value))
    if stretch.id in profile.avoid:
        reasons.append(Reason(ReasonKind.PREFERENCE, "avoid"))
    return reasons


def _ways_in_setting_order(stretch: Stretch, setting: Setting) -> list[Way]:
    places = SETTING_PLACES[setting]
    return sorted(
        stretch.ways, key=lambda w: places.index(w.place) if w.place in places else len(places)
    )


def permitted_way(
    stretch: Stretch, profile: Profile, limits: Limits
) -> tuple[Way | None, tuple[Reason, ...]]:
    """Return the way to do a stretch in this setting within these limits, else why not.

    The ways are tried in the setting's order of places; when none is permitted the reasons are
    those of the way the setting would have picked first (a bed's lying way, say).
    """
    if stretch_reasons := _why_not_stretch(stretch, profile):
        way = _ways_in_setting_order(stretch, profile.setting)[0]
        return None, (*stretch_reasons, *_why_not_way(way, profile, limits))
    ways = _ways_in_setting_order(stretch, profile.setting)
    for way in ways:
        if not _why_not_way(way, profile, limits):
            return way, ()
    return None, tuple(_why_not_way(ways[0], profile, limits))


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
class Choice:
    """A stretch, the way it will be done, and the stretch it stands in for (if any)."""

    stretch: Stretch
    way: Way
    swapped_from: str | None = None


def resolve(
    stretch: Stretch, catalogue: Catalogue, profile: Profile, limits: Limits
) -> tuple[Choice | None, Swap | None, Exclusion | None]:
    """Return the stretch itself if some way of it is permitted, else a permitted variant, else
    an exclusion saying why."""
    way, reasons = permitted_way(stretch, profile, limits)
    if way is not None:
        return Choice(stretch, way), None, None
    for option in _swap_options(stretch, catalogue):
        option_way, _ = permitted_way(option, profile, limits)
        if option_way is not None:
            return (
                Choice(option, option_way, swapped_from=stretch.id),
                Swap(stretch.id, option.id, reasons),
                None,
            )
    return None, None, Exclusion(stretch.id, reasons)


def _strengthening(stretch: Stretch) -> bool:
    """A repeated move above the gentle level (bird dog, bridge, cobra): not for winding down."""
    return stretch.kind is Kind.REPS and stretch.level is not Level.GENTLE


def _tier(choice: Choice, profile: Profile) -> tuple[int, ...]:
    """How well a stretch suits the moment; lower is better. Equal tiers take turns by day."""
    stretch, way = choice.stretch, choice.way
    places = SETTING_PLACES[profile.setting]
    when = profile.time_of_day
    gentler = LEVEL_ORDER.index(stretch.level) if when is TimeOfDay.MORNING else 0
    harder = -LEVEL_ORDER.index(stretch.level) if profile.level is Level.ADVANCED else 0
    calm = 1 if when is TimeOfDay.EVENING and _strengthening(stretch) else 0
    desk = 0
    if when is TimeOfDay.WORK_BREAK and way.place not in (Place.CHAIR, Place.STANDING):
        desk = 1
    return (
        0 if stretch.id in profile.favourites else 1,
        desk,
        calm,
        places.index(way.place) if profile.setting is Setting.CHAIR else 0,
        gentler,
        harder,
    )


def _turned(
    choices: Sequence[Choice], profile: Profile, on: date, turn: tuple[int, int] = (1, 0)
) -> list[Choice]:
    """Return the choices best first, each tier of equals turning from day to day.

    `turn` is (step, core). The first `core` of a tier (its stable core) move one place a day,
    so consecutive days share all but one of them; the rest of the tier turns `step` places a
    day, so that a week goes round it all. Favourites are never turned out: they form the first
    tier.
    """
    step, core = turn
    day = on.toordinal()
    tiers: dict[tuple[int, ...], list[Choice]] = {}
    for choice in sorted(choices, key=lambda c: c.stretch.id):
        tiers.setdefault(_tier(choice, profile), []).append(choice)
    ordered: list[Choice] = []
    for tier in sorted(tiers):
        members = tiers[tier]
        if tier[0] == 0:  # favourites stay in their place
            ordered += members
            continue
        by_one = members[day % len(members) :] + members[: day % len(members)]
        kept = by_one[:core]
        rest = [c for c in members if c not in kept]
        if rest:
            shift = (day * step) % len(rest)
            rest = rest[shift:] + rest[:shift]
        ordered += kept + rest
    return ordered


def _place_key(way: Way) -> tuple[int, int]:
    return POSITION_ORDER.index(way.position), PLACE_ORDER.index(way.place)


def _ordered(items: Sequence[RoutineItem], profile: Profile) -> list[RoutineItem]:
    """Moving stretches first, then holds; each part grouped by position, standing first.

    The holds begin where the moves ended when they can, so the change between the two parts
    costs no extra getting up and down.
    """
    morning = profile.time_of_day is TimeOfDay.MORNING

    def key(item: RoutineItem) -> tuple[int, int, int]:
        level = LEVEL_ORDER.index(item.stretch.level) if morning else 0
        return (*_place_key(item.way), level)

    moving = sorted((i for i in items if i.stretch.kind is Kind.REPS), key=key)
    holds = sorted((i for i in items if i.stretch.kind is Kind.HOLD), key=key)
    if moving and holds:
        last = _place_key(moving[-1].way)
        holds.sort(key=lambda i: _place_key(i.way) != last)  # stable: keeps the order within
    return moving + holds


def position_changes(items: Sequence[RoutineItem]) -> int:
    """Return how often a routine changes position or place, in its order."""
    return sum(1 for a, b in itertools.pairwise(items) if _place_key(a.way) != _place_key(b.way))


@dataclass(frozen=True)
class _Budget:
    seconds: int
    minutes: int  # the minutes asked for, which decide the shape rules
    settings: TimelineSettings


def _fits(items: Sequence[RoutineItem], profile: Profile, budget: _Budget) -> bool:
    ordered = _ordered(items, profile)
    if routine_seconds(ordered, budget.settings) > budget.seconds:
        return False
    if budget.minutes <= SHORT_SESSION_MINUTES:
        return position_changes(ordered) <= MAX_POSITION_CHANGES
    return True


def capped(stretch: Stretch, dose: ItemDose, minutes: int) -> ItemDose:
    """Return `dose` within what the sources give one stretch in one session.

    Holds: at most three a side in all (001). Moves: at most the range's repetitions a set.
    A second set only from 15 minutes up. Alternating moves: an even count, the same each side.
    """
    ranges = stretch.dose
    sets = dose.sets if minutes >= SECOND_SET_FROM_MINUTES else 1
    sets = max(1, min(sets, MAX_SETS, ranges.sets_range.max))
    reps = dose.reps
    if stretch.kind is Kind.HOLD:
        sets = min(sets, HOLDS_A_SIDE_MAX)
        reps = max(1, min(reps, HOLDS_A_SIDE_MAX // sets))
    elif ranges.reps_range is not None:
        reps = min(reps, ranges.reps_range.max)
    if dose.sides is Sides.ALTERNATING:
        reps = max(2, reps - reps % 2)
    return replace(dose, sets=sets, reps=reps)


def _smallest_dose(stretch: Stretch, dose: ItemDose) -> ItemDose:
    """Return the least the sources allow."""
    ranges = stretch.dose
    reps = ranges.reps_range.min if ranges.reps_range else 1
    if dose.sides is Sides.ALTERNATING:
        reps += reps % 2
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


def _bigger(item: RoutineItem, minutes: int) -> list[ItemDose]:
    """Return the next doses up for an item, one thing raised each, within the caps."""
    stretch, dose = item.stretch, item.dose
    step = 2 if dose.sides is Sides.ALTERNATING else 1
    # A hold keeps its length: longer holds are progression's step, earned over weeks.
    options = [replace(dose, reps=dose.reps + step), replace(dose, sets=dose.sets + 1)]
    raised = []
    for option in options:
        option = capped(stretch, option, minutes)
        if option != dose and option not in raised:
            raised.append(option)
    return raised


def _grow(items: list[RoutineItem], profile: Profile, budget: _Budget) -> list[RoutineItem]:
    """Raise doses one item and one rung at a time (reps or holds, then a set), while it fits."""
    grew = True
    while grew:
        grew = False
        for index, item in enumerate(items):
            for dose in _bigger(item, budget.minutes):
                trial = [*items[:index], replace(item, dose=dose), *items[index + 1 :]]
                if _fits(trial, profile, budget):
                    items = trial
                    grew = True
                    break
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
        previous = item.way
    segments = timeline(ordered, settings)
    return Plan(
        items=tuple(planned),
        swaps=tuple(swaps),
        excluded=tuple(excluded),
        total_seconds=sum(p.seconds for p in planned),
        budget_seconds=profile.minutes * 60,
        segments=segments,
    )


AREA_WORDS: dict[Region, str] = {
    Region.NECK_SHOULDERS: "neck and shoulders",
    Region.UPPER_BACK: "upper back",
    Region.MID_BACK: "mid back",
    Region.LOWER_BACK: "lower back",
    Region.HIPS: "hips",
}


def _area_words(regions: Sequence[Region]) -> str:
    words = [AREA_WORDS[r] for r in regions]
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


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
    limits = limits_for(profile, limits)
    budget = _Budget(
        seconds=int(profile.minutes * 60 * time_scale(progress.step)),
        minutes=profile.minutes,
        settings=settings,
    )
    if requests is not None:
        return _told(_plan_requests(profile, catalogue, limits, requests, on, budget, progress))
    found = _plan_turning(profile, catalogue, limits, on, budget, strategy or Strategy(), progress)
    # Swaps and exclusions are told only for stretches the person would otherwise have had.
    free = _plan_turning(
        profile.model_copy(update={"restrictions": (), "pregnancy_weeks": None}),
        catalogue,
        Limits(frozenset()),
        on,
        budget,
        strategy or Strategy(),
        progress,
    )
    would_have = {p.item.stretch.id for p in free.items}
    found = _told(found, would_have)
    return replace(
        found,
        swaps=tuple(
            s
            for s in found.swaps
            if s.from_id in would_have or any(r.kind is ReasonKind.EASED for r in s.reasons)
        ),
        excluded=tuple(
            e
            for e in found.excluded
            if e.stretch in would_have or e.reasons[0].kind is ReasonKind.EASED
        ),
    )


def _told(found: Plan, would_have: set[str] | None = None) -> Plan:
    """Keep the swaps whose replacement is in the plan; a stretch whose replacement did not
    make it in (no time left) was in effect left out, and is told so when the person would
    have had it (`would_have`; None: every stretch asked for)."""
    planned = {p.item.stretch.id for p in found.items}
    told = {e.stretch for e in found.excluded}
    unplaced = [
        Exclusion(s.from_id, s.reasons)
        for s in found.swaps
        if s.to_id not in planned
        and s.from_id not in told
        and (would_have is None or s.from_id in would_have)
    ]
    return replace(
        found,
        swaps=tuple(s for s in found.swaps if s.to_id in planned),
        excluded=(*found.excluded, *dict.fromkeys(unplaced)),
    )


def _plan_turning(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    on: date,
    budget: _Budget,
    strategy: Strategy,
    progress: Progress,
) -> Plan:
    """Plan the areas with a stable core and a turning rest for each area.

    A first plan shows how many stretches each area gets (k) out of how many it could have (n).
    The plan is then made again with a core of just over half of k per area, which moves one
    place a day (so consecutive days keep at least half), and the rest turning by the step that
    goes round all n within a week.
    """
    first = _plan_areas(profile, catalogue, limits, on, budget, strategy, progress)
    candidates, _, _ = _candidates(profile, catalogue, limits, on, progress)
    turns = {}
    for area in profile.areas:
        n = sum(1 for c in candidates if area in c.stretch.regions)
        k = sum(1 for p in first.items if area in p.item.stretch.regions)
        turns[area] = _turn(n, k)
    return _plan_areas(profile, catalogue, limits, on, budget, strategy, progress, turns)


def _turn(n: int, k: int) -> tuple[int, int]:
    """Return (step, core) for an area with `n` choices of which `k` are planned a day.

    One place a day keeps all but one of yesterday's picks; two places a day, only for plans of
    four or more stretches an area (so that at least half stay), when one a day would not go
    round all `n` within a week.
    """
    step = 2 if k >= 4 and n > k + 6 else 1
    return step, 0


def limits_for(profile: Profile, limits: Limits) -> Limits:
    """Return the limits in force: the screening's and the profile's own, pregnancy weeks
    merged the careful way."""
    reports = []  # every source that says "pregnant", with its weeks (None: not known)
    if Restriction.PREGNANT in limits.restrictions:
        reports.append(limits.pregnancy_weeks)
    if Restriction.PREGNANT in profile.restrictions:
        reports.append(profile.pregnancy_weeks)
    return Limits(
        restrictions=limits.restrictions | set(profile.restrictions),
        pregnancy_weeks=pregnancy_weeks_in_force(reports),
    )


def why_not(stretch: Stretch, profile: Profile, limits: Limits) -> tuple[Reason, ...]:
    """Return why a stretch is not planned as it is ("why not X?"), or nothing if it may be."""
    return permitted_way(stretch, profile, limits_for(profile, limits))[1]


def _eased(
    choice: Choice,
    swap: Swap | None,
    catalogue: Catalogue,
    profile: Profile,
    limits: Limits,
    progress: Progress,
) -> tuple[Choice, Swap | None]:
    """Swap in an easier, permitted variant while the programme is easing off."""
    if progress.step >= 0:
        return choice, swap
    for easier_id in choice.stretch.variants.easier:
        easier = catalogue.get(easier_id)
        way, _ = permitted_way(easier, profile, limits)
        if way is not None:
            origin = choice.swapped_from or choice.stretch.id
            reasons = (*(swap.reasons if swap else ()), Reason(ReasonKind.EASED, "pain_or_stop"))
            return Choice(easier, way, swapped_from=origin), Swap(origin, easier.id, reasons)
    return choice, swap


def _harder(choice: Choice, catalogue: Catalogue, profile: Profile, limits: Limits) -> Choice:
    """At the advanced level, a permitted harder variant takes the place of its base stretch."""
    if profile.level is not Level.ADVANCED:
        return choice
    for harder_id in choice.stretch.variants.harder:
        harder = catalogue.get(harder_id)
        way, _ = permitted_way(harder, profile, limits)
        if way is not None:
            return Choice(harder, way, swapped_from=choice.swapped_from)
    return choice


def _held_instead(
    choice: Choice, catalogue: Catalogue, profile: Profile, limits: Limits
) -> Choice | None:
    for option in catalogue.variants_of(choice.stretch.id):
        way, _ = permitted_way(option, profile, limits)
        if option.kind is Kind.HOLD and way is not None:
            return Choice(option, way, swapped_from=choice.swapped_from)
    return None


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
    budget: _Budget,
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
        asked = next((w for w in stretch.ways if w.place == request.way), None)
        if swap is None and asked is not None and not _why_not_way(asked, profile, limits):
            choice = Choice(stretch, asked)  # the way the routine asks for, where it fits
        choice, swap = _eased(choice, swap, catalogue, profile, limits, progress)
        if resting := _resting((stretch.id, choice.stretch.id), progress, on):
            excluded.append(resting)
            continue
        if swap:
            swaps.append(swap)
        if any(i.stretch.id == choice.stretch.id for i in items):
            continue
        dose = request.dose if (request.dose and not swap) else default_dose(choice.stretch)
        dose = capped(choice.stretch, dose_at_step(choice.stretch, dose, progress.step), 60)
        items.append(RoutineItem(choice.stretch, dose, choice.way))
        why[choice.stretch.id] = (
            f"in place of {swap.from_id}" if swap else "part of the routine you chose"
        )
    while items and not _fits(items, profile, replace(budget, minutes=60)):
        dropped = items.pop()
        excluded.append(Exclusion(dropped.stretch.id, (Reason(ReasonKind.TIME, "budget"),)))
    return _finish(items, why, swaps, excluded, profile, budget.settings)


def _candidates(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    on: date,
    progress: Progress,
) -> tuple[list[Choice], list[Swap], list[Exclusion]]:
    areas = set(profile.areas)
    swaps: list[Swap] = []
    excluded: list[Exclusion] = []
    candidates: list[Choice] = []
    for stretch in catalogue:
        if stretch.variant_of is not None or not areas & set(stretch.regions):
            continue  # variants come in as swaps for their base stretch
        choice, swap, exclusion = resolve(stretch, catalogue, profile, limits)
        if choice is not None:
            choice, swap = _eased(choice, swap, catalogue, profile, limits, progress)
            if progress.step >= 0 and swap is None:
                choice = _harder(choice, catalogue, profile, limits)
            if resting := _resting((stretch.id, choice.stretch.id), progress, on):
                choice, swap, exclusion = None, None, resting
        if exclusion:
            excluded.append(exclusion)
        if swap:
            swaps.append(swap)
        if choice is None or any(c.stretch.id == choice.stretch.id for c in candidates):
            continue
        if profile.time_of_day is TimeOfDay.AFTER_EXERCISE and choice.stretch.kind is Kind.REPS:
            # A cool-down after exercise is holds for the areas worked (003): a moving stretch
            # gives way to a hold of the same family, if one is permitted.
            choice = _held_instead(choice, catalogue, profile, limits)
            if choice is None or any(c.stretch.id == choice.stretch.id for c in candidates):
                continue
        candidates.append(choice)
    return candidates, swaps, excluded


def _plan_areas(
    profile: Profile,
    catalogue: Catalogue,
    limits: Limits,
    on: date,
    budget: _Budget,
    strategy: Strategy,
    progress: Progress,
    turns: Mapping[Region, tuple[int, int]] | None = None,
) -> Plan:
    candidates, swaps, excluded = _candidates(profile, catalogue, limits, on, progress)
    if profile.time_of_day is TimeOfDay.EVENING:
        # Winding down: strengthening-type moves only where nothing calmer is permitted.
        calm = [c for c in candidates if not _strengthening(c.stretch)]
        covered = {r for c in calm for r in c.stretch.regions}
        candidates = [
            c
            for c in candidates
            if not _strengthening(c.stretch) or not covered & set(c.stretch.regions)
        ]
    turns = turns or {}
    by_area = {
        area: _turned(
            [c for c in candidates if area in c.stretch.regions],
            profile,
            on,
            turns.get(area, (1, 0)),
        )
        for area in profile.areas
    }
    chosen: list[RoutineItem] = []
    why: dict[str, str] = {}

    def first_dose(stretch: Stretch) -> ItemDose:
        dose = capped(stretch, _strategy_dose(stretch, strategy), budget.minutes)
        return capped(stretch, dose_at_step(stretch, dose, min(progress.step, 0)), budget.minutes)

    def try_add(choice: Choice, reason: str, least: bool = False) -> bool:
        stretch = choice.stretch
        if any(i.stretch.id == stretch.id for i in chosen):
            return False
        dose = first_dose(stretch)
        # A preset that sets its own dose (the comprehensive routine) keeps it or leaves the
        # stretch out; otherwise the least the sources allow is tried before leaving it out
        # (first, while every area is given its stretch: room for the others comes first).
        trials = (dose,) if strategy.include_all else (dose, _smallest_dose(stretch, dose))
        if least and not strategy.include_all:
            trials = trials[::-1]
        for trial_dose in trials:
            item = RoutineItem(stretch, trial_dose, choice.way)
            if _fits([*chosen, item], profile, budget):
                chosen.append(item)
                why[stretch.id] = reason
                return True
        return False

    def note_for(choice: Choice, area: Region, more: bool) -> str:
        words = _area_words([r for r in choice.stretch.regions if r in profile.areas])
        note = f"more for your {words}" if more else f"for your {AREA_WORDS[area]}"
        if choice.stretch.id in profile.favourites:
            note += " (a favourite)"
        return note

    # First one stretch for every area, then more different stretches round the areas in turn
    # while the time allows; the doses grow only once no other stretch fits.
    for area, choices in by_area.items():
        if any(area in i.stretch.regions for i in chosen):
            continue
        # A stretch that also reaches other areas still waiting comes first, so that a short
        # plan for many areas covers them all (seated cat-cow for the whole back).
        waiting = {a for a in profile.areas if not any(a in i.stretch.regions for i in chosen)}
        ranked = sorted(choices, key=lambda c: -len(waiting & set(c.stretch.regions)))
        for choice in ranked:
            if try_add(choice, note_for(choice, area, more=False), least=True):
                break
    for index, item in enumerate(chosen):  # each area has its stretch: now its usual dose
        dose = first_dose(item.stretch)
        trial = [*chosen[:index], replace(item, dose=dose), *chosen[index + 1 :]]
        if _fits(trial, profile, budget):
            chosen[index] = trial[index]
    # Each area's list is taken in its order of the day, up to the first stretch that no
    # longer fits: no skipping ahead to a smaller one, so that a day's plan is the front of a
    # list that turns a little each day, and consecutive days share most of it.
    open_areas = dict(by_area)
    while open_areas:
        for area in list(open_areas):
            left = [
                c for c in open_areas[area] if not any(i.stretch.id == c.stretch.id for i in chosen)
            ]
            if not left or not try_add(left[0], note_for(left[0], area, more=True)):
                del open_areas[area]
    if progress.step >= 0 and not strategy.include_all:
        chosen = _raised(chosen, profile, budget, progress.step)
        chosen = _grow(chosen, profile, budget)
    for choice in candidates:
        if not any(i.stretch.id == choice.stretch.id for i in chosen):
            excluded.append(Exclusion(choice.stretch.id, (Reason(ReasonKind.TIME, "budget"),)))
    found = _finish(chosen, why, swaps, excluded, profile, budget.settings)
    uncovered = tuple(
        Uncovered(area, _what_would_fit(area, by_area[area], catalogue, profile, limits))
        for area in profile.areas
        if not any(area in i.stretch.regions for i in chosen)
    )
    return replace(found, uncovered=uncovered)


def _what_would_fit(
    area: Region,
    permitted: Sequence[Choice],
    catalogue: Catalogue,
    profile: Profile,
    limits: Limits,
) -> str:
    """Say what would make room for an area the plan could not cover, instead of nothing."""
    words = AREA_WORDS[area]
    if permitted:
        return f"A few more minutes would make room for a stretch for your {words}."
    for place in PLACE_ORDER:
        for stretch in catalogue:
            if area not in stretch.regions or _why_not_stretch(stretch, profile):
                continue
            for way in stretch.ways:
                ruled_out = restrictions_rule_out(
                    sorted(limits.restrictions),
                    way.movements,
                    pregnancy_weeks=limits.pregnancy_weeks,
                )
                if way.place is place and not ruled_out:
                    return f"{PLACE_HINTS[place]} would allow {stretch.name} for your {words}."
    return (
        f"None of the stretches for your {words} suits your safety answers today; "
        "a physiotherapist can suggest what would."
    )


PLACE_HINTS: dict[Place, str] = {
    Place.STANDING: "Standing up",
    Place.CHAIR: "Sitting on a chair",
    Place.BED_EDGE: "Sitting on the edge of the bed",
    Place.FLOOR: "Getting down on a mat on the floor",
    Place.BED: "Lying on a bed",
}


def _raised(
    items: list[RoutineItem], profile: Profile, budget: _Budget, step: int
) -> list[RoutineItem]:
    """Raise each item to the progression step's dose where it still fits: a step up never
    costs a stretch its place, and adds at most a fifth to the session's time."""
    ceiling = routine_seconds(_ordered(items, profile), budget.settings) * (1 + STEP_TIME_CHANGE)
    for index, item in enumerate(items):
        dose = capped(item.stretch, dose_at_step(item.stretch, item.dose, step), budget.minutes)
        trial = [*items[:index], replace(item, dose=dose), *items[index + 1 :]]
        longer = routine_seconds(_ordered(trial, profile), budget.settings)
        if dose != item.dose and _fits(trial, profile, budget) and longer <= ceiling:
            items = trial
    return items
