"""Screening results, clearances and safety blocks are stored and kept in step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backstretch.core.safety import BlockKind, GateStatus
from backstretch.core.screening import RED_FLAG_IDS, Restriction, Verdict
from backstretch.db import repository
from backstretch.services.context import PersonContext
from backstretch.services.errors import Invalid
from backstretch.services.screening import (
    current_gate,
    latest_answers,
    record_clearance,
    record_screening,
    screening_status,
)
from tests.fakes import FakeNow

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def on_monday(clock: FakeNow) -> None:
    clock.value = MONDAY


def all_no(**answers: object) -> dict[str, object]:
    return {**dict.fromkeys(RED_FLAG_IDS, False), **answers}


def test_a_screening_is_stored_with_its_time_and_zone(me: PersonContext) -> None:
    record_screening(me, all_no(knee_pain_kneeling=True))
    latest = screening_status(me).latest
    assert latest is not None
    assert latest.verdict is Verdict.SELF_CARE
    assert latest.answered_at == MONDAY
    assert latest.timezone == "Europe/London"
    assert Restriction.KNEE_PAIN_KNEELING in latest.restrictions
    assert latest.answers["knee_pain_kneeling"] is True
    assert latest_answers(me) == latest.answers


def test_self_care_advice_names_what_a_restriction_leaves_out(me: PersonContext) -> None:
    result = record_screening(me, all_no(knee_pain_kneeling=True))
    assert "Cat-cow" in result.advice.text
    assert "swapped for" in result.advice.text


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (all_no(fever="yes"), "answers: fever: expected true, false or null, not 'yes'"),
        (all_no(moods=True), "answers: moods: unknown key"),
        (["fever"], "answers: (answers): expected a JSON object"),
    ],
    ids=["not-a-boolean", "unknown-question", "not-an-object"],
)
def test_malformed_answers_are_refused_naming_the_question_and_nothing_is_stored(
    me: PersonContext, answers: object, message: str
) -> None:
    with pytest.raises(Invalid) as raised:
        record_screening(me, answers)  # type: ignore[arg-type]
    assert str(raised.value).startswith(message)
    assert raised.value.field == "answers"
    assert screening_status(me).latest is None
    assert current_gate(me).status is GateStatus.MISSING


def test_the_gate_follows_the_stored_screening(me: PersonContext, clock: FakeNow) -> None:
    assert current_gate(me).status is GateStatus.MISSING
    record_screening(me, all_no())
    clock.value = MONDAY + timedelta(days=7)
    assert current_gate(me).status is GateStatus.OK
    clock.value = MONDAY + timedelta(days=7, seconds=1)
    assert current_gate(me).status is GateStatus.STALE
    record_screening(me, all_no(night_pain=True))
    assert current_gate(me).status is GateStatus.BLOCKED


def test_a_clearance_lets_the_programme_go_on_with_implied_restrictions(
    me: PersonContext, clock: FakeNow
) -> None:
    later = MONDAY + timedelta(days=2)
    record_screening(me, all_no(recent_spine_surgery=True))
    assert current_gate(me).status is GateStatus.BLOCKED
    clock.value = later
    result = record_clearance(me, ["recent_spine_surgery"])
    assert result is not None
    assert result.verdict is Verdict.SELF_CARE
    assert Restriction.POST_SURGERY in result.restrictions
    # The clearance re-decides the same answers: their age still counts from when asked.
    status = screening_status(me)
    assert status.latest is not None
    assert status.latest.answered_at == MONDAY
    assert status.latest.origin == "clearance"
    assert status.gate.status is GateStatus.OK
    # The clearance holds at the weekly check while the answer stays yes...
    clock.value = later + timedelta(days=5)
    again = record_screening(me, all_no(recent_spine_surgery=True))
    assert again.verdict is Verdict.SELF_CARE
    # ...and lapses once it is answered no, so a new episode is checked again.
    clock.value = later + timedelta(days=6)
    record_screening(me, all_no())
    clock.value = later + timedelta(days=7)
    fresh = record_screening(me, all_no(recent_spine_surgery=True))
    assert fresh.verdict is Verdict.SEE_CLINICIAN


@pytest.mark.parametrize("flag", ["fever", "saddle_numbness"])
def test_emergency_ids_and_fever_cannot_be_cleared(me: PersonContext, flag: str) -> None:
    record_screening(me, all_no(**{flag: True}))
    with pytest.raises(Invalid, match=f"^{flag} cannot be cleared: emergency signs"):
        record_clearance(me, [flag])
    assert current_gate(me).status is GateStatus.BLOCKED
    with me.transaction() as db:
        assert repository.active_clearances(db=db) == ()


def test_only_flags_present_now_can_be_cleared(me: PersonContext) -> None:
    record_screening(me, all_no(weight_loss=True))
    with pytest.raises(Invalid) as raised:
        record_clearance(me, ["night_pain"])
    assert str(raised.value) == "night_pain is not present right now. Clearable now: weight_loss."
    assert screening_status(me).clearable == ("weight_loss",)


def test_a_clearance_before_any_screening_finds_nothing_to_clear(me: PersonContext) -> None:
    with pytest.raises(Invalid, match=r"not present right now\. Nothing needs clearing\.$"):
        record_clearance(me, ["weight_loss"])


def test_blocks_close_by_their_own_rules(me: PersonContext, clock: FakeNow) -> None:
    record_screening(me, all_no())
    with me.transaction() as db:
        repository.open_block(
            db=db,
            kind=BlockKind.EMERGENCY,
            reason="dizziness_vision",
            at=MONDAY,
            timezone="UTC",
        )
        repository.open_block(
            db=db,
            kind=BlockKind.SEE_CLINICIAN,
            reason="numbness_tingling",
            at=MONDAY,
            timezone="UTC",
        )
    blocked = screening_status(me)
    assert blocked.gate.status is GateStatus.BLOCKED
    assert blocked.advice is not None
    # A new screening closes the emergency block but not the see-clinician one.
    clock.value = MONDAY + timedelta(hours=1)
    record_screening(me, all_no())
    assert [b.kind for b in screening_status(me).blocks] == [BlockKind.SEE_CLINICIAN]
    assert screening_status(me).clearable == ("numbness_tingling",)
    clock.value = MONDAY + timedelta(hours=2)
    record_clearance(me, ["numbness_tingling"])
    status = screening_status(me)
    assert status.blocks == ()
    assert status.gate.status is GateStatus.OK
    assert status.advice is None
