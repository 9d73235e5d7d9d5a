"""One way to write each kind of time, on every page and in the terminal.

`clock` is for timers, countdowns and the time of one stretch ("2:05"); `minutes` is for an
amount of stretching ("9 min"), so one session reads the same wherever it is shown.
"""

from __future__ import annotations

HOUR_MINUTES = 60


def clock(seconds: float) -> str:
    """Return whole seconds as m:ss ("0:05", "12:30"); a part second counts as a second."""
    whole = max(0, -int(-seconds // 1))
    return f"{whole // 60}:{whole % 60:02d}"


def whole_minutes(seconds: float) -> int:
    """Return the seconds as minutes, rounded to the nearest minute (a half minute up)."""
    return int(max(0.0, seconds) / 60 + 0.5)


def minutes(seconds: float) -> str:
    """Return an amount of stretching: "under 1 min", "9 min", "1 h 5 min"."""
    if seconds <= 0:
        return "0 min"
    count = whole_minutes(seconds)
    if count < 1:
        return "under 1 min"
    if count < HOUR_MINUTES:
        return f"{count} min"
    hours, rest = divmod(count, HOUR_MINUTES)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def minutes_of(done_seconds: float, planned_seconds: float) -> str:
    """Return done next to planned, in the same unit: "9 min of 9 min"."""
    return f"{minutes(done_seconds)} of {minutes(planned_seconds)}"
