"""`backstretch remind`: show and set the schedule, write the calendar file, refuse bad input
with one line and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from backstretch.cli.app import app
from tests.conftest import WiredRunner
from tests.fakes import FakeNow

MONDAY_0800 = datetime(2026, 6, 8, 7, 0, tzinfo=UTC)  # 08:00 in London


@pytest.fixture(autouse=True)
def monday(clock: FakeNow) -> None:
    clock.value = MONDAY_0800


def remind(runner: WiredRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["remind", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_no_schedule_says_how_to_start(runner: WiredRunner) -> None:
    output = remind(runner)
    assert "Reminders: on · time zone Europe/London" in output
    assert "Sessions: none yet (add one: --days mon,wed,fri --at 08:30)" in output
    assert "Desk breaks: off" in output


def test_mon_wed_fri_at_half_past_eight_and_weekday_breaks(runner: WiredRunner) -> None:
    remind(runner, "--days", "mon,wed,fri", "--at", "08:30", "--preset", "morning")
    output = remind(
        runner, "--days", "daily", "--at", "22:00", "--preset", "bedtime", "--target", "3",
        "--quiet", "22:30-07:00", "--breaks", "09:00-17:00", "--every", "50",
        "--break-days", "mon-fri",
    )  # fmt: skip
    assert "  Mon, Wed, Fri at 08:30 · morning" in output
    assert "  every day at 22:00 · bedtime" in output
    assert "Desk breaks: weekdays 09:00-17:00, every 50 minutes" in output
    assert "Quiet hours: 22:30-07:00" in output
    assert "This week: 0 of 3 days with a session (3 to go) · streak 0 days" in output
    assert "Next: Mon 08:30 session, Mon 09:50 desk break, Mon 10:40 desk break" in output
    data = json.loads(remind(runner, "--json"))
    assert data["schedule"]["sessions"][0] == {
        "days": ["mon", "wed", "fri"],
        "at": "08:30",
        "preset": "morning",
    }
    assert data["progress"] == {
        "done": 0, "target": 3, "week_start": "2026-06-08", "met": False, "days_left": 6,
    }  # fmt: skip
    assert data["upcoming"][0]["local"] == "2026-06-08T08:30:00+01:00"


def test_off_in_one_step_and_back_on(runner: WiredRunner) -> None:
    remind(runner, "--days", "mon,wed,fri", "--at", "08:30", "--breaks", "09:00-17:00")
    output = remind(runner, "--off")
    assert "Reminders: off (`backstretch remind --on` turns them back on)" in output
    assert "Next:" not in output
    assert json.loads(remind(runner, "--json"))["upcoming"] == []
    output = remind(runner, "--on")
    assert "Next: Mon 08:30 session" in output
    output = remind(runner, "--no-breaks", "--clear")
    assert "Sessions: none yet" in output and "Desk breaks: off" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "mon,funday", "--at", "08:30"], "--days: 'funday' is not a day"),
        (["--days", "mon", "--at", "25:00"], "--at: '25:00' is not a time of day"),
        (["--days", "mon", "--at", "08:30", "--preset", "nope"], "--preset: unknown preset 'nope'"),
        (["--days", "mon"], "--at: say the time too"),
        (["--target", "9"], "--target: a weekly target is 1 to 7"),
        (["--quiet", "22:30"], "--quiet: '22:30' is not a span of time"),
        (["--breaks", "17:00-09:00"], "--breaks: work hours must end after they start"),
        (["--breaks", "09:00-17:00", "--every", "5"], "--every: must be a whole number"),
        (["--breaks", "09:00-17:00", "--break-days", "mon-fry"], "--break-days: 'fry' is not"),
        (["--link", "example.org"], "--link: 'example.org' is not a web address"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    runner: WiredRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["remind", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"backstretch: {message}"), lines[0]
    assert "Traceback" not in result.output


def test_the_calendar_file_is_written_with_the_note(runner: WiredRunner, tmp_path: Path) -> None:
    path = tmp_path / "reminders.ics"
    output = remind(
        runner, "--days", "mon,wed,fri", "--at", "08:30", "--preset", "morning",
        "--ics", str(path), "--link", "https://stretch.example.org",
    )  # fmt: skip
    said = " ".join(output.split())  # the console wraps long lines
    assert f"Wrote the calendar file {path}." in said
    assert "Google Calendar and Outlook ignore them" in said
    assert "Desk breaks are not set up, so the file has none." in said
    calendar = Calendar.from_ical(path.read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["URL"]) == "https://stretch.example.org/plan?preset=morning"
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    assert [str(a["ACTION"]) for a in event.walk("VALARM")] == ["DISPLAY"]
    # A second download has the same UID: importing it again updates the event.
    again = tmp_path / "again.ics"
    remind(runner, "--ics", str(again))
    [second] = Calendar.from_ical(again.read_bytes()).walk("VEVENT")
    assert str(second["UID"]) == str(event["UID"])


def test_an_unwritable_calendar_file_is_one_line(runner: WiredRunner, tmp_path: Path) -> None:
    remind(runner, "--days", "mon", "--at", "08:30")
    result = runner.invoke(app, ["remind", "--ics", str(tmp_path / "missing" / "r.ics")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"backstretch: --ics: cannot write {tmp_path / 'missing' / 'r.ics'}: "
        "No such file or directory"
    ]


def test_a_calendar_needs_something_in_it(runner: WiredRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["remind", "--ics", str(tmp_path / "r.ics")])
    assert result.exit_code == 2
    assert "nothing to put in a calendar yet" in result.stderr
    assert not (tmp_path / "r.ics").exists()
