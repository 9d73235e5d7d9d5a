"""History and progress figures: streaks, weekly summaries, a year heatmap and the PSFS trend.

Every figure is counted on the person's local day: each record carries the time zone it was made
in, so a session at 23:30 in London counts on that London day wherever the person is now.
`today` is always passed in; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from backstretch.core.records import CheckinRecord, SessionRecord, SessionStatus
from backstretch.core.safety import StopSignal

DEFAULT_WEEKS = 12
HEATMAP_WEEKS = 53  # a contribution graph: a year of whole weeks, ending in this one
# Heatmap levels by minutes stretched that day: none = 0, under 5 = 1, under 10 = 2,
# under 20 = 3, 20 or more = 4. Fixed numbers, so a cell means the same thing every week.
HEAT_LEVEL_MINUTES = (5, 10, 20)
# PSFS minimal detectable change (90% confidence): 2 points for the mean score, 3 points for a
# single activity (research/clinical.md §2.6, Stratford 1995 via the PSFS form). A change smaller
# than that is within the scale's usual wobble.
PSFS_MEAN_MDC = 2
PSFS_ACTIVITY_MDC = 3


def _minutes(seconds: int) -> float:
    return round(seconds / 60, 1)


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def week_start(day: date) -> date:
    """Return the Monday of the week the day falls in."""
    return day - timedelta(days=day.weekday())


def counting_sessions(sessions: Iterable[SessionRecord]) -> list[SessionRecord]:
    """Return the sessions that count toward streaks and minutes: some stretching was done."""
    return [session for session in sessions if session.counts]


def _seconds_by_day(sessions: Iterable[SessionRecord]) -> dict[date, int]:
    seconds: dict[date, int] = {}
    for session in counting_sessions(sessions):
        seconds[session.local_day] = seconds.get(session.local_day, 0) + session.done_seconds
    return seconds


# ---- streaks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    """Consecutive local days with a counting session: the current run and the longest ever."""

    current: int
    longest: int


def count_streak(sessions: Sequence[SessionRecord], today: date) -> Streak:
    """Return the current and longest streak of days with stretching."""
    days = set(_seconds_by_day(sessions))
    one_day = timedelta(days=1)
    # The streak stays alive through today until the day passes without a session.
    anchor = today if today in days else today - one_day
    current = 0
    while anchor in days:
        current += 1
        anchor -= one_day
    longest = 0
    for day in days:
        if day - one_day in days:
            continue  # not the first day of a run
        length = 1
        while day + timedelta(days=length) in days:
            length += 1
        longest = max(longest, length)
    return Streak(current=current, longest=longest)


# ---- weeks and totals ---------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSummary:
    """One week (Monday to Sunday) of counting sessions."""

    start: date
    sessions: int
    minutes: float
    pain_before: float | None  # mean over the sessions rated before; None when none was
    pain_after: float | None
    seconds: int = 0  # of stretching: `durations.minutes(seconds)` writes it for people

    def to_json(self) -> dict[str, Any]:
        """Return the week as JSON-ready data."""
        return {
            "start": self.start.isoformat(),
            "sessions": self.sessions,
            "minutes": self.minutes,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
        }


def summarise_weeks(
    sessions: Sequence[SessionRecord], today: date, weeks: int = DEFAULT_WEEKS
) -> tuple[WeekSummary, ...]:
    """Return the last `weeks` weeks up to the week of today, oldest first, empty weeks included."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    last = week_start(today)
    starts = [last - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    by_week: dict[date, list[SessionRecord]] = {start: [] for start in starts}
    for session in counting_sessions(sessions):
        start = week_start(session.local_day)
        if start in by_week:
            by_week[start].append(session)
    summaries = []
    for start in starts:
        week = by_week[start]
        seconds = sum(s.done_seconds for s in week)
        summaries.append(
            WeekSummary(
                start=start,
                sessions=len(week),
                minutes=_minutes(seconds),
                seconds=seconds,
                pain_before=_average([s.pain_before for s in week if s.pain_before is not None]),
                pain_after=_average([s.pain_after for s in week if s.pain_after is not None]),
            )
        )
    return tuple(summaries)


@dataclass(frozen=True)
class Totals:
    """Everything ever recorded.

    `recorded` is every session; `completed`, `stopped`, `abandoned` and `skipped` split it by
    how it reads (a session with nothing done is `skipped`, whatever ended it).
    `sessions`, `minutes` and `days` cover only the sessions with some stretching done.
    """

    recorded: int
    sessions: int
    completed: int
    stopped: int
    abandoned: int
    minutes: float
    days: int
    skipped: int = 0
    seconds: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the totals as JSON-ready data."""
        return {
            "recorded": self.recorded,
            "sessions": self.sessions,
            "completed": self.completed,
            "stopped": self.stopped,
            "abandoned": self.abandoned,
            "skipped": self.skipped,
            "minutes": self.minutes,
            "days": self.days,
        }


def count_totals(sessions: Sequence[SessionRecord]) -> Totals:
    """Return the totals over every recorded session."""
    counting = counting_sessions(sessions)
    statuses = [session.reads_as for session in sessions if not session.skipped]
    seconds = sum(s.done_seconds for s in counting)
    return Totals(
        recorded=len(sessions),
        sessions=len(counting),
        completed=statuses.count(SessionStatus.COMPLETED),
        stopped=statuses.count(SessionStatus.STOPPED),
        abandoned=statuses.count(SessionStatus.ABANDONED),
        minutes=_minutes(seconds),
        days=len({s.local_day for s in counting}),
        skipped=sum(1 for session in sessions if session.skipped),
        seconds=seconds,
    )


# ---- the year heatmap ---------------------------------------------------------------------


def heat_level(seconds: int) -> int:
    """Return the heatmap level 0-4 for the seconds stretched in one day."""
    if seconds <= 0:
        return 0
    return 1 + sum(1 for minutes in HEAT_LEVEL_MINUTES if seconds >= minutes * 60)


@dataclass(frozen=True)
class HeatCell:
    """One day of the heatmap."""

    day: date
    minutes: float
    level: int  # 0-4, see HEAT_LEVEL_MINUTES
    future: bool  # after today: nothing to show yet

    def to_json(self) -> dict[str, Any]:
        """Return the cell as JSON-ready data."""
        return {
            "date": self.day.isoformat(),
            "minutes": self.minutes,
            "level": self.level,
            "future": self.future,
        }


@dataclass(frozen=True)
class Heatmap:
    """A contribution graph: whole weeks, oldest first, each Monday to Sunday."""

    weeks: tuple[tuple[HeatCell, ...], ...]

    @property
    def rows(self) -> tuple[tuple[HeatCell, ...], ...]:
        """Return the seven weekday rows, Monday first, each oldest week first."""
        return tuple(tuple(week[weekday] for week in self.weeks) for weekday in range(7))

    def to_json(self) -> dict[str, Any]:
        """Return the heatmap as JSON-ready data."""
        return {
            "level_minutes": list(HEAT_LEVEL_MINUTES),
            "weeks": [[cell.to_json() for cell in week] for week in self.weeks],
        }


def build_heatmap(
    sessions: Sequence[SessionRecord], today: date, weeks: int = HEATMAP_WEEKS
) -> Heatmap:
    """Return the heatmap of the last `weeks` weeks, ending in the week of today."""
    seconds = _seconds_by_day(sessions)
    first = week_start(today) - timedelta(weeks=weeks - 1)
    columns = []
    for column in range(weeks):
        monday = first + timedelta(weeks=column)
        days = [monday + timedelta(days=weekday) for weekday in range(7)]
        columns.append(
            tuple(
                HeatCell(
                    day=day,
                    minutes=_minutes(seconds.get(day, 0)),
                    level=heat_level(seconds.get(day, 0)),
                    future=day > today,
                )
                for day in days
            )
        )
    return Heatmap(weeks=tuple(columns))


# ---- PSFS check-ins -----------------------------------------------------------------------


def _exact_mean(checkin: CheckinRecord) -> Fraction:
    # Exact, so a change of exactly 2 points is never read as 1.9999 and missed.
    return Fraction(sum(a.score for a in checkin.activities), len(checkin.activities))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class CheckinPoint:
    """One check-in: its day, its mean score and its ratings."""

    day: date
    mean: float
    scores: tuple[tuple[str, int], ...]

    def to_json(self) -> dict[str, Any]:
        """Return the check-in as JSON-ready data."""
        return {
            "date": self.day.isoformat(),
            "mean": self.mean,
            "activities": [{"name": name, "score": score} for name, score in self.scores],
        }


@dataclass(frozen=True)
class ActivityChange:
    """One activity rated in both the first and the latest check-in."""

    name: str
    first: int
    latest: int

    @property
    def change(self) -> int:
        """Return the latest rating minus the first (higher is easier)."""
        return self.latest - self.first

    @property
    def beyond_mdc(self) -> bool:
        """Tell whether the change is at least the single-activity minimal detectable change."""
        return abs(self.change) >= PSFS_ACTIVITY_MDC

    def to_json(self) -> dict[str, Any]:
        """Return the activity change as JSON-ready data."""
        return {
            "name": self.name,
            "first": self.first,
            "latest": self.latest,
            "change": self.change,
            "beyond_mdc": self.beyond_mdc,
        }


@dataclass(frozen=True)
class PsfsTrend:
    """The check-ins oldest first and the change of the mean score from the first to the latest."""

    points: tuple[CheckinPoint, ...]
    change: float | None  # None until there are two check-ins
    beyond_mdc: bool  # |change| is at least PSFS_MEAN_MDC
    activities: tuple[ActivityChange, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the trend as JSON-ready data."""
        return {
            "checkins": [point.to_json() for point in self.points],
            "change": self.change,
            "beyond_mdc": self.beyond_mdc,
            "mean_mdc": PSFS_MEAN_MDC,
            "activity_mdc": PSFS_ACTIVITY_MDC,
            "activities": [activity.to_json() for activity in self.activities],
        }


def psfs_trend(checkins: Sequence[CheckinRecord]) -> PsfsTrend:
    """Return the PSFS trend over the check-ins that rated at least one activity."""
    rated = sorted((c for c in checkins if c.activities), key=lambda c: c.at)
    points = tuple(
        CheckinPoint(
            day=c.local_day,
            mean=round(float(_exact_mean(c)), 1),
            scores=tuple((a.name, a.score) for a in c.activities),
        )
        for c in rated
    )
    if len(rated) < 2:
        return PsfsTrend(points=points, change=None, beyond_mdc=False, activities=())
    first, latest = rated[0], rated[-1]
    change = _exact_mean(latest) - _exact_mean(first)
    first_scores = {_key(a.name): a.score for a in first.activities}
    activities = tuple(
        ActivityChange(name=a.name, first=first_scores[_key(a.name)], latest=a.score)
        for a in latest.activities
        if _key(a.name) in first_scores
    )
    return PsfsTrend(
        points=points,
        change=round(float(change), 1),
        beyond_mdc=abs(change) >= PSFS_MEAN_MDC,
        activities=activities,
    )


# ---- everything together ------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Everything `backstretch stats` shows."""

    today: date
    streak: Streak
    weeks: tuple[WeekSummary, ...]  # oldest first; the last one is this week
    totals: Totals
    heatmap: Heatmap
    psfs: PsfsTrend

    @property
    def this_week(self) -> WeekSummary:
        """Return the summary of the week of today."""
        return self.weeks[-1]

    def to_json(self) -> dict[str, Any]:
        """Return all the figures as JSON-ready data."""
        return {
            "today": self.today.isoformat(),
            "streak": {"current": self.streak.current, "longest": self.streak.longest},
            "this_week": self.this_week.to_json(),
            "weeks": [week.to_json() for week in self.weeks],
            "totals": self.totals.to_json(),
            "heatmap": self.heatmap.to_json(),
            "psfs": self.psfs.to_json(),
        }


def compute_stats(
    sessions: Sequence[SessionRecord],
    checkins: Sequence[CheckinRecord],
    today: date,
    weeks: int = DEFAULT_WEEKS,
) -> Stats:
    """Return every figure for `backstretch stats` as of the person's local day `today`."""
    return Stats(
        today=today,
        streak=count_streak(sessions, today),
        weeks=summarise_weeks(sessions, today, weeks),
        totals=count_totals(sessions),
        heatmap=build_heatmap(sessions, today),
        psfs=psfs_trend(checkins),
    )


# ---- history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One line of `backstretch history`."""

    uuid: str
    started: datetime  # in the session's own time zone
    routine_name: str
    reads_as: SessionStatus
    done_minutes: float
    planned_minutes: float
    pain_before: int | None
    pain_after: int | None
    stop_signal: StopSignal | None
    source: str
    # Stretching only, both counted the same way; `durations.minutes_of` writes them.
    done_seconds: int = 0
    planned_seconds: int = 0
    skipped: bool = False  # nothing done: read as "skipped", never as completed


def _newest_first(records: Sequence[SessionRecord]) -> list[SessionRecord]:
    return sorted(records, key=lambda record: record.started_at, reverse=True)


def history_rows(records: Sequence[SessionRecord]) -> tuple[HistoryRow, ...]:
    """Return the sessions as history lines, newest first."""
    return tuple(
        HistoryRow(
            uuid=record.uuid,
            started=record.started_at.astimezone(ZoneInfo(record.timezone)),
            routine_name=record.routine_name,
            reads_as=record.reads_as,
            done_minutes=_minutes(record.done_seconds),
            planned_minutes=_minutes(record.target_seconds),
            pain_before=record.pain_before,
            pain_after=record.pain_after,
            stop_signal=record.stop_signal,
            source=record.source,
            done_seconds=record.done_seconds,
            planned_seconds=record.target_seconds,
            skipped=record.skipped,
        )
        for record in _newest_first(records)
    )


def session_to_json(record: SessionRecord) -> dict[str, Any]:
    """Return the whole session record as JSON-ready data."""
    return {
        "uuid": record.uuid,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat() if record.ended_at else None,
        "timezone": record.timezone,
        "local_day": record.local_day.isoformat(),
        "status": record.status.value,
        "reads_as": record.reads_as.value,
        "skipped": record.skipped,
        "routine_name": record.routine_name,
        "planned_seconds": record.target_seconds,
        "done_seconds": record.done_seconds,
        "pain_before": record.pain_before,
        "pain_after": record.pain_after,
        "stop_signal": record.stop_signal.value if record.stop_signal else None,
        "stopped_stretch": record.stopped_stretch,
        "source": record.source,
        "items": [
            {
                "position": item.position,
                "stretch": item.stretch,
                "planned_seconds": item.planned_seconds,
                "planned_reps": item.planned_reps,
                "done_seconds": item.done_seconds,
                "done_reps": item.done_reps,
                "skipped": item.skipped,
            }
            for item in sorted(record.items, key=lambda item: item.position)
        ],
    }


def history_to_json(records: Sequence[SessionRecord]) -> list[dict[str, Any]]:
    """Return every session as JSON-ready data, newest first."""
    return [session_to_json(record) for record in _newest_first(records)]
