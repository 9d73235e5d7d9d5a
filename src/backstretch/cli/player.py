"""The terminal player: a Rich live display over `core.player.Player`, keys, bell and voice.

The clock, the keys and the voice are passed in, so tests drive a whole session with a fake clock
and scripted keys, and the benchmark drives it with the real ones.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from backstretch.core.catalogue import Catalogue, Way
from backstretch.core.durations import clock
from backstretch.core.player import WORK_KINDS, Player
from backstretch.core.records import ItemRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.core.timeline import Breath, Segment, SegmentKind, spoken, steps_for_side

REFRESH_SECONDS = 0.1  # the display redraws ten times a second; cues wait for no redraw
# While the clock runs, what was done is saved at least this often, so a killed process (kill -9,
# a power cut) loses at most these few seconds of a long hold.
SAVE_EVERY_MS = 4_000


class Clock(Protocol):
    """A monotonic clock in milliseconds."""

    def now_ms(self) -> int:
        """Return the current reading."""
        ...


class MonotonicClock:
    """The real clock: monotonic, so a change of the wall clock never moves a deadline."""

    def now_ms(self) -> int:
        """Return the current reading."""
        return time.monotonic_ns() // 1_000_000


class Keys(Protocol):
    """Where key presses come from; `read` also does the waiting."""

    def read(self, timeout: float) -> str | None:
        """Wait at most `timeout` seconds for a key; return it, or None."""
        ...


class NoKeys:
    """Without a terminal: nothing to read, only the waiting."""

    def read(self, timeout: float) -> str | None:
        """Sleep for `timeout` seconds."""
        time.sleep(max(0.0, timeout))
        return None


class TerminalKeys:
    """Single key presses from a terminal in cbreak mode (no Enter needed)."""

    def __init__(self, stream: int = 0) -> None:
        self.stream = stream

    @contextlib.contextmanager
    def active(self) -> Iterator[TerminalKeys]:
        """Put the terminal in cbreak mode for the duration, and always restore it."""
        import termios
        import tty

        saved = termios.tcgetattr(self.stream)
        try:
            tty.setcbreak(self.stream)
            yield self
        finally:
            termios.tcsetattr(self.stream, termios.TCSADRAIN, saved)

    def read(self, timeout: float) -> str | None:
        """Wait at most `timeout` seconds for a key."""
        ready, _, _ = select.select([self.stream], [], [], max(0.0, timeout))
        if not ready:
            return None
        return os.read(self.stream, 1).decode(errors="ignore") or None


class Voice(Protocol):
    """Speaks cues without holding up the clock."""

    def say(self, text: str) -> None:
        """Start speaking `text` and return at once."""
        ...


class Silent:
    """No voice."""

    def say(self, text: str) -> None:
        """Say nothing."""


class VoiceUnavailable(RuntimeError):
    """espeak-ng is not installed."""


class Espeak:
    """Spoken cues through espeak-ng, in a child process so the clock never waits for speech."""

    def __init__(self, program: str | None = None) -> None:
        found = program or shutil.which("espeak-ng")
        if found is None:
            raise VoiceUnavailable(
                "--voice needs espeak-ng, which is not installed "
                "(on Debian or Ubuntu: sudo apt install espeak-ng)"
            )
        self.program = found
        self.speaking: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> None:
        """Start speaking; a cue still being spoken is cut short so speech stays on time."""
        if self.speaking is not None and self.speaking.poll() is None:
            self.speaking.terminate()
            self.speaking.wait()  # at once: a terminated speaker stops straight away
        self.speaking = subprocess.Popen(
            [self.program, "-s", "150", "--", text],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def close(self) -> None:
        """Let the last cue finish, briefly."""
        if self.speaking is not None:
            try:
                self.speaking.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.speaking.kill()
                self.speaking.wait()


# The picture ----------------------------------------------------------------------------------

_BIG = {
    "0": ("█▀█", "█ █", "▀▀▀"),
    "1": (" ▀█", "  █", "  ▀"),
    "2": ("▀▀█", "█▀▀", "▀▀▀"),
    "3": ("▀▀█", " ▀█", "▀▀▀"),
    "4": ("█ █", "▀▀█", "  ▀"),
    "5": ("█▀▀", "▀▀█", "▀▀▀"),
    "6": ("█▀▀", "█▀█", "▀▀▀"),
    "7": ("▀▀█", "  █", "  ▀"),
    "8": ("█▀█", "█▀█", "▀▀▀"),
    "9": ("█▀█", "▀▀█", "▀▀▀"),
    ":": (" ", "▀", "▀"),
}

BREATH_WORDS = {
    Breath.INHALE: "breathe in  ▲",
    Breath.EXHALE: "breathe out ▼",
    Breath.STEADY: "breathe slowly",
    Breath.NONE: "",
}
ENDINGS = {
    SessionStatus.COMPLETED: "All done.",
    SessionStatus.STOPPED: "Stopped.",
    SessionStatus.ABANDONED: "Stopped part-way: what you did is saved.",
}
NOTHING_DONE = "Session over. Nothing was done this time."
PLAIN_BREATH = {Breath.INHALE: " (in)", Breath.EXHALE: " (out)"}
KEY_HELP = "space pause · n skip · b back · q end · ! stop — this hurts"
KEY_HELP_NARROW = "␣ pause n skip b back q end ! hurts"


def big_digits(text: str) -> Text:
    """Return `text` (digits and colons) drawn three lines tall."""
    rows = [" ".join(_BIG[c][row] for c in text) for row in range(3)]
    return Text("\n".join(rows), style="bold")


def clock_text(milliseconds: int) -> str:
    """Return whole seconds left as m:ss, rounding up so 0:00 shows only at the end."""
    return clock(-(-milliseconds // 1000))


END_QUESTION = "End the session here? What you did is kept. y: end · any other key: keep going"


@dataclass
class Screen:
    """What the live display shows besides the timeline itself."""

    notice: str = ""
    menu: Sequence[str] = ()
    steps: Sequence[str] = ()  # the set-up and movement, in full: a stretch's first time
    step_line: str = ""  # once it has been done: the movement in one line


def side_words(segment: Segment) -> str | None:
    """Return the words for the side of a hold or rep: "left leg back", else "left side"."""
    label = getattr(segment, "side_label", None)
    if label:
        return str(label)
    return f"{segment.side} side" if segment.side else None


def _count_in_set(segments: Sequence[Segment], index: int) -> int:
    """Count the reps (or holds) of the set and side a segment belongs to, from the segments."""
    segment = segments[index]
    return len(
        {
            other.rep
            for other in segments
            if other.stretch == segment.stretch
            and other.kind is segment.kind
            and (other.set, other.side) == (segment.set, segment.side)
        }
    )


def counter_text(player: Player, index: int) -> str | None:
    """Return the counter line: "Rep 3 of 10 · left leg back", "Hold 1 of 2 · right side".

    Before the first rep or hold of a side (get ready, switch sides) it names what comes next.
    """
    span = player.item_at(index)
    if span is None:
        return None
    prefix = ""
    work = index
    if player.segments[index].kind not in WORK_KINDS:
        following = range(index + 1, span.last + 1)
        found = next((i for i in following if player.segments[i].kind in WORK_KINDS), None)
        if found is None:
            return None
        work, prefix = found, "Next: "
    segment = player.segments[work]
    reps = getattr(segment, "reps", None) or _count_in_set(player.segments, work)
    word = "Rep" if segment.kind is SegmentKind.REP else "Hold"
    parts = [f"{prefix}{word} {segment.rep or 1} of {reps}"]
    side = side_words(segment)
    if side:
        parts.append(side)
    sets = max((s.set or 1) for s in player.segments[span.first : span.last + 1])
    if sets > 1:
        parts.append(f"set {segment.set or 1} of {sets}")
    return " · ".join(parts)


def way_steps(way: Way, catalogue: Catalogue, stretch: str, side: str | None = None) -> list[str]:
    """Return the set-up then the movement of the planned way, numbered, as they read on `side`
    (the other side of a one-sided stretch reads them mirrored: "left ankle onto your right
    knee")."""
    setup, movement = steps_for_side(catalogue.get(stretch), way, side)
    return [f"{n}. {line}" for n, line in enumerate((*setup, *movement), 1)]


def frame(
    player: Player, now_ms: int, catalogue: Catalogue, screen: Screen, width: int
) -> RenderableType:
    """Return the live display for this moment."""
    position = player.position_ms(now_ms)
    index = player.index_at(position)
    segment = player.segments[index]
    span = player.item_at(index)
    narrow = width < 60
    lines: list[RenderableType] = []
    if span is not None:
        name = catalogue.get(span.stretch).name
        heading = Text(f"{span.position + 1}/{len(player.spans)} {name}", style="bold")
        heading.no_wrap, heading.overflow = True, "ellipsis"
        lines.append(heading)
        counter = counter_text(player, index)
        if counter:
            lines.append(Text(counter, style="bold"))
    left_in_segment = segment.end_ms - position
    state = segment.kind.value.replace("_", " ")
    if screen.steps:
        # A stretch's first time: the steps take the room of the big clock and of the cue
        # (whose set-up is step 1), so the whole panel still fits a 24-line terminal.
        timer = Text(f"{state} {clock_text(left_in_segment)}", style="bold cyan")
        if player.paused:
            timer = Text(f"⏸ PAUSED {clock_text(left_in_segment)} — space to carry on")
            timer.stylize("bold reverse yellow")
        lines.append(timer)
        steps = Table.grid(padding=(0, 1))
        steps.add_column(no_wrap=True, justify="right")
        steps.add_column()
        for step in screen.steps:
            number, _, words = step.partition(". ")
            steps.add_row(f"{number}.", words)
        lines.append(steps)
    else:
        lines.append(big_digits(clock_text(left_in_segment)))
        if player.paused:
            lines.append(Text("⏸ PAUSED — space to carry on", style="bold reverse yellow"))
        else:
            breath = BREATH_WORDS[segment.breath]
            lines.append(Text(f"{state}   {breath}".rstrip(), style="bold cyan"))
        lines.append(Text(segment.cue))
    if screen.step_line and not screen.steps:
        lines.append(Text(screen.step_line, style="dim", no_wrap=True, overflow="ellipsis"))
    bars = Table.grid(padding=(0, 1))
    bars.add_column(no_wrap=True)
    bars.add_column(ratio=1)
    bars.add_column(justify="right", no_wrap=True)
    if span is not None:
        done = position - span.start_ms
        length = span.end_ms - span.start_ms
        bars.add_row(
            "stretch", ProgressBar(total=length, completed=done), clock_text(length - done)
        )
    bars.add_row(
        "session",
        ProgressBar(total=max(player.total_ms, 1), completed=position),
        clock_text(player.total_ms - position),
    )
    lines.append(bars)
    if span is not None and span.position + 1 < len(player.spans) and not screen.steps:
        following = player.spans[span.position + 1].stretch
        lines.append(Text(f"next up: {catalogue.get(following).name}", style="dim"))
    if screen.notice:
        lines.append(Text(screen.notice, style="bold yellow"))
    for entry in screen.menu:
        lines.append(Text(entry))
    lines.append(Text(KEY_HELP_NARROW if narrow else KEY_HELP, style="dim"))
    return Panel(Group(*lines), title="backstretch", width=min(width, 80))


# The run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """A cue as given: which segment, when it was due and when it came (for the benchmark)."""

    index: int
    due_ms: int
    given_ms: int


@dataclass
class Outcome:
    """How a run of the player ended."""

    status: SessionStatus
    items: tuple[ItemRecord, ...]
    stop_signal: StopSignal | None = None
    stopped_stretch: str | None = None
    eased_stretches: list[str] = field(default_factory=list)  # ended early: pain building
    cues: list[Cue] = field(default_factory=list)


@dataclass
class PlayerHooks:
    """What the player tells the rest of the app as it goes."""

    save: Callable[[tuple[ItemRecord, ...]], None] = lambda items: None
    pain_rising: Callable[[str], None] = lambda stretch: None


def stop_menu(signals: Sequence[StopSignal], labels: dict[str, str]) -> list[str]:
    """Return the numbered choices shown after `!`."""
    lines = ["Stopped. What is happening? Press a number:"]
    lines += [f"{number}  {labels[signal.value]}" for number, signal in enumerate(signals, 1)]
    lines.append("c  carry on, it has passed")
    return lines


class Run:
    """One run of the player over a timeline, until the end, a quit or a stop."""

    def __init__(
        self,
        segments: Sequence[Segment],
        *,
        catalogue: Catalogue,
        clock: Clock,
        keys: Keys,
        console: Console,
        voice: Voice,
        signals: Sequence[StopSignal],
        signal_labels: dict[str, str],
        hooks: PlayerHooks | None = None,
        bell: bool = True,
        live: bool = True,
        ways: Sequence[Way] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.clock = clock
        self.keys = keys
        self.console = console
        self.voice = voice
        self.signals = tuple(signals)
        self.signal_labels = signal_labels
        self.hooks = hooks or PlayerHooks()
        self.bell = bell
        self.live = live
        self.player = Player.start(segments, clock.now_ms())
        self.screen = Screen()
        self.outcome = Outcome(status=SessionStatus.IN_PROGRESS, items=())
        self._last_index = -1
        self._choosing = False
        self._confirming_end = False
        self._was_paused = False
        self._saved_at_ms = clock.now_ms()
        self.ways = tuple(ways) if ways is not None else None
        # The steps shown in full so far, by stretch: each side's once, when they read differently.
        self._shown_steps: set[tuple[str, tuple[str, ...]]] = set()

    # The loop ---------------------------------------------------------------------------------

    def play(self) -> Outcome:
        """Play to the end, a quit or a stop, and return how it ended."""
        if self.live:
            with Live(
                self._frame(), console=self.console, auto_refresh=False, transient=False
            ) as display:
                self._loop(lambda: display.update(self._frame(), refresh=True))
                self.screen = Screen(notice=ENDINGS.get(self.outcome.status, ""))
                display.update(self._frame(), refresh=True)
        else:
            self._loop(None)
        self.outcome.items = self.player.items_done()
        return self.outcome

    def _frame(self) -> RenderableType:
        return frame(
            self.player, self.clock.now_ms(), self.catalogue, self.screen, self.console.width
        )

    def _loop(self, redraw: Callable[[], None] | None) -> None:
        # The session starts now, once the display is up, not when the run was made.
        self.player.origin_ms = self.clock.now_ms()
        self._saved_at_ms = self.player.origin_ms
        try:
            while True:
                now = self.clock.now_ms()
                self.player.note_progress(now)
                index = self.player.index_at(self.player.position_ms(now))
                if index != self._last_index and not self.player.paused:
                    self._enter(index, now)
                if self.player.finished(now):
                    break
                if not self.player.paused and now - self._saved_at_ms >= SAVE_EVERY_MS:
                    self._save(now)
                if redraw is not None:
                    redraw()
                key = self.keys.read(self._wait_seconds())
                if key is not None:
                    self._press(key)
        except KeyboardInterrupt:  # Ctrl-C, or a closed terminal: keep what was done
            self.player.stop(self.clock.now_ms())
            self.outcome.status = SessionStatus.ABANDONED
        if self.outcome.status is SessionStatus.IN_PROGRESS:
            self.outcome.status = SessionStatus.COMPLETED
        self.hooks.save(self.player.items_done())

    def _wait_seconds(self) -> float:
        """Return how long to wait: until the next cue is due (or the next redraw).

        The next cue is the one after the last cue given, not after the segment playing now:
        a deadline that passed while the display was redrawn must not be waited past.
        """
        now = self.clock.now_ms()
        if self.player.paused:
            return REFRESH_SECONDS if self.live else 1.0
        following = self._last_index + 1
        if following < len(self.player.segments):
            due = self.player.deadline_ms(following)
        else:
            due = self.player.origin_ms + self.player.total_ms
        # Wake for the next save too: a long hold is saved part by part.
        due = min(due, self._saved_at_ms + SAVE_EVERY_MS)
        until = max(0, due - now) / 1000
        return min(REFRESH_SECONDS, until) if self.live else until

    def _way(self, position: int, stretch: str) -> Way:
        if self.ways is not None and position < len(self.ways):
            return self.ways[position]
        return self.catalogue.get(stretch).usual_way

    def _show_steps(self, index: int) -> list[str]:
        """Set the steps shown for a segment: in full before a stretch's first rep or hold in
        this session (and, for a one-sided stretch, again before its other side's first, as
        they read on that side), then its movement in one line. Return the lines newly shown in
        full."""
        segment = self.player.segments[index]
        span = self.player.item_at(index)
        if span is None or segment.stretch is None or segment.stretch not in self.catalogue:
            self.screen.steps, self.screen.step_line = (), ""
            return []
        way = self._way(span.position, span.stretch)
        steps = way_steps(way, self.catalogue, span.stretch, segment.side)
        shown = (segment.stretch, tuple(steps))
        if segment.kind in WORK_KINDS:
            self._shown_steps.add(shown)
        if shown not in self._shown_steps:
            fresh = list(steps) if list(self.screen.steps) != steps else []
            self.screen.steps, self.screen.step_line = steps, ""
            return fresh
        self.screen.steps = ()
        self.screen.step_line = "How: " + steps[-1].split(". ", 1)[-1] if steps else ""
        return []

    def _enter(self, index: int, now: int) -> None:
        """Give the cue of a segment just begun, then save what was done."""
        segment = self.player.segments[index]
        due = self.player.deadline_ms(index)
        self.outcome.cues.append(Cue(index, due, now))
        self._last_index = index
        fresh = self._show_steps(index)
        nothing_done = segment.kind is SegmentKind.DONE and not any(
            item.done_seconds for item in self.player.items_done()
        )
        cue = NOTHING_DONE if nothing_done else segment.cue
        if not self.live:
            side = f" [{segment.side}]" if segment.side else ""
            breath = PLAIN_BREATH.get(segment.breath, "")
            counter = counter_text(self.player, index) if segment.kind in WORK_KINDS else None
            heard = f"{counter}: {cue}" if counter else cue
            self.console.print(
                f"{clock_text(segment.start_ms)} {segment.kind.value}{side}{breath}: {heard}",
                markup=False,
                highlight=False,
            )
            if fresh:
                self.console.print("  How to do it:", markup=False, highlight=False)
            for line in fresh:
                self.console.print(f"  {line}", markup=False, highlight=False)
        if self.bell and segment.kind is not SegmentKind.REP:
            self.console.bell()
        # A session with every stretch skipped is not praised at the end.
        self.voice.say(NOTHING_DONE if nothing_done else spoken(segment, self.catalogue))
        phase = getattr(segment, "phase", None)
        begins_rep = phase == "move" if phase is not None else segment.breath is Breath.INHALE
        if segment.kind is not SegmentKind.REP or begins_rep:
            self._save(now)

    def _save(self, now: int) -> None:
        """Store what was done so far, and note when."""
        self._saved_at_ms = now
        self.hooks.save(self.player.items_done())

    # The keys ---------------------------------------------------------------------------------

    def _press(self, key: str) -> None:
        now = self.clock.now_ms()
        if self._choosing:
            self._choose(key, now)
            return
        if self._confirming_end:
            self._confirm_end(key, now)
            return
        if key == " ":
            self.player.toggle_pause(now)
            self.screen.notice = ""  # the paused state shows itself; any advice is read by now
        elif key == "n":
            self.player.skip(now)
            self._last_index = -1
            self.screen.notice = ""
        elif key == "b":
            self.player.back(now)
            self._last_index = -1
            self.screen.notice = ""
        elif key == "q":
            # Ending is asked first, as in the browser: a stray key must not end a session.
            self._confirming_end = True
            self._was_paused = self.player.paused
            self.player.pause(now)
            self.screen.notice = END_QUESTION
            if not self.live:
                self.console.print(END_QUESTION, markup=False, highlight=False)
        elif key == "!":
            self.player.pause(now)
            self._choosing = True
            self.screen.menu = stop_menu(self.signals, self.signal_labels)
            self.screen.notice = ""
            if not self.live:
                for line in self.screen.menu:
                    self.console.print(line, markup=False, highlight=False)

    def _confirm_end(self, key: str, now: int) -> None:
        """End on `y` (or `q` again); any other key keeps going, as paused as it was."""
        self._confirming_end = False
        self.screen.notice = ""
        if key in ("y", "q"):
            self.player.stop(now)
            self.outcome.status = SessionStatus.ABANDONED
        elif not self._was_paused:
            self.player.resume(now)

    def _choose(self, key: str, now: int) -> None:
        if key == "c":
            self._choosing = False
            self.screen.menu = ()
            self.player.resume(now)
            return
        if not key.isdigit() or not 1 <= int(key) <= len(self.signals):
            return  # only a listed choice counts; the clock stays stopped meanwhile
        signal = self.signals[int(key) - 1]
        self._choosing = False
        self.screen.menu = ()
        span = self.player.item_at(self.player.index_at(self.player.position_ms(now)))
        stretch = span.stretch if span else None
        if signal is StopSignal.PAIN_RISING:
            # Pain building ends this stretch only; the next session eases off.
            if stretch:
                self.outcome.eased_stretches.append(stretch)
                self.hooks.pain_rising(stretch)
            self.outcome.stop_signal = signal
            self.outcome.stopped_stretch = stretch
            # That stretch ends; the clock stays stopped with the advice on screen until the
            # person carries on (space), so nothing starts while they read it.
            self.player.skip(now)
            self._last_index = -1
            advice = self.signal_labels.get("pain_rising_done", "")
            self.screen.notice = f"{advice} Space: carry on with the next stretch.".strip()
            if not self.live:
                self.console.print(self.screen.notice, markup=False, highlight=False)
            return
        self.player.stop(now)
        self.outcome.status = SessionStatus.STOPPED
        self.outcome.stop_signal = signal
        self.outcome.stopped_stretch = stretch


def is_terminal() -> bool:
    """Tell whether standard input and output are a terminal a person is at."""
    return sys.stdin.isatty() and sys.stdout.isatty()
