"""A real `kill -9` in the middle of a real session keeps what was done, and resume finishes it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from backstretch.cli.app import app
from tests.conftest import WiredRunner
from tests.factories import all_no_answers
from tests.fakes import FakeClock, FakeNow, ScriptedKeys

ROUTINE = {
    "name": "Quick shoulders",
    "items": [{"stretch": "shoulder-rolls", "reps": 10}, {"stretch": "neck-flexion"}],
}


def read_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the player ended before it was killed"
    assert time.monotonic() < deadline, "the player took far too long"
    return line


def started_in_a_process(
    runner: WiredRunner, tmp_path: Path, routine: dict[str, Any]
) -> subprocess.Popen[str]:
    """Screen (every answer no), then start `routine` in its own process with plain timed lines
    (a 1 s get-ready), as a person would type `backstretch start --routine FILE`."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(all_no_answers()), encoding="utf-8")
    assert runner.invoke(app, ["screen", "--answers", str(answers)]).exit_code == 0
    path = tmp_path / "routine.yaml"
    path.write_text(yaml.safe_dump(routine), encoding="utf-8")
    environment = {**os.environ, "BACKSTRETCH_LEAD_IN_SECONDS": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backstretch",
            "start",
            "--routine",
            str(path),
            "--pain-before",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )


@pytest.mark.slow
def test_kill_9_mid_session_keeps_the_done_part_and_resume_continues(
    runner: WiredRunner, tmp_path: Path, clock: FakeNow
) -> None:
    clock.value = datetime.now(UTC)  # the player runs in another process, on the real clock
    with started_in_a_process(runner, tmp_path, ROUTINE) as process:
        deadline = time.monotonic() + 60
        try:
            # Plain timed lines: the get-ready, then three seconds in and three out per roll.
            inhales = 0
            while inhales < 3:
                if "(in)" in read_line(process, deadline):
                    inhales += 1
            time.sleep(0.5)  # the save at the third inhale lands
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    listed = runner.invoke(app, ["history", "--json"])
    assert listed.exit_code == 0, listed.output
    (session,) = json.loads(listed.stdout)
    assert session["reads_as"] == "abandoned"
    first, second = session["items"]
    assert first["done_reps"] == 2  # two whole rolls before the third began
    assert first["done_seconds"] == 12
    assert second["done_seconds"] == 0
    human = runner.invoke(app, ["history"])
    assert "abandoned" in human.output

    clock = FakeClock()
    devices: Any = (clock, ScriptedKeys(clock), False)
    runner.wiring.devices = lambda: devices
    resumed = runner.invoke(app, ["start", "--resume", "--pain-after", "2"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 of 2 stretches to go" in resumed.output
    (session,) = json.loads(runner.invoke(app, ["history", "--json"]).stdout)
    assert session["status"] == "completed"
    first, second = session["items"]
    assert first["done_reps"] == first["planned_reps"] == 10
    assert first["done_seconds"] == first["planned_seconds"]
    assert second["done_seconds"] == second["planned_seconds"]


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_hold_keeps_the_part_of_it_done(
    runner: WiredRunner, tmp_path: Path, clock: FakeNow
) -> None:
    clock.value = datetime.now(UTC)  # the player runs in another process, on the real clock
    one_hold = {"name": "One hold", "items": [{"stretch": "neck-flexion"}]}
    with started_in_a_process(runner, tmp_path, one_hold) as process:
        deadline = time.monotonic() + 60
        try:
            while not re.match(r"\d+:\d\d hold", read_line(process, deadline)):
                pass
            hold_began = time.monotonic()
            time.sleep(13)  # 13 s into a 30 s hold: no new part has begun since it started
            os.kill(process.pid, signal.SIGKILL)
            held = time.monotonic() - hold_began
        finally:
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    (session,) = json.loads(runner.invoke(app, ["history", "--json"]).stdout)
    assert session["reads_as"] == "abandoned"
    (item,) = session["items"]
    # Saved at least every 5 s while the clock runs: at most the last few seconds are lost.
    assert held - 5 <= item["done_seconds"] <= held + 1
    assert item["done_seconds"] >= 8
