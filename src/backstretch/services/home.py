"""The home page's figures: what to do next, today's routine in one line, the week, the streak
and the last pain change.

One use case, `home_overview`, so the page asks once and every figure is counted the way the
history and reminder pages count it (`core.stats`, `core.schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backstretch.core.records import SessionRecord
from backstretch.core.safety import GateStatus
from backstretch.core.schedule import weekly_progress
from backstretch.core.stats import count_streak, counting_sessions
from backstretch.db import repository
from backstretch.services.context import PersonContext


class NextStep(StrEnum):
    """What the home page's one big button does."""

    FIRST_CHECK = "first_check"  # nobody has answered the safety check yet
    FINISH_CHECK = "finish_check"  # some safety questions are still unanswered
    WEEKLY_CHECK = "weekly_check"  # the check is more than a week old: check, then play
    BLOCKED = "blocked"  # safety says no routine for now: see the result page
    PROFILE = "profile"  # checked, but where it feels tight is not known yet
    PLAY = "play"  # start today's routine


@dataclass(frozen=True)
class TodayLine:
    """Today's routine in one line: its name, its length and how many stretches."""

    name: str
    seconds: int
    stretches: int


@dataclass(frozen=True)
class Home:
    """Everything the home page shows for a person."""

    next_step: NextStep
    routine: TodayLine | None
    streak: int  # days in a row with some stretching, today or yesterday included
    week_done: int  # days with stretching this week (Monday to today)
    week_target: int | None  # the weekly target of the reminders, if one is set
    last_pain: tuple[int, int] | None  # before and after, of the newest session rated both
    sessions: int  # sessions with some stretching, ever


def _last_pain(sessions: list[SessionRecord]) -> tuple[int, int] | None:
    rated = [s for s in sessions if s.pain_before is not None and s.pain_after is not None]
    if not rated:
        return None
    newest = max(rated, key=lambda session: session.started_at)
    assert newest.pain_before is not None and newest.pain_after is not None
    return newest.pain_before, newest.pain_after


def _next_step(gate: GateStatus, has_profile: bool) -> NextStep:
    steps = {
        GateStatus.MISSING: NextStep.FIRST_CHECK,
        GateStatus.INCOMPLETE: NextStep.FINISH_CHECK,
        GateStatus.BLOCKED: NextStep.BLOCKED,
        GateStatus.STALE: NextStep.WEEKLY_CHECK,
    }
    if gate in steps:
        return steps[gate]
    return NextStep.PLAY if has_profile else NextStep.PROFILE


def home_overview(person: PersonContext) -> Home:
    """Return what the home page shows: the next step, today's routine, the week and pain."""
    from backstretch.services.planning import plan_today
    from backstretch.services.reminders import get_schedule
    from backstretch.services.screening import current_gate_in

    with person.transaction() as db:
        gate = current_gate_in(db, now=person.now())
        has_profile = repository.load_profile(db=db) is not None
        sessions = repository.list_sessions(db=db)
    step = _next_step(gate.status, has_profile)
    routine = None
    if has_profile and gate.may_plan:
        today = plan_today(person, raise_blocked=False)
        plan = today.outcome.plan
        if plan is not None and plan.items:
            routine = TodayLine(today.name, plan.total_seconds, len(plan.items))
    counting = counting_sessions(sessions)
    day = person.today()
    progress = weekly_progress(get_schedule(person), [s.local_day for s in counting], day)
    return Home(
        next_step=step,
        routine=routine,
        streak=count_streak(counting, day).current,
        week_done=progress.done,
        week_target=progress.target,
        last_pain=_last_pain(sessions),
        sessions=len(counting),
    )
