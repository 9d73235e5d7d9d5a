"""`backstretch plan`: the safety gate, restrictions on file, the profile, files, the timeline."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from backstretch.cli.app import app
from backstretch.core.models import Movement, Position
from backstretch.core.safety import BlockKind
from backstretch.core.screening import RED_FLAG_IDS
from backstretch.data import builtin_catalogue, screening_guide
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import open_store
from tests.fakes import FakeNow

PREGNANCY_RULED_OUT = {Movement.SUPINE, Movement.PRONE, Movement.DEEP_BEND, Movement.CLOSED_TWIST}
DESK = {Position.CHAIR, Position.STANDING}
# "Lower back, 10 minutes, at my desk, 20 weeks pregnant."
DESK_PREGNANT = [
    "plan",
    "--area",
    "lower_back",
    "--minutes",
    "10",
    "--setting",
    "chair",
    "--pregnancy-weeks",
    "20",
]


def all_no(**answers: object) -> dict[str, object]:
    return {**dict.fromkeys(RED_FLAG_IDS, False), **answers}


# Pregnant with back pain, seen by the midwife: the flag is on file and cleared.
MIDWIFE_CLEARED = all_no(
    pregnant_with_pain=True, pregnant=True, pregnancy_weeks=20, cleared=["pregnant_with_pain"]
)


def screen(runner: CliRunner, folder: Path, answers: object) -> None:
    path = folder / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output


def run_plan(runner: CliRunner, args: list[str], code: int = 0) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def run_human(runner: CliRunner, args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return " ".join(result.stdout.split())  # undo Rich's line wrapping


def words(text: str) -> str:
    return " ".join(text.split())


def fails(runner: CliRunner, args: list[str]) -> Result:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result


def movements_of(data: dict[str, Any]) -> set[Movement]:
    catalogue = builtin_catalogue()
    return {
        m
        for item in data["items"]
        for m in catalogue.get(item["stretch"]).way_at(item["way"]).movements
    }


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --- the screening on file decides whether there is a plan -----------------------------------


@pytest.mark.usefixtures("database_url")
def test_desk_plan_while_pregnant_after_the_midwife_cleared(
    runner: CliRunner, tmp_path: Path
) -> None:
    screen(runner, tmp_path, MIDWIFE_CLEARED)
    data = run_plan(runner, DESK_PREGNANT)
    assert data["screening"] == "ok"
    assert "pregnant" in data["restrictions"]
    assert data["budget_seconds"] == 600
    assert 0 < data["total_seconds"] <= 600
    assert data["items"]
    catalogue = builtin_catalogue()
    for item in data["items"]:
        assert catalogue.get(item["stretch"]).way_at(item["way"]).position in DESK, item["stretch"]
    assert not movements_of(data) & PREGNANCY_RULED_OUT
    # Drawing a knee into the bump (chair knee-to-chest) is out from week 13 (SCREENING.md v3).
    assert "chair-knee-to-chest" not in {item["stretch"] for item in data["items"]}
    assert all(swap["reasons"] for swap in data["swaps"])
    # Swaps and exclusions are told only for stretches the person would otherwise have had:
    # never for the chair setting the person chose.
    told = [r for entry in (*data["swaps"], *data["excluded"]) for r in entry["reasons"]]
    assert {"kind": "setting", "id": "chair"} not in told

    shown = run_human(runner, DESK_PREGNANT)
    assert "Your routine · " in shown
    assert data["items"][0]["name"] in shown
    assert "because of" not in shown  # reasons are told by the movement, in plain words
    assert "on a chair" in shown or "standing" in shown  # where each stretch is done
    assert words(screening_guide().session_reminder) in shown
    assert "backstretch screen" not in shown  # the screening is fine: no nudge


@pytest.mark.usefixtures("database_url")
def test_a_red_flag_on_file_blocks_the_plan_with_advice(runner: CliRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path, all_no(saddle_numbness=True))
    data = run_plan(runner, ["plan", "--area", "lower_back"], code=3)
    assert data["blocked"] is True
    assert data["verdict"] == "emergency"
    assert "items" not in data
    assert set(data["advice"]) == {"title", "text", "actions"}
    assert data["advice"]["actions"]

    shown = run_human(runner, ["plan", "--area", "lower_back"], code=3)
    assert words(data["advice"]["title"]) in shown
    assert words(data["advice"]["actions"][0]) in shown
    assert "Your routine" not in shown


@pytest.mark.usefixtures("database_url")
def test_see_clinician_blocks_until_cleared(runner: CliRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path, all_no(weight_loss=True))
    data = run_plan(runner, ["plan", "--area", "lower_back"], code=3)
    assert data == {"blocked": True, "verdict": "see_clinician", "advice": data["advice"]}
    assert runner.invoke(app, ["screen", "--clear", "weight_loss"]).exit_code == 0
    assert run_plan(runner, ["plan", "--area", "lower_back"])["screening"] == "ok"


def test_without_a_screening_the_plan_says_screen_first(runner: CliRunner) -> None:
    data = run_plan(runner, ["plan", "--area", "lower_back"])
    assert data["screening"] == "missing"
    assert data["items"]
    shown = run_human(runner, ["plan", "--area", "lower_back"])
    assert "No safety screening on file yet: run `backstretch screen` first." in shown


def test_an_incomplete_screening_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    screen(runner, tmp_path, {"saddle_numbness": False})
    data = run_plan(runner, ["plan", "--area", "lower_back"])
    assert data["screening"] == "incomplete"
    assert data["items"]
    shown = run_human(runner, ["plan", "--area", "lower_back"])
    assert "unanswered questions" in shown


@pytest.mark.usefixtures("database_url")
def test_a_screening_goes_stale_after_a_week(
    runner: CliRunner, tmp_path: Path, clock: FakeNow
) -> None:
    screen(runner, tmp_path, all_no())
    start = clock.value
    clock.value = start + timedelta(days=6)
    assert run_plan(runner, ["plan", "--area", "lower_back"])["screening"] == "ok"
    clock.value = start + timedelta(days=8)
    assert run_plan(runner, ["plan", "--area", "lower_back"])["screening"] == "stale"
    shown = run_human(runner, ["plan", "--area", "lower_back"])
    assert "backstretch screen --recheck" in shown


@pytest.mark.parametrize("screened", [True, False], ids=["after-screening", "no-screening"])
def test_an_open_safety_block_stops_the_plan(
    runner: CliRunner, tmp_path: Path, clock: FakeNow, database_url: str, screened: bool
) -> None:
    if screened:
        screen(runner, tmp_path, all_no())
    store = open_store(database_url)
    try:
        with transaction(store.sessions) as session:
            repository.open_block(
                db=session,
                kind=BlockKind.PAIN_PAUSE,
                reason="pain_rise",
                at=clock.value,
                timezone="Europe/London",
            )
    finally:
        store.close()
    data = run_plan(runner, ["plan", "--area", "lower_back"], code=3)
    assert data["blocked"] is True
    assert data["verdict"] == ("self_care" if screened else None)
    assert data["advice"]["title"] == "The programme is paused for your safety"
    assert data["advice"]["actions"] == ["backstretch screen --recheck"]
    shown = run_human(runner, ["plan", "--area", "lower_back"], code=3)
    assert "The programme is paused for your safety" in shown


# --- restrictions: on file, in the profile file and as flags, all add up --------------------

WHOLE_BACK = ["plan", "--area", "lower_back", "--area", "hips", "--area", "mid_back"]
WHOLE_BACK += ["--minutes", "60"]


@pytest.mark.usefixtures("database_url")
def test_restrictions_on_file_apply_without_the_flag(runner: CliRunner, tmp_path: Path) -> None:
    before = run_plan(runner, WHOLE_BACK)
    assert Movement.KNEELING in movements_of(before)  # the control: kneeling would be planned
    screen(runner, tmp_path, all_no(knee_pain_kneeling=True))
    after = run_plan(runner, WHOLE_BACK)
    assert after["screening"] == "ok"
    assert "knee_pain_kneeling" in after["restrictions"]
    assert "knee_pain_kneeling" not in after["profile"]["restrictions"]
    assert Movement.KNEELING not in movements_of(after)
    assert after["items"]
    reasons = [r for entry in after["swaps"] + after["excluded"] for r in entry["reasons"]]
    assert {"kind": "restriction", "id": "knee_pain_kneeling"} in reasons


def test_profile_file_and_flag_restrictions_add_up(runner: CliRunner, tmp_path: Path) -> None:
    profile = write(tmp_path / "me.yaml", {"areas": ["lower_back"], "restrictions": ["wrist_pain"]})
    args = ["plan", "--profile", str(profile), "--restriction", "knee_pain_kneeling"]
    data = run_plan(runner, [*args, "--minutes", "60"])
    assert data["profile"]["restrictions"] == ["wrist_pain", "knee_pain_kneeling"]
    assert {"wrist_pain", "knee_pain_kneeling", "neck_circles"} <= set(data["restrictions"])
    assert not movements_of(data) & {Movement.KNEELING, Movement.HANDS_WEIGHT}


def test_an_explicit_pregnancy_week_is_not_lowered_by_the_screening(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A screening saying week 12 never lowers `--pregnancy-weeks 20`: the later week counts.

    Every source that says "pregnant" is combined the cautious way: an unknown week wins,
    else the latest week.
    """
    screen(runner, tmp_path, {**MIDWIFE_CLEARED, "pregnancy_weeks": 12})
    data = run_plan(runner, [*WHOLE_BACK, "--pregnancy-weeks", "20"])
    assert data["profile"]["pregnancy_weeks"] == 20
    assert not movements_of(data) & PREGNANCY_RULED_OUT


