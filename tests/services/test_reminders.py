"""Reminders as use cases, on SQLite and PostgreSQL: set the schedule, see the week, queue due
reminders once, snooze, skip and take later, stay silent while safety says no."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from backstretch.config import get_settings
from backstretch.core.safety import BlockKind
from backstretch.core.schedule import DeliveryState, ReminderKind, Slot
from backstretch.db import reminders as rows
from backstretch.db import repository
from backstretch.services import reminders
from backstretch.services.context import PersonContext, Services, open_services
from backstretch.services.errors import Blocked, Invalid, NotFound
from backstretch.services.planning import PlanChoice
from backstretch.services.preferences import save_settings
from backstretch.services.reminders import ScheduleChange
from backstretch.services.screening import record_screening
from backstretch.services.your_data import forget_me
from tests.factories import all_no_answers
from tests.fakes import FakeNow

# Monday 8 June 2026, 08:00 in London (BST, UTC+1).
MONDAY_0800 = datetime(2026, 6, 8, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def monday_morning(clock: FakeNow) -> None:
    clock.value = MONDAY_0800


def mon_wed_fri(me: PersonContext) -> None:
    reminders.change_schedule(me, ScheduleChange(days="mon,wed,fri", at="08:30", preset="morning"))


def at_local(clock: FakeNow, hour: int, minute: int, days: int = 0) -> None:
    clock.value = MONDAY_0800 + timedelta(days=days, hours=hour - 8, minutes=minute)


# ---- the schedule ---------------------------------------------------------------------------


def test_there_is_no_schedule_at_first(me: PersonContext) -> None:
    schedule = reminders.get_schedule(me)
    assert schedule.sessions == ()
    assert schedule.timezone == "Europe/London"
    assert reminders.queue_due(me) == []


def test_times_are_added_one_call_at_a_time(me: PersonContext) -> None:
    mon_wed_fri(me)
    schedule = reminders.change_schedule(
        me, ScheduleChange(days="daily", at="22:00", preset="bedtime")
    )
    assert [(sorted(s.days), s.at, s.preset) for s in schedule.sessions] == [
        ([0, 2, 4], time(8, 30), "morning"),
        ([0, 1, 2, 3, 4, 5, 6], time(22, 0), "bedtime"),
    ]
    # The same time again changes those days' preset; the other days keep theirs.
    schedule = reminders.change_schedule(
        me, ScheduleChange(days="fri", at="08:30", preset="basic-daily")
    )
    assert [(sorted(s.days), s.at, s.preset) for s in schedule.sessions] == [
        ([0, 2], time(8, 30), "morning"),
        ([4], time(8, 30), "basic-daily"),
        ([0, 1, 2, 3, 4, 5, 6], time(22, 0), "bedtime"),
    ]
    assert reminders.get_schedule(me) == schedule
    cleared = reminders.change_schedule(me, ScheduleChange(clear=True))
    assert cleared.sessions == ()


def test_every_choice_of_the_terminal(me: PersonContext) -> None:
    schedule = reminders.change_schedule(
        me,
        ScheduleChange(
            weekly_target=3,
            quiet="22:30-07:00",
            breaks="09:00-17:00",
            every_minutes=45,
            break_days="mon-thu",
        ),
    )
    assert schedule.weekly_target == 3
    assert schedule.quiet is not None and schedule.quiet.start == time(22, 30)
    assert schedule.breaks is not None
    assert (sorted(schedule.breaks.days), schedule.breaks.every_minutes) == ([0, 1, 2, 3], 45)
    # Only the interval: the work hours stay.
    schedule = reminders.change_schedule(me, ScheduleChange(every_minutes=60))
    assert schedule.breaks is not None and schedule.breaks.start == time(9, 0)
    off = reminders.change_schedule(me, ScheduleChange(no_breaks=True, no_target=True))
    assert off.breaks is not None and not off.breaks.enabled and off.weekly_target is None
    back = reminders.change_schedule(me, ScheduleChange(breaks="08:00-16:00"))
    assert back.breaks is not None and back.breaks.enabled and back.breaks.every_minutes == 60


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (ScheduleChange(days="mon,funday", at="08:30"), "days"),
        (ScheduleChange(days="mon", at="25:00"), "at"),
        (ScheduleChange(days="mon"), "at"),
        (ScheduleChange(days="mon", at="08:30", preset="no-such-preset"), "sessions[0].preset"),
        (ScheduleChange(preset="morning"), "preset"),
        (ScheduleChange(weekly_target=9), "target"),
        (ScheduleChange(quiet="22:30"), "quiet"),
        (ScheduleChange(quiet="07:00-07:00"), "quiet"),
        (ScheduleChange(breaks="17:00-09:00"), "breaks"),
        (ScheduleChange(every_minutes=50), "breaks"),
        (ScheduleChange(breaks="09:00-17:00", every_minutes=3), "breaks.every_minutes"),
        (ScheduleChange(breaks="09:00-17:00", break_days="mon-fry"), "break-days"),
    ],
)
def test_a_bad_choice_names_itself_and_changes_nothing(
    me: PersonContext, change: ScheduleChange, field: str
) -> None:
    mon_wed_fri(me)
    before = reminders.get_schedule(me)
    with pytest.raises(Invalid) as raised:
        reminders.change_schedule(me, change)
    assert raised.value.field == field
    assert raised.value.message.startswith(f"{field}: ")
    assert reminders.get_schedule(me) == before


def test_a_whole_document_is_checked_too(me: PersonContext) -> None:
    document = {
        "sessions": [{"days": ["mon", "wed", "fri"], "at": "08:30", "preset": "morning"}],
        "weekly_target": 3,
        "breaks": {"days": ["mon", "tue"], "start": "09:00", "end": "17:00"},
    }
    saved = reminders.save_schedule(me, document)
    assert saved.weekly_target == 3 and saved.breaks is not None
    assert saved.timezone == "Europe/London"  # the person's zone, whatever a document says
    with pytest.raises(Invalid) as raised:
        reminders.save_schedule(me, {"sessions": [{"days": ["mon"], "at": "8"}]})
    assert raised.value.field == "sessions[0].at"


def test_everything_turns_off_in_one_step_and_back_on(me: PersonContext, clock: FakeNow) -> None:
    mon_wed_fri(me)
    reminders.change_schedule(me, ScheduleChange(breaks="09:00-17:00"))
    off = reminders.turn_off(me)
    assert not off.enabled and off.sessions and off.breaks is not None
    at_local(clock, 8, 30)
    assert reminders.queue_due(me) == []
    assert reminders.reminder_overview(me).upcoming == ()
    on = reminders.change_schedule(me, ScheduleChange(on=True))
    assert on.enabled and on.sessions == off.sessions
    assert [d.key for d in reminders.queue_due(me)] == ["session:2026-06-08T08:30"]


def test_the_schedule_follows_the_persons_time_zone(me: PersonContext) -> None:
    mon_wed_fri(me)
    save_settings(me, {"timezone": "America/New_York"})
    moved = me.services.local_person()
    overview = reminders.reminder_overview(moved)
    assert moved.timezone == "America/New_York"
    assert overview.schedule.timezone == "America/New_York"
    first = overview.upcoming[0]
    assert first.local.strftime("%a %H:%M") == "Mon 08:30"
    assert first.due == datetime(2026, 6, 8, 12, 30, tzinfo=UTC)


# ---- the week -------------------------------------------------------------------------------


def _log(me: PersonContext, clock: FakeNow, day_offset: int) -> None:
    from backstretch.services.sessions import log_session

    saved = clock.value
    clock.value = MONDAY_0800 + timedelta(days=day_offset, hours=3)
    log_session(
        me, PlanChoice(preset="desk-break"), uuid=f"u-{day_offset}", pain_before=3, pain_after=2
    )
    clock.value = saved


def test_the_weekly_target_sits_beside_the_streak(me: PersonContext, clock: FakeNow) -> None:
    record_screening(me, all_no_answers())
    reminders.change_schedule(me, ScheduleChange(weekly_target=3))
    for day in (-3, -2, -1, 0, 2):  # Fri to Sun of last week; Mon, Wed of this week
        _log(me, clock, day)
    clock.value = MONDAY_0800 + timedelta(days=3)  # Thursday: Tuesday and Thursday so far missed
    overview = reminders.reminder_overview(me)
    assert (overview.progress.done, overview.progress.target) == (2, 3)
    assert overview.progress.week_start.isoformat() == "2026-06-08"
    assert not overview.progress.met and overview.progress.within_reach
    # Missing Tuesday cut the streak from 4 days to Wednesday's 1; the week keeps its 2.
    assert (overview.streak.current, overview.streak.longest) == (1, 4)
    data = overview.to_json()
    assert data["progress"]["done"] == 2 and data["streak"]["longest"] == 4


# ---- deliveries -----------------------------------------------------------------------------


def test_a_due_reminder_is_queued_once(me: PersonContext, clock: FakeNow) -> None:
    mon_wed_fri(me)
    assert reminders.queue_due(me) == []  # 08:00: nothing due yet
    at_local(clock, 8, 30)
    [due] = reminders.queue_due(me)
    assert (due.kind, due.key, due.state) == (
        ReminderKind.SESSION,
        "session:2026-06-08T08:30",
        DeliveryState.DUE,
    )
    assert due.due_at == datetime(2026, 6, 8, 7, 30, tzinfo=UTC)
    clock.value += timedelta(minutes=1)
    assert [d.key for d in reminders.queue_due(me)] == [due.key]  # still one row
    assert reminders.mark_sent(me, due.key)
    assert not reminders.mark_sent(me, due.key)  # the second sender finds it sent
    assert reminders.queue_due(me) == []
    assert reminders.delivery_state(me, due.key) is DeliveryState.SENT


def test_two_app_servers_queue_one_delivery(me: PersonContext, clock: FakeNow) -> None:
    mon_wed_fri(me)
    at_local(clock, 8, 30)
    other: Services = open_services(get_settings(), clock=clock, accounts=False)
    try:
        them = other.local_person()
        first = reminders.queue_due(me)
        second = reminders.queue_due(them)
        assert [d.id for d in first] == [d.id for d in second]
        assert len(first) == 1
    finally:
        other.close()


def test_a_stale_reminder_is_not_queued_after_an_outage(me: PersonContext, clock: FakeNow) -> None:
    mon_wed_fri(me)
    at_local(clock, 9, 0)  # 30 minutes after 08:30: past the 15-minute lookback
    assert reminders.queue_due(me) == []
    assert [d.key for d in reminders.queue_due(me, lookback=timedelta(hours=1))] == [
        "session:2026-06-08T08:30"
    ]


def test_a_message_opens_the_routine(me: PersonContext) -> None:
    mon_wed_fri(me)
    message = reminders.reminder_message(me, ReminderKind.SESSION, "session:2026-06-08T08:30")
    assert message.title == "Time to stretch: Morning wake-up"
    assert message.url == "/plan?preset=morning"
    assert "08:30" in message.body
    desk = reminders.reminder_message(me, ReminderKind.DESK_BREAK, "desk_break:2026-06-08T09:50")
    assert desk.url == "/plan?preset=desk-break"
    assert desk.to_json()["kind"] == "desk_break"
    with pytest.raises(Invalid):
        reminders.reminder_message(me, ReminderKind.SESSION, "session:soon")


def test_while_safety_blocks_only_the_advice_goes_once(me: PersonContext, clock: FakeNow) -> None:
    record_screening(me, all_no_answers())
    mon_wed_fri(me)
    reminders.change_schedule(me, ScheduleChange(breaks="09:00-17:00"))
    with me.transaction() as db:
        repository.open_block(
            db=db, kind=BlockKind.PAIN_PAUSE, reason="pain_rising", at=clock.value, timezone="UTC"
        )
    sent: list[str] = []
    for minutes in range(30, 9 * 60, 1):  # 08:30 to 16:59, a tick a minute
        at_local(clock, 8, minutes)
        for delivery in reminders.queue_due(me):
            message = reminders.reminder_message(me, delivery.kind, delivery.key)
            sent.append(f"{delivery.kind.value}: {message.title}")
            assert reminders.mark_sent(me, delivery.key)
    assert sent == ["safety_advice: The programme is paused for your safety"]
    with me.transaction() as db:
        states = {d.key: d.state for d in rows.list_deliveries(db=db)}
    assert states["session:2026-06-08T08:30"] is DeliveryState.DROPPED
    assert states["desk_break:2026-06-08T09:50"] is DeliveryState.DROPPED
    assert list(states.values()).count(DeliveryState.SENT) == 1


# ---- snooze, skip, take later ---------------------------------------------------------------


def test_snooze_brings_the_break_back(me: PersonContext, clock: FakeNow) -> None:
    reminders.change_schedule(me, ScheduleChange(breaks="09:00-17:00"))
    at_local(clock, 9, 50)
    [due] = reminders.queue_due(me)
    later = reminders.snooze(me, due.key, 10)
    assert later.key == due.key and later.local.strftime("%H:%M") == "10:00"
    assert reminders.queue_due(me) == []
    at_local(clock, 10, 0)
    [again] = reminders.queue_due(me)
    assert again.key == due.key and again.state is DeliveryState.SNOOZED
    with pytest.raises(Invalid):
        reminders.snooze(me, due.key, 0)


def test_a_skipped_break_can_be_taken_later(me: PersonContext, clock: FakeNow) -> None:
    """Skipped at 09:50, taken at 10:15; one skipped yesterday is not offered today."""
    reminders.change_schedule(me, ScheduleChange(breaks="09:00-17:00"))
    with pytest.raises(NotFound):
        reminders.take_later(me)
    at_local(clock, 9, 50)
    [due] = reminders.queue_due(me)
    skipped = reminders.skip(me, due.key)
    assert reminders.delivery_state(me, skipped.key) is DeliveryState.SKIPPED
    assert reminders.skipped_breaks_today(me) == [skipped]
    assert reminders.queue_due(me) == []
    at_local(clock, 10, 15)
    taken = reminders.take_later(me)
    assert taken.key == due.key
    assert reminders.delivery_state(me, due.key) is DeliveryState.SENT
    assert reminders.skipped_breaks_today(me) == []
    with pytest.raises(NotFound):
        reminders.take_later(me)
    # Tomorrow, today's skipped breaks are gone.
    at_local(clock, 10, 40)
    reminders.skip(me, "desk_break:2026-06-08T10:40")
    at_local(clock, 9, 0, days=1)
    assert reminders.skipped_breaks_today(me) == []


def test_changing_the_schedule_drops_what_was_queued(me: PersonContext, clock: FakeNow) -> None:
    mon_wed_fri(me)
    at_local(clock, 8, 30)
    [due] = reminders.queue_due(me)
    reminders.change_schedule(me, ScheduleChange(clear=True))
    assert reminders.queue_due(me) == []
    assert reminders.delivery_state(me, due.key) is DeliveryState.DROPPED


def test_a_change_elsewhere_keeps_a_snoozed_break(me: PersonContext, clock: FakeNow) -> None:
    reminders.change_schedule(me, ScheduleChange(breaks="09:00-17:00"))
    at_local(clock, 9, 50)
    [due] = reminders.queue_due(me)
    reminders.snooze(me, due.key, 30)
    at_local(clock, 10, 15)
    reminders.change_schedule(me, ScheduleChange(weekly_target=4, quiet="22:00-07:00"))
    assert reminders.delivery_state(me, due.key) is DeliveryState.SNOOZED
    at_local(clock, 10, 20)
    assert [d.key for d in reminders.queue_due(me)] == [due.key]
    reminders.change_schedule(me, ScheduleChange(breaks="13:00-17:00"))  # no 09:50 any more
    assert reminders.delivery_state(me, due.key) is DeliveryState.DROPPED


# ---- the desk break's routine ---------------------------------------------------------------


def test_a_desk_break_is_short_for_my_areas_in_the_chair(me: PersonContext) -> None:
    from backstretch.services.planning import remember_profile

    record_screening(me, all_no_answers())
    remember_profile(me, {"areas": ["neck_shoulders"], "minutes": 20, "setting": "floor"})
    desk = reminders.desk_break_plan(me)
    plan = desk.today.plan
    assert plan.items
    assert 60 <= plan.total_seconds <= 3 * 60 + me.preferences.lead_in_seconds
    assert desk.today.outcome.profile.setting.value == "chair"
    assert [a.value for a in desk.today.outcome.profile.areas] == ["neck_shoulders"]
    assert desk.posture_check[0].startswith("Posture check (source 000)")
    remember_profile(me, {"setting": "standing"})
    assert reminders.desk_break_plan(me).today.outcome.profile.setting.value == "standing"


def test_no_desk_break_routine_while_safety_blocks(me: PersonContext, clock: FakeNow) -> None:
    record_screening(me, all_no_answers())
    with me.transaction() as db:
        repository.open_block(
            db=db, kind=BlockKind.PAIN_PAUSE, reason="pain_rising", at=clock.value, timezone="UTC"
        )
    with pytest.raises(Blocked):
        reminders.desk_break_plan(me)


def test_the_scheduler_finds_everyone_with_a_schedule(me: PersonContext) -> None:
    assert reminders.people_with_reminders(me.services) == []
    mon_wed_fri(me)
    assert reminders.people_with_reminders(me.services) == [me.owner_id]


def test_forgetting_everything_forgets_the_reminders(me: PersonContext) -> None:
    mon_wed_fri(me)
    coming = reminders.reminder_overview(me).upcoming[0]
    assert coming.key == "session:2026-06-08T08:30"
    with me.transaction() as db:
        assert rows.record_due(db=db, reminder=coming)
    forget_me(me)
    assert reminders.people_with_reminders(me.services) == []
    assert reminders.get_schedule(me).sessions == ()
    with me.transaction() as db:
        assert rows.get_delivery(db=db, key="session:2026-06-08T08:30") is None


def test_slots_use_the_core_types(me: PersonContext) -> None:
    mon_wed_fri(me)
    assert reminders.get_schedule(me).sessions == (
        Slot(frozenset({0, 2, 4}), time(8, 30), "morning"),
    )
