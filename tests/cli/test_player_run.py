"""The player's run loop with a fake clock: spoken cues, the bell, and the voice's process."""

from __future__ import annotations

import io
import itertools
import os
import stat
from pathlib import Path

import pytest
from rich.console import Console

from backstretch.cli.player import Espeak, PlayerHooks, Run, VoiceUnavailable, spoken
from backstretch.core.records import SessionStatus
from backstretch.core.safety import stop_signals_for
from backstretch.core.timeline import RoutineItem, default_dose, timeline
from backstretch.data import builtin_catalogue, screening_guide
from tests.fakes import FakeClock, ScriptedKeys


class RecordingVoice:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


def make_run(keys: list[tuple[int, str]] = (), **options: object) -> tuple[Run, FakeClock]:
    catalogue = builtin_catalogue()
    items = [
        RoutineItem.usual(catalogue.get(i), default_dose(catalogue.get(i)))
        for i in ("shoulder-rolls", "lateral-neck-flexion")
    ]
    clock = FakeClock()
    run = Run(
        timeline(items),
        catalogue=catalogue,
        clock=clock,
        keys=ScriptedKeys(clock, list(keys)),
        console=Console(file=io.StringIO(), width=80),
        voice=options.pop("voice", RecordingVoice()),  # type: ignore[arg-type]
        signals=stop_signals_for(pregnant=False),
        signal_labels={s.id: s.label for s in screening_guide().stop_signals},
        hooks=options.pop("hooks", None),  # type: ignore[arg-type]
        live=False,
    )
    return run, clock


def test_every_segment_is_spoken_once_in_order() -> None:
    voice = RecordingVoice()
    run, _ = make_run(voice=voice)
    outcome = run.play()
    catalogue = builtin_catalogue()
    assert voice.said == [spoken(s, catalogue) for s in run.player.segments]
    assert voice.said[0] == "Get ready: Shoulder rolls."
    assert any(said.startswith("Switch sides") for said in voice.said)
    assert outcome.status is SessionStatus.COMPLETED
    assert [cue.given_ms - cue.due_ms for cue in outcome.cues] == [0] * len(outcome.cues)


def test_a_paused_player_says_nothing_until_it_carries_on() -> None:
    voice = RecordingVoice()
    run, clock = make_run([(6_000, " "), (600_000, " ")], voice=voice)
    run.play()
    # Ten minutes paused: the cues resume where they stopped, none lost and none repeated.
    assert voice.said == [spoken(s, builtin_catalogue()) for s in run.player.segments]
    assert clock.elapsed_ms == run.player.total_ms + 594_000


def test_progress_is_saved_at_each_new_part() -> None:
    saves: list[int] = []
    hooks = PlayerHooks(save=lambda items: saves.append(sum(i.done_seconds for i in items)))
    run, _ = make_run(hooks=hooks)
    run.play()
    assert saves == sorted(saves)  # what is saved only ever grows
    assert saves[-1] == sum(i.planned_seconds for i in run.player.items_done())
    assert len(saves) > len(run.player.spans)


def test_quit_asks_first_then_is_abandoned_and_keeps_the_part_done() -> None:
    run, _ = make_run([(11_000, "q"), (30_000, "y")])
    outcome = run.play()
    assert outcome.status is SessionStatus.ABANDONED
    # 5 s get-ready, then 6 s of rolls; the 19 s spent on the question count for nothing.
    assert outcome.items[0].done_seconds == 6
    assert outcome.items[1].done_seconds == 0
    assert "End the session here?" in run.console.file.getvalue()  # type: ignore[attr-defined]


def test_any_other_key_after_quit_keeps_going_from_where_it_was() -> None:
    run, clock = make_run([(11_000, "q"), (30_000, "n")])
    outcome = run.play()
    assert outcome.status is SessionStatus.COMPLETED
    # The clock stood still while the question was asked, and nothing was skipped by the "n".
    assert clock.elapsed_ms == run.player.total_ms + 19_000
    assert not any(item.skipped for item in outcome.items)


def test_pain_building_ends_only_the_stretch_and_waits_for_the_person() -> None:
    eased: list[str] = []
    voice = RecordingVoice()
    run, clock = make_run(
        [(8_000, "!"), (9_000, "6"), (60_000, " ")],
        hooks=PlayerHooks(pain_rising=eased.append),
        voice=voice,
    )
    outcome = run.play()
    # Paused from the "!" at 8 s to the space at 60 s: the next stretch began only then.
    next_ready = next(
        c for c in outcome.cues if run.player.segments[c.index].stretch != "shoulder-rolls"
    )
    assert next_ready.given_ms - clock.start_ms == 60_000
    output = run.console.file.getvalue()  # type: ignore[attr-defined]
    assert "carry on with the next stretch" in output
    assert eased == ["shoulder-rolls"]
    assert outcome.status is SessionStatus.COMPLETED
    assert outcome.stop_signal is not None and outcome.stop_signal.value == "pain_rising"
    assert outcome.items[0].skipped
    assert outcome.items[1].done_seconds == outcome.items[1].planned_seconds


