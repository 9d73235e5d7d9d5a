"""Planning as a use case: the safety gate, the restrictions on file, then the pure planner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue
from backstretch.core.planner import Limits, Plan, Request, Strategy, plan
from backstretch.core.profile import Profile
from backstretch.core.progression import Progress
from backstretch.core.safety import Gate, GateStatus
from backstretch.core.screening import (
    ALWAYS_ON,
    Restriction,
    ScreeningGuide,
    parse_answers,
    screen,
)
from backstretch.core.timeline import TimelineSettings
from backstretch.db import repository
from backstretch.services.screening import current_gate


@dataclass(frozen=True)
class PlanOutcome:
    """A plan, or the reason there is none; `screening` is ok, missing, incomplete or stale."""

    gate: Gate
    screening: str
    profile: Profile
    restrictions: tuple[Restriction, ...]
    plan: Plan | None = None
    advice: dict[str, Any] | None = None

    @property
    def blocked(self) -> bool:
        """Tell whether safety stopped the plan."""
        return self.gate.status is GateStatus.BLOCKED

    def to_json(self) -> dict[str, Any]:
        """Return the outcome in the plan JSON format."""
        if self.blocked or self.plan is None:
            verdict = self.gate.verdict.value if self.gate.verdict else None
            return {"blocked": True, "verdict": verdict, "advice": self.advice}
        return {
            "profile": self.profile.model_dump(mode="json"),
            "screening": self.screening,
            "restrictions": [r.value for r in self.restrictions],
            "total_seconds": self.plan.total_seconds,
            "budget_seconds": self.plan.budget_seconds,
            "items": [item.to_json() for item in self.plan.items],
            "swaps": [swap.to_json() for swap in self.plan.swaps],
            "excluded": [e.to_json() for e in self.plan.excluded],
            "timeline": [segment.to_json() for segment in self.plan.segments],
        }


def blocking_advice(
    session: Session, guide: ScreeningGuide, emergency_number: str
) -> dict[str, Any]:
    """Return the advice to show when safety blocks a routine."""
    blocks = repository.open_blocks(session=session)
    latest = repository.latest_screening(session=session)
    if latest is not None and not blocks:
        answers = parse_answers(latest.answers)
        answers = replace(
            answers, cleared=tuple(dict.fromkeys((*answers.cleared, *latest.cleared)))
        )
        advice = screen(answers, guide, emergency_number=emergency_number).advice
        return {"title": advice.title, "text": advice.text, "actions": list(advice.actions)}
    texts = [
        guide.block_advice[b.kind.value].replace("{emergency_number}", emergency_number).strip()
        for b in blocks
    ]
    return {
        "title": "The programme is paused for your safety",
        "text": "\n\n".join(dict.fromkeys(texts)),
        "actions": ["backstretch screen --recheck"],
    }


def make_plan(
    session: Session,
    *,
    profile: Profile,
    catalogue: Catalogue,
    guide: ScreeningGuide,
    emergency_number: str,
    now: datetime,
    on: date,
    extra_restrictions: Sequence[Restriction] = (),
    requests: Sequence[Request] | None = None,
    strategy: Strategy | None = None,
    settings: TimelineSettings | None = None,
    progress: Progress | None = None,
) -> PlanOutcome:
    """Plan a routine for the local day `on`, unless the screening on file or a block says no."""
    gate = current_gate(session, now=now)
    latest = repository.latest_screening(session=session)
    on_file = latest.restrictions if latest else ()
    limited = frozenset({*on_file, *extra_restrictions, *ALWAYS_ON})
    ordered = tuple(r for r in Restriction if r in limited | set(profile.restrictions))
    screening = gate.status.value
    if gate.status is GateStatus.BLOCKED:
        advice = blocking_advice(session, guide, emergency_number)
        return PlanOutcome(gate, screening, profile, ordered, advice=advice)
    # The planner combines these weeks with the profile's, the most cautious way.
    limits = Limits(
        restrictions=limited, pregnancy_weeks=latest.pregnancy_weeks if latest else None
    )
    result = plan(
        profile,
        catalogue,
        limits,
        on=on,
        settings=settings,
        requests=requests,
        strategy=strategy,
        progress=progress,
    )
    return PlanOutcome(gate, screening, profile, ordered, plan=result)
