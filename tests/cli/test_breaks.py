"""`backstretch breaks` through a whole working day on a fake clock: it waits, rings, shows the
posture check, plays the micro-routine on Enter, snoozes, skips and takes a skipped break later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backstretch.cli.app import app
from tests.conftest import WiredRunner
from tests.factories import all_no_answers
from tests.fakes import FakeClock, FakeNow

MONDAY_0800 = datetime(2026, 6, 8, 7, 0, tzinfo=UTC)  # 08:00 in London (BST)


def london(day: int, hour: int, minute: int) -> datetime:
    """The UTC moment of a London wall time in the week of Monday 8 June 2026 (BST)."""
    return datetime(2026, 6, 8 + day, hour - 1, minute, tzinfo=UTC)


class DayKeys:
    """Waiting moves the wall clock and the player's clock together; keys come at wall times.

    A key of "^C" is Ctrl-C.
    """

    def __init__(self, wall: FakeNow, player: FakeClock, script: list[tuple[datetime, str]]):
        self.wall = wall
        self.player = player
        self.script = sorted(script)
        self.waited = timedelta(0)

    def _advance(self, step: timedelta) -> None:
        self.wall.value += step
        self.player.value += round(step.total_seconds() * 1000)
        self.waited += step

    def read(self, timeout: float) -> str | None:
        step = timedelta(seconds=max(0.0, timeout))
        if self.script and self.script[0][0] <= self.wall.value + step:
            at, key = self.script.pop(0)
            self._advance(max(timedelta(0), at - self.wall.value))
            if key == "^C":
                raise KeyboardInterrupt
            return key
        self._advance(step)
        return None


@pytest.fixture(autouse=True)
def monday_morning(clock: FakeNow) -> None:
    clock.value = MONDAY_0800


def use_keys(runner: WiredRunner, clock: FakeNow, script: list[tuple[datetime, str]]) -> DayKeys:
    keys = DayKeys(clock, FakeClock(), script)
    runner.wiring.devices = lambda: (keys.player, keys, False)
    return keys


def screen(runner: WiredRunner, folder: Path, **answers: Any) -> None:
    path = folder / "answers.json"
    path.write_text(json.dumps(all_no_answers(**answers)), encoding="utf-8")
    runner.invoke(app, ["screen", "--answers", str(path), "--json"])


def set_breaks(runner: WiredRunner) -> None:
    result = runner.invoke(app, ["remind", "--breaks", "09:00-17:00"])
    assert result.exit_code == 0, result.output


def history(runner: WiredRunner) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["history", "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_a_whole_working_day(runner: WiredRunner, clock: FakeNow, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    set_breaks(runner)
    keys = use_keys(runner, clock, [(london(0, 11, 45), "l")])
    answers = [
        "",  # 09:50: start the routine
        "s 10",  # 10:40: snooze ten minutes
        "",  # 10:50: the snoozed break, taken
        "k",  # 11:30: skipped (then taken at 11:45 with l while waiting)
        "k",  # 12:20
        "later",  # 13:10: not an answer: asked again
        "s 5",  # 13:10: snoozed to 13:15
        "k",  # 13:15
        "",  # 14:00
        "k",  # 14:50
        "k",  # 15:40
        "",  # 16:30
    ]
    result = runner.invoke(app, ["breaks"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    output = result.output
    assert "Desk breaks weekdays, 09:00-17:00, every 50 minutes." in output
    rang = [line for line in output.splitlines() if line.startswith("Desk break, ")]
    assert rang == [
        "Desk break, 09:50.", "Desk break, 10:40.", "Desk break, 10:50.", "Desk break, 11:30.",
        "Desk break, 12:20.", "Desk break, 13:10.", "Desk break, 13:15.", "Desk break, 14:00.",
        "Desk break, 14:50.", "Desk break, 15:40.", "Desk break, 16:30.",
    ]  # fmt: skip
    assert output.count("Posture check (source 000): how are you sitting right now?") == 11
    assert "Snoozed until 10:50." in output and "Snoozed until 13:15." in output
    assert "Skipped. Press l while waiting to take it later today." in output
    assert "Taking the 11:30 break now." in output
    assert "Type Enter to start, s 5 / s 10 / s 30 to snooze, k to skip or q to stop." in output
    assert output.count("Session complete") == 5
    assert output.rstrip().endswith(
        "That is the working day: 5 breaks taken, 4 skipped. Next desk break: Tue 09:50."
    )
    # The day ended after the last break, a whole working day waited through at once.
    assert london(0, 16, 30) < clock.value < london(0, 17, 0)
    assert keys.waited > timedelta(hours=8)
    sessions = history(runner)
    assert len(sessions) == 5
    assert {s["routine_name"] for s in sessions} == {"Desk break"}
    assert {s["status"] for s in sessions} == {"completed"}
    for session in sessions:
        assert 0 < sum(i["done_seconds"] for i in session["items"]) <= 3 * 60


def test_outside_work_hours_it_says_when_the_next_break_is(
    runner: WiredRunner, clock: FakeNow, tmp_path: Path
) -> None:
    clock.value = london(5, 10, 0)  # Saturday
    screen(runner, tmp_path)
    set_breaks(runner)
    use_keys(runner, clock, [])
    result = runner.invoke(app, ["breaks"], input="q\n")
    assert result.exit_code == 0, result.output
    assert "Outside work hours. The next desk break is Mon 09:50." in result.output
    assert "Desk break, 09:50." in result.output
    assert result.output.rstrip().endswith("Stopped.")
    assert clock.value == london(7, 9, 50)  # it waited for Monday's first break


def test_ctrl_c_ends_cleanly(runner: WiredRunner, clock: FakeNow, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    set_breaks(runner)
    use_keys(runner, clock, [(london(0, 9, 15), "^C")])
    result = runner.invoke(app, ["breaks"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("Stopped. Nothing was lost.")
    assert "Traceback" not in result.output


def test_q_while_waiting_stops(runner: WiredRunner, clock: FakeNow, tmp_path: Path) -> None:
    screen(runner, tmp_path)
    set_breaks(runner)
    use_keys(runner, clock, [(london(0, 9, 20), "l"), (london(0, 9, 30), "q")])
    result = runner.invoke(app, ["breaks"])
    assert result.exit_code == 0, result.output
    assert "There is no skipped break to take today." in result.output
    assert result.output.rstrip().endswith("Stopped.")
    assert history(runner) == []


def test_while_safety_blocks_only_the_advice_once(
    runner: WiredRunner, clock: FakeNow, tmp_path: Path
) -> None:
    screen(runner, tmp_path, saddle_numbness=True)  # a red flag: seek care now
    set_breaks(runner)
    use_keys(runner, clock, [])
    result = runner.invoke(app, ["breaks"], input="\n" * 5)
    assert result.exit_code == 3, result.output
    assert result.output.count("Desk breaks are paused until then") == 1
    assert "Desk break, " not in result.output
    assert history(runner) == []


def test_the_weekly_check_comes_first(runner: WiredRunner, clock: FakeNow) -> None:
    set_breaks(runner)
    use_keys(runner, clock, [])
    result = runner.invoke(app, ["breaks"])
    assert result.exit_code == 3
    assert "The weekly safety check is due: run `backstretch screen` first." in result.output


def test_without_work_hours_it_says_how_to_set_them(runner: WiredRunner) -> None:
    result = runner.invoke(app, ["breaks"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "backstretch: desk breaks are off: set work hours with "
        "`backstretch remind --breaks 09:00-17:00`"
    )
