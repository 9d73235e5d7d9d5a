"""The player's live display: a text snapshot at 80 and 40 columns, and the spoken words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from backstretch.cli.player import (
    Run,
    Screen,
    Silent,
    big_digits,
    clock_text,
    frame,
    spoken,
    stop_menu,
    way_steps,
)
from backstretch.core.player import Player
from backstretch.core.safety import StopSignal, stop_signals_for
from backstretch.core.timeline import Breath, RoutineItem, SegmentKind, default_dose, timeline
from backstretch.data import builtin_catalogue, screening_guide
from tests.fakes import FakeClock, ScriptedKeys

SNAPSHOTS = Path(__file__).parent / "snapshots"
ROUTINE = ("cat-cow", "childs-pose", "lateral-neck-flexion")


def player() -> Player:
    catalogue = builtin_catalogue()
    items = [RoutineItem.usual(catalogue.get(i), default_dose(catalogue.get(i))) for i in ROUTINE]
    return Player.start(timeline(items), 0)


def render(current: Player, at_ms: int, width: int, screen: Screen | None = None) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    console.print(frame(current, at_ms, builtin_catalogue(), screen or Screen(), width))
    return console.export_text()


@pytest.mark.parametrize("width", [80, 40])
def test_snapshot_while_breathing_in(width: int) -> None:
    text = render(player(), 6_500, width)
    assert text == (SNAPSHOTS / f"player_breathe_in_{width}.txt").read_text(encoding="utf-8")
    assert all(len(line) <= width for line in text.splitlines())


@pytest.mark.parametrize("width", [80, 40])
def test_snapshot_paused_on_a_hold(width: int) -> None:
    current = player()
    current.pause(80_000)
    text = render(current, 95_000, width)
    assert "⏸ PAUSED — space to carry on" in text  # unmistakable, without any notice
    assert text == (SNAPSHOTS / f"player_paused_{width}.txt").read_text(encoding="utf-8")
    assert all(len(line) <= width for line in text.splitlines())


def test_a_two_sided_stretch_shows_the_side_and_the_last_item_has_no_next_up() -> None:
    current = player()
    hold_right = next(
        s for s in current.segments if s.stretch == "lateral-neck-flexion" and s.side == "right"
    )
    text = render(current, hold_right.start_ms + 1_000, 80)
    assert "3/3 Lateral neck flexion" in text
    # The side in the stretch's own words, on the counter line.
    assert f"Hold 1 of 2 · {hold_right.side_label or 'right side'}" in text
    assert "next up" not in text


@pytest.mark.parametrize("width", [80, 40])
def test_a_rep_counter_counts_the_reps_of_the_set(width: int) -> None:
    current = player()
    reps = [s for s in current.segments if s.stretch == "cat-cow" and s.kind.value == "rep"]
    third = next(s for s in reps if s.rep == 3)
    text = render(current, third.start_ms + 500, width)
    assert "Rep 3 of 10" in text
    before = render(current, 1_000, width)  # getting ready: what comes first
    assert "Next: Rep 1 of 10" in before
    assert all(len(line) <= width for line in text.splitlines())


@pytest.mark.parametrize("width", [80, 40])
def test_the_steps_show_in_full_the_first_time_and_in_one_line_after(width: int) -> None:
    catalogue = builtin_catalogue()
    current = player()
    way = catalogue.get("cat-cow").usual_way
    steps = way_steps(way, catalogue, "cat-cow")
    assert steps[0] == f"1. {way.setup[0]}"
    full = render(current, 1_000, width, Screen(steps=steps))
    words = " ".join(full.replace("│", " ").split())
    for step in steps:
        assert " ".join(step.split(". ", 1)[1].split()) in words
    # It still fits a 24-line terminal, with the keys at the bottom.
    assert len(full.splitlines()) <= 24
    assert "pause" in full.splitlines()[-2]
    later = render(current, 6_500, width, Screen(step_line="How: " + steps[-1].split(". ", 1)[1]))
    assert sum("How:" in line for line in later.splitlines()) == 1
    assert "1." not in later


def test_the_stop_menu_lists_every_signal_with_a_number() -> None:
    labels = {s.id: s.label for s in screening_guide().stop_signals}
    menu = stop_menu(stop_signals_for(pregnant=False), labels)
    assert menu[1] == "1  Sharp pain"
    assert any("Numbness or tingling" in line for line in menu)
    assert not any("Pregnancy" in line for line in menu)
    assert menu[-1].startswith("c  carry on")
    assert len(menu) == len(stop_signals_for(pregnant=False)) + 2
    pregnant = stop_menu(stop_signals_for(pregnant=True), labels)
    assert any("Pregnancy warning sign" in line for line in pregnant)
    assert StopSignal.PAIN_RISING in stop_signals_for(pregnant=False)


def test_big_digits_draw_every_character_three_lines_tall() -> None:
    rows = big_digits("12:34").plain.splitlines()
    assert len(rows) == 3
    assert len({len(row) for row in rows}) == 1
    assert clock_text(59_001) == "1:00"  # rounds up: 0:00 shows only at the very end
    assert clock_text(0) == "0:00"


def test_spoken_words_are_short_and_follow_the_breath() -> None:
    catalogue = builtin_catalogue()
    segments = player().segments
    inhale = next(s for s in segments if s.breath is Breath.INHALE)
    exhale = next(s for s in segments if s.breath is Breath.EXHALE)
    ready = next(s for s in segments if s.kind is SegmentKind.GET_READY and s.side is not None)
    assert "Breathe in" in spoken(inhale, catalogue)
    assert "Breathe out" in spoken(exhale, catalogue)
    assert spoken(ready, catalogue).startswith("Get ready: Lateral neck flexion")
    assert spoken(segments[-1], catalogue) == segments[-1].cue


def frames_of(stretch_id: str) -> dict[int, str]:
    """Play a stretch in the terminal player; return what the display shows as each part begins."""
    catalogue = builtin_catalogue()
    stretch = catalogue.get(stretch_id)
    clock = FakeClock()
    shown: dict[int, str] = {}

    class Watching(ScriptedKeys):
        def read(self, timeout: float) -> str | None:
            index = run.player.index_at(run.player.position_ms(clock.now_ms()))
            if index not in shown:
                console = Console(record=True, width=80, color_system=None, file=io.StringIO())
                console.print(frame(run.player, clock.now_ms(), catalogue, run.screen, 80))
                shown[index] = console.export_text()
            return super().read(timeout)

    run = Run(
        timeline([RoutineItem.usual(stretch, default_dose(stretch))]),
        catalogue=catalogue,
        clock=clock,
        keys=Watching(clock),
        console=Console(file=io.StringIO(), width=80),
        voice=Silent(),
        signals=stop_signals_for(pregnant=False),
        signal_labels={s.id: s.label for s in screening_guide().stop_signals},
        live=False,
    )
    run.play()
    return shown


def test_the_second_side_shows_its_own_steps_and_cues() -> None:
    frames = frames_of("chair-piriformis-stretch")
    segments = timeline([RoutineItem.usual(builtin_catalogue().get("chair-piriformis-stretch"))])
    words = {n: " ".join(text.replace("│", " ").split()) for n, text in frames.items()}
    ready, switch = 0, next(n for n, s in enumerate(segments) if s.kind is SegmentKind.SWITCH_SIDE)
    assert (
        "Lift your right ankle onto your left knee and let the right knee drop open."
        in (words[ready])
    )
    # Switching sides the first time: the steps in full again, as they read on the left.
    assert (
        "Lift your left ankle onto your right knee and let the left knee drop open."
        in (words[switch])
    )
    assert "Stop as soon as you feel a stretch in the left buttock and hip." in words[switch]
    assert "Next: Hold 1 of 2 · left leg crossed" in words[switch]
    last_hold = len(segments) - 2
    assert segments[last_hold].side == "left"
    assert "Hold 2 of 2 · left leg crossed" in words[last_hold]
    assert "Keep the left foot flexed to look after the knee." in words[last_hold]
    assert "right" not in words[last_hold]


def test_the_one_line_reminder_of_the_steps_is_for_the_side_playing() -> None:
    frames = frames_of("hamstring-stretch")
    segments = timeline([RoutineItem.usual(builtin_catalogue().get("hamstring-stretch"))])
    holds = [n for n, s in enumerate(segments) if s.kind is SegmentKind.HOLD]
    how = {
        segments[n].side: next(line for line in frames[n].splitlines() if "How:" in line)
        for n in holds
    }
    assert "How: Keep the right foot relaxed rather than pulling the toes" in how["right"]
    assert "How: Keep the left foot relaxed rather than pulling the toes" in how["left"]
