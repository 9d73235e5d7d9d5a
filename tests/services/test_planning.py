"""Planning today's routine as a use case: safety first, then the profile, then the planner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backstretch.config import get_settings
from backstretch.core.safety import GateStatus
from backstretch.core.screening import ScreeningResult
from backstretch.services.context import PersonContext
from backstretch.services.errors import Blocked
from backstretch.services.planning import PlanChoice, plan_today, remembered_profile
from backstretch.services.screening import record_clearance, record_screening
from tests.factories import EMERGENCY_NUMBER, all_no_answers

LOWER_BACK = PlanChoice(flags={"areas": ["lower_back"], "minutes": 10}, remember=True)


@pytest.fixture(autouse=True)
def emergency_number(isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Advice names a number no real wording holds, so a test can tell it was filled in."""
    del isolated_settings  # which clears the environment: this comes after it
    monkeypatch.setenv("BACKSTRETCH_EMERGENCY_NUMBER", EMERGENCY_NUMBER)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def advice_of(result: ScreeningResult) -> dict[str, object]:
    return {
        "title": result.advice.title,
        "text": result.advice.text,
        "actions": list(result.advice.actions),
    }


@pytest.mark.parametrize(
    ("flag", "verdict"),
    [("night_pain", "see_clinician"), ("saddle_numbness", "emergency")],
)
def test_a_blocking_screening_raises_blocked_with_its_advice(
    me: PersonContext, flag: str, verdict: str
) -> None:
    result = record_screening(me, all_no_answers(**{flag: True}))
    assert not result.allows_routine
    with pytest.raises(Blocked) as raised:
        plan_today(me, LOWER_BACK)
    blocked = raised.value
    assert blocked.verdict == verdict
    assert blocked.advice == advice_of(result)
    assert str(blocked) == result.advice.title
    assert "{emergency_number}" not in blocked.advice["text"]
    if verdict == "emergency":
        assert EMERGENCY_NUMBER in blocked.advice["text"]
    # Nothing was planned, so nothing was remembered either.
    assert remembered_profile(me) is None


def test_asked_not_to_raise_the_outcome_says_why(me: PersonContext) -> None:
    result = record_screening(me, all_no_answers(night_pain=True))
    today = plan_today(me, LOWER_BACK, raise_blocked=False)
    assert today.outcome.blocked
    assert today.outcome.gate.status is GateStatus.BLOCKED
    assert today.outcome.plan is None
    assert today.changes == ()
    assert today.to_json() == {
        "blocked": True,
        "verdict": "see_clinician",
        "advice": advice_of(result),
    }


def test_a_clearance_lets_the_plan_through(me: PersonContext) -> None:
    record_screening(me, all_no_answers(weight_loss=True))
    with pytest.raises(Blocked):
        plan_today(me, LOWER_BACK)
    record_clearance(me, ["weight_loss"])
    today = plan_today(me, LOWER_BACK)
    assert today.plan.items
    assert today.outcome.screening == "ok"
    assert remembered_profile(me) is not None


def test_without_a_screening_a_plan_is_shown_but_says_the_check_is_missing(
    me: PersonContext,
) -> None:
    today = plan_today(me, LOWER_BACK)
    assert today.plan.items
    assert today.outcome.screening == GateStatus.MISSING.value
