"""Screening as a use case: screen, store, keep clearances and safety blocks in step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue
from backstretch.core.safety import BlockKind, Gate, ScreeningOnFile, gate
from backstretch.core.screening import (
    NEVER_CLEARED,
    SEE_SOON_IDS,
    Answers,
    Restriction,
    ScreeningGuide,
    ScreeningResult,
    parse_answers,
    restrictions_rule_out,
    screen,
)
from backstretch.db import repository
from backstretch.db.repository import StoredScreening


class ClearanceError(ValueError):
    """A clearance cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Context:
    """What every screening use case needs besides the database."""

    guide: ScreeningGuide
    catalogue: Catalogue
    emergency_number: str
    timezone: str


def left_out_by(
    restrictions: Sequence[Restriction], catalogue: Catalogue, pregnancy_weeks: int | None
) -> dict[Restriction, tuple[str, ...]]:
    """Return, per restriction, the stretch names it leaves out (or swaps, with the swap named)."""

    def allowed(movements: Sequence[Any]) -> bool:
        return not restrictions_rule_out(restrictions, movements, pregnancy_weeks=pregnancy_weeks)

    found: dict[Restriction, list[str]] = {r: [] for r in restrictions}
    for stretch in catalogue:
        if stretch.variant_of is not None:
            continue  # variants are named as swaps of their base stretch
        ruling = restrictions_rule_out(
            restrictions, stretch.movements, pregnancy_weeks=pregnancy_weeks
        )
        if not ruling:
            continue
        swap = next((v for v in catalogue.variants_of(stretch.id) if allowed(v.movements)), None)
        label = f"{stretch.name} (swapped for {swap.name})" if swap else stretch.name
        for restriction in ruling:
            found[restriction].append(label)
    return {r: tuple(names) for r, names in found.items() if names}


def _decide(answers: Answers, clearances: Sequence[str], context: Context) -> ScreeningResult:
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


def latest_result(session: Session, context: Context) -> ScreeningResult | None:
    """Return the latest screening decided again, with its advice in today's wording."""
    latest = repository.latest_screening(session=session)
    if latest is None:
        return None
    return _decide(parse_answers(latest.answers), latest.cleared, context)


def _screen_and_store(
    session: Session,
    answers: Answers,
    context: Context,
    *,
    answered_at: datetime,
    now: datetime,
    origin: str,
) -> tuple[StoredScreening, ScreeningResult]:
    result = _decide(answers, repository.active_clearances(session=session), context)
    answered_no = [flag for flag, value in answers.flags.items() if value is False]
    repository.lapse_clearances(session=session, flags=answered_no, at=now)
    stored = repository.save_screening(
        session=session,
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
            session=session,
            at=now,
            kinds=(BlockKind.EMERGENCY, BlockKind.PAIN_PAUSE),
            screening_id=stored.id,
        )
    return stored, result


def record_screening(
    session: Session, raw_answers: Mapping[str, Any] | Answers, context: Context, *, now: datetime
) -> tuple[StoredScreening, ScreeningResult]:
    """Screen the answers, store the result, and update clearances and blocks."""
    answers = raw_answers if isinstance(raw_answers, Answers) else parse_answers(raw_answers)
    return _screen_and_store(session, answers, context, answered_at=now, now=now, origin="answers")


def clearable_now(session: Session) -> tuple[str, ...]:
    """Return the ids a clinician's clearance could be recorded for right now."""
    latest = repository.latest_screening(session=session)
    flags = []
    if latest is not None:
        flags = [
            i
            for i in SEE_SOON_IDS
            if latest.answers.get(i) is True and i not in NEVER_CLEARED and i not in latest.cleared
        ]
    blocks = [
        b.reason
        for b in repository.open_blocks(session=session)
        if b.kind is BlockKind.SEE_CLINICIAN
    ]
    return tuple(dict.fromkeys([*flags, *blocks]))


def record_clearance(
    session: Session, ids: Sequence[str], context: Context, *, now: datetime
) -> tuple[StoredScreening, ScreeningResult] | None:
    """Record a clinician's clearance for flags or stop signals now present, then re-decide."""
    never = [i for i in ids if i in NEVER_CLEARED]
    if never:
        raise ClearanceError(
            f"{', '.join(never)} cannot be cleared: emergency signs need urgent care, and a fever "
            "needs to pass first. Answer the screening again when things have changed."
        )
    present = clearable_now(session)
    absent = [i for i in ids if i not in present]
    if absent:
        hint = f" Clearable now: {', '.join(present)}." if present else " Nothing needs clearing."
        raise ClearanceError(f"{', '.join(absent)} is not present right now.{hint}")
    for flag in ids:
        repository.add_clearance(session=session, flag=flag, at=now, timezone=context.timezone)
    repository.close_blocks(
        session=session, at=now, kinds=(BlockKind.SEE_CLINICIAN,), reasons=list(ids)
    )
    latest = repository.latest_screening(session=session)
    if latest is None:
        return None
    answers = parse_answers(latest.answers)
    return _screen_and_store(
        session, answers, context, answered_at=latest.answered_at, now=now, origin="clearance"
    )


def current_gate(session: Session, *, now: datetime) -> Gate:
    """Return whether a routine may be planned and played now."""
    latest = repository.latest_screening(session=session)
    on_file = ScreeningOnFile(latest.verdict, latest.answered_at) if latest else None
    blocks = [b.kind for b in repository.open_blocks(session=session)]
    return gate(on_file, blocks, now=now)
