"""Fake clocks and scripted key presses, to drive time and the player without waiting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


class FakeNow:
    """A wall clock that only moves when a test moves it (`clock.value = ...`)."""

    def __init__(self, start: datetime) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value


class FakeClock:
    """A monotonic clock in milliseconds that moves only when the keys wait."""

    def __init__(self, start_ms: int = 1_000_000) -> None:
        self.start_ms = start_ms
        self.value = start_ms

    def now_ms(self) -> int:
        return self.value

    @property
    def elapsed_ms(self) -> int:
        return self.value - self.start_ms


class ScriptedKeys:
    """Presses each key when the clock reaches its time (ms after the start); waits otherwise.

    Waiting advances the fake clock exactly as far as asked, so the player sees the same
    readings a real clock would give a perfectly punctual loop.
    """

    def __init__(self, clock: FakeClock, script: Iterable[tuple[int, str]] = ()) -> None:
        self.clock = clock
        self.script = sorted(script)
        self.waits: list[float] = []

    def read(self, timeout: float) -> str | None:
        self.waits.append(timeout)
        wait_ms = round(timeout * 1000)
        if self.script and self.clock.start_ms + self.script[0][0] <= self.clock.value + wait_ms:
            at, key = self.script.pop(0)
            self.clock.value = max(self.clock.value, self.clock.start_ms + at)
            return key
        self.clock.value += wait_ms
        return None
