"""The clinician summary from core values: what it counts, and what a reader finds in its PDF.

Records are made here directly (the document is pure); tests/services/test_summary.py records
them through the use cases.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import Verdict
from backstretch.render.summary import (
    BlockEvent,
    CheckOutcome,
    ClearanceEvent,
    ClinicianSummary,
    CurrentRoutine,
    RoutineLine,
    RoutineState,
    summarise,
    summary_html,
    summary_pdf,
)
from tests.test_wording import CONDITIONS, SIGNPOSTING, TREATMENT_CLAIMS, sentences_with

ZONE = "Europe/London"
START, END = date(2026, 10, 6), date(2026, 11, 2)
MADE = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def session(
    day: date,
    *,
    minutes: int = 8,
    before: int | None = 4,
    after: int | None = 3,
    status: SessionStatus = SessionStatus.COMPLETED,
    signal: StopSignal | None = None,
    stretch: str | None = None,
    hour: int = 17,
) -> SessionRecord:
    started = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return SessionRecord(
        uuid=f"s-{day.isoformat()}-{hour}",
        started_at=started,
        timezone=ZONE,
        status=status,
        routine_name="My routine",
        planned_seconds=600,
        items=(ItemRecord(0, "cat-cow", 600, 10, done_seconds=minutes * 60, done_reps=10),),
        ended_at=started + timedelta(minutes=minutes),
        pain_before=before,
        pain_after=after,
        stop_signal=signal,
        stopped_stretch=stretch,
    )


def checkin(day: date, *scores: tuple[str, int]) -> CheckinRecord:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return CheckinRecord(at=at, timezone=ZONE, activities=tuple(Activity(n, s) for n, s in scores))


SESSIONS = (
    session(date(2026, 10, 1), before=9, after=9),  # before the range
    session(date(2026, 10, 6), before=5, after=3),
    session(date(2026, 10, 8), before=5, after=4),
    session(date(2026, 10, 10), before=4, after=4),
    session(date(2026, 10, 14), before=4, after=5),
    session(
        date(2026, 10, 15),
        minutes=2,
        after=None,
        status=SessionStatus.STOPPED,
        signal=StopSignal.NUMBNESS_TINGLING,
        stretch="knee-to-chest",
    ),
    session(date(2026, 10, 16), minutes=0, before=3, after=None, status=SessionStatus.ABANDONED),
    session(date(2026, 10, 20), before=3, after=2),
    session(date(2026, 10, 22), before=3, after=2),
    session(date(2026, 10, 24), before=3, after=2),
    session(date(2026, 10, 29), before=2, after=1),
)
CHECKINS = (
    checkin(date(2026, 9, 29), ("carrying shopping", 1), ("sitting for an hour", 1)),
    checkin(date(2026, 10, 6), ("carrying shopping", 3), ("sitting for an hour", 4)),
    checkin(date(2026, 10, 13), ("carrying shopping", 4), ("sitting for an hour", 5)),
    checkin(date(2026, 10, 27), ("carrying shopping", 7), ("sitting for an hour", 5)),
)
BLOCKS = (
    BlockEvent(
        BlockKind.SEE_CLINICIAN, "numbness_tingling", date(2026, 10, 15), date(2026, 10, 17)
    ),
    BlockEvent(BlockKind.EMERGENCY, "weakness", date(2026, 9, 1), date(2026, 9, 2)),  # before
)
CLEARANCES = (
    ClearanceEvent("stop during a session: numbness or tingling", date(2026, 10, 17), None),
)
CHECKS = (
    CheckOutcome(date(2026, 10, 6), Verdict.SELF_CARE, ()),
    CheckOutcome(date(2026, 10, 13), Verdict.SEE_CLINICIAN, ("Have you lost weight recently?",)),
    CheckOutcome(date(2026, 10, 20), Verdict.SELF_CARE, ()),
)
ROUTINE = CurrentRoutine(
    RoutineState.PLANNED,
    name="My routine",
    seconds=596,
    lines=(
        RoutineLine("Cat-Cow", "on the floor", "10 reps", "", 120),
        RoutineLine("Knee-to-chest", "on the floor", "30 s × 2", "each side", 150),
    ),
)


def summary(**changes: object) -> ClinicianSummary:
    values: dict[str, object] = {
        "start": START,
        "end": END,
        "made_at": MADE,
        "timezone": ZONE,
        "sessions": SESSIONS,
        "checkins": CHECKINS,
        "blocks": BLOCKS,
        "clearances": CLEARANCES,
        "checks": CHECKS,
        "routine": ROUTINE,
        "stretch_names": {"knee-to-chest": "Knee-to-chest"},
    }
    values.update(changes)
    return summarise(**values)  # type: ignore[arg-type]


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


# ---- what it counts -----------------------------------------------------------------------


def test_only_the_range_counts_and_sessions_without_stretching_are_left_out() -> None:
    found = summary()
    assert [s.local_day.day for s in found.sessions] == [6, 8, 10, 14, 15, 16, 20, 22, 24, 29]
    assert len(found.done) == 9  # the abandoned one did no stretching
    assert found.totals.recorded == 10
    assert found.totals.minutes == 8 * 8 + 2


def test_weeks_are_seven_days_from_the_start_held_to_the_target() -> None:
    found = summary(target=3, target_is_default=False)
    assert [(w.start.day, w.end.day, w.sessions, w.stops) for w in found.weeks] == [
        (6, 12, 3, 0),
        (13, 19, 2, 1),
        (20, 26, 3, 0),
        (27, 2, 1, 0),
    ]
    assert found.weeks_on_target == 2
    assert found.target_sessions == 12
    assert found.target_words == "3 a week"
    assert summary().target_words == "3 a week (default)"


def test_a_range_of_ten_days_ends_with_a_part_week_not_held_to_the_target() -> None:
    found = summary(start=date(2026, 10, 6), end=date(2026, 10, 15))
    assert [(w.days, w.whole) for w in found.weeks] == [(7, True), (3, False)]
    assert found.target_sessions == 4.3
    assert [w.start for w in found.whole_weeks] == [date(2026, 10, 6)]


def test_pain_figures_say_how_often_pain_was_lower_afterwards() -> None:
    pain = summary().pain
    assert (pain.rated, pain.lower, pain.same, pain.higher) == (8, 6, 1, 1)
    assert pain.mean_before == 3.7  # 33 over the 9 rated before, among the sessions with stretching
    assert pain.mean_after == 2.9


def test_checkins_are_compared_with_the_first_of_the_range_as_the_stats_do() -> None:
    found = summary()
    assert [(r.day.day, r.mean, r.change, r.counts) for r in found.checkin_rows] == [
        (6, 3.5, None, False),
        (13, 4.5, 1.0, False),
        (27, 6.0, 2.5, True),
    ]
    assert [(a.name, a.change, a.beyond_mdc) for a in found.psfs.activities] == [
        ("carrying shopping", 4, True),
        ("sitting for an hour", 1, False),
    ]


def test_blocks_and_clearances_count_when_in_force_during_the_range() -> None:
    found = summary()
    assert [b.reason for b in found.blocks] == ["numbness_tingling"]
    assert found.blocks[0].how_closed == "ended 17 Oct 2026: a clinician's clearance recorded"
    assert len(found.clearances) == 1
    assert [c.day.day for c in found.paused_checks] == [13]


def test_a_stop_names_its_signal_stretch_and_what_followed() -> None:
    (stop,) = summary().stops
    assert stop.signal_words == "Numbness or tingling"
    assert stop.stretch == "Knee-to-chest"
    assert stop.followed == "the session ended; stretching paused until a clinician's clearance"


def test_an_impossible_range_or_target_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        summary(start=END, end=START)
    with pytest.raises(ValueError, match="target"):
        summary(target=0)


# ---- on paper -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return summary_pdf(summary())


def test_the_pdf_holds_the_figures_dates_and_wording(full_pdf: bytes, tmp_path: Path) -> None:
    text = flat(pdf_text(full_pdf, tmp_path))
    for expected in (
        "Stretching summary: 6 Oct 2026 to 2 Nov 2026",
        "Person: not named (pseudonymous)",
        "Weekly target: 3 a week (default)",
        "SESSIONS DONE",
        "target 12 (3 a week)",
        "2 of 4",
        "2 of 4 66",  # weeks at target, then minutes stretched
        "7.3 a session on average",
        "3.7 → 2.9",
        "6 Oct 2026 – 12 Oct 2026",
        "pain was lower afterwards in 6, the same in 1 and higher in 1",
        "pain before pain after pain (0 none, 10 worst)",  # the chart: legend and scale
        "+2.5 ✓ counts",
        "carrying shopping 3 7 +4 ✓ counts",
        "15 Oct 2026, 18:00 Numbness or tingling",
        "Knee-to-chest the session ended; stretching paused until a clinician's clearance",
        "Paused until a clinician has seen them",
        "ended 17 Oct 2026: a clinician's clearance recorded",
        "Have you lost weight recently?",
        "Current routine",
        "Knee-to-chest on the floor 30 s × 2, each side 2:30",
        "not a medical record",
    ):
        assert expected in text, expected
    assert "1 Oct 2026" not in text  # the session before the range


def test_the_pdf_is_two_a4_pages_with_fonts_embedded(full_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "summary.pdf"
    path.write_bytes(full_pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2\b", info)
    assert "595.276 x 841.89" in info  # A4 in points
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts


def test_letter_paper(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(summary_pdf(summary(), paper="letter"))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "612 x 792" in info


def test_a_label_the_person_typed_is_the_only_name(tmp_path: Path) -> None:
    text = flat(pdf_text(summary_pdf(summary(person="  R. B.  ")), tmp_path))
    assert "Person: R. B." in text
    assert "pseudonymous" not in text


def test_an_empty_range_is_an_honest_document(tmp_path: Path) -> None:
    quiet = summary(
        start=date(2026, 3, 2),
        end=date(2026, 3, 29),
        routine=CurrentRoutine(RoutineState.BLOCKED, note="Paused after pain rose (see above)."),
    )
    text = flat(pdf_text(summary_pdf(quiet), tmp_path))
    for expected in (
        "No sessions in this range.",
        "SESSIONS DONE",
        "No pain ratings in this range.",
        "No activity check-ins in this range.",
        "No stops in this range.",
        "No pauses for safety in this range.",
        "Blocked by safety",
    ):
        assert expected in text, expected


def test_no_routine_yet_says_so(tmp_path: Path) -> None:
    none = summary(routine=CurrentRoutine(RoutineState.NONE, note="no areas chosen yet"))
    assert "No routine is set up yet: no areas chosen yet." in flat(
        pdf_text(summary_pdf(none), tmp_path)
    )


def _sentences(html: str) -> Sequence[str]:
    without_style = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", without_style).split())]


def test_wellness_wording_throughout() -> None:
    (text,) = _sentences(summary_html(summary()))
    assert not sentences_with(TREATMENT_CLAIMS, text)
    assert not [s for s in sentences_with(CONDITIONS, text) if not SIGNPOSTING.search(s)]
