"""Planning today's routine: one use case behind `plan`, `start`, `log`, the plan page, the
player page and `POST /api/plan`, so the terminal and the browser always agree.

The profile is built in layers, each overriding the one before: the remembered profile, a
profile document (a file, or the API's body), a preset, then single choices (flags or form
fields); restrictions only ever add. The routine is a preset's, a saved routine's, a routine
file's, or the planner's own choice; then the safety gate, the restrictions on file, the
progression the stored sessions call for, and the pure planner decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, CatalogueError, Stretch, UnknownStretchError
from backstretch.core.models import Sides
from backstretch.core.plan_words import reason_text
from backstretch.core.planner import Limits, Plan, Request, Strategy, plan, resolve, why_not
from backstretch.core.profile import Profile, ProfileError, parse_profile
from backstretch.core.progression import ChangeKind, Progress, describe_dose_change, progress
from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.routine import Preset, parse_routine
from backstretch.core.safety import Gate, GateStatus
from backstretch.core.screening import ALWAYS_ON, Restriction, ScreeningGuide, parse_answers, screen
from backstretch.core.timeline import ItemDose, TimelineSettings
from backstretch.db import repository
from backstretch.services.errors import Blocked, Invalid, NotFound
from backstretch.services.screening import current_gate_in

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import PersonContext

DEFAULT_NAME = "My routine"


@dataclass(frozen=True)
class PlanChoice:
    """What the person asked for; every field is optional."""

    profile: Mapping[str, Any] | None = None  # a profile document: a file, or the API's body
    origin: str = "profile"  # how errors in `profile` name it
    flags: Mapping[str, Any] = field(default_factory=dict)  # single choices: areas, minutes...
    preset: str | None = None
    routine: str | None = None  # a saved routine's name
    routine_file: Any = None  # a routine file's parsed contents (used when no saved one matches)
    routine_origin: str = "routine file"
    routine_may_be_a_file: bool = False  # the terminal tried `routine` as a file's name too
    stretch_ids: Sequence[str] = ()  # today's routine edited to just these stretches
    remember: bool = False  # keep the profile as the person's remembered one
    on: date | None = None  # plan for another local day (a session logged later)


@dataclass(frozen=True)
class PlanOutcome:
    """A plan, or the reason there is none; `screening` is ok, missing, incomplete or stale."""

    gate: Gate
    screening: str
    profile: Profile
    restrictions: tuple[Restriction, ...]
    plan: Plan | None = None
    advice: dict[str, Any] | None = None

    @property
    def blocked(self) -> bool:
        """Tell whether safety stopped the plan."""
        return self.gate.status is GateStatus.BLOCKED

    def to_json(self) -> dict[str, Any]:
        """Return the outcome in the plan JSON format."""
        if self.blocked or self.plan is None:
            verdict = self.gate.verdict.value if self.gate.verdict else None
            return {"blocked": True, "verdict": verdict, "advice": self.advice}
        return {
            "profile": self.profile.model_dump(mode="json"),
            "screening": self.screening,
            "restrictions": [r.value for r in self.restrictions],
            "total_seconds": self.plan.total_seconds,
            "budget_seconds": self.plan.budget_seconds,
            "items": [item.to_json() for item in self.plan.items],
            "swaps": [swap.to_json() for swap in self.plan.swaps],
            "excluded": [e.to_json() for e in self.plan.excluded],
            "uncovered": [u.to_json() for u in self.plan.uncovered],
            "timeline": [segment.to_json() for segment in self.plan.segments],
        }


@dataclass(frozen=True)
class TodayPlan:
    """Today's plan with its name, the progression behind it and what changed since last time.

    `outcome.plan` is None only when safety blocks a routine (`plan_today` raises `Blocked`
    then, unless asked not to).
    """

    name: str
    outcome: PlanOutcome
    progress: Progress
    changes: tuple[str, ...]
    settings: TimelineSettings

    @property
    def plan(self) -> Plan:
        """Return the plan (never None once `plan_today` has returned without `Blocked`)."""
        assert self.outcome.plan is not None
        return self.outcome.plan

    def to_json(self) -> dict[str, Any]:
        """Return the plan JSON with the routine's name and what changed."""
        data = self.outcome.to_json()
        if self.outcome.plan is None:
            return data
        return {**data, "name": self.name, "changes": list(self.changes)}


def presets(person: PersonContext) -> dict[str, Preset]:
    """Return the ready-made routines, by id."""
    from backstretch.data import presets as packaged

    return packaged(person.catalogue)


def _preset(person: PersonContext, name: str) -> Preset:
    known = presets(person)
    if name not in known:
        raise Invalid(f"unknown preset '{name}'. Presets: {', '.join(known)}", field="preset")
    return known[name]


