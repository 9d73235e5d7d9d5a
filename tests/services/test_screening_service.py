"""Screening results, clearances and safety blocks are stored and kept in step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backstretch.core.safety import BlockKind, GateStatus
from backstretch.core.screening import RED_FLAG_IDS, Restriction, Verdict
from backstretch.data import builtin_catalogue, screening_guide
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import Store
from backstretch.services.screening import (
    ClearanceError,
    Context,
    current_gate,
    record_clearance,
    record_screening,
)

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def all_no(**answers: object) -> dict[str, object]:
    return {**dict.fromkeys(RED_FLAG_IDS, False), **answers}


@pytest.fixture
def context() -> Context:
    return Context(
        guide=screening_guide(),
        catalogue=builtin_catalogue(),
        emergency_number="999",
        timezone="Europe/London",
    )


def test_a_screening_is_stored_with_its_time_and_zone(store: Store, context: Context) -> None:
    with transaction(store.sessions) as session:
        record_screening(session, all_no(knee_pain_kneeling=True), context, now=MONDAY)
    with transaction(store.sessions) as session:
        latest = repository.latest_screening(session=session)
    assert latest is not None
    assert latest.verdict is Verdict.SELF_CARE
    assert latest.answered_at == MONDAY
    assert latest.timezone == "Europe/London"
    assert Restriction.KNEE_PAIN_KNEELING in latest.restrictions
    assert latest.answers["knee_pain_kneeling"] is True


def test_self_care_advice_names_what_a_restriction_leaves_out(
    store: Store, context: Context
) -> None:
    with transaction(store.sessions) as session:
        _, result = record_screening(session, all_no(knee_pain_kneeling=True), context, now=MONDAY)
    assert "Cat-cow" in result.advice.text
    assert "swapped for" in result.advice.text


def test_the_gate_follows_the_stored_screening(store: Store, context: Context) -> None:
    with transaction(store.sessions) as session:
        assert current_gate(session, now=MONDAY).status is GateStatus.MISSING
        record_screening(session, all_no(), context, now=MONDAY)
        assert current_gate(session, now=MONDAY + timedelta(days=7)).status is GateStatus.OK
        stale = current_gate(session, now=MONDAY + timedelta(days=7, seconds=1))
        assert stale.status is GateStatus.STALE
        record_screening(session, all_no(night_pain=True), context, now=MONDAY)
        assert current_gate(session, now=MONDAY).status is GateStatus.BLOCKED


def test_a_clearance_lets_the_programme_go_on_with_implied_restrictions(
    store: Store, context: Context
) -> None:
    later = MONDAY + timedelta(days=2)
    with transaction(store.sessions) as session:
        record_screening(session, all_no(recent_spine_surgery=True), context, now=MONDAY)
        assert current_gate(session, now=MONDAY).status is GateStatus.BLOCKED
        outcome = record_clearance(session, ["recent_spine_surgery"], context, now=later)
        assert outcome is not None
        stored, result = outcome
        assert result.verdict is Verdict.SELF_CARE
        assert Restriction.POST_SURGERY in result.restrictions
        # The clearance re-decides the same answers: their age still counts from when asked.
        assert stored.answered_at == MONDAY
        assert current_gate(session, now=later).status is GateStatus.OK
        # The clearance holds at the weekly check while the answer stays yes...
        _, again = record_screening(
            session, all_no(recent_spine_surgery=True), context, now=later + timedelta(days=5)
        )
        assert again.verdict is Verdict.SELF_CARE
        # ...and lapses once it is answered no, so a new episode is checked again.
        record_screening(session, all_no(), context, now=later + timedelta(days=6))
        _, fresh = record_screening(
            session, all_no(recent_spine_surgery=True), context, now=later + timedelta(days=7)
        )
        assert fresh.verdict is Verdict.SEE_CLINICIAN


@pytest.mark.parametrize("flag", ["fever", "saddle_numbness"])
def test_emergency_ids_and_fever_cannot_be_cleared(
    store: Store, context: Context, flag: str
) -> None:
    with transaction(store.sessions) as session:
        record_screening(session, all_no(**{flag: True}), context, now=MONDAY)
        with pytest.raises(ClearanceError, match="cannot be cleared"):
            record_clearance(session, [flag], context, now=MONDAY)
        assert current_gate(session, now=MONDAY).status is GateStatus.BLOCKED


def test_only_flags_present_now_can_be_cleared(store: Store, context: Context) -> None:
    with transaction(store.sessions) as session:
        record_screening(session, all_no(weight_loss=True), context, now=MONDAY)
        with pytest.raises(ClearanceError, match="night_pain is not present"):
            record_clearance(session, ["night_pain"], context, now=MONDAY)


def test_blocks_close_by_their_own_rules(store: Store, context: Context) -> None:
    with transaction(store.sessions) as session:
        record_screening(session, all_no(), context, now=MONDAY)
        repository.open_block(
            session=session,
            kind=BlockKind.EMERGENCY,
            reason="dizziness_vision",
            at=MONDAY,
            timezone="UTC",
        )
        repository.open_block(
            session=session,
            kind=BlockKind.SEE_CLINICIAN,
            reason="numbness_tingling",
            at=MONDAY,
            timezone="UTC",
        )
        assert current_gate(session, now=MONDAY).status is GateStatus.BLOCKED
        # A new screening closes the emergency block but not the see-clinician one.
        record_screening(session, all_no(), context, now=MONDAY + timedelta(hours=1))
        kinds = [b.kind for b in repository.open_blocks(session=session)]
        assert kinds == [BlockKind.SEE_CLINICIAN]
        record_clearance(session, ["numbness_tingling"], context, now=MONDAY + timedelta(hours=2))
        assert repository.open_blocks(session=session) == []
        assert current_gate(session, now=MONDAY + timedelta(hours=2)).status is GateStatus.OK
