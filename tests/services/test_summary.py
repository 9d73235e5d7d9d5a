"""The clinician summary as a use case, on real databases, over history recorded as the app
records it (tests/services/summary_history.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from backstretch.core.safety import BlockKind
from backstretch.db import repository
from backstretch.render.summary import RoutineState
from backstretch.services.context import PersonContext, Services
from backstretch.services.errors import Invalid
from backstretch.services.summary import clinician_summary, summary_files, summary_range
from tests.fakes import FakeNow
from tests.services.summary_history import (
    CHECKINS,
    SCREENINGS,
    SESSIONS_DONE,
    START,
    record_history,
)

TODAY = date(2026, 11, 2)


@pytest.fixture
def history(me: PersonContext, clock: FakeNow) -> PersonContext:
    record_history(me, clock)
    return me


def test_the_default_range_is_four_weeks_up_to_today(me: PersonContext) -> None:
    assert summary_range(me) == (date(2026, 10, 6), TODAY)
    assert summary_range(me, end="2026-10-31") == (date(2026, 10, 4), date(2026, 10, 31))
    assert summary_range(me, start="2026-10-20") == (date(2026, 10, 20), TODAY)
    assert summary_range(me, start=" ", end="") == (date(2026, 10, 6), TODAY)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-10-20", "2026-10-10", "from: 2026-10-20 is after to (2026-10-10)"),
        ("20/10/2026", None, "from: expected a date as YYYY-MM-DD, not '20/10/2026'"),
        (None, "2026-02-30", "to: expected a date as YYYY-MM-DD, not '2026-02-30'"),
        (None, "2026-11-03", "to: 2026-11-03 is after today (2026-11-02)"),
        ("2025-01-01", None, "from: the range is 671 days long; at most 366"),
    ],
)
def test_bad_dates_are_refused_naming_the_date(
    me: PersonContext, start: str | None, end: str | None, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        clinician_summary(me, start=start, end=end)
    assert str(refused.value) == message
    assert refused.value.field in {"from", "to"}


def test_the_summary_counts_what_was_recorded(history: PersonContext, clock: FakeNow) -> None:
    found = clinician_summary(history)
    assert (found.start, found.end) == (date(2026, 10, 6), TODAY)
    assert len(found.done) == SESSIONS_DONE  # the session of 1 Oct is before the range
    assert [w.sessions for w in found.weeks] == [3, 2, 4, 2]
    assert found.weeks_on_target == 2
    assert found.target_words == "3 a week (default)"
    assert found.pain.rated == SESSIONS_DONE - 1  # the stopped one was not rated afterwards
    assert found.pain.lower == found.pain.rated
    (stop,) = found.stops
    assert stop.signal_words == "Numbness or tingling"
    assert stop.stretch is not None and stop.at.date() == date(2026, 10, 15)
    (block,) = found.blocks
    assert (block.kind, block.opened, block.closed) == (
        BlockKind.SEE_CLINICIAN,
        date(2026, 10, 15),
        date(2026, 10, 17),
    )
    (clearance,) = found.clearances
    assert clearance.recorded == date(2026, 10, 17)
    assert clearance.what == "stop during a session: numbness or tingling"
    assert len(found.checks) == len([d for d in SCREENINGS if d >= 6])
    assert [r.day.day for r in found.checkin_rows] == sorted(CHECKINS)
    assert found.psfs.change == 3.5 and found.psfs.beyond_mdc
    assert found.routine.state is RoutineState.PLANNED
    assert found.routine.lines
    # Reading changes nothing, and the clock is where the history left it.
    assert clock.value == START


def test_a_range_sees_only_its_own_days(history: PersonContext) -> None:
    found = clinician_summary(history, start="2026-10-20", end="2026-10-26")
    assert len(found.done) == 4
    assert found.stops == () and found.blocks == ()
    assert found.clearances  # still held in that week
    assert [r.day for r in found.checkin_rows] == [date(2026, 10, 20)]


def test_an_empty_range_is_a_summary_with_nothing_in_it(history: PersonContext) -> None:
    found = clinician_summary(history, start="2026-03-01", end="2026-03-28")
    assert found.sessions == () and found.checkins == () and found.stops == ()
    assert [w.sessions for w in found.weeks] == [0, 0, 0, 0]


def test_the_target_is_a_parameter(history: PersonContext) -> None:
    found = clinician_summary(history, target=2)
    assert found.target_words == "2 a week"
    assert found.weeks_on_target == 4
    with pytest.raises(Invalid, match=r"^target: sessions a week, from 1 to 14"):
        clinician_summary(history, target=0)


def test_an_open_block_shows_the_routine_as_blocked(history: PersonContext) -> None:
    with history.transaction() as db:
        repository.open_block(
            db=db,
            kind=BlockKind.PAIN_PAUSE,
            reason="pain_rose_twice",
            at=START - timedelta(hours=1),
            timezone="Europe/London",
        )
    found = clinician_summary(history)
    assert found.routine.state is RoutineState.BLOCKED
    assert found.routine.note == "Paused after pain rose (see above)."
    assert found.blocks[-1].how_closed == "still in force"


def test_without_a_profile_there_is_no_routine_yet(me: PersonContext) -> None:
    found = clinician_summary(me)
    assert found.routine.state is RoutineState.NONE
    assert "not yet said where" in found.routine.note


def test_the_fhir_patient_is_a_stable_pseudonym(history: PersonContext, services: Services) -> None:
    one = summary_files(history, fhir=True)
    again = summary_files(services.local_person(), fhir=True)
    assert one.fhir is not None and again.fhir is not None
    Bundle.model_validate(one.fhir)
    patient = one.fhir["entry"][0]["resource"]
    assert patient["resourceType"] == "Patient"
    assert patient == again.fhir["entry"][0]["resource"]
    assert str(history.owner_id) not in patient["id"].split("-")
    assert one.pdf.startswith(b"%PDF")


def test_a_label_is_trimmed_and_kept_short(history: PersonContext) -> None:
    assert clinician_summary(history, name="  R.   B. ").person == "R. B."
    assert clinician_summary(history, name="   ").person is None
    with pytest.raises(Invalid, match=r"^name: keep the label under 80 characters"):
        clinician_summary(history, name="x" * 81)


def test_the_paper_size_is_checked_before_anything_is_drawn(me: PersonContext) -> None:
    with pytest.raises(Invalid, match=r"^paper: 'A5' is not a paper size; choose a4 or letter"):
        summary_files(me, paper="A5")
