"""Four weeks of a person's history, recorded through the use cases as the app records it, for
the clinician summary's tests (services, command line and web alike).

The clock starts the run at Monday 2 Nov 2026, 08:30 UTC (tests/conftest.py), so the default
range is 6 Oct to 2 Nov 2026: four whole weeks, the first beginning on Tuesday 6 Oct.

- a session on 1 Oct, before the range (never counted);
- week 1 (6-12 Oct): sessions on 6, 8 and 10 Oct (pain 5→3, 5→4, 4→3); check-in 6 Oct;
- week 2 (13-19 Oct): a session on 13 Oct (4→3); on 15 Oct a session stopped with numbness or
  tingling during the second stretch (the programme pauses until a clinician's clearance); the
  clearance recorded on 17 Oct; check-in 13 Oct;
- week 3 (20-26 Oct): sessions on 20, 22, 24 and 26 Oct (3→2 each); check-in 20 Oct;
- week 4 (27 Oct-2 Nov): sessions on 28 and 30 Oct (2→1, 3→2); check-in 27 Oct.

Activities: "carrying shopping" 3, 4, 6, 7 and "sitting for an hour" 4, 5, 6, 7: the average
goes from 3.5 to 7 (+3.5, a change that counts), each activity by 4 and 3 (both count).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from backstretch.core.records import Activity, CheckinRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.services import sessions
from backstretch.services.context import PersonContext
from backstretch.services.planning import PlanChoice, plan_today, remember_profile
from backstretch.services.screening import record_clearance, record_screening
from tests.factories import all_no_answers
from tests.fakes import FakeNow

START = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)  # tests/conftest.py's FIXED_NOW
ZONE = "Europe/London"
DONE_PAIN = {  # (day of October, pain before, pain after) of the sessions done in full
    1: (6, 5),
    6: (5, 3),
    8: (5, 4),
    10: (4, 3),
    13: (4, 3),
    20: (3, 2),
    22: (3, 2),
    24: (3, 2),
    26: (3, 2),
    28: (2, 1),
    30: (3, 2),
}
SCREENINGS = (1, 6, 13, 20, 27)
CHECKINS = {6: (3, 4), 13: (4, 5), 20: (6, 6), 27: (7, 7)}
STOP_DAY, CLEARANCE_DAY = 15, 17
# The sessions with stretching done from 6 Oct to 2 Nov: ten in full, and the stopped one, which
# did its first stretch.
SESSIONS_DONE = 11
STOPPED_STRETCH_POSITION = 1


@dataclass(frozen=True)
class History:
    """What was recorded, for the tests to compare with."""

    stopped_stretch: str  # the stretch under way at the stop, by name
    done_minutes: float  # minutes of stretching in the range, the stop's part included


def _at(day: int, hour: int = 17) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=UTC)


def record_history(me: PersonContext, clock: FakeNow) -> History:
    """Record the history above, then put the clock back at the start of the run."""
    clock.value = _at(1, 7)
    remember_profile(me, {"areas": ["lower_back"], "minutes": 10})
    events: list[tuple[datetime, str, int]] = []
    events += [(_at(day, 8), "screen", day) for day in SCREENINGS]
    events += [(_at(day), "session", day) for day in DONE_PAIN]
    events += [(_at(day, 9), "checkin", day) for day in CHECKINS]
    events += [(_at(STOP_DAY), "stop", STOP_DAY), (_at(CLEARANCE_DAY), "clear", CLEARANCE_DAY)]
    seconds = 0
    stopped = ""
    for at, kind, day in sorted(events):
        clock.value = at
        if kind == "screen":
            record_screening(me, all_no_answers())
        elif kind == "session":
            before, after = DONE_PAIN[day]
            logged = sessions.log_session(
                me,
                PlanChoice(),
                uuid=f"00000000-0000-4000-8000-0000000010{day:02d}",
                pain_before=before,
                pain_after=after,
            )
            if day >= 6:
                seconds += logged.record.done_seconds
        elif kind == "checkin":
            shopping, sitting = CHECKINS[day]
            activities = (
                Activity("carrying shopping", shopping),
                Activity("sitting for an hour", sitting),
            )
            sessions.record_checkin(me, CheckinRecord(at=at, timezone=ZONE, activities=activities))
        elif kind == "stop":
            stopped, part = _stopped_session(me, clock)
            seconds += part
        elif kind == "clear":
            record_clearance(me, [StopSignal.NUMBNESS_TINGLING.value])
    clock.value = START
    return History(stopped_stretch=stopped, done_minutes=round(seconds / 60, 1))


def _stopped_session(me: PersonContext, clock: FakeNow) -> tuple[str, int]:
    """Begin today's plan, do the first stretch, stop in the second: numbness or tingling."""
    today = plan_today(me)
    uuid = "00000000-0000-4000-8000-000000002015"
    record = sessions.begin_session(me, today, pain_before=4, uuid=uuid)
    first = record.items[0]
    clock.value += timedelta(minutes=3)
    sessions.save_progress(
        me, uuid, [replace(first, done_seconds=first.planned_seconds, done_reps=first.planned_reps)]
    )
    stretch = record.items[STOPPED_STRETCH_POSITION].stretch
    sessions.finish_session(
        me,
        uuid,
        status=SessionStatus.STOPPED,
        stop_signal=StopSignal.NUMBNESS_TINGLING,
        stopped_stretch=stretch,
    )
    return me.catalogue.get(stretch).name, first.planned_seconds