def test_voice_without_espeak_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(VoiceUnavailable, match="apt install espeak-ng"):
        Espeak()


def test_speaking_never_waits_for_the_speech(tmp_path: Path) -> None:
    # A stand-in for espeak-ng that takes two seconds to "speak" and notes what it was given.
    program = tmp_path / "slow-speaker"
    note = tmp_path / "said.txt"
    program.write_text(f'#!/bin/sh\nprintf "%s" "$4" > {note}\nsleep 2\n', encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    voice = Espeak(str(program))
    voice.say("Breathe in.")
    assert voice.speaking is not None
    assert voice.speaking.poll() is None  # still speaking: say() returned at once
    voice.say("Breathe out.")  # a new cue cuts the old one short
    voice.close()
    assert note.read_text(encoding="utf-8") == "Breathe out."


@pytest.mark.skipif(not os.path.exists("/usr/bin/espeak-ng"), reason="espeak-ng is not installed")
def test_the_real_espeak_ng_speaks_a_cue_to_a_wave_file(tmp_path: Path) -> None:
    import subprocess

    wave = tmp_path / "cue.wav"
    subprocess.run(["/usr/bin/espeak-ng", "-w", str(wave), "Breathe in."], check=True)
    assert wave.read_bytes()[:4] == b"RIFF"
    assert wave.stat().st_size > 1000


def test_a_long_hold_is_saved_every_few_seconds_as_it_goes() -> None:
    saved: list[tuple[int, int]] = []
    run, clock = make_run()
    hold = next(s for s in run.player.segments if s.kind.value == "hold")
    run.hooks = PlayerHooks(
        save=lambda items: saved.append((clock.elapsed_ms, sum(i.done_seconds for i in items)))
    )
    run.play()
    during = [done for at, done in saved if hold.start_ms < at < hold.end_ms]
    # A 30 s hold: saved again and again while it runs, never more than 5 s apart.
    assert len(during) >= hold.duration_ms // 5_000
    times = [at for at, _ in saved if hold.start_ms <= at <= hold.end_ms]
    assert max(b - a for a, b in itertools.pairwise(times)) <= 5_000
    assert during == sorted(during) and during[-1] > during[0]


def test_the_plain_player_counts_reps_and_shows_the_steps_once_a_side() -> None:
    run, _ = make_run()
    run.play()
    output = run.console.file.getvalue()  # type: ignore[attr-defined]
    assert "Rep 3 of 10: " in output
    assert "Hold 1 of 2" in output
    # Once for each of the two stretches, and once more for the one-sided stretch's other side.
    assert output.count("How to do it:") == 3
    assert output.count("1. Sit tall on a chair") <= 3


def test_the_second_side_is_told_in_its_own_words() -> None:
    catalogue = builtin_catalogue()
    stretch = catalogue.get("chair-piriformis-stretch")
    voice = RecordingVoice()
    clock = FakeClock()
    run = Run(
        timeline([RoutineItem.usual(stretch, default_dose(stretch))]),
        catalogue=catalogue,
        clock=clock,
        keys=ScriptedKeys(clock, []),
        console=Console(file=io.StringIO(), width=200),
        voice=voice,
        signals=stop_signals_for(pregnant=False),
        signal_labels={s.id: s.label for s in screening_guide().stop_signals},
        live=False,
    )
    run.play()
    lines = run.console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    switch = next(n for n, line in enumerate(lines) if "switch_side [left]" in line)
    first, second = "\n".join(lines[:switch]), "\n".join(lines[switch:])
    assert "2. Lift your right ankle onto your left knee and let the right knee drop open." in first
    assert lines[switch].endswith("switch_side [left]: Switch sides: left leg crossed.")
    # The steps again as they read on the left, then every hold of the left says left.
    assert lines[switch + 1] == "  How to do it:"
    assert (
        "  2. Lift your left ankle onto your right knee and let the left knee drop open." in lines
    )
    assert "  4. Stop as soon as you feel a stretch in the left buttock and hip." in lines
    assert (
        "hold [left]: Hold 2 of 2 · left leg crossed: Hold and breathe slowly. "
        "Keep the left foot flexed to look after the knee."
    ) in second
    # Nothing on the left side speaks of the right side's ankle, foot or buttock.
    for words in ("right ankle", "right foot", "right buttock", "right leg", "right knee drop"):
        assert words not in second
    said_from_switch = voice.said[voice.said.index("Switch sides: left leg crossed.") :]
    assert not any("right" in said.lower() for said in said_from_switch)


def test_skipping_every_stretch_is_not_praised() -> None:
    voice = RecordingVoice()
    run, _ = make_run([(1_000, "n"), (2_000, "n")], voice=voice)
    outcome = run.play()
    assert all(item.done_seconds == 0 and item.skipped for item in outcome.items)
    assert voice.said[-1] == "Session over. Nothing was done this time."
    assert not any("Well done" in said for said in voice.said)
