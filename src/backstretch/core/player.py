"""The player's clock and controls, free of any screen, keyboard or real time.

Every deadline is computed from the moment the session started on a monotonic clock (plus the
time spent paused and any skip or step back), never by adding up sleeps, so waiting late for one
cue does not push the next one later. The terminal and the tests drive the same `Player`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from backstretch.core.records import ItemRecord
from backstretch.core.timeline import Segment, SegmentKind

WORK_KINDS = (SegmentKind.HOLD, SegmentKind.REP)
# "b" within this much of an item's start goes to the item before, as music players do.
BACK_GRACE_MS = 3_000


@dataclass(frozen=True)
class ItemSpan:
    """Where one routine item lies in the timeline."""

    position: int
    stretch: str
    first: int  # index of its first segment
    last: int  # index of its last segment
    start_ms: int
    end_ms: int
    planned_seconds: int  # stretching time: holds and repetitions, without rests or lead-ins
    planned_reps: int  # holds or repetitions, each side and set counted


def item_spans(segments: Sequence[Segment]) -> tuple[ItemSpan, ...]:
    """Group the segments of a timeline by routine item, in order."""
    spans: list[ItemSpan] = []
    index = 0
    while index < len(segments) and segments[index].stretch is not None:
        stretch = segments[index].stretch
        first = index
        while index < len(segments) and segments[index].stretch == stretch:
            index += 1
        part = segments[first:index]
        work = [s for s in part if s.kind in WORK_KINDS]
        spans.append(
            ItemSpan(
                position=len(spans),
                stretch=str(stretch),
                first=first,
                last=index - 1,
                start_ms=part[0].start_ms,
                end_ms=part[-1].end_ms,
                planned_seconds=sum(s.duration_ms for s in work) // 1000,
                planned_reps=len({(s.set, s.side, s.rep) for s in work}),
            )
        )
    return tuple(spans)


@dataclass
class Player:
    """A session's position in its timeline, moved by a clock reading in milliseconds.

    `origin_ms` is the monotonic reading at which timeline position 0 was (or would have been)
    reached. Pausing, skipping and stepping back move the origin; nothing else does.
    """

    segments: tuple[Segment, ...]
    origin_ms: int
    paused_at_ms: int | None = None
    quit: bool = False
    # How far into each segment the person got (ms), for "what was done".
    played_ms: list[int] = field(default_factory=list)
    skipped_items: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.played_ms:
            self.played_ms = [0] * len(self.segments)
        self.spans = item_spans(self.segments)
        self._starts = [s.start_ms for s in self.segments]
        self._noted_ms = 0

    @classmethod
    def start(cls, segments: Sequence[Segment], now_ms: int) -> Player:
        """Start playing `segments` at the clock reading `now_ms`."""
        return cls(segments=tuple(segments), origin_ms=now_ms)

    @property
    def total_ms(self) -> int:
        """Return the length of the whole timeline."""
        return self.segments[-1].end_ms if self.segments else 0

    @property
    def paused(self) -> bool:
        """Tell whether the clock is stopped."""
        return self.paused_at_ms is not None

    def position_ms(self, now_ms: int) -> int:
        """Return the timeline position at the clock reading `now_ms`."""
        reading = self.paused_at_ms if self.paused_at_ms is not None else now_ms
        return max(0, min(self.total_ms, reading - self.origin_ms))

    def index_at(self, position_ms: int) -> int:
        """Return the index of the segment playing at `position_ms` (the last one at the end)."""
        if position_ms >= self.total_ms:
            return len(self.segments) - 1
        return bisect.bisect_right(self._starts, position_ms) - 1

    def deadline_ms(self, index: int) -> int:
        """Return the clock reading at which segment `index` begins, as things stand."""
        return self.origin_ms + self.segments[index].start_ms

    def finished(self, now_ms: int) -> bool:
        """Tell whether the whole timeline has played (or the person quit)."""
        return self.quit or self.position_ms(now_ms) >= self.total_ms

    def item_at(self, index: int) -> ItemSpan | None:
        """Return the routine item a segment belongs to (None for the closing segment)."""
        for span in self.spans:
            if span.first <= index <= span.last:
                return span
        return None

    def note_progress(self, now_ms: int) -> None:
        """Credit the segments played since the last call (a seek credits nothing it jumped)."""
        position = self.position_ms(now_ms)
        if position > self._noted_ms:
            index = self.index_at(self._noted_ms)
            while index < len(self.segments) and self.segments[index].start_ms < position:
                segment = self.segments[index]
                reached = min(segment.duration_ms, position - segment.start_ms)
                self.played_ms[index] = max(self.played_ms[index], reached)
                index += 1
        self._noted_ms = position

    # The controls ------------------------------------------------------------------------------

    def pause(self, now_ms: int) -> None:
        """Stop the clock."""
        if self.paused_at_ms is None:
            self.note_progress(now_ms)
            self.paused_at_ms = now_ms

    def resume(self, now_ms: int) -> None:
        """Start the clock again where it stopped."""
        if self.paused_at_ms is not None:
            self.origin_ms += now_ms - self.paused_at_ms
            self.paused_at_ms = None

    def toggle_pause(self, now_ms: int) -> None:
        """Pause when playing, resume when paused."""
        if self.paused:
            self.resume(now_ms)
        else:
            self.pause(now_ms)

    def _seek(self, now_ms: int, position_ms: int) -> None:
        reading = self.paused_at_ms if self.paused_at_ms is not None else now_ms
        self.origin_ms = reading - position_ms
        self._noted_ms = position_ms

    def skip(self, now_ms: int) -> None:
        """Pass over the rest of the current item and go to the next one (or the end)."""
        self.note_progress(now_ms)
        span = self.item_at(self.index_at(self.position_ms(now_ms)))
        if span is None:
            return
        self.skipped_items.add(span.position)
        self._seek(now_ms, span.end_ms)

    def back(self, now_ms: int) -> None:
        """Go to the start of the current item, or of the one before when just begun."""
        self.note_progress(now_ms)
        position = self.position_ms(now_ms)
        span = self.item_at(self.index_at(position))
        if span is None:  # at the very end: back to the last item
            span = self.spans[-1] if self.spans else None
            if span is None:
                return
        elif position - span.start_ms < BACK_GRACE_MS and span.position > 0:
            span = self.spans[span.position - 1]
        self.skipped_items.discard(span.position)
        self._seek(now_ms, span.start_ms)

    def stop(self, now_ms: int) -> None:
        """End the session here, keeping what was done."""
        self.note_progress(now_ms)
        self.pause(now_ms)
        self.quit = True

    # What was done -----------------------------------------------------------------------------

    def items_done(self) -> tuple[ItemRecord, ...]:
        """Return every item's target next to what was done so far."""
        return tuple(self.item_done(span) for span in self.spans)

    def item_done(self, span: ItemSpan) -> ItemRecord:
        """Return one item's target next to what was done so far."""
        work = [
            (segment, self.played_ms[index])
            for index, segment in enumerate(self.segments[span.first : span.last + 1], span.first)
            if segment.kind in WORK_KINDS
        ]
        groups: dict[tuple[int | None, str | None, int | None], bool] = {}
        for segment, played in work:
            key = (segment.set, segment.side, segment.rep)
            groups[key] = groups.get(key, True) and played >= segment.duration_ms
        done_seconds = sum(played for _, played in work) // 1000
        return ItemRecord(
            position=span.position,
            stretch=span.stretch,
            planned_seconds=span.planned_seconds,
            planned_reps=span.planned_reps,
            done_seconds=done_seconds,
            done_reps=sum(groups.values()),
            skipped=span.position in self.skipped_items and done_seconds < span.planned_seconds,
        )
