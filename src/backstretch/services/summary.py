"""The clinician summary as a use case: a date range of sessions, check-ins and safety events,
as a PDF and as a FHIR R4 bundle, for `backstretch summary` and the data page alike.

The range is read here, once, for both adapters: dates as YYYY-MM-DD, the start no later than
the end, the end no later than today, at most a year; the default is the four weeks up to today
in the person's time zone. The weekly target comes from the person's settings when they have
one (there is no schedule yet), else 3 a week, and the document says it is the default. The
document is pseudonymous: it names the person only with a label they type themselves, and the
FHIR Patient is an id made from a server secret (`_pseudonym`).

WeasyPrint is loaded only when a PDF is drawn (`render.summary.summary_pdf`).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from backstretch.core.plan_words import dose_words, reason_text, sides_words
from backstretch.core.planner import Plan, ReasonKind
from backstretch.core.progression import ChangeKind
from backstretch.core.safety import StopSignal
from backstretch.core.screening import ScreeningGuide
from backstretch.db import repository
from backstretch.render.pdf import PAPERS, Paper
from backstretch.render.summary import (
    BLOCK_WORDS,
    DEFAULT_DAYS,
    DEFAULT_TARGET,
    MAX_DAYS,
    SIGNAL_WORDS,
    VERDICT_WORDS,
    BlockEvent,
    CheckOutcome,
    ClearanceEvent,
    ClinicianSummary,
    CurrentRoutine,
    RoutineLine,
    RoutineState,
    day_text,
    local_day,
    summarise,
)
from backstretch.services.errors import Invalid, ServiceError

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext

MAX_TARGET = 14  # twice a day
MAX_NAME = 80
LEFT_OUT_SHOWN = 8


def _parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"{field}: expected a date as YYYY-MM-DD, not '{text}'", field=field
        ) from None


def summary_range(
    person: PersonContext, start: str | date | None = None, end: str | date | None = None
) -> tuple[date, date]:
    """Return the range asked for, or the four weeks up to today; raise `Invalid` naming the
    date at fault (malformed, the start after the end, the end after today, over a year)."""
    today = person.today()
    last = _parse_day(end, "to") if isinstance(end, str) and end.strip() else end
    first = _parse_day(start, "from") if isinstance(start, str) and start.strip() else start
    last = last if isinstance(last, date) else today
    if last > today:
        raise Invalid(f"to: {last} is after today ({today})", field="to")
    first = first if isinstance(first, date) else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid(f"from: {first} is after to ({last})", field="from")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise Invalid(f"from: the range is {days} days long; at most {MAX_DAYS}", field="from")
    return first, last


def weekly_target(person: PersonContext, asked: int | None = None) -> tuple[int, bool]:
    """Return the weekly target of sessions and whether it is the default (nothing set)."""
    # No schedule feature yet: a target in the settings (when one arrives) wins over the default.
    chosen = asked if asked is not None else getattr(person.preferences, "weekly_target", None)
    if chosen is None:
        return DEFAULT_TARGET, True
    if not isinstance(chosen, int) or not 1 <= chosen <= MAX_TARGET:
        raise Invalid(
            f"target: sessions a week, from 1 to {MAX_TARGET}, not '{chosen}'", field="target"
        )
    return chosen, False


def parse_paper(text: str) -> Paper:
    """Return the paper size asked for, or raise `Invalid` naming the choices."""
    wanted = text.strip().lower()
    for paper in PAPERS:
        if paper == wanted:
            return paper
    raise Invalid(
        f"paper: '{text}' is not a paper size; choose {' or '.join(PAPERS)}", field="paper"
    )


def _clean_name(name: str | None) -> str | None:
    label = " ".join((name or "").split())
    if len(label) > MAX_NAME:
        raise Invalid(f"name: keep the label under {MAX_NAME} characters", field="name")
    return label or None


def _question(guide: ScreeningGuide, flag: str) -> str:
    if flag in StopSignal.__members__.values():
        return f"stop during a session: {SIGNAL_WORDS[StopSignal(flag)].lower()}"
    try:
        return guide.question(flag).question
    except KeyError:
        return flag.replace("_", " ")


def _routine(person: PersonContext) -> CurrentRoutine:
    """Return today's plan as `backstretch plan` makes it, or why there is none."""
    from backstretch.services.planning import plan_today

    try:
        today = plan_today(person, raise_blocked=False)
    except ServiceError as error:
        return CurrentRoutine(RoutineState.NONE, note=_no_routine_note(error))
    outcome = today.outcome
    if outcome.plan is None:
        kinds = outcome.gate.blocks
        if kinds:
            note = "; ".join(BLOCK_WORDS[kind].lower() for kind in kinds)
            note = f"{note[0].upper()}{note[1:]} (see above)."
        elif outcome.gate.verdict is not None:
            note = f"The latest safety answers say: {VERDICT_WORDS[outcome.gate.verdict]}."
        else:
            note = ""
        return CurrentRoutine(RoutineState.BLOCKED, name=today.name, note=note)
    plan = outcome.plan
    return CurrentRoutine(
        RoutineState.PLANNED,
        name=today.name,
        seconds=plan.total_seconds,
        lines=tuple(
            RoutineLine(
                name=p.item.stretch.name,
                way=p.item.way.words,
                dose=dose_words(p.item),
                sides=sides_words(p.item),
                seconds=p.seconds,
            )
            for p in plan.items
        ),
        changes=tuple(
            f"{day_text(change.day)}: "
            + (
                "one step harder, after a week of comfortable sessions"
                if change.kind is ChangeKind.RAISED
                else "eased one step, after a stop or a rise in pain"
            )
            for change in today.progress.changes[-3:]
        ),
        left_out=_left_out(person, plan),
    )


