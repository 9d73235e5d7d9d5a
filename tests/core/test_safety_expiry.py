"""When a screening stops allowing a session: the moment an offline player is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backstretch.core.safety import (
    SCREENING_VALID_FOR,
    GateStatus,
    ScreeningOnFile,
    gate,
    screening_expires_at,
)
from backstretch.core.screening import Verdict

ANSWERED = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def test_a_screening_expires_a_week_after_it_was_answered() -> None:
    assert screening_expires_at(ANSWERED) == datetime(2026, 11, 9, 8, 30, tzinfo=UTC)
    assert screening_expires_at(ANSWERED) - ANSWERED == SCREENING_VALID_FOR


def test_the_expiry_keeps_the_time_zone_it_was_given() -> None:
    expires = screening_expires_at(ANSWERED)
    assert expires.tzinfo is UTC


@given(offset=st.integers(min_value=-10 * 86_400, max_value=10 * 86_400))
def test_the_gate_goes_stale_exactly_after_the_expiry(offset: int) -> None:
    """The browser refuses after `screening_expires_at`; the server's gate must agree."""
    now = screening_expires_at(ANSWERED) + timedelta(seconds=offset)
    decision = gate(ScreeningOnFile(Verdict.SELF_CARE, ANSWERED), [], now=now)
    expected = GateStatus.STALE if offset > 0 else GateStatus.OK
    assert decision.status is expected