# --- the profile: file, then preset, then flags ----------------------------------------------


def test_flags_override_the_profile_file(runner: CliRunner, tmp_path: Path) -> None:
    profile = write(
        tmp_path / "me.json", {"areas": ["lower_back"], "minutes": 30, "setting": "chair"}
    )
    from_file = run_plan(runner, ["plan", "--profile", str(profile)])
    assert from_file["budget_seconds"] == 1800
    data = run_plan(runner, ["plan", "--profile", str(profile), "--minutes", "5"])
    assert data["profile"]["minutes"] == 5
    assert data["profile"]["setting"] == "chair"  # what no flag overrides stays
    assert data["budget_seconds"] == 300
    assert data["total_seconds"] <= 300


def test_explicit_flags_override_a_preset(runner: CliRunner) -> None:
    preset = run_plan(runner, ["plan", "--preset", "basic-daily"])
    assert preset["budget_seconds"] == 900
    data = run_plan(runner, ["plan", "--preset", "basic-daily", "--minutes", "5"])
    assert data["budget_seconds"] == 300
    assert 0 < data["total_seconds"] <= 300
    assert len(data["items"]) < len(preset["items"])
    assert {"kind": "time", "id": "budget"} in [r for e in data["excluded"] for r in e["reasons"]]


# --- routine files -----------------------------------------------------------------------------


