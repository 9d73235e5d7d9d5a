"""One plan everywhere: the six ways to get today's routine give the same routine.

`backstretch plan`, `start` and `log`, the plan page, the player page and `POST /api/plan` all
plan through `services.planning.plan_today`. For the same person on the same day they must
agree, in every situation that changes a plan: a plain profile, after a "pain is building"
stop, after progression, with a preset, and with a saved routine by name or a routine file.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from backstretch.cli.app import app as cli
from backstretch.config import get_settings
from backstretch.core.player import item_spans
from backstretch.core.progression import ChangeKind
from backstretch.core.records import SessionStatus
from backstretch.services.context import PersonContext, Services
from backstretch.services.planning import PlanChoice, TodayPlan, plan_today, remember_profile
from backstretch.services.routines import save_routine
from backstretch.services.screening import record_screening
from backstretch.services.sessions import (
    begin_session,
    finish_session,
    note_pain_rising,
    save_progress,
)
from backstretch.web.app import create_app
from tests.conftest import WiredRunner
from tests.factories import all_no_answers
from tests.fakes import FakeClock, FakeNow, ScriptedKeys

# What identifies a routine as played: per item, the stretch, its planned working seconds and
# its repetitions (what a session stores), and per item the dose (what the plan page shows).
Spans = list[tuple[str, int, int]]
Doses = list[tuple[str, int, int, int | None, str]]

PROFILE = {"areas": ["lower_back", "hips"], "minutes": 10, "setting": "floor"}
ROUTINE_FILE = {
    "name": "From my physio",
    "items": [
        {"stretch": "cat-cow", "reps": 8},
        {"stretch": "knee-to-chest", "hold_seconds": 30, "reps": 2},
        {"stretch": "childs-pose", "hold_seconds": 40},
    ],
}


@dataclass(frozen=True)
class Scenario:
    """A person's situation, and how each way of asking names the routine."""

    name: str
    cli_options: tuple[str, ...] = ()
    web_query: dict[str, str] | None = None  # None: the browser has no way to ask for it
    preset: str | None = None
    routine: str | None = None
    file: bool = False


SCENARIOS = [
    Scenario("profile", web_query={}),
    Scenario("after-a-stop", web_query={}),
    Scenario("after-progression", web_query={}),
    Scenario("preset", ("--preset", "basic-daily"), {"preset": "basic-daily"}, "basic-daily"),
    Scenario("saved-routine", ("--routine", "Evening"), {"routine": "Evening"}, routine="Evening"),
    Scenario("routine-file", file=True),
]


