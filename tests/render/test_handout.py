"""The printable handout, read back with real PDF tools: what is on it, how long it is, its QR.

A routine planned by the real planner for ten minutes at a desk (nine stretches, the most any
ten-minute plan has) must fit on two pages of A4 and of Letter.
"""

from __future__ import annotations

from datetime import date

import pytest

from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Place
from backstretch.core.plan_words import dose_words, sides_words
from backstretch.core.planner import Limits, plan
from backstretch.core.profile import parse_profile
from backstretch.core.progression import progress
from backstretch.core.screening import ALWAYS_ON
from backstretch.core.timeline import RoutineItem
from backstretch.data import screening_guide
from backstretch.render.figures import still_svg
from backstretch.render.handout import HOW_OFTEN, HandoutError, handout_html, handout_pdf
from tests.factories import EMERGENCY_NUMBER, own_stretch
from tests.render.reading import (
    fonts,
    handout_text,
    page_count,
    page_size,
    pdf_text,
    qr_codes,
    save_pages,
)
from tests.test_wording import TREATMENT_CLAIMS

GUIDE = screening_guide()
LINK = "https://stretch.example.org/plan?routine=Ten+minutes+at+my+desk"
TITLE = "Ten minutes at my desk"


def ten_minutes(catalogue: Catalogue, setting: str, *areas: str) -> tuple[RoutineItem, ...]:
    """Return what the planner gives for ten minutes in `setting` for `areas`."""
    profile = parse_profile({"areas": list(areas), "minutes": 10, "setting": setting})
    limits = Limits(restrictions=frozenset(ALWAYS_ON))
    return plan(profile, catalogue, limits, on=date(2026, 11, 2), progress=progress([])).routine


def draw(items: tuple[RoutineItem, ...], paper: str = "a4", **given: object) -> bytes:
    values: dict[str, object] = {
        "title": TITLE,
        "link": LINK,
        "guide": GUIDE,
        "emergency_number": EMERGENCY_NUMBER,
        "paper": paper,
        **given,
    }
    return handout_pdf(items, **values)  # type: ignore[arg-type]


def words(text: str) -> str:
    return " ".join(text.split())


def read(pdf: bytes, title: str = TITLE) -> str:
    return handout_text(pdf, title)


@pytest.fixture(scope="module")
def desk(catalogue: Catalogue) -> tuple[RoutineItem, ...]:
    items = ten_minutes(catalogue, "chair", "upper_back", "mid_back")
    assert len(items) == 9  # the longest list of stretches any ten-minute plan has
    return items


@pytest.fixture(scope="module", params=["a4", "letter"])
def printed(request: pytest.FixtureRequest, desk: tuple[RoutineItem, ...]) -> tuple[str, bytes]:
    return request.param, draw(desk, request.param)


def test_a_ten_minute_routine_fits_on_two_pages(printed: tuple[str, bytes]) -> None:
    paper, pdf = printed
    assert page_count(pdf) <= 2
    assert ("(A4)" if paper == "a4" else "(letter)") in page_size(pdf)
    save_pages(pdf, f"handout-desk-{paper}")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_floor_routine_for_the_lower_back_fits_too(catalogue: Catalogue, paper: str) -> None:
    pdf = draw(ten_minutes(catalogue, "floor", "lower_back"), paper)
    assert page_count(pdf) <= 2
    save_pages(pdf, f"handout-floor-{paper}")


def test_each_stretch_has_its_way_dose_steps_and_stop_signs(
    printed: tuple[str, bytes], desk: tuple[RoutineItem, ...]
) -> None:
    text = read(printed[1])
    for number, item in enumerate(desk, 1):
        stretch, way = item.stretch, item.way
        assert f"{number}. {stretch.name}" in text
        dose = dose_words(item) + (f", {sides_words(item)}" if sides_words(item) else "")
        assert f"{dose} · {way.words}" in text
        for step in (*way.setup, *stretch.movement_of(way), *stretch.steps.finish):
            assert words(step) in text, step
        for line in (*stretch.breath, *stretch.stop_if):
            assert words(line) in text, line


