"""The charts: shapes where the numbers say, and words for people who cannot see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
from backstretch.core.stats import build_heatmap, heat_level, summarise_weeks
from backstretch.render.charts import (
    CAL_TOP,
    CELL_STEP,
    ENGLISH,
    MAX_MARKS,
    PAIN_BOTTOM,
    PAIN_HEIGHT,
    PAIN_TOP,
    Grouping,
    PainPoint,
    build_calendar,
    calendar_svg,
    day_words,
    latest_change,
    pain_chart_svg,
    pain_points,
    pain_series,
    short_number,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
TODAY = date(2026, 11, 2)  # a Monday
PAIN_PLOT_BOTTOM = PAIN_HEIGHT - PAIN_BOTTOM
# A year of sessions stays small enough to send with the page (before gzip).
PAIN_BUDGET = 25_000
CALENDAR_BUDGET = 40_000


def record(
    day: date,
    *,
    at: time = time(9, 0),
    zone: str = "UTC",
    before: int | None = 5,
    after: int | None = 3,
    seconds: int = 600,
    uuid: str = "s",
) -> SessionRecord:
    started = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return SessionRecord(
        uuid=uuid,
        started_at=started,
        timezone=zone,
        status=SessionStatus.COMPLETED,
        routine_name="Morning back",
        planned_seconds=600,
        items=(ItemRecord(0, "cat-cow", 600, 10, done_seconds=seconds, done_reps=10),),
        pain_before=before,
        pain_after=after,
    )


def point(day: date, before: int | None, after: int | None, at: time = time(9, 0)) -> PainPoint:
    return PainPoint(at=datetime.combine(day, at), before=before, after=after)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def markers(root: ET.Element, name: str) -> list[ET.Element]:
    shape = "circle" if name == "before" else "rect"
    return [e for e in root.iter(f"{{{NS['svg']}}}{shape}") if e.get("class") == name]


def centre_y(marker: ET.Element) -> float:
    if marker.tag.endswith("circle"):
        return float(marker.get("cy", "nan"))
    return float(marker.get("y", "nan")) + float(marker.get("height", "nan")) / 2


def centre_x(marker: ET.Element) -> float:
    if marker.tag.endswith("circle"):
        return float(marker.get("cx", "nan"))
    return float(marker.get("x", "nan")) + float(marker.get("width", "nan")) / 2


def text_of(root: ET.Element, tag: str) -> str:
    found = root.find(f"svg:{tag}", NS)
    assert found is not None, f"no <{tag}>"
    return found.text or ""


def labelled_by(root: ET.Element) -> list[str]:
    ids = (root.get("aria-labelledby") or "").split()
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    return [(by_id[i].text or "") for i in ids]


# ---- pain before and after ----------------------------------------------------------------


def test_pain_points_keep_rated_sessions_that_count_in_local_time() -> None:
    sessions = [
        record(date(2026, 10, 3), before=None, after=None, uuid="unrated"),
        record(date(2026, 10, 2), before=6, after=None, uuid="before only"),
        record(date(2026, 10, 1), seconds=0, uuid="nothing done"),
        record(date(2026, 10, 1), at=time(23, 30), zone="America/New_York", uuid="late"),
    ]
    points = pain_points(sessions)
    assert [(p.at, p.before, p.after) for p in points] == [
        (datetime(2026, 10, 1, 23, 30), 5, 3),  # New York's evening, though 2 Oct in UTC
        (datetime(2026, 10, 2, 9, 0), 6, None),
    ]
    assert latest_change(points) == points[0]
    assert latest_change([]) is None


def test_markers_sit_where_the_ratings_and_dates_say() -> None:
    points = [
        point(date(2026, 10, 1), 8, 2),
        point(date(2026, 10, 2), 2, 8),
        point(date(2026, 10, 4), 5, 5),
    ]
    root = parse(pain_chart_svg(points))
    before, after = markers(root, "before"), markers(root, "after")
    assert len(before) == len(after) == 3
    # Higher pain sits higher on the page (smaller y); x follows the dates.
    assert centre_y(before[0]) < centre_y(before[2]) < centre_y(before[1])
    assert centre_y(after[1]) < centre_y(after[2]) < centre_y(after[0])
    xs = [centre_x(m) for m in before]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert [centre_x(m) for m in after] == xs
    # Time is to scale: two days between the 2nd and 4th, one between the 1st and 2nd.
    assert xs[2] - xs[1] == pytest.approx(2 * (xs[1] - xs[0]), abs=0.2)
    # The scale: 0 on the bottom line, 10 on the top one.
    assert centre_y(before[0]) == pytest.approx(
        PAIN_PLOT_BOTTOM - 0.8 * (PAIN_PLOT_BOTTOM - PAIN_TOP), abs=0.1
    )


@pytest.mark.parametrize("pain", [0, 10])
def test_the_ends_of_the_scale_are_the_ends_of_the_plot(pain: int) -> None:
    root = parse(pain_chart_svg([point(TODAY, pain, pain)]))
    expected = PAIN_PLOT_BOTTOM if pain == 0 else PAIN_TOP
    assert centre_y(markers(root, "before")[0]) == pytest.approx(expected)
    assert centre_y(markers(root, "after")[0]) == pytest.approx(expected)


def test_the_series_differ_by_line_and_marker_not_colour_alone() -> None:
    svg = pain_chart_svg([point(date(2026, 10, d), 6, 3) for d in (1, 2, 3)])
    root = parse(svg)
    lines = {e.get("class"): e for e in root.iter(f"{{{NS['svg']}}}polyline")}
    assert lines["before-line"].get("stroke-dasharray") is None
    assert lines["after-line"].get("stroke-dasharray")
    circle, square = markers(root, "before")[0], markers(root, "after")[0]
    assert circle.get("fill") != "#ffffff"  # filled
    assert square.get("fill") == "#ffffff" and square.get("stroke")  # hollow
    assert "pain before" in svg and "pain after" in svg  # the legend


def test_the_title_desc_and_tooltips_say_it_in_words() -> None:
    points = [point(date(2026, 11, 3), 6, 4), point(date(2026, 11, 20), 4, 2)]
    root = parse(pain_chart_svg(points, id_prefix="chart-1"))
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 300"
    title, desc = labelled_by(root)
    assert title == text_of(root, "title") == "Pain before and after stretching (0 to 10)"
    assert desc == text_of(root, "desc")
    assert desc == (
        "2 sessions rated, from 3 Nov 2026 to 20 Nov 2026. Pain before averaged 5, after 3."
    )
    tips = [g.findtext("svg:title", namespaces=NS) for g in root.iter(f"{{{NS['svg']}}}g")]
    assert "Tue 3 Nov 09:00: 6 before, 4 after" in tips
    assert "Fri 20 Nov 09:00: 4 before, 2 after" in tips


def test_no_ratings_draws_an_empty_chart_that_says_so() -> None:
    root = parse(pain_chart_svg([]))
    assert markers(root, "before") == markers(root, "after") == []
    assert text_of(root, "desc") == "No pain ratings yet."
    assert root.find(".//svg:polyline", NS) is None


def test_one_session_sits_in_the_middle_with_one_date() -> None:
    root = parse(pain_chart_svg([point(TODAY, 7, 5)]))
    (before,), (after,) = markers(root, "before"), markers(root, "after")
    assert centre_x(before) == pytest.approx(centre_x(after))
    assert centre_x(before) == pytest.approx((58 + 12 + 640 - 16 - 12) / 2)
    assert text_of(root, "desc").startswith("1 session rated, on Mon 2 Nov 2026.")
    assert root.find(".//svg:polyline", NS) is None  # no line through a single point
    assert "2 Nov" in "".join(root.itertext())


def test_sessions_across_new_year_name_the_year() -> None:
    root = parse(pain_chart_svg([point(date(2025, 12, 31), 5, 4), point(date(2026, 1, 1), 4, 4)]))
    text = "".join(root.itertext())
    assert "Wed 31 Dec 2025 09:00: 5 before, 4 after" in text
    assert "Thu 1 Jan 2026 09:00: 4 before, 4 after" in text


def test_a_missing_rating_leaves_out_that_marker_only() -> None:
    root = parse(pain_chart_svg([point(TODAY, 6, None), point(TODAY + timedelta(1), None, 2)]))
    assert len(markers(root, "before")) == len(markers(root, "after")) == 1
    text = "".join(root.itertext())
    assert "6 before, not rated after" in text
    assert "not rated before, 2 after" in text
    assert text_of(root, "desc").endswith("Pain before averaged 6, after 2.")


def test_many_sessions_become_weekly_averages_that_match_the_terminal() -> None:
    first = TODAY - timedelta(days=364)
    sessions = [
        record(first + timedelta(days=n), before=3 + n % 5, after=1 + n % 3, uuid=str(n))
        for n in range(365)
    ]
    points = pain_points(sessions)
    series = pain_series(points)
    assert series.grouping is Grouping.WEEK
    assert len(series.marks) <= MAX_MARKS
    assert sum(m.sessions for m in series.marks) == 365
    weeks = {w.start: w for w in summarise_weeks(sessions, TODAY, weeks=53)}
    for mark in series.marks:
        assert (mark.before, mark.after) == (
            weeks[mark.start].pain_before,
            weeks[mark.start].pain_after,
        )
    svg = pain_chart_svg(points)
    assert len(svg.encode()) < PAIN_BUDGET
    root = parse(svg)
    assert len(markers(root, "before")) == len(series.marks)
    assert "Each mark is one week's average." in text_of(root, "desc")
    assert "weekly averages" in "".join(root.itertext())


@pytest.mark.parametrize(
    ("count", "per_day", "grouping"),
    [(MAX_MARKS, 1, Grouping.SESSION), (90, 2, Grouping.DAY), (2000, 1, Grouping.MONTH)],
)
def test_the_grouping_is_the_finest_that_fits(count: int, per_day: int, grouping: Grouping) -> None:
    points = [
        point(TODAY - timedelta(days=n // per_day), 5, 3, at=time(8 + n % per_day * 8))
        for n in range(count)
    ]
    series = pain_series(points)
    assert series.grouping is grouping
    assert len(series.marks) <= MAX_MARKS or grouping is Grouping.MONTH
    assert len(pain_chart_svg(points).encode()) < PAIN_BUDGET


def test_text_is_escaped() -> None:
    class Shouting:
        def gettext(self, message: str, /) -> str:
            return message + ' <b>&"'

        def ngettext(self, singular: str, plural: str, n: int, /) -> str:
            return (singular if n == 1 else plural) + " <i>"

    for svg in (
        pain_chart_svg([point(TODAY, 5, 4)], words=Shouting()),
        calendar_svg(build_calendar(build_heatmap([], TODAY), [], TODAY), words=Shouting()),
    ):
        root = parse(svg)  # it would not parse if a < or & got through
        assert '<b>&"' in text_of(root, "title")
        assert "<b>" not in svg


@pytest.mark.parametrize("prefix", ["", "Pain", 'x" onload="', "a" * 40])
def test_an_unsafe_id_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="id_prefix"):
        pain_chart_svg([], id_prefix=prefix)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 800),
            st.one_of(st.none(), st.integers(0, 10)),
            st.one_of(st.none(), st.integers(0, 10)),
        ),
        max_size=150,
    )
)
def test_any_ratings_make_a_chart_with_a_marker_per_rating(
    data: list[tuple[int, int | None, int | None]],
) -> None:
    points = [point(TODAY - timedelta(days=d), b, a) for d, b, a in data]
    series = pain_series(points)
    root = parse(pain_chart_svg(points))
    assert len(markers(root, "before")) == sum(m.before is not None for m in series.marks)
    assert len(markers(root, "after")) == sum(m.after is not None for m in series.marks)
    for marker in markers(root, "before") + markers(root, "after"):
        assert PAIN_TOP - 0.01 <= centre_y(marker) <= PAIN_PLOT_BOTTOM + 0.01


# ---- the calendar -------------------------------------------------------------------------


def cells(root: ET.Element) -> dict[str, ET.Element]:
    found = {}
    for use in root.iter(f"{{{NS['svg']}}}use"):
        title = use.findtext("svg:title", namespaces=NS)
        if title:
            found[title.split(":")[0]] = use
    return found


def test_the_calendar_has_a_cell_per_day_up_to_today_monday_first() -> None:
    sessions = [
        record(TODAY, uuid="a", seconds=480),
        record(TODAY, at=time(18), uuid="b", seconds=360),
        record(date(2026, 10, 28), uuid="c", seconds=120),
    ]
    calendar = build_calendar(build_heatmap(sessions, TODAY, weeks=8), sessions, TODAY)
    root = parse(calendar_svg(calendar))
    found = cells(root)
    assert len(found) == 7 * 7 + 1  # seven whole weeks and this Monday
    today = found["Mon 2 Nov"]
    assert today.findtext("svg:title", namespaces=NS) == "Mon 2 Nov: 2 sessions, 14 min (today)"
    assert today.get("href", "").endswith(f"-l{heat_level(840)}")
    assert found["Wed 28 Oct"].findtext("svg:title", namespaces=NS) == (
        "Wed 28 Oct: 1 session, 2 min"
    )
    assert found["Tue 27 Oct"].findtext("svg:title", namespaces=NS) == ("Tue 27 Oct: no stretching")
    assert found["Tue 27 Oct"].get("href", "").endswith("-l0")
    # Monday on the top row, Sunday on the bottom; weeks left to right.
    assert float(found["Mon 26 Oct"].get("y", "0")) == CAL_TOP
    assert float(found["Sun 1 Nov"].get("y", "0")) == CAL_TOP + 6 * CELL_STEP
    assert float(found["Mon 26 Oct"].get("x", "0")) < float(today.get("x", "0"))
    outline = root.find(".//svg:rect[@class='today']", NS)
    assert outline is not None
    assert float(outline.get("x", "0")) == float(today.get("x", "0")) - 1.5
    text = "".join(root.itertext())
    for label in ("Oct", "Nov", "Mon", "Wed", "none", "20 min or more", "today"):
        assert label in text
    assert calendar.week_totals[-1].sessions == 2
    assert calendar.week_totals[-2].days == 1


def test_the_calendar_counts_the_sessions_own_local_day() -> None:
    late = record(date(2026, 11, 1), at=time(22, 0), zone="America/New_York")  # 2 Nov in UTC
    calendar = build_calendar(build_heatmap([late], TODAY, weeks=2), [late], TODAY)
    found = cells(parse(calendar_svg(calendar)))
    assert found["Sun 1 Nov"].findtext("svg:title", namespaces=NS) == (
        "Sun 1 Nov: 1 session, 10 min"
    )
    assert "no stretching" in (found["Mon 2 Nov"].findtext("svg:title", namespaces=NS) or "")


def test_the_calendar_desc_sums_it_up() -> None:
    sessions = [record(TODAY - timedelta(days=n), uuid=str(n)) for n in range(3)]
    calendar = build_calendar(build_heatmap(sessions, TODAY, weeks=4), sessions, TODAY)
    root = parse(calendar_svg(calendar, id_prefix="cal"))
    title, desc = labelled_by(root)
    assert title == "Days with stretching"
    assert desc.startswith(
        "Stretching on 3 of 22 days, 12 Oct 2026 to 2 Nov 2026: 3 sessions, 30 min in all."
    )
    empty = build_calendar(build_heatmap([], TODAY, weeks=4), [], TODAY)
    assert text_of(parse(calendar_svg(empty)), "desc") == (
        "No stretching recorded from 12 Oct 2026 to 2 Nov 2026."
    )


def test_a_year_of_daily_sessions_stays_small() -> None:
    sessions = [record(TODAY - timedelta(days=n), uuid=str(n)) for n in range(365)]
    calendar = build_calendar(build_heatmap(sessions, TODAY), sessions, TODAY)
    svg = calendar_svg(calendar)
    assert len(svg.encode()) < CALENDAR_BUDGET
    assert len(cells(parse(svg))) == 52 * 7 + 1
    # A cell from last year names its year.
    assert "Tue 4 Nov 2025: 1 session, 10 min" in svg


# ---- words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(5, "5"), (5.0, "5"), (5.26, "5.3"), (12.5, "12.5"), (0.04, "0")]
)
def test_short_numbers(value: float, shown: str) -> None:
    assert short_number(value) == shown


def test_day_words() -> None:
    day = date(2026, 11, 4)
    assert day_words(day, ENGLISH) == "Wed 4 Nov"
    assert day_words(day, ENGLISH, weekday=False, year=True) == "4 Nov 2026"