def _routine(
    db: Session, person: PersonContext, choice: PlanChoice
) -> tuple[str, tuple[Request, ...]] | None:
    """Return the name and items of the saved routine or routine file asked for, if any."""
    from backstretch.services.routines import clean_name_or_none, routine_requests

    if choice.routine is not None:
        name = clean_name_or_none(choice.routine)
        saved = repository.find_routine(db=db, name=name) if name else None
        if saved is not None:
            return routine_requests(saved, person.catalogue)
        if choice.routine_file is None:
            if choice.routine_may_be_a_file:
                raise NotFound(
                    f"--routine: no saved routine called '{choice.routine}' and no file "
                    f"{choice.routine} (`backstretch routines` lists your saved routines)",
                    field="routine",
                )
            raise NotFound(f"no saved routine called '{choice.routine}'", field="routine")
    if choice.routine_file is not None:
        try:
            return parse_routine(
                choice.routine_file, person.catalogue, origin=choice.routine_origin
            )
        except CatalogueError as error:
            raise Invalid(str(error), field="routine") from None
    return None


def _areas_of(requests: Sequence[Request], catalogue: Catalogue) -> list[str]:
    regions = [r.value for req in requests for r in catalogue.get(req.stretch_id).regions]
    return list(dict.fromkeys(regions))


def build_profile(
    *,
    remembered: Mapping[str, Any] | None,
    document: Mapping[str, Any] | None,
    origin: str,
    preset: Preset | None,
    flags: Mapping[str, Any],
    requests: Sequence[Request] | None,
    catalogue: Catalogue,
) -> Profile:
    """Merge the layers of a profile (see the module's docstring) and validate the result."""
    if document is not None and not isinstance(document, Mapping):
        raise Invalid(f"{origin}: expected a mapping of profile fields", field="profile")
    data: dict[str, Any] = {}
    restrictions: list[Any] = []
    for layer, where in ((remembered, "remembered profile"), (document, origin)):
        if not layer:
            continue
        if unknown := sorted(set(layer) - set(Profile.model_fields)):
            raise Invalid(f"{where}: {unknown[0]}: unknown field", field=unknown[0])
        given = layer.get("restrictions", [])
        if not isinstance(given, list):
            raise Invalid(f"{where}: restrictions: expected a list of restriction ids")
        restrictions += given
        data.update(layer)
    if preset is not None:
        data.update(preset.profile)
    for key, value in flags.items():
        if value is None or value == []:
            continue
        if key == "restrictions":
            restrictions += list(value)  # restrictions only ever add
        else:
            data[key] = value
    if flags.get("pregnancy_weeks") is not None:
        restrictions.append("pregnant")
    if restrictions:
        data["restrictions"] = list(dict.fromkeys(restrictions))
    if not flags.get("areas") and (requests and (document is None or "areas" not in document)):
        # A routine's own areas, unless the person said where it feels tight this time.
        data["areas"] = _areas_of(requests, catalogue)
    if "areas" not in data:
        raise Invalid(
            "say where it feels tight: --area lower_back (or a --preset, or --profile FILE)",
            field="areas",
        )
    try:
        return parse_profile(data)
    except ProfileError as error:
        where = "options" if document is None else origin
        raise Invalid(f"{where}: {error}", field=error.field) from None


def blocking_advice(db: Session, guide: ScreeningGuide, emergency_number: str) -> dict[str, Any]:
    """Return the advice to show when safety blocks a routine."""
    blocks = repository.open_blocks(db=db)
    latest = repository.latest_screening(db=db)
    if latest is not None and not blocks:
        answers = parse_answers(latest.answers)
        answers = replace(
            answers, cleared=tuple(dict.fromkeys((*answers.cleared, *latest.cleared)))
        )
        advice = screen(answers, guide, emergency_number=emergency_number).advice
        return {"title": advice.title, "text": advice.text, "actions": list(advice.actions)}
    texts = [
        guide.block_advice[b.kind.value].replace("{emergency_number}", emergency_number).strip()
        for b in blocks
    ]
    return {
        "title": "The programme is paused for your safety",
        "text": "\n\n".join(dict.fromkeys(texts)),
        "actions": ["backstretch screen --recheck"],
    }


