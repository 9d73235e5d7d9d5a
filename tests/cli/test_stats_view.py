"""`history` and `stats` as a person reads them: plain text at 80 and at 40 columns."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from backstretch.cli.stats_view import render_history, render_stats
from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import StopSignal
from backstretch.core.stats import compute_stats

TODAY = date(2026, 11, 5)  # a Thursday
WIDTHS = (80, 40)
EMPTY = "No sessions yet — `backstretch start` begins one."


def session(
    day: date,
    *,
    minutes: float = 10,
    at: time = time(9, 30),
    zone: str = "Europe/London",
    status: SessionStatus = SessionStatus.COMPLETED,
    pain_before: int | None = None,
    pain_after: int | None = None,
    routine: str = "Morning back",
    stop_signal: StopSignal | None = None,
) -> SessionRecord:
    return SessionRecord(
        uuid=f"{day}-{at}",
        started_at=datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC),
        timezone=zone,
        status=status,
        routine_name=routine,
        planned_seconds=900,
        items=(
            ItemRecord(
                position=0,
                stretch="cat-cow",
                planned_seconds=900,
                planned_reps=10,
                done_seconds=round(minutes * 60),
            ),
        ),
        pain_before=pain_before,
        pain_after=pain_after,
        stop_signal=stop_signal,
    )


def checkin(day: date, *scores: tuple[str, int]) -> CheckinRecord:
    return CheckinRecord(
        at=datetime.combine(day, time(18, 0), tzinfo=UTC),
        timezone="UTC",
        activities=tuple(Activity(name=name, score=score) for name, score in scores),
    )


def rendered(draw: Callable[[Console], None], width: int) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    draw(console)
    return console.export_text()


def stats_text(
    sessions: Sequence[SessionRecord],
    width: int,
    checkins: Sequence[CheckinRecord] = (),
) -> str:
    stats = compute_stats(sessions, checkins, TODAY)
    return rendered(lambda console: render_stats(console, stats), width)


def this_week() -> list[SessionRecord]:
    """Return a week a person would recognise: long Monday, short Tuesday, rest Wednesday."""
    return [
        session(date(2026, 11, 2), minutes=25, pain_before=8, pain_after=2),
        session(date(2026, 11, 3), minutes=3, pain_before=6),
        session(date(2026, 11, 5), minutes=12, pain_before=7, pain_after=3),
        session(date(2026, 10, 20), minutes=6, pain_before=5, pain_after=4),
    ]


def squeeze(line: str) -> str:
    return " ".join(line.split())


def line_starting(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


# ---- empty --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_empty_history_and_stats_say_how_to_begin(width: int) -> None:
    # At 40 columns the sentence wraps between words; it reads the same.
    assert " ".join(rendered(lambda console: render_history(console, []), width).split()) == EMPTY
    assert " ".join(stats_text([], width).split()) == EMPTY


# ---- stats --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_no_stats_line_is_wider_than_the_terminal(width: int) -> None:
    text = stats_text(
        this_week(),
        width,
        [checkin(date(2026, 9, 1), ("walking the dog", 3)), checkin(TODAY, ("walking the dog", 7))],
    )
    assert max(len(line) for line in text.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_headline_shows_streak_this_week_and_totals(width: int) -> None:
    text = stats_text(this_week(), width)
    assert squeeze(line_starting(text, "Streak")) == "Streak 1 day (longest 2)"
    assert "This week  3 sessions · 40 min" in text
    assert "In all     4 sessions · 46 min" in text
    assert "Days       4 with stretching" in text


def test_headline_nudges_when_today_is_still_open() -> None:
    sessions = [session(TODAY - timedelta(days=1))]
    text = stats_text(sessions, 80)
    assert "Streak     1 day (longest 1)" in text
    assert "Stretch today to keep it." in text
    assert "Stretch today" not in stats_text([*sessions, session(TODAY)], 80)


@pytest.mark.parametrize(
    ("width", "header"),
    [
        (80, "week of sessions stretching pain before pain after"),
        (40, "week sess. time before after"),
    ],
)
def test_weekly_table_lists_twelve_weeks_with_pain_averages(width: int, header: str) -> None:
    text = stats_text(this_week(), width)
    assert "Last 12 weeks" in text
    assert squeeze(line_starting(text, "week")) == header
    assert squeeze(line_starting(text, "2 Nov")) == "2 Nov 3 40 min 7 2.5"
    assert squeeze(line_starting(text, "19 Oct")) == "19 Oct 1 6 min 5 4"
    assert squeeze(line_starting(text, "26 Oct")) == "26 Oct 0 0 min – –"
    assert squeeze(line_starting(text, "17 Aug")) == "17 Aug 0 0 min – –"


@pytest.mark.parametrize(("width", "weeks"), [(80, 53), (40, 36)])
def test_heatmap_shows_known_days_with_their_glyphs(width: int, weeks: int) -> None:
    text = stats_text(this_week(), width)
    assert f"Consistency — last {weeks} weeks" in text
    rows = {day: line_starting(text, day + " ") for day in ("Mon", "Tue", "Wed", "Thu", "Fri")}
    # The last column is this week: 25 min on Monday, 3 on Tuesday, none on Wednesday, 12 today.
    assert rows["Mon"].endswith("█")
    assert rows["Tue"].endswith("░")
    assert rows["Wed"].endswith("·")
    assert rows["Thu"].endswith("▓")
    assert len(rows["Mon"]) == len("Mon ") + weeks
    # Friday is still to come, so its row stops a column short.
    assert len(rows["Fri"].rstrip()) == len("Fri ") + weeks - 1
    # 20 Oct (6 min) is a Tuesday, two columns back.
    assert rows["Tue"][-3] == "▒"
    assert "less · ░ ▒ ▓ █ more" in text
    assert "░ <5  ▒ <10  ▓ <20  █ 20+ minutes a day" in text


def test_month_labels_sit_above_the_week_of_the_first() -> None:
    text = stats_text(this_week(), 80)
    lines = text.splitlines()
    months = lines[lines.index(line_starting(text, "Mon ")) - 1]
    # The map starts on Monday 3 Nov 2025; 1 Jan 2026 falls in its ninth week (column 8).
    assert months.index("Jan") == len("Mon ") + 8
    # The last 1 Nov falls in the final weeks, too close to the edge for a label.
    assert squeeze(months) == "Nov Dec Jan Feb Mar Apr May Jun Jul Aug Sep Oct"


@pytest.mark.parametrize("width", WIDTHS)
def test_pain_chart_shows_labelled_before_and_after_rows(width: int) -> None:
    text = stats_text(this_week(), width)
    assert "Pain before / after, weekly (0-10)" in text
    before = line_starting(text, "before ").split()[1:]
    after = line_starting(text, "after ").split()[1:]
    assert len(before) == len(after) == 12
    # This week averages 7 before and 2.5 after; 19 Oct had 5 before and 4 after.
    assert before[-1][0] == "▆" and after[-1][0] == "▃"
    assert before[-3][0] == "▅" and after[-3][0] == "▄"
    assert before[-2][0] == "·" and after[-2][0] == "·"  # nothing rated that week
    assert "▁ 0 none  █ 10 worst  · no rating" in text
    assert "Week of 2 Nov: 7 → 2.5" in text
    assert "17 Aug" in line_starting(text, "       17 Aug")


def test_pain_chart_says_when_nothing_was_rated() -> None:
    text = stats_text([session(TODAY)], 80)
    assert "No pain ratings in the last 12 weeks." in text
    assert not any(line.startswith("before ") for line in text.splitlines())


@pytest.mark.parametrize("width", WIDTHS)
def test_psfs_trend_shows_the_change_and_whether_it_is_real(width: int) -> None:
    checkins = [
        checkin(date(2026, 9, 1), ("carrying shopping", 2), ("sitting at the desk", 5)),
        checkin(date(2026, 10, 1), ("carrying shopping", 4), ("sitting at the desk", 5)),
        checkin(TODAY, ("carrying shopping", 6), ("sitting at the desk", 6)),
    ]
    text = stats_text(this_week(), width, checkins)
    assert "Activity check-ins" in text
    assert " 1 Sep   3.5  ████······" in text
    assert " 1 Oct   4.5  █████·····" in text
    assert " 5 Nov   6.0  ██████····" in text
    assert "Since the first: +2.5 (easier)" in text
    assert "2+ points: more than the usual wobble" in text
    assert "carrying shopping: 2 → 6 (+4, clear)" in text
    assert "sitting at the desk: 5 → 6 (+1)" in text


def test_psfs_small_change_and_single_check_in() -> None:
    small = [checkin(date(2026, 9, 1), ("walking", 5)), checkin(TODAY, ("walking", 4))]
    text = stats_text(this_week(), 80, small)
    assert "Since the first: -1 (harder)" in text
    assert "Under 2 points: within the usual wobble" in text
    one = stats_text(this_week(), 80, small[:1])
    assert "One check-in so far; the next one shows the change." in one


def test_no_psfs_section_without_check_ins() -> None:
    assert "Activity check-ins" not in stats_text(this_week(), 80)


# ---- history ------------------------------------------------------------------------------


def history() -> list[SessionRecord]:
    return [
        session(date(2026, 11, 1), minutes=7.5, pain_before=4, pain_after=2),
        session(
            date(2026, 11, 3),
            at=time(23, 30),
            minutes=2,
            status=SessionStatus.STOPPED,
            stop_signal=StopSignal.NUMBNESS_TINGLING,
            pain_before=3,
            routine="Desk neck reset after a long afternoon of calls",
        ),
        session(date(2026, 11, 4), minutes=0, status=SessionStatus.IN_PROGRESS, zone="Asia/Tokyo"),
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_history_line_is_wider_than_the_terminal(width: int) -> None:
    text = rendered(lambda console: render_history(console, history()), width)
    assert max(len(line) for line in text.splitlines()) <= width


def test_history_table_at_80_columns_newest_first() -> None:
    text = rendered(lambda console: render_history(console, history()), 80)
    lines = [squeeze(line) for line in text.splitlines()]
    assert lines[:2] == ["3 sessions", "when routine status stretching pain"]
    # Each time is the person's local time where the session happened (Tokyo for the newest).
    assert lines[3] == "2026-11-04 09:30 Morning back abandoned 0 min of 15 min –"
    assert lines[4] == "2026-11-03 23:30 Desk neck rese… stopped 2 min of 15 min 3 → –"
    assert lines[5] == "numbness tingling"
    assert lines[6] == "2026-11-01 09:30 Morning back completed 8 min of 15 min 4 → 2"
    assert lines[7] == "stretching: done of planned · pain 0-10: before → after"


def test_history_list_at_40_columns() -> None:
    text = rendered(lambda console: render_history(console, history()), 40)
    assert text.splitlines() == [
        "3 sessions",
        "2026-11-04 09:30  abandoned",
        "  Morning back",
        "  0 min of 15 min",
        "2026-11-03 23:30  stopped",
        "  Desk neck reset after a long afternoo…",
        "  2 min of 15 min · pain 3 → –",
        "  stopped for: numbness tingling",
        "2026-11-01 09:30  completed",
        "  Morning back",
        "  8 min of 15 min · pain 4 → 2",
    ]