def test_a_saved_routine_plans_the_same_items(runner: CliRunner, tmp_path: Path) -> None:
    saved = tmp_path / "routines" / "desk.yaml"
    first = run_plan(runner, [*DESK_PREGNANT, "--save", str(saved)])
    document = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert [i["stretch"] for i in document["items"]] == [i["stretch"] for i in first["items"]]
    again = run_plan(runner, ["plan", "--routine", str(saved), "--minutes", "10"])
    assert again["items"] == [
        {**item, "why": "part of the routine you chose"} for item in first["items"]
    ]
    assert again["total_seconds"] == first["total_seconds"]
    shown = run_human(runner, [*DESK_PREGNANT, "--save", str(tmp_path / "b.yaml")])
    assert f"Saved to {tmp_path / 'b.yaml'}." in shown


def test_a_routine_with_an_unknown_stretch_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    routine = write(tmp_path / "r.yaml", {"name": "Mine", "items": [{"stretch": "cat-cwo"}]})
    result = fails(runner, ["plan", "--routine", str(routine), "--json"])
    assert "items.0.stretch" in result.stderr
    assert "cat-cwo" in result.stderr


# --- bad input exits 2 and names the problem ---------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "named"),
    [
        ({"areas": ["lower_back"], "minutes": "ten"}, "minutes"),
        ({"areas": ["lower_back"], "minutes": 90}, "minutes"),
        ({"areas": ["lower_back"], "minuts": 5}, "minuts"),
        ({"areas": ["lower_back"], "setting": "sofa"}, "setting"),
        ({"areas": ["knees"]}, "areas.0"),
    ],
    ids=["minutes-type", "minutes-range", "unknown-field", "setting", "area"],
)
def test_a_bad_profile_field_exits_2_naming_it(
    runner: CliRunner, tmp_path: Path, profile: dict[str, Any], named: str
) -> None:
    path = write(tmp_path / "me.yaml", profile)
    result = fails(runner, ["plan", "--profile", str(path), "--json"])
    assert named in result.stderr
    assert str(path) in result.stderr


