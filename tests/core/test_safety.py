"""Stop rules, pain rules and the safety gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstretch.core.safety import (
    BlockKind,
    GateStatus,
    ScreeningOnFile,
    StopSignal,
    gate,
    pain_ends_stretch,
    pain_pause_due,
    stop_outcome,
    stop_signals_for,
)
from backstretch.core.screening import Verdict
from backstretch.data import screening_guide

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NOW = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)

# ---- stop signals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "block"),
    [
        ("dizziness_vision", BlockKind.EMERGENCY),
        ("weakness", BlockKind.EMERGENCY),
        ("pregnancy_warning", BlockKind.EMERGENCY),
        ("numbness_tingling", BlockKind.SEE_CLINICIAN),
        ("spreading", BlockKind.SEE_CLINICIAN),
        ("sharp_pain", None),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v),
)
def test_stop_signal_ends_the_session_and_opens_its_block(
    signal: str, block: BlockKind | None
) -> None:
    outcome = stop_outcome(signal)
    assert outcome.signal is StopSignal(signal)
    assert outcome.block is block
    assert outcome.ends_session
    assert outcome.eases_next_session


def test_every_stop_signal_is_in_the_table() -> None:
    assert {s.value for s in StopSignal} == {
        "dizziness_vision",
        "weakness",
        "pregnancy_warning",
        "numbness_tingling",
        "spreading",
        "sharp_pain",
        "pain_rising",
    }


def test_pain_rising_ends_the_stretch_but_not_the_session() -> None:
    outcome = stop_outcome("pain_rising")
    assert outcome.block is None
    assert not outcome.ends_session
    assert outcome.eases_next_session


def test_stop_outcome_refuses_an_unknown_signal() -> None:
    with pytest.raises(ValueError):
        stop_outcome("tired")


def test_stop_signals_for_not_pregnant_leaves_out_the_pregnancy_warning() -> None:
    offered = stop_signals_for(pregnant=False)
    assert StopSignal.PREGNANCY_WARNING not in offered
    assert set(offered) == set(StopSignal) - {StopSignal.PREGNANCY_WARNING}


def test_stop_signals_for_pregnant_offers_every_signal() -> None:
    assert set(stop_signals_for(pregnant=True)) == set(StopSignal)


def test_every_stop_signal_has_a_label_and_advice_in_the_wording() -> None:
    texts = {s.id: s for s in screening_guide().stop_signals}
    for signal in StopSignal:
        assert texts[signal.value].label.strip()
        assert texts[signal.value].advice.strip()
    for kind in BlockKind:
        assert screening_guide().block_advice[kind.value].strip()


# ---- pain during a stretch ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "now", "ends"),
    [
        (0, 0, False),
        (4, 5, False),  # +1 and below 6
        (3, 5, True),  # +2
        (0, 2, True),  # +2 from nothing
        (0, 1, False),
        (5, 5, False),
        (5, 6, True),  # reaches 6/10
        (6, 6, True),  # still at 6/10
        (8, 6, True),  # 6/10 even though it eased
        (9, 7, True),
        (4, 4, False),
        (5, 4, False),
        (4, 6, True),
        (3, 4, False),
        (10, 10, True),
    ],
    ids=lambda v: str(v),
)
def test_pain_ends_stretch_at_6_or_2_above_start(before: int, now: int, ends: bool) -> None:
    assert pain_ends_stretch(before, now) is ends


@PROPERTY
@given(before=st.integers(0, 10), now=st.integers(0, 10))
def test_pain_ends_stretch_matches_the_rule(before: int, now: int) -> None:
    assert pain_ends_stretch(before, now) == (now >= 6 or now - before >= 2)


# ---- pain after sessions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recent", "due"),
    [
        ([], False),
        ([(3, 5)], False),  # only one session
        ([(3, 5), (2, 4)], True),  # rose twice in a row
        ([(3, 4), (3, 4), (1, 1)], True),  # only the two newest count
        ([(3, 5), (4, 4)], False),  # second one did not rise
        ([(4, 4), (3, 5)], False),  # newest did not rise
        ([(5, 3), (3, 5), (3, 5)], False),  # newest eased: no pause though older ones rose
        ([(3, 5), (None, 4), (2, 3)], True),  # unrated session skipped
        ([(3, 5), (4, None), (None, None), (2, 3)], True),  # several unrated skipped
        ([(None, None), (3, 5)], False),  # only one rated session
        ([(3, 5), (None, 4), (4, 4)], False),  # skipping does not reach past the second rated
        ([(0, 1), (0, 1)], True),  # any rise counts
    ],
    ids=[
        "none",
        "one",
        "two_rises",
        "two_newest",
        "second_flat",
        "newest_flat",
        "newest_eased",
        "skip_unrated",
        "skip_several",
        "one_rated",
        "skip_then_flat",
        "small_rises",
    ],
)
def test_pain_pause_due_after_two_rated_rises_in_a_row(
    recent: list[tuple[int | None, int | None]], due: bool
) -> None:
    assert pain_pause_due(recent) is due


# ---- the gate ---------------------------------------------------------------------------------


def on_file(verdict: Verdict, age: timedelta = timedelta(hours=1)) -> ScreeningOnFile:
    return ScreeningOnFile(verdict=verdict, answered_at=NOW - age)


@pytest.mark.parametrize("verdict", [Verdict.EMERGENCY, Verdict.SEE_CLINICIAN])
def test_gate_blocks_emergency_and_see_clinician_verdicts(verdict: Verdict) -> None:
    decision = gate(on_file(verdict), [], now=NOW)
    assert decision.status is GateStatus.BLOCKED
    assert decision.verdict is verdict
    assert not decision.may_plan
    assert not decision.may_play


@pytest.mark.parametrize("block", list(BlockKind))
@pytest.mark.parametrize(
    "latest",
    [None, Verdict.SELF_CARE, Verdict.INCOMPLETE],
    ids=["no_screening", "self_care", "incomplete"],
)
def test_gate_blocks_on_any_open_block(block: BlockKind, latest: Verdict | None) -> None:
    screening = on_file(latest) if latest else None
    decision = gate(screening, [block], now=NOW)
    assert decision.status is GateStatus.BLOCKED
    assert block in decision.blocks
    assert not decision.may_plan
    assert not decision.may_play


def test_gate_block_wins_over_a_stale_screening() -> None:
    decision = gate(on_file(Verdict.SELF_CARE, timedelta(days=30)), [BlockKind.PAIN_PAUSE], now=NOW)
    assert decision.status is GateStatus.BLOCKED


def test_gate_reports_each_open_block_once() -> None:
    decision = gate(
        on_file(Verdict.SELF_CARE),
        [BlockKind.PAIN_PAUSE, BlockKind.EMERGENCY, BlockKind.PAIN_PAUSE],
        now=NOW,
    )
    assert sorted(decision.blocks) == sorted([BlockKind.PAIN_PAUSE, BlockKind.EMERGENCY])


def test_gate_without_a_screening_is_missing() -> None:
    decision = gate(None, [], now=NOW)
    assert decision.status is GateStatus.MISSING
    assert decision.may_plan
    assert not decision.may_play


def test_gate_with_an_incomplete_screening_is_incomplete() -> None:
    decision = gate(on_file(Verdict.INCOMPLETE), [], now=NOW)
    assert decision.status is GateStatus.INCOMPLETE
    assert decision.may_plan
    assert not decision.may_play


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (timedelta(0), GateStatus.OK),
        (timedelta(days=6, hours=23), GateStatus.OK),
        (timedelta(days=7), GateStatus.OK),
        (timedelta(days=7, seconds=1), GateStatus.STALE),
        (timedelta(days=8), GateStatus.STALE),
        (timedelta(days=365), GateStatus.STALE),
    ],
    ids=["fresh", "6d23h", "exactly_7d", "7d_plus_1s", "8d", "a_year"],
)
def test_gate_self_care_goes_stale_after_7_days(age: timedelta, status: GateStatus) -> None:
    decision = gate(on_file(Verdict.SELF_CARE, age), [], now=NOW)
    assert decision.status is status
    assert decision.verdict is Verdict.SELF_CARE
    assert decision.may_plan
    assert decision.may_play is (status is GateStatus.OK)


def test_gate_ok_allows_planning_and_playing() -> None:
    decision = gate(on_file(Verdict.SELF_CARE), [], now=NOW)
    assert decision.status is GateStatus.OK
    assert decision.may_plan and decision.may_play
    assert decision.blocks == ()