def _make_plan(
    db: Session,
    person: PersonContext,
    *,
    profile: Profile,
    on: date,
    requests: Sequence[Request] | None,
    strategy: Strategy | None,
    settings: TimelineSettings,
    progress_now: Progress,
) -> PlanOutcome:
    """Plan a routine for the local day `on`, unless the screening on file or a block says no."""
    gate = current_gate_in(db, now=person.now())
    latest = repository.latest_screening(db=db)
    on_file = latest.restrictions if latest else ()
    limited = frozenset({*on_file, *ALWAYS_ON})
    ordered = tuple(r for r in Restriction if r in limited | set(profile.restrictions))
    screening = gate.status.value
    if gate.status is GateStatus.BLOCKED:
        advice = blocking_advice(db, person.guide, person.emergency_number)
        return PlanOutcome(gate, screening, profile, ordered, advice=advice)
    # The planner combines these weeks with the profile's, the most cautious way.
    limits = Limits(
        restrictions=limited, pregnancy_weeks=latest.pregnancy_weeks if latest else None
    )
    result = plan(
        profile,
        person.catalogue,
        limits,
        on=on,
        settings=settings,
        requests=requests,
        strategy=strategy,
        progress=progress_now,
    )
    return PlanOutcome(gate, screening, profile, ordered, plan=result)


def timeline_settings(person: PersonContext) -> TimelineSettings:
    """Return the timeline settings the person chose."""
    return TimelineSettings(lead_in_seconds=person.preferences.lead_in_seconds)


def remembered_profile(person: PersonContext) -> Profile | None:
    """Return the remembered profile, or None when there is none (or it no longer parses)."""
    with person.transaction() as db:
        return _remembered_in(db)


def _remembered_in(db: Session) -> Profile | None:
    data = repository.load_profile(db=db)
    if data is None:
        return None
    try:
        return parse_profile(data)
    except ProfileError:
        return None


def remember_profile(person: PersonContext, choices: Mapping[str, Any]) -> Profile:
    """Keep `choices` (areas, minutes...) as the remembered profile, over the one remembered, so
    its lists and restrictions stay; a bad value raises `Invalid` naming the field, and nothing
    is stored then."""
    with person.transaction() as db:
        kept = _remembered_in(db)
        data = {**(kept.model_dump(mode="json") if kept else {}), **choices}
        try:
            profile = parse_profile(data)
        except ProfileError as error:
            raise Invalid(str(error), field=error.field) from None
        repository.save_profile(db=db, data=profile.model_dump(mode="json"), at=person.now())
    return profile


def mark_stretch(
    person: PersonContext,
    stretch_id: str,
    *,
    avoid: bool | None = None,
    favourite: bool | None = None,
) -> Profile | None:
    """Put a stretch on (True) or take it off (False) the remembered profile's never-suggest
    and favourite lists; None leaves a list as it is. Return the profile, or None when none is
    remembered. A stretch not in the person's catalogue raises `Invalid`."""
    if stretch_id not in person.catalogue:
        raise Invalid(f"stretch: unknown stretch '{stretch_id}'", field="stretch")

    def changed(listed: tuple[str, ...], on: bool | None) -> tuple[str, ...]:
        if on is None:
            return listed
        return (*(s for s in listed if s != stretch_id), *((stretch_id,) if on else ()))

    with person.transaction() as db:
        profile = _remembered_in(db)
        if profile is None:
            return None
        profile = profile.model_copy(
            update={
                "avoid": changed(profile.avoid, avoid),
                "favourites": changed(profile.favourites, favourite),
            }
        )
        repository.save_profile(db=db, data=profile.model_dump(mode="json"), at=person.now())
    return profile


def _limits_on_file(person: PersonContext) -> Limits:
    with person.transaction() as db:
        latest = repository.latest_screening(db=db)
    return Limits(
        restrictions=frozenset({*(latest.restrictions if latest else ()), *ALWAYS_ON}),
        pregnancy_weeks=latest.pregnancy_weeks if latest else None,
    )


def why_not_planned(person: PersonContext, stretch: Stretch) -> str | None:
    """Answer "why not this stretch?": the reasons it stays out of the person's plans (their
    remembered setting and level, their preferences and the screening on file), in words, or
    None when some way of it may be planned."""
    profile = remembered_profile(person) or Profile(areas=stretch.regions)
    reasons = why_not(stretch, profile, _limits_on_file(person))
    return reason_text([r.to_json() for r in reasons]) if reasons else None


def replacements(
    person: PersonContext, profile: Profile, stretch: Stretch, planned: Sequence[str] = ()
) -> list[Stretch]:
    """Return the stretches that could take `stretch`'s place: the same area, allowed as they
    are by the profile and the screening on file, and not planned already (the planner checks
    an edited routine again anyway)."""
    limits = _limits_on_file(person)
    options = []
    for candidate in person.catalogue:
        if candidate.id == stretch.id or candidate.id in planned:
            continue
        if not set(candidate.regions) & set(stretch.regions):
            continue
        choice, swap, _ = resolve(candidate, person.catalogue, profile, limits)
        if choice is not None and swap is None:  # only stretches allowed as they are
            options.append(candidate)
    return options


def _requests_for(
    stretch_ids: Sequence[str], catalogue: Catalogue, doses: Mapping[str, ItemDose]
) -> tuple[Request, ...]:
    try:
        return tuple(Request(catalogue.get(i).id, doses.get(i)) for i in stretch_ids)
    except UnknownStretchError as error:
        raise Invalid(str(error), field="items") from None