def test_a_misspelt_areas_field_is_named(runner: CliRunner, tmp_path: Path) -> None:
    """With `aeras:` in the file, the error names `aeras` rather than asking for --area."""
    path = write(tmp_path / "me.yaml", {"aeras": ["lower_back"]})
    result = fails(runner, ["plan", "--profile", str(path), "--json"])
    assert "aeras" in result.stderr


def test_a_profile_restrictions_word_is_not_split_into_letters(
    runner: CliRunner, tmp_path: Path
) -> None:
    """`restrictions: wrist_pain` (a word, not a list) is named, not read letter by letter."""
    path = write(tmp_path / "me.yaml", {"areas": ["lower_back"], "restrictions": "wrist_pain"})
    result = fails(runner, ["plan", "--profile", str(path), "--json"])
    assert "restrictions: expected a list" in result.stderr
    assert "restrictions.0" not in result.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--area", "lower_back", "--setting", "sofa"], "setting"),
        (["--area", "lower_back", "--level", "extreme"], "level"),
        (["--area", "lower_back", "--restriction", "bad_knee"], "restrictions"),
        (["--area", "knees"], "areas"),
        (["--area", "lower_back", "--minutes", "0"], "--minutes"),
        (["--area", "lower_back", "--minutes", "61"], "--minutes"),
        (["--area", "lower_back", "--pregnancy-weeks", "43"], "--pregnancy-weeks"),
    ],
    ids=["setting", "level", "restriction", "area", "minutes-0", "minutes-61", "weeks-43"],
)
def test_bad_options_exit_2(runner: CliRunner, args: list[str], named: str) -> None:
    result = fails(runner, ["plan", *args, "--json"])
    assert named in result.stderr


def test_an_unknown_preset_exits_2_listing_the_presets(runner: CliRunner) -> None:
    result = fails(runner, ["plan", "--preset", "daily", "--json"])
    assert "unknown preset 'daily'" in result.stderr
    for known in ("basic-daily", "comprehensive", "desk-break"):
        assert known in result.stderr


def test_no_area_and_no_preset_exits_2_with_a_hint(runner: CliRunner) -> None:
    result = fails(runner, ["plan", "--minutes", "10"])
    assert "--area lower_back" in result.stderr
    assert "--preset" in result.stderr


def test_preset_and_routine_together_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    routine = write(tmp_path / "r.yaml", {"items": [{"stretch": "cat-cow"}]})
    result = fails(runner, ["plan", "--preset", "basic-daily", "--routine", str(routine)])
    assert "not both" in result.stderr


# --- the timeline --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        DESK_PREGNANT,
        WHOLE_BACK,
        ["plan", "--area", "neck_shoulders", "--minutes", "1"],
        ["plan", "--preset", "comprehensive"],
        ["plan", "--preset", "bedtime", "--minutes", "7"],
        ["plan", "--area", "upper_back", "--setting", "standing", "--time-of-day", "morning"],
    ],
    ids=["desk-pregnant", "whole-back", "one-minute", "comprehensive", "bedtime", "standing"],
)
def test_the_timeline_is_contiguous_and_sums_to_the_total(
    runner: CliRunner, args: list[str]
) -> None:
    data = run_plan(runner, args)
    timeline = data["timeline"]
    assert timeline[0]["start_ms"] == 0
    for before, after in pairwise(timeline):
        assert after["start_ms"] == before["start_ms"] + before["duration_ms"]
    assert timeline[-1]["kind"] == "done"
    assert timeline[-1]["duration_ms"] == 0
    assert sum(s["duration_ms"] for s in timeline) == data["total_seconds"] * 1000
    assert timeline[-1]["start_ms"] == data["total_seconds"] * 1000
    assert data["total_seconds"] == sum(item["seconds"] for item in data["items"])
    assert data["total_seconds"] <= data["budget_seconds"]
    planned = {item["stretch"] for item in data["items"]}
    assert {s["stretch"] for s in timeline[:-1]} == planned


