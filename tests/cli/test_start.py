"""`backstretch start`, `log` and `--resume`, driven by a fake clock and scripted keys."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app
from tests.conftest import WiredRunner
from tests.factories import all_no_answers
from tests.fakes import FakeClock, FakeNow, ScriptedKeys


def screen_ok(runner: CliRunner, folder: Path) -> None:
    path = folder / "answers.json"
    path.write_text(json.dumps(all_no_answers()), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def devices(runner: WiredRunner) -> dict[str, Any]:
    """No terminal: the player prints plain lines and reads the scripted keys."""
    clock = FakeClock()
    state: dict[str, Any] = {"clock": clock, "keys": ScriptedKeys(clock), "interactive": False}
    runner.wiring.devices = lambda: (state["clock"], state["keys"], state["interactive"])
    return state


def history(runner: CliRunner) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["history", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("devices")
def test_a_whole_session_without_a_terminal_is_saved(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    result = runner.invoke(
        app, ["start", "--preset", "desk-break", "--pain-before", "4", "--pain-after", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Session complete" in result.output


def run_start(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["start", "--preset", "desk-break", "--pain-before", "4", *args])
    assert result.exit_code == code, result.output
    return result.output


def only_session(runner: CliRunner) -> dict[str, Any]:
    sessions = history(runner)
    assert len(sessions) == 1
    return sessions[0]


@pytest.mark.usefixtures("devices")
def test_the_finished_session_is_in_history_with_every_item_done(
    runner: CliRunner, tmp_path: Path
) -> None:
    screen_ok(runner, tmp_path)
    output = run_start(runner, "--pain-after", "3")
    assert "Session complete" in output
    session = only_session(runner)
    assert session["status"] == "completed"
    assert (session["pain_before"], session["pain_after"]) == (4, 3)
    assert session["items"], "the routine has items"
    for item in session["items"]:
        assert item["done_seconds"] == item["planned_seconds"] > 0
        assert item["done_reps"] == item["planned_reps"]
        assert not item["skipped"]


def test_cues_come_at_their_offsets_in_plain_mode(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    plan = json.loads(runner.invoke(app, ["plan", "--preset", "desk-break", "--json"]).stdout)
    output = run_start(runner, "--pain-after", "3")
    lines = [line for line in output.splitlines() if line[:1].isdigit() and ":" in line[:6]]
    stamps = [line.split(" ", 1)[0] for line in lines]
    expected = [
        f"{s['start_ms'] // 60000}:{s['start_ms'] // 1000 % 60:02d}" for s in plan["timeline"]
    ]
    assert stamps == expected
    # The fake clock reached the end exactly: the loop never slept past a deadline.
    assert devices["clock"].elapsed_ms == plan["timeline"][-1]["start_ms"]


def test_quit_keeps_what_was_done_and_resume_finishes_it(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    devices["keys"] = ScriptedKeys(devices["clock"], [(20_000, "q"), (20_500, "y")])
    output = run_start(runner)
    assert "start --resume" in output
    session = only_session(runner)
    assert session["status"] == "abandoned"
    first = session["items"][0]
    # 5 s get-ready, then 15 s of the first stretch were done before q.
    assert first["done_seconds"] == 15
    assert all(item["done_seconds"] == 0 for item in session["items"][1:])

    clock = FakeClock()
    devices["clock"], devices["keys"] = clock, ScriptedKeys(clock)
    result = runner.invoke(app, ["start", "--resume", "--pain-after", "2"])
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.output
    session = only_session(runner)
    assert session["status"] == "completed"
    assert session["pain_after"] == 2
    for item in session["items"]:
        assert item["done_seconds"] == item["planned_seconds"]


def test_pause_stops_the_clock_and_skip_passes_an_item_over(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    plan = json.loads(runner.invoke(app, ["plan", "--preset", "desk-break", "--json"]).stdout)
    total_ms = plan["timeline"][-1]["start_ms"]
    first_item_ms = plan["items"][0]["seconds"] * 1000
    # Pause at 2 s for 60 s, then skip the first item at 10 s of session time.
    devices["keys"] = ScriptedKeys(devices["clock"], [(2_000, " "), (62_000, " "), (70_000, "n")])
    run_start(runner, "--pain-after", "4")
    session = only_session(runner)
    first = session["items"][0]
    assert first["skipped"]
    assert first["done_seconds"] == 5  # 10 s in, after the 5 s get-ready
    assert session["status"] == "completed"
    # Paused 60 s, and the rest of item one (first_item_ms - 10 s) never played.
    assert devices["clock"].elapsed_ms == total_ms + 60_000 - (first_item_ms - 10_000)


def test_stop_this_hurts_opens_the_block_the_signal_calls_for(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    # "!" then 2: numbness or tingling (the second signal offered).
    devices["keys"] = ScriptedKeys(devices["clock"], [(12_000, "!"), (13_000, "x"), (14_000, "2")])
    output = run_start(runner, "--pain-after", "5")
    assert "Numbness or tingling" in output
    assert "see a clinician soon" in output
    session = only_session(runner)
    assert session["status"] == "stopped"
    assert session["stop_signal"] == "numbness_tingling"
    assert session["stopped_stretch"] == session["items"][0]["stretch"]
    blocked = runner.invoke(app, ["plan", "--preset", "desk-break"])
    assert blocked.exit_code == 3
    again = runner.invoke(app, ["start", "--preset", "desk-break", "--pain-before", "2"])
    assert again.exit_code == 3
    assert len(history(runner)) == 1


def test_dizziness_stop_needs_a_new_screening(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    devices["keys"] = ScriptedKeys(devices["clock"], [(8_000, "!"), (9_000, "4")])
    output = run_start(runner)
    assert "Dizzy" in output
    assert "999" in output  # the configured emergency number fills the advice
    assert (
        runner.invoke(app, ["start", "--preset", "desk-break", "--pain-before", "2"]).exit_code == 3
    )
    screen_ok(runner, tmp_path)  # answering the questions again reopens the programme
    assert runner.invoke(app, ["plan", "--preset", "desk-break"]).exit_code == 0


def test_carry_on_after_bang_resumes_the_same_session(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    devices["keys"] = ScriptedKeys(devices["clock"], [(8_000, "!"), (20_000, "c")])
    run_start(runner, "--pain-after", "3")
    session = only_session(runner)
    assert session["status"] == "completed"
    assert session["stop_signal"] is None


@pytest.mark.usefixtures("devices")
def test_without_a_terminal_pain_before_is_required(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    result = runner.invoke(app, ["start", "--preset", "desk-break"])
    assert result.exit_code == 2
    assert "--pain-before" in result.output


@pytest.mark.usefixtures("devices")
def test_without_a_screening_start_refuses_without_a_terminal(runner: CliRunner) -> None:
    result = run_start(runner, code=3)
    assert "backstretch screen" in result
    assert history(runner) == []


@pytest.mark.usefixtures("devices")
def test_a_red_flag_never_starts_a_session(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no_answers(bladder_change=True)), encoding="utf-8")
    runner.invoke(app, ["screen", "--answers", str(path)])
    output = run_start(runner, code=3)
    assert "999" in output
    assert history(runner) == []


@pytest.mark.usefixtures("devices")
def test_resume_with_nothing_to_resume_says_so(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    result = runner.invoke(app, ["start", "--resume"])
    assert result.exit_code == 2
    assert "no unfinished session" in result.output


@pytest.mark.usefixtures("devices")
def test_the_profile_is_remembered_for_the_next_start(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    first = runner.invoke(
        app,
        [
            "start",
            "--area",
            "neck_shoulders",
            "--minutes",
            "3",
            "--setting",
            "chair",
            "--pain-before",
            "2",
            "--pain-after",
            "2",
        ],
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["start", "--pain-before", "2", "--pain-after", "2"])
    assert second.exit_code == 0, second.output
    sessions = history(runner)
    assert [s["routine_name"] for s in sessions] == ["My routine", "My routine"]
    assert {i["stretch"] for i in sessions[0]["items"]} == {
        i["stretch"] for i in sessions[1]["items"]
    }


@pytest.mark.usefixtures("devices")
def test_log_records_a_session_done_without_the_player(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    result = runner.invoke(
        app,
        [
            "log",
            "--preset",
            "desk-break",
            "--pain-before",
            "5",
            "--pain-after",
            "3",
            "--at",
            "2026-11-01 18:00",
        ],
    )
    assert result.exit_code == 0, result.output
    session = only_session(runner)
    assert session["source"] == "log"
    assert session["status"] == "completed"
    assert session["local_day"] == "2026-11-01"
    assert session["started_at"].startswith("2026-11-01T18:00")  # London is on UTC in November


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--at", "yesterday"], "--at"),
        (["--at", "2027-01-01 10:00"], "not happened yet"),
        (["--preset", "nope"], "unknown preset"),
    ],
)
@pytest.mark.usefixtures("devices")
def test_log_refuses_bad_input(
    runner: CliRunner, tmp_path: Path, args: list[str], named: str
) -> None:
    screen_ok(runner, tmp_path)
    base = ["log", "--pain-before", "5", "--pain-after", "3"]
    if "--preset" not in args:
        base += ["--preset", "desk-break"]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code == 2
    assert named in result.output
    assert history(runner) == []


def test_a_new_person_goes_from_my_lower_back_hurts_to_a_saved_session(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    devices["interactive"] = True
    # Areas: 4 (lower back); 3 minutes; on a chair; pain 5; Enter to start; pain after 4;
    # then yes to the weekly check-in: one activity, rated 5.
    answers = "4\n3\nchair\n5\n\n4\ny\ncarrying shopping\n\n5\n"
    result = runner.invoke(app, ["start", "--quiet"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Where does it feel tight?" in result.output
    assert "Session complete" in result.output
    session = only_session(runner)
    assert (session["pain_before"], session["pain_after"]) == (5, 4)
    assert session["done_seconds"] > 0
    # Next time the profile is offered again: Enter keeps it.
    clock = FakeClock()
    devices["clock"], devices["keys"] = clock, ScriptedKeys(clock)
    again = runner.invoke(app, ["start", "--quiet"], input="\n4\n\n3\n")
    assert again.exit_code == 0, again.output
    assert "Last time: lower back · 3 min · chair" in again.output
    assert len(history(runner)) == 2
    assert "Weekly check-in" not in again.output  # offered once a week at most
    trend = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)["psfs"]
    assert [point["mean"] for point in trend["checkins"]] == [5.0]


def test_a_resumed_session_still_offers_the_pregnancy_warning_signs(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no_answers(pregnant=True)), encoding="utf-8")
    assert runner.invoke(app, ["screen", "--answers", str(path)]).exit_code == 0
    devices["keys"] = ScriptedKeys(devices["clock"], [(7_000, "q"), (7_500, "y")])
    run_start(runner)
    clock = FakeClock()
    devices["clock"], devices["keys"] = clock, ScriptedKeys(clock, [(3_000, "!"), (4_000, "c")])
    resumed = runner.invoke(app, ["start", "--resume", "--pain-after", "3"])
    assert resumed.exit_code == 0, resumed.output
    assert "Pregnancy warning sign" in resumed.output


def test_the_first_start_asks_the_safety_check_after_one_filled_in_disclaimer(
    runner: CliRunner, devices: dict[str, Any]
) -> None:
    devices["interactive"] = True
    screening = ["", *["n"] * 6]  # Enter for the disclaimer, "none of these" on six screens
    profile = ["4", "3", "chair", "5", "", "4", ""]  # then no weekly check-in
    result = runner.invoke(app, ["start", "--quiet"], input="\n".join(screening + profile) + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("not a medical device") == 1
    assert "{emergency_number}" not in result.output
    assert "6 of 6" in result.output
    assert "You can start, gently" in result.output  # the result of the check, in `start` too
    assert "Please choose" not in result.output  # every key was the one the flow expected
    assert "Session complete" in result.output


def test_the_weekly_check_in_start_is_one_key_and_shows_the_result(
    runner: CliRunner, devices: dict[str, Any], tmp_path: Path, clock: FakeNow
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no_answers(wrist_pain=True)), encoding="utf-8")
    assert runner.invoke(app, ["screen", "--answers", str(path)]).exit_code == 0
    clock.value += timedelta(days=8)
    devices["interactive"] = True
    keys = ["", "4", "", "", ""]  # none of these, pain 4, start now, no pain after, no check-in
    result = runner.invoke(
        app, ["start", "--quiet", "--preset", "desk-break"], input="\n".join(keys) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Weekly safety check" in result.output
    assert "not a medical device" not in result.output  # the disclaimer was read the first time
    assert "You can start, gently" in result.output
    assert "wrist" in result.output  # the adjustment is kept as last time
    assert "Session complete" in result.output


@pytest.mark.parametrize("word", ["c", "C", "Chair", "CHAIR", "ch"])
def test_the_setting_is_chosen_by_prefix_in_any_case(
    runner: CliRunner, devices: dict[str, Any], tmp_path: Path, word: str
) -> None:
    screen_ok(runner, tmp_path)
    devices["interactive"] = True
    keys = ["4", "3", "x", word, "5", "", "", ""]  # "x" names no setting: asked again
    result = runner.invoke(app, ["start", "--quiet"], input="\n".join(keys) + "\n")
    assert result.exit_code == 0, result.output
    assert "Please choose one of: floor, chair, standing, bed." in result.output
    assert "on a chair" in result.output


def test_an_ambiguous_prefix_names_the_options() -> None:
    from backstretch.cli.parsing import matching

    assert matching("s", ["standing", "sitting", "bed"]) == ["standing", "sitting"]
    assert matching("ST", ["standing", "sitting", "bed"]) == ["standing"]
    assert matching("no", ["no", "not sure"]) == ["no"]  # an exact name wins


def test_a_setting_flag_by_prefix_and_an_unknown_one(runner: CliRunner, tmp_path: Path) -> None:
    screen_ok(runner, tmp_path)
    plain = runner.invoke(app, ["start", "--area", "neck", "--setting", "Ch", "--pain-before", "3"])
    assert "unknown setting" not in plain.output
    unknown = runner.invoke(
        app, ["start", "--area", "neck", "--setting", "x", "--pain-before", "3"]
    )
    assert unknown.exit_code == 2
    assert "floor, chair, standing, bed" in unknown.output


def test_the_end_screen_gives_the_week_pain_and_one_next_step(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    from backstretch.core.durations import minutes

    del devices
    screen_ok(runner, tmp_path)
    output = run_start(runner, "--pain-after", "3")
    session = only_session(runner)
    amount = minutes(session["done_seconds"])
    assert session["done_seconds"] == session["planned_seconds"]
    assert f"Session complete\n{amount} of stretching." in output
    assert "This week: 1 of 3 days · 2 to go" in output
    assert "Pain: 4 → 3 (1 lower)" in output
    assert output.count("Next:") == 1
    # The same amount, written the same way, in the history.
    listed = runner.invoke(app, ["history"]).output
    assert f"{amount} of {amount}" in listed


def test_skipping_every_stretch_reads_skipped_and_is_not_praised(
    runner: CliRunner, tmp_path: Path, devices: dict[str, Any]
) -> None:
    screen_ok(runner, tmp_path)
    devices["keys"] = ScriptedKeys(devices["clock"], [(500 + 100 * n, "n") for n in range(20)])
    output = run_start(runner, "--pain-after", "3")
    assert "Nothing done this time" in output
    assert "Session complete" not in output and "Well done" not in output
    assert "This week: 0 of 3 days" in output
    session = only_session(runner)
    assert session["skipped"] is True and session["done_seconds"] == 0
    assert "skipped" in runner.invoke(app, ["history"]).output
