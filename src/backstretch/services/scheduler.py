"""The push scheduler: every few seconds, find the reminders that came due and push each once.

One `tick`:
1. **Record.** From the checkpoint (how far any server has looked, kept in the database) to now
   (included), `core.schedule.reminders_between` gives each subscribed person's reminders, in
   their time-zone setting; each is recorded as a delivery. (A `Scheduler` remembers when each
   person's next reminder is, so a tick does next to nothing for people with nothing due.)
   A delivery's key is unique per person, so two servers (or a server restarted in the middle
   of a tick) recording the same reminder leave one row. The checkpoint then moves to now: a
   restart resumes from it, neither repeating nor skipping a reminder.
2. **Claim.** Due deliveries are claimed in one short transaction (`db.push.claim_due`: a
   conditional UPDATE, with `FOR UPDATE SKIP LOCKED` on PostgreSQL); only the server whose
   UPDATE changed the row sends it. It is marked sent before it is sent: if the server dies in
   between, that one reminder is lost rather than sent twice (a missed nudge beats a repeated
   one). A push that fails for every device is put back to be tried on the next tick.
3. **Send.** Safety first: while a block is open (`current_gate_in` says BLOCKED, the check
   every plan makes), no routine reminder goes out; the block's advice does, once per block.
   A reminder found more than `LATE_AFTER` after its time is dropped, not sent (the server was
   down): "time to stretch" at the wrong time of day is a nag.

People without a subscribed device are left alone: the terminal's `breaks` companion claims the
same deliveries, and a push scheduler must not take them for nobody.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from backstretch.core.safety import GateStatus
from backstretch.core.schedule import (
    DeliveryState,
    Reminder,
    ReminderKind,
    Schedule,
    next_reminder,
    reminder_from_key,
    reminders_between,
    schedule_from_document,
)
from backstretch.core.validation import InvalidData
from backstretch.db import push as push_db
from backstretch.db import reminders as reminders_db
from backstretch.db import repository
from backstretch.services.context import unit_of_work
from backstretch.services.errors import ServiceError
from backstretch.services.push import Notice, Outcome, Sender

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.db.push import Claimed, Subscribed
    from backstretch.services.context import PersonContext, Services

log = logging.getLogger(__name__)

CHECKPOINT = "push"
LATE_AFTER = timedelta(minutes=30)  # later than this after its time, a reminder is dropped
LOOK_BACK_AT_MOST = timedelta(days=1)  # after a long outage, record at most a day of misses
# A tick sends what is due at its own moment too: it looks up to just after now.
INSTANT = timedelta(microseconds=1)
RECHECK_AFTER = timedelta(days=7)  # a schedule with nothing coming is read again a week on
SESSION_TTL = int(LATE_AFTER.total_seconds())
BREAK_TTL = 10 * 60  # a desk break not seen within ten minutes has passed


@dataclass
class TickReport:
    """What one tick did (for logs, tests and the benchmark)."""

    recorded: int = 0  # new deliveries
    claimed: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)  # (owner, key) pushed
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (owner, key) not sent
    retried: int = 0  # put back: every device failed
    advice: list[int] = field(default_factory=list)  # owners told of a safety block


def _owned(services: Services, owner: int) -> AbstractContextManager[Session]:
    """Return a unit of work over one person's rows (without loading their whole context)."""
    return unit_of_work(services.store.for_owner(owner), services.where)


# Recording ---------------------------------------------------------------------------------------


@dataclass
class _Known:
    """A person's schedule as last read, and the first reminder due at or after `checked_from`
    (a tick whose window ends before it has nothing to record for them)."""

    document: dict[str, Any]
    zone: str
    schedule: Schedule | None
    checked_from: datetime
    next_due: datetime


def _schedule(owner: int, document: dict[str, Any], zone: str) -> Schedule | None:
    """Read a stored schedule in the person's time zone (their setting, as the pages use)."""
    try:
        return replace(schedule_from_document(document), timezone=zone)
    except InvalidData as error:
        log.warning("person %s: reminder schedule not readable (%s): skipped", owner, error)
        return None


# What to send ---------------------------------------------------------------------------------


def notice_url(kind: ReminderKind, key: str, preset: str | None) -> str:
    """Return the page a tap opens, ready to start: the player with the session's routine, the
    desk break (posture check, start, snooze, skip), or the player's safety advice."""
    if kind is ReminderKind.DESK_BREAK:
        return "/break?" + urlencode({"key": key})
    if kind is ReminderKind.SESSION and preset:
        return "/play?" + urlencode({"preset": preset})
    return "/play"  # today's routine; while safety blocks it, the page says why and what to do


TAGS = {ReminderKind.SESSION: "session", ReminderKind.DESK_BREAK: "desk-break"}
TTLS = {ReminderKind.SESSION: SESSION_TTL, ReminderKind.DESK_BREAK: BREAK_TTL}