def test_how_it_should_feel_the_stop_signals_and_the_emergency_advice(
    printed: tuple[str, bytes],
) -> None:
    text = read(printed[1])
    assert words(GUIDE.session_reminder) in text
    signals = {signal.id: signal for signal in GUIDE.stop_signals}
    for shown in ("sharp_pain", "numbness_tingling", "weakness", "dizziness_vision", "spreading"):
        signal = signals[shown]
        advice = signal.advice.replace("{emergency_number}", EMERGENCY_NUMBER)
        assert f"{signal.label}: {words(advice)}" in text
    # The player's pain rating means nothing on paper; pregnancy signs are for pregnancy.
    assert signals["pain_rising"].label not in text
    assert "Pregnancy warning sign" not in text
    emergency = GUIDE.advice["emergency"]
    assert f"{emergency['title']}: call {EMERGENCY_NUMBER}" in text
    assert f"Call {EMERGENCY_NUMBER} now, or go to the nearest emergency department." in text
    assert "Do not stretch or exercise until you have been checked." in text
    assert "which answers were yes" not in text  # a handout has no screening answers
    assert "{emergency_number}" not in text
    assert "General wellness only, not medical advice" in text
    assert not TREATMENT_CLAIMS.search(text), TREATMENT_CLAIMS.findall(text)


def test_pregnancy_warning_signs_are_printed_during_pregnancy(
    desk: tuple[RoutineItem, ...],
) -> None:
    text = read(draw(desk[:2], pregnant=True))
    signal = next(s for s in GUIDE.stop_signals if s.id == "pregnancy_warning")
    assert words(signal.advice.replace("{emergency_number}", EMERGENCY_NUMBER)) in text


def test_how_often_comes_from_the_sources_until_a_schedule_says_otherwise(
    desk: tuple[RoutineItem, ...], printed: tuple[str, bytes]
) -> None:
    assert "(source 002)" in HOW_OFTEN
    assert f"How often: {HOW_OFTEN}" in read(printed[1])
    scheduled = read(draw(desk[:1], how_often="Mondays, Wednesdays and Fridays at 7:30."))
    assert "How often: Mondays, Wednesdays and Fridays at 7:30." in scheduled
    assert HOW_OFTEN not in scheduled


def test_four_weeks_to_tick(printed: tuple[str, bytes]) -> None:
    text = read(printed[1])
    assert "Four weeks" in text
    assert "Week Mon Tue Wed Thu Fri Sat Sun" in text
    for week in range(1, 5):
        assert f"Week {week} from ___ / ___" in text
    assert "Week 5" not in text


def test_the_qr_code_reads_back_as_the_link_printed_under_it(printed: tuple[str, bytes]) -> None:
    pdf = printed[1]
    assert qr_codes(pdf) == [LINK]
    # The printed link may wrap over lines; it is the same address.
    assert LINK in pdf_text(pdf).replace(" ", "")


def test_every_font_is_embedded(printed: tuple[str, bytes]) -> None:
    used = fonts(printed[1])
    assert used
    assert all(embedded for _, embedded in used), used
    assert all("DejaVu" in name for name, _ in used), used


def test_each_stretch_is_drawn_the_way_it_is_planned(catalogue: Catalogue) -> None:
    stretch = catalogue.get("hamstring-stretch")
    on_a_chair = stretch.way_at(Place.CHAIR)
    item = RoutineItem.usual(stretch)
    html = handout_html(
        (RoutineItem(stretch, item.dose, on_a_chair),),
        title="Chair",
        link=LINK,
        guide=GUIDE,
        emergency_number=EMERGENCY_NUMBER,
    )
    assert still_svg(stretch, way=on_a_chair) in html
    assert still_svg(stretch, way=stretch.usual_way) not in html
    assert "Sit tall near the front edge of a sturdy chair" in html


def test_an_own_stretch_without_a_drawing_prints_with_a_plain_figure() -> None:
    mine = own_stretch()
    title = "From my physiotherapist"
    text = read(draw((RoutineItem.usual(mine),), title=title), title)
    assert f"1. {mine.name}" in text
    assert "From my physiotherapist" in text


def test_the_title_and_link_are_text_never_markup(desk: tuple[RoutineItem, ...]) -> None:
    title = "<b>Mine</b> & yours"
    html = handout_html(
        desk[:1],
        title=title,
        link=LINK + "&x=<i>",
        guide=GUIDE,
        emergency_number=EMERGENCY_NUMBER,
    )
    assert "<b>Mine</b>" not in html and "&lt;b&gt;Mine&lt;/b&gt; &amp; yours" in html
    assert "<i>" not in html


def test_nothing_to_print_or_an_unknown_paper_is_refused(desk: tuple[RoutineItem, ...]) -> None:
    with pytest.raises(HandoutError, match="nothing to print"):
        draw(())
    with pytest.raises(HandoutError, match="'a5' is not a paper size; use a4 or letter"):
        draw(desk[:1], "a5")
