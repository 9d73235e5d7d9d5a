"""The handout as a use case: the routine `plan` gives, and no handout when safety says no."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from backstretch.config import get_settings
from backstretch.services.context import PersonContext
from backstretch.services.errors import Blocked, Invalid, NotFound
from backstretch.services.handout import Handout, handout_pdf
from backstretch.services.planning import PlanChoice, plan_today
from backstretch.services.routines import save_routine
from backstretch.services.screening import record_screening
from tests.factories import EMERGENCY_NUMBER, all_no_answers
from tests.fakes import FakeNow
from tests.render.reading import handout_text, page_count, qr_codes

LOWER_BACK = PlanChoice(flags={"areas": ["lower_back"], "minutes": 10}, remember=True)
LINK = "http://127.0.0.1:8000/plan"


@pytest.fixture(autouse=True)
def emergency_number(isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The advice names a number no real wording holds, so a test can tell it was filled in."""
    del isolated_settings  # which clears the environment: this comes after it
    monkeypatch.setenv("BACKSTRETCH_EMERGENCY_NUMBER", EMERGENCY_NUMBER)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def screened(me: PersonContext) -> PersonContext:
    record_screening(me, all_no_answers())
    return me


def test_the_handout_shows_the_routine_plan_gives_in_its_order(screened: PersonContext) -> None:
    today = plan_today(screened, LOWER_BACK)
    made = handout_pdf(screened, LOWER_BACK, link=LINK)
    text = handout_text(made.pdf, today.name)
    names = [item.stretch.name for item in today.plan.routine]
    where = [text.index(f"{number}. {name}") for number, name in enumerate(names, 1)]
    assert where == sorted(where)
    assert f"{len(names)} stretches" in text
    assert EMERGENCY_NUMBER in text
    assert page_count(made.pdf) <= 2
    assert qr_codes(made.pdf) == [LINK]
    assert made.name == today.name == "My routine"
    assert made.filename == "handout-my-routine.pdf"


def test_a_saved_routine_and_a_preset_print_under_their_names(screened: PersonContext) -> None:
    planned = plan_today(screened, LOWER_BACK).plan
    save_routine(screened, name="  Before   work ", plan=planned)
    saved = handout_pdf(screened, PlanChoice(routine="Before work"), paper="letter", link=LINK)
    assert saved.name == "Before work"
    text = handout_text(saved.pdf, "Before work")
    for number, item in enumerate(planned.routine, 1):
        assert f"{number}. {item.stretch.name}" in text
    preset = handout_pdf(screened, PlanChoice(preset="basic-daily"), link=LINK)
    assert preset.filename == "handout-basic-daily-routine.pdf"
    assert "1. " in handout_text(preset.pdf, "Basic daily routine")


def test_pregnancy_on_file_prints_its_warning_signs(me: PersonContext) -> None:
    record_screening(me, all_no_answers(pregnant=True, pregnancy_weeks=20))
    made = handout_pdf(me, LOWER_BACK, link=LINK)
    assert "Pregnancy warning sign" in handout_text(made.pdf, made.name)


@pytest.mark.parametrize(
    ("flag", "verdict"), [("night_pain", "see_clinician"), ("saddle_numbness", "emergency")]
)
def test_a_safety_block_gives_its_advice_and_no_handout(
    me: PersonContext, flag: str, verdict: str
) -> None:
    record_screening(me, all_no_answers(**{flag: True}))
    with pytest.raises(Blocked) as raised:
        handout_pdf(me, LOWER_BACK, link=LINK)
    assert raised.value.verdict == verdict
    assert raised.value.advice["title"]


def test_without_a_current_screening_nothing_is_printed(me: PersonContext, clock: FakeNow) -> None:
    with pytest.raises(Blocked, match="no safety screening on file yet"):
        handout_pdf(me, LOWER_BACK, link=LINK)
    record_screening(me, all_no_answers())
    assert isinstance(handout_pdf(me, LOWER_BACK, link=LINK), Handout)
    clock.value += timedelta(days=8)
    with pytest.raises(Blocked, match="over a week old"):
        handout_pdf(me, LOWER_BACK, link=LINK)


def test_a_bad_paper_or_an_unknown_routine_is_refused(screened: PersonContext) -> None:
    with pytest.raises(Invalid, match="'a5' is not a paper size; use a4 or letter") as raised:
        handout_pdf(screened, LOWER_BACK, paper="a5", link=LINK)
    assert raised.value.field == "paper"
    with pytest.raises(NotFound, match="no saved routine called 'Nope'"):
        handout_pdf(screened, PlanChoice(routine="Nope"), link=LINK)