def advice_key(db: Session) -> str:
    """Return the key of the advice for what blocks the routine now (the newest open block, or
    else the screening on file): one message per block, the same key `services.reminders` uses."""
    blocks = repository.open_blocks(db=db)
    if blocks:
        return f"{ReminderKind.SAFETY_ADVICE.value}:block-{max(b.id for b in blocks)}"
    latest = repository.latest_screening(db=db)
    return f"{ReminderKind.SAFETY_ADVICE.value}:screening-{latest.id if latest else 0}"


@dataclass(frozen=True)
class _Decision:
    kind: ReminderKind | None  # what to push (the advice instead of a routine), or None: drop
    key: str = ""
    preset: str | None = None


def _decide(person: PersonContext, claimed: Claimed, now: datetime) -> _Decision:
    """Decide what one claimed delivery becomes, from the person's schedule and safety now."""
    from backstretch.services.reminders import get_schedule
    from backstretch.services.screening import current_gate_in

    if now - claimed.due_at > LATE_AFTER:
        return _Decision(None)
    try:
        kind = ReminderKind(claimed.kind)
    except ValueError:
        return _Decision(None)
    schedule = get_schedule(person)  # in the person's time zone now
    if not schedule.enabled:
        return _Decision(None)
    with person.transaction() as db:
        blocked = current_gate_in(db, now=now).status is GateStatus.BLOCKED
        if kind is ReminderKind.SAFETY_ADVICE:  # queued by the terminal's companion
            return _Decision(kind, claimed.key) if blocked else _Decision(None)
        if blocked:
            key = advice_key(db)
            advice = ReminderKind.SAFETY_ADVICE.value
            fresh = push_db.record_notice(
                db=db, owner_id=claimed.owner_id, kind=advice, key=key, at=now
            )
            return _Decision(ReminderKind.SAFETY_ADVICE, key) if fresh else _Decision(None)
    if kind is ReminderKind.DESK_BREAK and not schedule.breaks_on:
        return _Decision(None)
    try:
        preset = reminder_from_key(schedule, claimed.key).preset
    except InvalidData:
        return _Decision(None)  # the schedule changed: that time is no longer in it
    return _Decision(kind, claimed.key, preset)


def _notice(person: PersonContext, decision: _Decision) -> Notice | None:
    """Return what the notification says (the same words the terminal shows) and opens."""
    from backstretch.services.reminders import reminder_message

    kind = decision.kind
    if kind is None:
        return None
    try:
        message = reminder_message(person, kind, decision.key)
    except ServiceError as error:
        log.warning("person %s: no message for %s: %s", person.owner_id, decision.key, error)
        return None
    if kind is ReminderKind.SAFETY_ADVICE:
        body = "Reminders are paused until this is looked at. Tap to read what to do."
        return Notice(message.title, body, notice_url(kind, decision.key, None), "safety", 86400)
    return Notice(
        title=message.title,
        body=message.body,
        url=notice_url(kind, decision.key, decision.preset),
        tag=TAGS[kind],
        ttl_seconds=TTLS[kind],
        key=decision.key,
    )


# The tick ----------------------------------------------------------------------------------------


