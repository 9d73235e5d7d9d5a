"""What a person sees once a session has ended: the reward screen, for the web and the terminal.

One use case, `session_reward`, so the browser's `/sessions/{uuid}/done` and the terminal's end
screen say the same thing: how the session went, the week against its target, the minutes this
week, pain before and after, and one next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.core.schedule import weekly_progress
from backstretch.core.stats import count_streak, counting_sessions, week_start
from backstretch.db import repository
from backstretch.services.errors import NotFound
from backstretch.services.reminders import get_schedule
from backstretch.services.sessions import stop_advice

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext

# Without a target of their own, a week of three days with stretching is the aim (the sources'
# "most days" read gently; see core/schedule.py for the target a person sets).
DEFAULT_WEEKLY_TARGET = 3


class Result(StrEnum):
    """How a session ended, as the reward screen tells it."""

    COMPLETED = "completed"  # done to the end
    ENDED_EARLY = "ended_early"  # quit part-way, some stretching done
    STOPPED = "stopped"  # a stop signal ended it: gentle, no praise
    SKIPPED = "skipped"  # nothing done: counts for nothing, never praised
    UNFINISHED = "unfinished"  # still open (a player running or left behind)


@dataclass(frozen=True)
class Reward:
    """The figures of the reward screen for one session."""

    uuid: str
    result: Result
    done_seconds: int  # stretching only, as planned_seconds
    planned_seconds: int
    week_days: int  # days with stretching this week (Monday to today)
    week_target: int
    own_target: bool  # the person set the target (else DEFAULT_WEEKLY_TARGET)
    week_seconds: int  # stretching this week, every counting session
    streak: int  # days in a row with stretching, up to today
    pain_before: int | None
    pain_after: int | None
    eased: bool  # "pain is building" ended a stretch of this session
    stop_advice: str | None  # what to do now, after a stop signal
    programme_advice: tuple[str, ...]  # a safety block opened: what it means
    blocked: bool  # a safety block is open: the next step is the advice, not another session

    @property
    def pain_change(self) -> int | None:
        """Return pain after minus pain before, when both were rated."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before

    @property
    def week_reached(self) -> bool:
        """Tell whether this week's target is reached."""
        return self.week_days >= self.week_target


def result_of(record: SessionRecord) -> Result:
    """Return how a stored session ended, for the reward screen."""
    if record.status is SessionStatus.STOPPED:
        return Result.STOPPED
    if record.skipped:
        return Result.SKIPPED
    if record.status is SessionStatus.COMPLETED:
        return Result.COMPLETED
    if record.status is SessionStatus.ABANDONED:
        return Result.ENDED_EARLY
    return Result.UNFINISHED


def session_reward(person: PersonContext, uuid: str) -> Reward:
    """Return the reward screen's figures for one of the person's sessions, or raise `NotFound`."""
    schedule = get_schedule(person)
    with person.transaction() as db:
        record = repository.get_session(db=db, uuid=uuid)
        if record is None:
            raise NotFound(f"no session {uuid}")
        sessions = repository.list_sessions(db=db)
        blocks = list(dict.fromkeys(b.kind.value for b in repository.open_blocks(db=db)))
    today = person.today()
    counting = counting_sessions(sessions)
    progress = weekly_progress(schedule, [s.local_day for s in counting], today)
    monday = week_start(today)
    number = person.emergency_number
    signal = record.stop_signal
    return Reward(
        uuid=record.uuid,
        result=result_of(record),
        done_seconds=record.done_seconds,
        planned_seconds=record.target_seconds,
        week_days=progress.done,
        week_target=progress.target or DEFAULT_WEEKLY_TARGET,
        own_target=progress.target is not None,
        week_seconds=sum(s.done_seconds for s in counting if monday <= s.local_day <= today),
        streak=count_streak(counting, today).current,
        pain_before=record.pain_before,
        pain_after=record.pain_after,
        eased=signal is StopSignal.PAIN_RISING,
        stop_advice=stop_advice(person.guide, signal, number) if signal is not None else None,
        programme_advice=tuple(
            person.guide.block_advice[kind].replace("{emergency_number}", number).strip()
            for kind in blocks
        ),
        blocked=bool(blocks),
    )
