"""Screening as a use case: screen, store, keep clearances and safety blocks in step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.safety import BlockKind, Gate, ScreeningOnFile, gate
from backstretch.core.screening import (
    NEVER_CLEARED,
    RED_FLAG_IDS,
    SEE_SOON_IDS,
    Answers,
    AnswersError,
    Restriction,
    ScreeningGuide,
    ScreeningResult,
    parse_answers,
    restrictions_rule_out,
    screen,
)
from backstretch.db import repository
from backstretch.db.repository import StoredBlock, StoredScreening
from backstretch.services.errors import Invalid

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import PersonContext


class ClearanceError(Invalid):
    """A clearance cannot be recorded; the message says why."""


def left_out_by(
    restrictions: Sequence[Restriction], catalogue: Catalogue, pregnancy_weeks: int | None
) -> dict[Restriction, tuple[str, ...]]:
    """Return, per restriction, the stretch names it leaves out (or swaps, with the swap named)."""

    def allowed(movements: Sequence[Any]) -> bool:
        return not restrictions_rule_out(restrictions, movements, pregnancy_weeks=pregnancy_weeks)

    def any_way(stretch: Stretch) -> bool:
        return any(allowed(way.movements) for way in stretch.ways)

    found: dict[Restriction, list[str]] = {r: [] for r in restrictions}
    for stretch in catalogue:
        if stretch.variant_of is not None or any_way(stretch):
            continue  # variants are named as swaps of their base stretch
        ruling = restrictions_rule_out(
            restrictions, stretch.usual_way.movements, pregnancy_weeks=pregnancy_weeks
        )
        swap = next((v for v in catalogue.variants_of(stretch.id) if any_way(v)), None)
        label = f"{stretch.name} (swapped for {swap.name})" if swap else stretch.name
        for restriction in ruling:
            found[restriction].append(label)
    return {r: tuple(names) for r, names in found.items() if names}


def _decide(answers: Answers, clearances: Sequence[str], context: PersonContext) -> ScreeningResult:
    """Screen the answers with the clearances on file, naming what each restriction leaves out."""
    with_clearances = replace(
        answers, cleared=tuple(dict.fromkeys((*answers.cleared, *clearances)))
    )
    first = screen(with_clearances, context.guide, emergency_number=context.emergency_number)
    left_out = left_out_by(first.restrictions, context.catalogue, first.pregnancy_weeks)
    return screen(
        with_clearances,
        context.guide,
        emergency_number=context.emergency_number,
        left_out=left_out,
    )


def _latest_result(db: Session, context: PersonContext) -> ScreeningResult | None:
    """Return the latest screening decided again, with its advice in today's wording."""
    latest = repository.latest_screening(db=db)
    if latest is None:
        return None
    return _decide(parse_answers(latest.answers), latest.cleared, context)


def _screen_and_store(
    db: Session,
    answers: Answers,
    context: PersonContext,
    *,
    answered_at: datetime,
    now: datetime,
    origin: str,
) -> tuple[StoredScreening, ScreeningResult]:
    result = _decide(answers, repository.active_clearances(db=db), context)
    answered_no = [flag for flag, value in answers.flags.items() if value is False]
    repository.lapse_clearances(db=db, flags=answered_no, at=now)
    stored = repository.save_screening(
        db=db,
        result=result,
        answers=answers.to_json(),
        answered_at=answered_at,
        recorded_at=now,
        timezone=context.timezone,
        origin=origin,
    )
    if result.allows_routine:
        # A fresh screening that allows a routine closes the blocks that wait for one.
        repository.close_blocks(
            db=db,
            at=now,
            kinds=(BlockKind.EMERGENCY, BlockKind.PAIN_PAUSE),
            screening_id=stored.id,
        )
    return stored, result


def record_screening(
    person: PersonContext, raw_answers: Mapping[str, Any] | Answers
) -> ScreeningResult:
    """Screen the answers, store the result, and update clearances and blocks.

    Malformed answers raise `Invalid` naming the question at fault; nothing is stored then.
    """
    try:
        answers = raw_answers if isinstance(raw_answers, Answers) else parse_answers(raw_answers)
    except AnswersError as error:
        raise Invalid(f"answers: {error}", field="answers") from None
    now = person.now()
    with person.transaction() as db:
        _, result = _screen_and_store(
            db, answers, person, answered_at=now, now=now, origin="answers"
        )
    return result