def _no_routine_note(error: ServiceError) -> str:
    if getattr(error, "field", None) == "areas":
        return "the person has not yet said where they would like to stretch"
    return error.message


def _left_out(person: PersonContext, plan: Plan) -> tuple[str, ...]:
    """Return the stretches the safety answers swapped or left out, with the movement why."""

    def name(stretch_id: str) -> str:
        known = stretch_id in person.catalogue
        return person.catalogue.get(stretch_id).name if known else stretch_id

    found = []
    for swap in plan.swaps:
        reasons = [r.to_json() for r in swap.reasons if r.kind is ReasonKind.RESTRICTION]
        if reasons:
            found.append(
                f"{name(swap.from_id)} swapped for {name(swap.to_id)} ({reason_text(reasons)})"
            )
    for left in plan.excluded:
        reasons = [r.to_json() for r in left.reasons if r.kind is ReasonKind.RESTRICTION]
        if reasons:
            found.append(f"{name(left.stretch)} ({reason_text(reasons)})")
    return tuple(found[:LEFT_OUT_SHOWN])


def clinician_summary(
    person: PersonContext,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    target: int | None = None,
    name: str | None = None,
) -> ClinicianSummary:
    """Return the summary of the range asked for (default: the four weeks up to today).

    Raises `Invalid` for a malformed or impossible range, target or name label.
    """
    first, last = summary_range(person, start, end)
    per_week, is_default = weekly_target(person, target)
    label = _clean_name(name)
    zone = person.timezone
    guide = person.guide
    with person.transaction() as db:
        sessions = repository.list_sessions(db=db)
        checkins = repository.list_checkins(db=db)
        blocks = repository.list_blocks(db=db)
        clearances = repository.list_clearances(db=db)
        screenings = repository.list_screenings(db=db)
    names = {stretch.id: stretch.name for stretch in person.catalogue}
    return summarise(
        start=first,
        end=last,
        made_at=person.now().astimezone(ZoneInfo(zone)),
        timezone=zone,
        sessions=sessions,
        checkins=checkins,
        blocks=[
            BlockEvent(
                kind=block.kind,
                reason=block.reason,
                opened=local_day(block.opened_at, zone),
                closed=local_day(block.closed_at, zone) if block.closed_at else None,
            )
            for block in blocks
        ],
        clearances=[
            ClearanceEvent(
                what=_question(guide, clearance.flag),
                recorded=local_day(clearance.recorded_at, zone),
                lapsed=local_day(clearance.lapsed_at, zone) if clearance.lapsed_at else None,
            )
            for clearance in clearances
        ],
        checks=[
            CheckOutcome(
                day=local_day(screening.answered_at, screening.timezone),
                verdict=screening.verdict,
                reasons=tuple(_question(guide, reason) for reason in screening.reasons),
            )
            # A clearance stores the same answers decided again: not a new set of answers.
            for screening in screenings
            if screening.origin == "answers"
        ],
        routine=_routine(person),
        target=per_week,
        target_is_default=is_default,
        person=label,
        stretch_names=names,
    )


def _pseudonym(person: PersonContext) -> str:
    """Return the person's FHIR Patient id: stable, random-looking, not the account's number.

    An HMAC of the account id under the server's signing secret, with its own label, so it
    cannot be linked to the account keys the browser sees, nor guessed without the secret.
    """
    from backstretch.services.accounts import signing_secret

    secret = signing_secret(person.services)
    digest = hmac.new(
        secret.encode(), f"fhir-patient:{person.owner_id}".encode(), hashlib.sha256
    ).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@dataclass(frozen=True)
class SummaryFiles:
    """The summary and the files made of it: the PDF, and the FHIR bundle when asked for."""

    summary: ClinicianSummary
    pdf: bytes
    fhir: dict[str, Any] | None = None

    def file_name(self, extension: str) -> str:
        """Return a download name that says the range, e.g. backstretch-summary-…-….pdf."""
        return f"backstretch-summary-{self.summary.start}-to-{self.summary.end}.{extension}"


def summary_files(
    person: PersonContext,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    target: int | None = None,
    name: str | None = None,
    paper: str = "a4",
    fhir: bool = False,
) -> SummaryFiles:
    """Make the summary PDF of the range, and its FHIR bundle (which carries the PDF) if asked.

    Raises `Invalid` for a bad range, target, label or paper size, before anything is drawn.
    """
    from backstretch.render.fhir import bundle
    from backstretch.render.summary import summary_pdf

    size = parse_paper(paper)
    summary = clinician_summary(person, start=start, end=end, target=target, name=name)
    pdf = summary_pdf(summary, paper=size)
    document = None
    if fhir:
        names = {stretch.id: stretch.name for stretch in person.catalogue}
        document = bundle(summary, patient_id=_pseudonym(person), pdf=pdf, stretch_names=names)
    return SummaryFiles(summary=summary, pdf=pdf, fhir=document)
