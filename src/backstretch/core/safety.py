"""Stop rules and the safety gate, used by every player, by the planner and by progression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from backstretch.core.screening import Verdict


class StopSignal(StrEnum):
    """Why a person pressed "stop — this hurts"."""

    SHARP_PAIN = "sharp_pain"
    NUMBNESS_TINGLING = "numbness_tingling"
    WEAKNESS = "weakness"
    DIZZINESS_VISION = "dizziness_vision"
    SPREADING = "spreading"
    PREGNANCY_WARNING = "pregnancy_warning"
    PAIN_RISING = "pain_rising"  # ends the stretch, not the session


class BlockKind(StrEnum):
    """A safety block stops every routine until it is closed."""

    EMERGENCY = "emergency"  # closed by a new screening that allows a routine
    SEE_CLINICIAN = "see_clinician"  # closed by recording a clinician's clearance
    PAIN_PAUSE = "pain_pause"  # closed by a new screening that allows a routine


STOP_BLOCKS: dict[StopSignal, BlockKind | None] = {
    StopSignal.SHARP_PAIN: None,
    StopSignal.NUMBNESS_TINGLING: BlockKind.SEE_CLINICIAN,
    StopSignal.SPREADING: BlockKind.SEE_CLINICIAN,
    StopSignal.WEAKNESS: BlockKind.EMERGENCY,
    StopSignal.DIZZINESS_VISION: BlockKind.EMERGENCY,
    StopSignal.PREGNANCY_WARNING: BlockKind.EMERGENCY,
    StopSignal.PAIN_RISING: None,
}

# Pain during a session at this level or more, or this many points above the start, ends the
# current stretch and eases the next session (research/clinical.md §3.3, traffic-light rule).
PAIN_STOP_LEVEL = 6
PAIN_RISE_LIMIT = 2
# A routine needs a screening newer than this.
SCREENING_VALID_FOR = timedelta(days=7)


@dataclass(frozen=True)
class StopOutcome:
    """What a stop signal does: the session always ends; some signals open a block."""

    signal: StopSignal
    block: BlockKind | None
    ends_session: bool = True
    eases_next_session: bool = True


def stop_outcome(signal: StopSignal | str) -> StopOutcome:
    """Return what happens when a person stops a session with this signal."""
    signal = StopSignal(signal)
    ends_session = signal is not StopSignal.PAIN_RISING
    return StopOutcome(signal=signal, block=STOP_BLOCKS[signal], ends_session=ends_session)


def stop_signals_for(*, pregnant: bool) -> tuple[StopSignal, ...]:
    """Return the signals to offer; the pregnancy warning signs only to pregnant users."""
    return tuple(s for s in StopSignal if pregnant or s is not StopSignal.PREGNANCY_WARNING)


def pain_ends_stretch(pain_before: int, pain_now: int) -> bool:
    """Tell whether pain reported mid-session ends the current stretch (and eases the next)."""
    return pain_now >= PAIN_STOP_LEVEL or pain_now - pain_before >= PAIN_RISE_LIMIT


def pain_pause_due(recent: Sequence[tuple[int | None, int | None]]) -> bool:
    """Tell whether pain rose after the session in the two latest rated sessions in a row.

    `recent` holds (pain before, pain after) of finished sessions, newest first; sessions without
    both ratings are passed over. Seed 003: more pain after stretching is a sign to pause.
    """
    rated = [(b, a) for b, a in recent if b is not None and a is not None]
    return len(rated) >= 2 and all(after > before for before, after in rated[:2])


class GateStatus(StrEnum):
    """Whether a routine may be planned and played now."""

    OK = "ok"
    MISSING = "missing"  # no screening on file: plan, but no player
    INCOMPLETE = "incomplete"  # plan, but no player
    STALE = "stale"  # older than 7 days: plan, but no player
    BLOCKED = "blocked"  # no plan and no player


@dataclass(frozen=True)
class ScreeningOnFile:
    """The latest stored screening, as the gate needs it."""

    verdict: Verdict
    answered_at: datetime


@dataclass(frozen=True)
class Gate:
    """The gate's decision and why."""

    status: GateStatus
    verdict: Verdict | None
    blocks: tuple[BlockKind, ...] = ()

    @property
    def may_plan(self) -> bool:
        """Tell whether a plan with items may be made."""
        return self.status is not GateStatus.BLOCKED

    @property
    def may_play(self) -> bool:
        """Tell whether a player may run a routine."""
        return self.status is GateStatus.OK


def gate(
    latest: ScreeningOnFile | None, open_blocks: Sequence[BlockKind], *, now: datetime
) -> Gate:
    """Decide whether a routine may be planned and started, most cautious reason first."""
    blocks = tuple(dict.fromkeys(open_blocks))
    verdict = latest.verdict if latest else None
    if blocks or verdict in (Verdict.EMERGENCY, Verdict.SEE_CLINICIAN):
        return Gate(GateStatus.BLOCKED, verdict, blocks)
    if latest is None:
        return Gate(GateStatus.MISSING, None)
    if verdict is Verdict.INCOMPLETE:
        return Gate(GateStatus.INCOMPLETE, verdict)
    if now > screening_expires_at(latest.answered_at):
        return Gate(GateStatus.STALE, verdict)
    return Gate(GateStatus.OK, verdict)


def screening_expires_at(answered_at: datetime) -> datetime:
    """Return the last moment a screening answered then still lets a routine be played.

    The gate and an offline player share this, so a plan kept in a browser's cache is refused at
    the same moment the server would refuse it.
    """
    return answered_at + SCREENING_VALID_FOR