def _clearable(db: Session) -> tuple[str, ...]:
    """Return the ids a clinician's clearance could be recorded for right now."""
    latest = repository.latest_screening(db=db)
    flags = []
    if latest is not None:
        flags = [
            i
            for i in SEE_SOON_IDS
            if latest.answers.get(i) is True and i not in NEVER_CLEARED and i not in latest.cleared
        ]
    blocks = [b.reason for b in repository.open_blocks(db=db) if b.kind is BlockKind.SEE_CLINICIAN]
    return tuple(dict.fromkeys([*flags, *blocks]))


def record_clearance(person: PersonContext, ids: Sequence[str]) -> ScreeningResult | None:
    """Record a clinician's clearance for flags or stop signals now present, then re-decide.

    Return the screening decided again, or None when there is no screening on file yet.
    """
    with person.transaction() as db:
        found = _record_clearance(db, ids, person, now=person.now())
    return found[1] if found else None


def _record_clearance(
    db: Session, ids: Sequence[str], context: PersonContext, *, now: datetime
) -> tuple[StoredScreening, ScreeningResult] | None:
    never = [i for i in ids if i in NEVER_CLEARED]
    if never:
        raise ClearanceError(
            f"{', '.join(never)} cannot be cleared: emergency signs need urgent care, and a fever "
            "needs to pass first. Answer the screening again when things have changed."
        )
    present = _clearable(db)
    absent = [i for i in ids if i not in present]
    if absent:
        hint = f" Clearable now: {', '.join(present)}." if present else " Nothing needs clearing."
        raise ClearanceError(f"{', '.join(absent)} is not present right now.{hint}")
    for flag in ids:
        repository.add_clearance(db=db, flag=flag, at=now, timezone=context.timezone)
    repository.close_blocks(db=db, at=now, kinds=(BlockKind.SEE_CLINICIAN,), reasons=list(ids))
    latest = repository.latest_screening(db=db)
    if latest is None:
        return None
    answers = parse_answers(latest.answers)
    return _screen_and_store(
        db, answers, context, answered_at=latest.answered_at, now=now, origin="clearance"
    )


def current_gate_in(db: Session, *, now: datetime) -> Gate:
    """Return whether a routine may be planned and played now (within a transaction)."""
    latest = repository.latest_screening(db=db)
    on_file = ScreeningOnFile(latest.verdict, latest.answered_at) if latest else None
    blocks = [b.kind for b in repository.open_blocks(db=db)]
    return gate(on_file, blocks, now=now)


def current_gate(person: PersonContext) -> Gate:
    """Return whether a routine may be planned and played now."""
    with person.transaction() as db:
        return current_gate_in(db, now=person.now())


@dataclass(frozen=True)
class ScreeningStatus:
    """Where the person stands: the latest screening (decided again today), the gate, open
    safety blocks and what a clinician's clearance could be recorded for."""

    latest: StoredScreening | None
    result: ScreeningResult | None
    gate: Gate
    blocks: tuple[StoredBlock, ...]
    clearable: tuple[str, ...]
    has_profile: bool
    advice: dict[str, Any] | None  # what to do instead, when safety blocks a routine


def screening_status(person: PersonContext) -> ScreeningStatus:
    """Return the person's screening status, for the result page and the weekly check."""
    from backstretch.services.planning import blocking_advice

    with person.transaction() as db:
        status_gate = current_gate_in(db, now=person.now())
        blocked = not status_gate.may_plan
        return ScreeningStatus(
            latest=repository.latest_screening(db=db),
            result=_latest_result(db, person),
            gate=status_gate,
            blocks=tuple(repository.open_blocks(db=db)),
            clearable=_clearable(db),
            has_profile=repository.load_profile(db=db) is not None,
            advice=(
                blocking_advice(db, person.guide, person.emergency_number) if blocked else None
            ),
        )


def latest_answers(person: PersonContext) -> dict[str, Any] | None:
    """Return the answers of the latest screening (to pre-fill the weekly check), if any."""
    with person.transaction() as db:
        latest = repository.latest_screening(db=db)
    return dict(latest.answers) if latest else None


def same_as_last_time(previous: Mapping[str, Any], guide: ScreeningGuide) -> dict[str, Any]:
    """The weekly check's one answer: none of the urgent signs is new, the rest as last time.

    A red flag answered yes last time stays yes (a clinician may have cleared it); every other
    red flag is now no. The adjustments, pregnancy weeks and clearances are kept as they were.
    """
    answers: dict[str, Any] = {}
    for question in guide.questions:
        value = previous.get(question.id)
        if question.id in RED_FLAG_IDS:
            answers[question.id] = value is True
        elif isinstance(value, bool):
            answers[question.id] = value
    for key in ("pregnancy_weeks", "cleared"):
        if key in previous:
            answers[key] = previous[key]
    return answers
