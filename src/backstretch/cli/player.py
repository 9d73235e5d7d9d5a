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

from backstretch.core.catalogue import Catalogue
from backstretch.core.player import Player
from backstretch.core.records import ItemRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.core.timeline import Breath, Segment, SegmentKind, spoken

REFRESH_SECONDS = 0.1  # the display redraws ten times a second; cues wait for no redraw


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
PLAIN_BREATH = {Breath.INHALE: " (in)", Breath.EXHALE: " (out)"}
KEY_HELP = "space pause · n skip · b back · q quit · ! stop — this hurts"
KEY_HELP_NARROW = "␣ pause n skip b back q quit ! hurts"


def big_digits(text: str) -> Text:
    """Return `text` (digits and colons) drawn three lines tall."""
    rows = [" ".join(_BIG[c][row] for c in text) for row in range(3)]
    return Text("\n".join(rows), style="bold")


def clock_text(milliseconds: int) -> str:
    """Return whole seconds left as m:ss, rounding up so 0:00 shows only at the end."""
    seconds = -(-milliseconds // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class Screen:
    """What the live display shows besides the timeline itself."""

    notice: str = ""
    menu: Sequence[str] = ()


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
        side = f" · {segment.side} side" if segment.side else ""
        heading = Text(f"{span.position + 1}/{len(player.spans)} {name}{side}", style="bold")
        lines.append(heading)
    left_in_segment = segment.end_ms - position
    lines.append(big_digits(clock_text(left_in_segment)))
    state = "PAUSED" if player.paused else segment.kind.value.replace("_", " ")
    breath = BREATH_WORDS[segment.breath]
    lines.append(Text(f"{state}   {breath}".rstrip(), style="bold cyan"))
    lines.append(Text(segment.cue))
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
    if span is not None and span.position + 1 < len(player.spans):
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
        try:
            while True:
                now = self.clock.now_ms()
                self.player.note_progress(now)
                index = self.player.index_at(self.player.position_ms(now))
                if index != self._last_index and not self.player.paused:
                    self._enter(index, now)
                if self.player.finished(now):
                    break
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
        until = max(0, due - now) / 1000
        return min(REFRESH_SECONDS, until) if self.live else until

    def _enter(self, index: int, now: int) -> None:
        """Give the cue of a segment just begun, then save what was done."""
        segment = self.player.segments[index]
        due = self.player.deadline_ms(index)
        self.outcome.cues.append(Cue(index, due, now))
        self._last_index = index
        if not self.live:
            side = f" [{segment.side}]" if segment.side else ""
            breath = PLAIN_BREATH.get(segment.breath, "")
            self.console.print(
                f"{clock_text(segment.start_ms)} {segment.kind.value}{side}{breath}: {segment.cue}",
                markup=False,
                highlight=False,
            )
        if self.bell and segment.kind is not SegmentKind.REP:
            self.console.bell()
        self.voice.say(spoken(segment, self.catalogue))
        if segment.kind is not SegmentKind.REP or segment.breath is Breath.INHALE:
            self.hooks.save(self.player.items_done())

    # The keys ---------------------------------------------------------------------------------

    def _press(self, key: str) -> None:
        now = self.clock.now_ms()
        if self._choosing:
            self._choose(key, now)
            return
        if key == " ":
            self.player.toggle_pause(now)
            self.screen.notice = "Paused: space to carry on." if self.player.paused else ""
        elif key == "n":
            self.player.skip(now)
            self._last_index = -1
            self.screen.notice = ""
        elif key == "b":
            self.player.back(now)
            self._last_index = -1
            self.screen.notice = ""
        elif key == "q":
            self.player.stop(now)
            self.outcome.status = SessionStatus.ABANDONED
        elif key == "!":
            self.player.pause(now)
            self._choosing = True
            self.screen.menu = stop_menu(self.signals, self.signal_labels)
            self.screen.notice = ""
            if not self.live:
                for line in self.screen.menu:
                    self.console.print(line, markup=False, highlight=False)

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
            self.player.skip(now)
            self.player.resume(now)
            self._last_index = -1
            self.screen.notice = self.signal_labels.get("pain_rising_done", "")
            return
        self.player.stop(now)
        self.outcome.status = SessionStatus.STOPPED
        self.outcome.stop_signal = signal
        self.outcome.stopped_stretch = stretch


def is_terminal() -> bool:
    """Tell whether standard input and output are a terminal a person is at."""
    return sys.stdin.isatty() and sys.stdout.isatty()
