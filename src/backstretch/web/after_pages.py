"""The reward page: what a session came to, shown once the player has saved its ending.

`GET /sessions/{uuid}/done` reads the same use case as the terminal's end screen
(`services.progress.session_reward`), so both say the same thing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from backstretch.core.durations import minutes, minutes_of
from backstretch.services.progress import Result, session_reward
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/sessions/{session_uuid}/done", response_class=HTMLResponse)
def reward_page(
    request: Request,
    session_uuid: Annotated[str, Path(max_length=60)],
    person: PersonDep,
) -> Any:
    """How the session went, the week against its target, pain before and after, one next step."""
    reward = session_reward(person, session_uuid)
    return TEMPLATES.TemplateResponse(
        request,
        "after.html",
        {
            "reward": reward,
            "result": reward.result.value,
            "Result": Result,
            "amount": minutes(reward.done_seconds),
            "amount_of": minutes_of(reward.done_seconds, reward.planned_seconds),
            "week_amount": minutes(reward.week_seconds),
        },
    )