def spans_of(timeline: list[dict[str, Any]]) -> Spans:
    """Return the items of a timeline (JSON) as a session stores them."""
    found: Spans = []
    index = 0
    while index < len(timeline) and timeline[index]["stretch"] is not None:
        stretch = timeline[index]["stretch"]
        part = []
        while index < len(timeline) and timeline[index]["stretch"] == stretch:
            part.append(timeline[index])
            index += 1
        work = [s for s in part if s["kind"] in ("hold", "rep")]
        reps = len({(s["set"], s["side"], s["rep"]) for s in work})
        found.append((stretch, sum(s["duration_ms"] for s in work) // 1000, reps))
    return found


def reference(today: TodayPlan) -> tuple[Spans, Doses]:
    spans = [
        (s.stretch, s.planned_seconds, s.planned_reps) for s in item_spans(today.plan.segments)
    ]
    doses = [
        (i.stretch.id, i.dose.sets, i.dose.reps, i.dose.hold_seconds, i.dose.sides.value)
        for i in today.plan.routine
    ]
    return spans, doses


def _finished_session(me: PersonContext, clock: FakeNow, uuid: str, *, stop: bool) -> None:
    """Play today's plan in full; with `stop`, "pain is building" on its first stretch."""
    today = plan_today(me, PlanChoice())
    record = begin_session(me, today, pain_before=2, uuid=uuid)
    if stop:
        note_pain_rising(me, uuid, today.plan.routine[0].stretch.id)
    done = [
        replace(i, done_seconds=i.planned_seconds, done_reps=i.planned_reps) for i in record.items
    ]
    save_progress(me, uuid, done)
    clock.value += timedelta(minutes=12)
    finish_session(me, uuid, status=SessionStatus.COMPLETED, pain_after=3 if stop else 1)


def set_up(scenario: Scenario, services: Services, clock: FakeNow, folder: Path) -> Path | None:
    """Bring the person to the scenario's situation; return the routine file, if any."""
    day = clock.value
    me = services.local_person()
    if scenario.name == "after-progression":
        # Sessions that felt fine for a week: one step up came six days ago.
        for days_ago in (13, 10, 6):
            clock.value = day - timedelta(days=days_ago)
            record_screening(me, all_no_answers())
            _finished_session(
                me, clock, f"00000000-0000-4000-8000-0000000000{days_ago:02d}", stop=False
            )
    if scenario.name == "after-a-stop":
        clock.value = day - timedelta(days=1)
        record_screening(me, all_no_answers())
        _finished_session(me, clock, "00000000-0000-4000-8000-000000000001", stop=True)
    clock.value = day
    record_screening(me, all_no_answers())
    latest = plan_today(me, PlanChoice()).progress.latest
    if scenario.name == "after-progression":
        assert latest is not None and latest.kind is ChangeKind.RAISED, "no step up is due"
    if scenario.name == "after-a-stop":
        assert latest is not None and latest.kind is not ChangeKind.RAISED, "no easing off"
    if scenario.routine == "Evening":
        evening = plan_today(me, PlanChoice(flags={"areas": ["hips"], "minutes": 6}))
        save_routine(me, name="Evening", plan=evening.plan)
    if scenario.file:
        path = folder / "physio.yaml"
        path.write_text(yaml.safe_dump(ROUTINE_FILE), encoding="utf-8")
        return path
    return None


# The six paths: each returns what it planned, as spans or as doses -------------------------------


def by_plan(runner: WiredRunner, options: list[str], **_: Any) -> Spans:
    result = runner.invoke(cli, ["plan", *options, "--json"])
    assert result.exit_code == 0, result.output
    return spans_of(json.loads(result.stdout)["timeline"])


def _last_session(runner: WiredRunner) -> Spans:
    result = runner.invoke(cli, ["history", "--json", "--limit", "1"])
    assert result.exit_code == 0, result.output
    (session,) = json.loads(result.stdout)
    return [(i["stretch"], i["planned_seconds"], i["planned_reps"]) for i in session["items"]]


def by_start(runner: WiredRunner, options: list[str], **_: Any) -> Spans:
    clock = FakeClock()
    runner.wiring.devices = lambda: (clock, ScriptedKeys(clock), False)
    result = runner.invoke(cli, ["start", *options, "--yes", "--pain-before", "2"])
    assert result.exit_code == 0, result.output
    return _last_session(runner)


def by_log(runner: WiredRunner, options: list[str], **_: Any) -> Spans:
    result = runner.invoke(cli, ["log", *options, "--pain-before", "2", "--pain-after", "2"])
    assert result.exit_code == 0, result.output
    return _last_session(runner)


def by_plan_page(client: TestClient, query: dict[str, str], **_: Any) -> Doses:
    page = client.get("/plan", params=query)
    assert page.status_code == 200, page.text
    rows = re.findall(r'<li class="plan-item"([^>]*)>', page.text)
    assert rows, "the plan page shows no items"
    doses: Doses = []
    for row in rows:
        data = dict(re.findall(r'data-([a-z]+)="([^"]*)"', html.unescape(row)))
        hold = int(data["hold"]) if data.get("hold") else None
        doses.append((data["stretch"], int(data["sets"]), int(data["reps"]), hold, data["sides"]))
    return doses


def by_player_page(client: TestClient, query: dict[str, str], **_: Any) -> Spans:
    page = client.get("/play", params=query)
    assert page.status_code == 200, page.text
    found = re.search(
        r'<script id="player-data" type="application/json">(.*?)</script>', page.text, re.S
    )
    assert found, "the player page embeds no timeline"
    return spans_of(json.loads(html.unescape(found.group(1)))["timeline"])


def by_api(client: TestClient, query: dict[str, str], **_: Any) -> Spans:
    answer = client.post("/api/plan", json=query)
    assert answer.status_code == 200, answer.text
    return spans_of(answer.json()["timeline"])


TERMINAL: dict[str, Callable[..., Spans]] = {"plan": by_plan, "start": by_start, "log": by_log}
BROWSER: dict[str, Callable[..., Any]] = {
    "plan-page": by_plan_page,
    "player-page": by_player_page,
    "api": by_api,
}


@pytest.fixture
def web(services: Services, clock: FakeNow) -> Iterator[TestClient]:
    del services  # the database is open and migrated; the app opens its own connections
    with TestClient(create_app(get_settings(), clock=clock)) as client:
        client.get("/")  # the CSRF cookie, as a browser gets it
        token = client.cookies.get("backstretch_csrf")
        client.headers["x-csrftoken"] = token or ""
        yield client


@pytest.mark.parametrize("path", [*TERMINAL, *BROWSER])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_way_of_asking_gives_the_same_routine(
    path: str,
    scenario: Scenario,
    services: Services,
    clock: FakeNow,
    runner: WiredRunner,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if path in BROWSER and scenario.web_query is None:
        pytest.skip("the browser takes routines by name: a file is added as a saved routine first")
    remember_profile(services.local_person(), PROFILE)
    routine_file = set_up(scenario, services, clock, tmp_path)
    choice = PlanChoice(
        preset=scenario.preset,
        routine=scenario.routine if not scenario.file else str(routine_file),
        routine_file=ROUTINE_FILE if scenario.file else None,
        routine_origin=str(routine_file) if scenario.file else "",
    )
    expected_spans, expected_doses = reference(plan_today(services.local_person(), choice))
    assert expected_spans, "the reference plan is empty: the scenario plans nothing"

    if path in TERMINAL:
        options = [
            *scenario.cli_options,
            *(["--routine", str(routine_file)] if routine_file else []),
        ]
        assert TERMINAL[path](runner, options) == expected_spans
        return
    client = request.getfixturevalue("web")
    got = BROWSER[path](client, scenario.web_query or {})
    assert got == (expected_doses if path == "plan-page" else expected_spans)


def test_a_stop_changes_the_plan(services: Services, clock: FakeNow) -> None:
    """The scenarios above are not all the same plan: a stop does change it."""
    me = services.local_person()
    remember_profile(me, PROFILE)
    record_screening(me, all_no_answers())
    before = reference(plan_today(me, PlanChoice()))[1]
    clock.value += timedelta(hours=1)
    uuid = "00000000-0000-4000-8000-0000000000aa"
    _finished_session(me, clock, uuid, stop=True)
    after = reference(plan_today(me, PlanChoice()))[1]
    assert before != after