def plan_today(
    person: PersonContext, choice: PlanChoice = PlanChoice(), *, raise_blocked: bool = True
) -> TodayPlan:
    """Plan today's routine for the person, with the progression their sessions call for.

    Safety blocking a routine raises `Blocked` with the advice (or, with `raise_blocked=False`,
    returns a `TodayPlan` whose outcome says why). Edits (`stretch_ids`) keep each kept
    stretch's suggested dose, so dropping one stretch never squeezes out another.
    """
    if choice.routine_file is not None:
        # A shared routine file brings its own stretches: known for this plan, never stored.
        from backstretch.services.sharing import with_travelling_stretches

        person = with_travelling_stretches(
            person, choice.routine_file, origin=choice.routine_origin or "routine file"
        )
    preset = _preset(person, choice.preset) if choice.preset else None
    settings = timeline_settings(person)
    with person.transaction() as db:
        routine = _routine(db, person, choice)
        name = routine[0] if routine else preset.name if preset else DEFAULT_NAME
        requests = routine[1] if routine else preset.requests if preset else None
        remembered = repository.load_profile(db=db)
        profile = build_profile(
            remembered=remembered,
            document=choice.profile,
            origin=choice.origin,
            preset=preset,
            flags=choice.flags,
            requests=requests,
            catalogue=person.catalogue,
        )
        on = choice.on or person.today()
        records = repository.list_sessions(db=db)
        progress_now = progress(records)
        strategy = preset.strategy if preset else None

        def make(requested: Sequence[Request] | None) -> PlanOutcome:
            return _make_plan(
                db,
                person,
                profile=profile,
                on=on,
                requests=requested,
                strategy=strategy,
                settings=settings,
                progress_now=progress_now,
            )

        outcome = make(requests)
        if choice.stretch_ids and outcome.plan is not None:
            doses = {item.stretch.id: item.dose for item in outcome.plan.routine}
            outcome = make(_requests_for(choice.stretch_ids, person.catalogue, doses))
        changes: tuple[str, ...] = ()
        if outcome.plan is not None:
            names = {stretch.id: stretch.name for stretch in person.catalogue}
            previous = _previous_doses(db, records)
            changes = what_changed(outcome.plan, previous, progress_now, on, names)
            if choice.remember:
                repository.save_profile(
                    db=db, data=profile.model_dump(mode="json"), at=person.now()
                )
    today = TodayPlan(name, outcome, progress_now, changes, settings)
    if outcome.plan is None and raise_blocked:
        verdict = outcome.gate.verdict.value if outcome.gate.verdict else None
        advice = outcome.advice or {}
        raise Blocked(
            advice.get("title", "safety does not allow a routine now"),
            advice=advice,
            verdict=verdict,
        )
    return today


def _previous_doses(db: Session, records: Sequence[SessionRecord]) -> dict[str, dict[str, Any]]:
    for record in reversed(records):
        if record.source == "player" and record.reads_as is not SessionStatus.ABANDONED:
            stored = repository.session_plan(db=db, uuid=record.uuid) or {}
            return {item["stretch"]: item for item in stored.get("items", [])}
    return {}


def what_changed(
    plan: Plan,
    previous: dict[str, dict[str, Any]],
    progress_now: Progress,
    on: date,
    names: dict[str, str] | None = None,
) -> tuple[str, ...]:
    """Return, in words, how this plan differs from the last session's and why."""
    names = names or {}
    lines: list[str] = []
    latest = progress_now.latest
    if latest is not None and (on - latest.day).days < 7:
        if latest.kind is ChangeKind.RAISED:
            lines.append(f"One step up on {latest.day.isoformat()}: {latest.why}.")
        else:
            lines.append(f"Easing off since {latest.day.isoformat()}: {latest.why}.")
    if not previous:
        return tuple(lines)
    for planned in plan.items:
        item = planned.item
        before = previous.get(item.stretch.id)
        if before is None:
            lines.append(f"New today: {item.stretch.name}.")
            continue
        old = ItemDose(
            sets=before["sets"],
            reps=before["reps"],
            sides=Sides(before["sides"]),
            hold_seconds=before["hold_seconds"],
        )
        if change := describe_dose_change(old, item.dose):
            reason = f": {latest.why}" if latest else ""
            lines.append(f"{item.stretch.name}: {change}{reason}.")
    today = {p.item.stretch.id for p in plan.items}
    for stretch_id in previous:
        if stretch_id not in today:
            back = progress_now.rests_on(stretch_id, on)
            why = f" (resting until {back.isoformat()} after a stop)" if back else ""
            lines.append(f"Not today: {names.get(stretch_id, stretch_id)}{why}.")
    return tuple(lines)