class Scheduler:
    """One app server's scheduler: `tick()` records, claims and sends what came due.

    It remembers each person's schedule between ticks, and when their next reminder is, so a
    tick costs little for people with nothing due; the database stays the only authority (a
    changed schedule or time zone is seen on the next tick, and who sends is decided there).
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self._known: dict[int, _Known] = {}

    def tick(self, *, sender: Sender | None = None) -> TickReport:
        """Record what came due, claim it, and push it; return what was done."""
        services = self.services
        now = services.clock()
        report = TickReport(recorded=self.record_due(now))
        with services.transaction() as db:
            push_db.advance_checkpoint(db=db, name=CHECKPOINT, to=now + INSTANT)
            claimed = push_db.claim_due(db=db, now=now)
        report.claimed = len(claimed)
        if not claimed:
            return report
        own_sender = sender is None
        sender = sender or Sender(services)
        try:
            for delivery in claimed:
                try:
                    _deliver(services, sender, delivery, now, report)
                except Exception:  # one person's problem must not cost the others their reminder
                    log.exception("reminder %s of person %s", delivery.key, delivery.owner_id)
                    _put_back(services, delivery, report)
        finally:
            if own_sender:
                sender.close()
        return report

    def record_due(self, now: datetime) -> int:
        """Record every subscribed person's reminders from the checkpoint to `now`; return how
        many deliveries are new. (The checkpoint moves to `now` with the claim, afterwards: a
        tick that fails half-way is done again from the same point.)"""
        services = self.services
        with services.transaction() as db:
            since = push_db.load_checkpoint(db=db, name=CHECKPOINT)
            people = push_db.subscribed_schedules(db=db)
        start = max(since or now, now - LOOK_BACK_AT_MOST)
        recorded = 0
        for person in people:
            found = self._due(person, start, now + INSTANT)
            if not found:
                continue
            with _owned(services, person.owner_id) as db:
                for reminder in found:
                    late = now - reminder.due > LATE_AFTER
                    state = DeliveryState.DROPPED if late else DeliveryState.DUE
                    recorded += reminders_db.record_due(db=db, reminder=reminder, state=state)
        serving = {person.owner_id for person in people}  # forget people no longer served
        self._known = {owner: known for owner, known in self._known.items() if owner in serving}
        return recorded

    def _due(self, person: Subscribed, start: datetime, end: datetime) -> list[Reminder]:
        """Return the person's reminders due in [start, end), skipping the work when their next
        reminder (known from an earlier tick of the same schedule) is not due yet."""
        zone = person.timezone or self.services.timezone
        known = self._known.get(person.owner_id)
        if (
            known is not None
            and known.zone == zone
            and known.document == person.document
            and start >= known.checked_from
            and end <= known.next_due
        ):
            return []
        schedule = _schedule(person.owner_id, person.document, zone)
        found = reminders_between(schedule, start, end) if schedule else []
        coming = next_reminder(schedule, end) if schedule else None
        self._known[person.owner_id] = _Known(
            document=person.document,
            zone=zone,
            schedule=schedule,
            checked_from=end,
            next_due=coming.due if coming else end + RECHECK_AFTER,
        )
        return found


def tick(services: Services, *, sender: Sender | None = None) -> TickReport:
    """Tick once with a scheduler that remembers nothing (a fresh server's first tick)."""
    return Scheduler(services).tick(sender=sender)


def _put_back(services: Services, claimed: Claimed, report: TickReport) -> None:
    """Put a claimed delivery back to be tried on the next tick."""
    try:
        with services.transaction() as db:
            push_db.settle(db=db, claimed=claimed, state=DeliveryState.DUE)
        report.retried += 1
    except Exception:
        log.exception("reminder %s of person %s not put back", claimed.key, claimed.owner_id)


def _deliver(
    services: Services, sender: Sender, claimed: Claimed, now: datetime, report: TickReport
) -> None:
    person = services.person(claimed.owner_id)
    decision = _decide(person, claimed, now)
    notice = _notice(person, decision)
    with services.transaction() as db:
        devices = push_db.subscriptions_of(db=db, owner_id=claimed.owner_id)
    outcomes = [sender.send(device, notice) for device in devices] if notice else []
    went = Outcome.SENT in outcomes
    if went and decision.kind is ReminderKind.SAFETY_ADVICE:
        report.advice.append(claimed.owner_id)
    # A routine reminder replaced by the safety advice is itself not sent: it is dropped.
    instead = decision.kind is not None and decision.kind.value != claimed.kind
    if went and not instead:
        report.sent.append((claimed.owner_id, claimed.key))
        return
    retry = notice is not None and not instead and Outcome.FAILED in outcomes
    state = DeliveryState.DUE if retry else DeliveryState.DROPPED
    with services.transaction() as db:
        push_db.settle(db=db, claimed=claimed, state=state)
    if retry:
        report.retried += 1
    else:
        report.dropped.append((claimed.owner_id, claimed.key))


async def run(services: Services, every_seconds: float, stop: asyncio.Event) -> None:
    """Tick every `every_seconds` until `stop` is set (the web app's lifespan starts and stops
    it; a tick under way finishes first, so the database is never closed under it).

    The first tick waits one interval, so a server that starts and stops at once (a test, a
    health check) sends nothing. A failing tick (the database away for a moment) is logged and
    the next one tries again.
    """
    scheduler = Scheduler(services)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
            return
        except TimeoutError:
            pass
        try:
            report = await asyncio.to_thread(scheduler.tick)
        except ServiceError as error:
            log.warning("reminder tick failed: %s", error)
            continue
        except Exception:
            log.exception("reminder tick failed")
            continue
        if report.claimed:
            log.info(
                "reminders: %d sent, %d dropped, %d to retry",
                len(report.sent),
                len(report.dropped),
                report.retried,
            )


@dataclass
class Running:
    """The scheduler running in a web server's event loop."""

    task: asyncio.Task[None]
    stop: asyncio.Event

    async def close(self) -> None:
        """Stop ticking, letting a tick under way finish."""
        self.stop.set()
        await self.task


def start(services: Services) -> Running | None:
    """Start ticking in the running event loop, every `reminder_tick_seconds` (None when the
    setting is 0: another server sends the reminders)."""
    every = services.settings.reminder_tick_seconds
    if every <= 0:
        return None
    stop = asyncio.Event()
    task = asyncio.create_task(run(services, every, stop), name="backstretch-reminders")
    return Running(task, stop)
