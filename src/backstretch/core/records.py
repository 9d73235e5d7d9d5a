"""What a session and a check-in leave behind, as the core sees them (stored by `db/`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from backstretch.core.safety import StopSignal


class SessionStatus(StrEnum):
    """Where a session stands.

    A session is `in_progress` only while a player runs it. One left `in_progress` (a closed
    terminal, a killed process) reads as abandoned and can be resumed.
    """

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    STOPPED = "stopped"  # "stop — this hurts"
    ABANDONED = "abandoned"  # quit early, or left behind by a player that did not finish


@dataclass(frozen=True)
class ItemRecord:
    """One routine item: its target (planned) next to what was done."""

    position: int  # 0-based order in the routine
    stretch: str
    planned_seconds: int
    planned_reps: int  # holds or repetitions per side and set, times sets
    done_seconds: int = 0
    done_reps: int = 0
    skipped: bool = False

    @property
    def finished(self) -> bool:
        """Tell whether the item was done in full or deliberately passed over."""
        return self.skipped or self.done_seconds >= self.planned_seconds


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored: the plan, the times, how it felt and how it ended."""

    uuid: str
    started_at: datetime  # aware, UTC
    timezone: str  # the person's zone when it started: local days are counted in it
    status: SessionStatus
    routine_name: str
    planned_seconds: int
    items: tuple[ItemRecord, ...] = ()
    ended_at: datetime | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    stop_signal: StopSignal | None = None
    stopped_stretch: str | None = None  # the stretch under way when "stop — this hurts" came
    source: str = "player"  # "player", or "log" for a session done without the player

    @property
    def local_day(self) -> date:
        """Return the person's calendar day the session started on."""
        return self.started_at.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def done_seconds(self) -> int:
        """Return the seconds of stretching done (rests and transitions not counted)."""
        return sum(item.done_seconds for item in self.items)

    @property
    def target_seconds(self) -> int:
        """Return the seconds of stretching planned, counted as `done_seconds` is.

        Holds and repetitions only: get-ready, rests and transitions count neither as planned
        nor as done, so a session done in full reads "9 min of 9 min".
        """
        if self.items:
            return sum(item.planned_seconds for item in self.items)
        return self.planned_seconds

    @property
    def reads_as(self) -> SessionStatus:
        """Return the status to show: a session no player is running reads as abandoned."""
        if self.status is SessionStatus.IN_PROGRESS:
            return SessionStatus.ABANDONED
        return self.status

    @property
    def skipped(self) -> bool:
        """Tell whether the session ended with nothing done: every stretch passed over.

        Read from what was done, never stored: such a session counts for nothing and is not
        praised. A session stopped for a stop signal stays "stopped"; one a player left behind
        (still `in_progress`) reads as not finished, as it can be resumed.
        """
        return (
            self.status in (SessionStatus.COMPLETED, SessionStatus.ABANDONED)
            and self.source == "player"
            and self.done_seconds == 0
        )

    @property
    def counts(self) -> bool:
        """Tell whether the session counts toward the streak: some stretching was done."""
        return self.done_seconds > 0


@dataclass(frozen=True)
class Activity:
    """One activity of a Patient-Specific Functional Scale check-in, rated 0-10."""

    name: str
    score: int  # 0 = unable to do it, 10 = able to do it as well as before


@dataclass(frozen=True)
class CheckinRecord:
    """A weekly check-in on up to three activities the person finds hard (research §2.6)."""

    at: datetime
    timezone: str
    activities: tuple[Activity, ...]

    @property
    def local_day(self) -> date:
        """Return the person's calendar day of the check-in."""
        return self.at.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def mean(self) -> float:
        """Return the PSFS score: the mean of the activity ratings."""
        return sum(a.score for a in self.activities) / len(self.activities)
