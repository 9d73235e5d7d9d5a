"""The history page: figures, charts with their tables, and every session, without JavaScript."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.db import repository
from backstretch.services.preferences import save_settings
from tests.fakes import FakeNow
from tests.web.conftest import local_person

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 11, 2)  # the clock fixture's day, a Monday


def record(
    started: datetime,
    *,
    zone: str = "Europe/London",
    before: int | None = 5,
    after: int | None = 3,
    seconds: int = 300,
    status: SessionStatus = SessionStatus.COMPLETED,
    stop_signal: StopSignal | None = None,
    name: str = "Morning back",
    key: str | None = None,
) -> SessionRecord:
    return SessionRecord(
        uuid=key or str(uuid.uuid4()),
        started_at=started.astimezone(UTC),
        timezone=zone,
        status=status,
        routine_name=name,
        planned_seconds=600,
        items=(
            ItemRecord(0, "cat-cow", 300, 10, done_seconds=seconds, done_reps=10),
            ItemRecord(1, "childs-pose", 300, 2, done_seconds=0, skipped=seconds < 600),
        ),
        pain_before=before,
        pain_after=after,
        stop_signal=stop_signal,
    )


def store(client: TestClient, *records: SessionRecord) -> None:
    """Put sessions straight into the database, as the terminal or an import would."""
    with local_person(client).transaction() as session:
        for one in records:
            repository.add_session(db=session, record=one, plan={}, at=one.started_at)


def london(day: date, at: time = time(9, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo("Europe/London"))


def main_part(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def svgs(page: str) -> dict[str, ET.Element]:
    found = {}
    for match in re.finditer(r"<svg.*?</svg>", page, re.DOTALL):
        root = ET.fromstring(match.group(0))
        title = root.find(f"{SVG}title")
        assert title is not None and title.get("id"), "every chart has a labelling title"
        found[title.get("id", "")] = root
    return found


def tooltips(root: ET.Element) -> list[str]:
    return [
        e.findtext(f"{SVG}title") or "" for e in root.iter() if e.find(f"{SVG}title") is not None
    ]


def test_an_empty_history_invites_a_first_routine(client: TestClient) -> None:
    page = client.get("/history")
    assert page.status_code == 200
    assert "No sessions yet." in page.text
    assert 'href="/plan"' in main_part(page.text)
    assert "<svg" not in page.text
    assert '<link rel="stylesheet" href="/static/history.css">' in page.text
    css = client.get("/static/history.css")
    assert css.status_code == 200 and ".chart" in css.text


def test_a_session_put_by_the_player_shows_on_the_page_and_in_the_charts(
    screened: TestClient,
) -> None:
    plan = screened.post("/api/plan", json={"preset": "desk-break"}).json()
    items = [
        {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
        for item in plan["items"]
    ]
    first = plan["items"][0]
    body: dict[str, Any] = {
        "routine_name": "Desk break <after lunch>",
        "items": items,
        "started_at": "2026-11-02T08:31:00+00:00",
        "pain_before": 6,
    }
    url = f"/api/sessions/{uuid.uuid4()}"
    assert screened.put(url, json=body).status_code == 200
    done = [{"position": 0, "done_seconds": 120, "done_reps": first["reps"]}]
    finished = {**body, "status": "completed", "pain_after": 4, "done": done}
    stored = screened.put(url, json=finished)
    assert stored.status_code == 200
    minutes = round(stored.json()["done_seconds"] / 60, 1)  # capped at the planned seconds

    page = screened.get("/history").text
    main = main_part(page)
    assert "Desk break &lt;after lunch&gt;" in main  # the name is escaped
    assert "Mon 2 Nov 2026, 08:31" in main
    assert "completed" in main
    assert "6 → 4" in main
    assert "2 points lower" in main
    charts = svgs(page)
    pain, calendar = charts["pain-title"], charts["calendar-title"]
    assert [e.get("class") for e in pain.iter() if e.get("class") in {"before", "after"}] == [
        "before",
        "after",
    ]
    assert "Mon 2 Nov 08:31: 6 before, 4 after" in tooltips(pain)
    assert f"Mon 2 Nov: 1 session, {minutes:g} min (today)" in tooltips(calendar)
    assert pain.findtext(f"{SVG}desc") == (
        "1 session rated, on Mon 2 Nov 2026. Pain before averaged 6, after 4."
    )


def test_headline_figures_and_the_list_newest_first(client: TestClient, clock: FakeNow) -> None:
    clock.value = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    store(
        client,
        record(london(date(2026, 10, 30)), name="Oldest", seconds=600),
        record(london(date(2026, 11, 2)), name="Monday", before=7, after=6),
        record(
            london(date(2026, 11, 3)),
            name="Tuesday",
            status=SessionStatus.STOPPED,
            stop_signal=StopSignal.SPREADING,
            before=4,
            after=None,
        ),
        record(london(date(2026, 11, 4), time(7, 15)), name="Newest", before=3, after=3),
    )
    main = main_part(client.get("/history").text)
    headline = main[main.index('class="headline"') : main.index("</dl>")]
    assert "3 sessions" in headline  # this week, Monday to Wednesday
    assert "3 days" in headline and "longest 3 days" in headline  # 30 Oct stands alone
    assert "25 min" in headline and "4 sessions" in headline  # in all
    assert "3 → 3" in headline and "no change" in headline
    listed = main[main.index('class="sessions"') :]
    order = [listed.index(name) for name in ("Newest", "Tuesday", "Monday", "Oldest")]
    assert order == sorted(order)
    assert "stopped: pain spreading down a limb" in main
    assert "5 min of 10 min" in main and "10 min of 10 min" in main
    assert "pain 4 → –" in main


def test_the_tables_list_the_charts_numbers(client: TestClient) -> None:
    store(
        client,
        record(london(date(2026, 10, 26), time(8, 5)), before=8, after=5),
        record(london(date(2026, 10, 28)), before=6, after=2),
    )
    main = main_part(client.get("/history").text)
    tables = re.findall(r"<table>.*?</table>", main, re.DOTALL)
    pain_table, week_table = tables
    cells = re.findall(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", pain_table, re.DOTALL)
    assert cells[cells.index("Wed 28 Oct 2026, 09:00") :][:3] == [
        "Wed 28 Oct 2026, 09:00",
        "6",
        "2",
    ]
    assert cells[cells.index("Mon 26 Oct 2026, 08:05") :][:3] == [
        "Mon 26 Oct 2026, 08:05",
        "8",
        "5",
    ]
    rows = re.findall(r"<tr>(.*?)</tr>", week_table, re.DOTALL)
    assert len(rows) == 1 + 53  # the header and a year of weeks
    newest, last_week = (re.findall(r">([^<]+)</t[hd]>", row) for row in rows[1:3])
    assert newest == ["Mon 2 Nov 2026", "0", "0", "0 min"]
    assert last_week == ["Mon 26 Oct 2026", "2", "2", "10 min"]


def test_days_and_times_are_the_sessions_own(client: TestClient) -> None:
    # 03:00 UTC on Monday is still Sunday evening in New York.
    late = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    store(client, record(late, zone="America/New_York", key="0a0b0c0d-0000-4000-8000-000000000001"))
    page = client.get("/history").text
    assert "Sun 1 Nov 2026, 22:00" in main_part(page)
    calendar = svgs(page)["calendar-title"]
    assert "Sun 1 Nov: 1 session, 5 min" in tooltips(calendar)
    assert "Mon 2 Nov: no stretching (today)" in tooltips(calendar)


def test_today_is_the_persons_day(client: TestClient, clock: FakeNow) -> None:
    # 12:00 UTC on 2 Nov is already 3 Nov in Auckland.
    save_settings(local_person(client), {"timezone": "Pacific/Auckland"})
    clock.value = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    store(client, record(london(TODAY)))
    calendar = svgs(client.get("/history").text)["calendar-title"]
    assert "Tue 3 Nov: no stretching (today)" in tooltips(calendar)
    assert "Mon 2 Nov: 1 session, 5 min" in tooltips(calendar)


def test_the_page_works_without_javascript(client: TestClient) -> None:
    store(client, record(london(TODAY)))
    page = client.get("/history").text
    main = main_part(page)
    assert "<script" not in main
    assert not re.search(r"\son[a-z]+=", main)  # no event handlers
    assert "style=" not in main  # the Content-Security-Policy forbids inline style
    assert "hx-" not in main
    assert "<details>" in main  # the tables open without script
    for root in svgs(page).values():
        assert root.get("role") == "img"


def test_a_long_history_lists_the_latest_and_links_to_all(client: TestClient) -> None:
    start = london(TODAY - timedelta(days=59))
    store(client, *(record(start + timedelta(days=n)) for n in range(60)))
    some = main_part(client.get("/history").text)
    everything = main_part(client.get("/history", params={"all": "1"}).text)
    assert some.count('href="/history/') == 50
    assert 'href="/history?all=1' in some
    assert everything.count('href="/history/') == 60
    assert "Show them all" not in everything


def test_one_session_in_detail(client: TestClient) -> None:
    key = str(uuid.uuid4())
    store(
        client,
        record(
            london(TODAY, time(7, 5)),
            key=key,
            status=SessionStatus.STOPPED,
            stop_signal=StopSignal.SHARP_PAIN,
        ),
    )
    main = main_part(client.get("/history").text)
    assert f'href="/history/{key}"' in main
    page = client.get(f"/history/{key}")
    assert page.status_code == 200
    detail = main_part(page.text)
    assert "Mon 2 Nov 2026, 07:05" in detail
    assert "stopped: sharp pain" in detail
    assert '<a href="/stretches/cat-cow">Cat-cow</a>' in detail
    assert "5:00 · 10 holds or reps" in detail
    assert "done in full" in detail and "skipped" in detail
    assert "5 before, 3 after" in detail
    assert "<script" not in detail


def test_an_unknown_session_is_a_404(client: TestClient) -> None:
    assert client.get(f"/history/{uuid.uuid4()}").status_code == 404
    assert client.get("/history/not-a-session").status_code == 404