def test_an_empty_plan_is_not_saved(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "empty.yaml"
    # A routine of back bends only, with a restriction that rules every one of them out.
    routine = write(tmp_path / "bends.yaml", {"name": "Bends", "items": [{"stretch": "cobra"}]})
    args = ["plan", "--routine", str(routine), "--restriction", "stenosis_or_spondylolisthesis"]
    result = runner.invoke(app, [*args, "--save", str(target)])
    assert result.exit_code == 2
    assert "nothing saved" in result.stderr
    assert not target.exists()


# --- issue 16: the plan in a narrow terminal, with the web page's summary and notes -----------

NECK_AT_THE_DESK = ["plan", "--area", "neck_shoulders", "--area", "upper_back", "--minutes", "10"]


@pytest.mark.usefixtures("database_url")
def test_at_40_columns_the_plan_is_stacked_lines_with_the_summary_line(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen(runner, tmp_path, all_no())
    args = [*NECK_AT_THE_DESK, "--setting", "chair"]
    data = run_plan(runner, args)
    monkeypatch.setenv("COLUMNS", "40")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 40 for line in lines), lines
    assert not any(ch in result.stdout for ch in "┃│┏━")  # no table squeezed to dots
    minutes = round(data["total_seconds"] / 60)
    count = len(data["items"])
    assert lines[:2] == ["Your routine", f"{minutes} min · {count} stretches · chair"]
    for number, item in enumerate(data["items"], 1):
        at = lines.index(f"{number}. {item['name']}")
        dose = lines[at + 1].strip()
        assert dose.endswith(f" · {item['where']}")
        if item["sides"] == "each":
            assert "each side" in dose


@pytest.mark.usefixtures("database_url")
def test_at_80_columns_the_table_has_the_same_summary_line(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen(runner, tmp_path, all_no())
    args = [*NECK_AT_THE_DESK, "--setting", "chair"]
    data = run_plan(runner, args)
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, args)
    minutes = round(data["total_seconds"] / 60)
    assert result.stdout.splitlines()[0].rstrip() == (
        f"Your routine · {minutes} min · {len(data['items'])} stretches · chair"
    )
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "Swapped for you" not in result.stdout and "Left out" not in result.stdout


@pytest.mark.usefixtures("database_url")
def test_swaps_of_a_preset_are_one_line_then_their_reasons(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen(runner, tmp_path, all_no(knee_pain_kneeling=True))
    monkeypatch.setenv("COLUMNS", "40")
    args = ["plan", "--preset", "basic-daily"]
    data = run_plan(runner, args)
    planned = {item["stretch"] for item in data["items"]}
    assert all(swap["to"] in planned for swap in data["swaps"])
    shown = run_human(runner, args)
    assert shown.count("Swapped for you:") == 1
    assert "• Cat-cow → Seated cat-cow: it puts weight on the knees." in shown


@pytest.mark.usefixtures("database_url")
def test_no_line_about_a_replacement_that_is_not_in_the_plan(
    runner: CliRunner, tmp_path: Path
) -> None:
    screen(runner, tmp_path, all_no(knee_pain_kneeling=True))
    args = ["plan", "--area", "lower_back", "--area", "hips", "--area", "upper_back"]
    data = run_plan(runner, [*args, "--minutes", "10"])
    shown = run_human(runner, [*args, "--minutes", "10"])
    planned = {item["name"] for item in data["items"]}
    catalogue = builtin_catalogue()
    for swap in data["swaps"]:
        assert catalogue.get(swap["to"]).name in planned
    for stretch in catalogue:
        if f"→ {stretch.name}:" in shown:
            assert stretch.name in planned, stretch.name
