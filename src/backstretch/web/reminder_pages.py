"""Reminders in the browser: the schedule page, the calendar file, the desk break, and the Web
Push API the page's script uses to turn notifications on for a device.

Pages work without JavaScript (the form, turning everything off, the calendar, the desk break's
snooze and skip); only notifications need it, because a browser subscribes in script. The
browser asks for permission only when the person presses the button, never when a page opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from backstretch.core.schedule import (
    DAY_NAMES,
    DEFAULT_BREAK_MINUTES,
    SNOOZE_CHOICES,
    Reminder,
    ReminderKind,
    Schedule,
    reminder_from_key,
)
from backstretch.core.validation import InvalidData
from backstretch.services import push, reminders
from backstretch.services.context import PersonContext
from backstretch.services.errors import Blocked, Invalid, NotFound
from backstretch.web.app import error_answers
from backstretch.web.auth import login_token
from backstretch.web.deps import PersonDep, RuntimeDep
from backstretch.web.pages import TEMPLATES

router = APIRouter()

DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BREAK_INTERVALS = (30, 40, 45, 50, 60, 90)
MAX_NEW_ROWS = 1  # empty rows for another session time
MAX_ROWS = 21  # core.schedule.MAX_SLOTS
KeyQuery = Annotated[str, Query(max_length=64)]
PERSONAL = error_answers({401: "Not logged in (on a server with accounts)"})
CHANGE = error_answers(
    {403: "Refused: sent from another site, or without the CSRF token (x-csrftoken)"}
)


def _problems(request: Request, problems: list[str], back: str, status: int = 422) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=status
    )


# The schedule page -------------------------------------------------------------------------------


def _when(reminder: Reminder) -> str:
    return f"{reminder.local:%a %-d %b, %H:%M}"


def _upcoming(reminder: Reminder, names: dict[str, str]) -> dict[str, str]:
    if reminder.kind is ReminderKind.DESK_BREAK:
        what = "Desk break"
    else:
        what = names.get(reminder.preset or "", "Today's routine")
    return {"when": _when(reminder), "what": what, "kind": reminder.kind.value}


def _rows(schedule: Schedule) -> list[dict[str, Any]]:
    """Return the form's session rows: one per time kept, and an empty one to add a time."""
    rows: list[dict[str, Any]] = [
        {"days": set(slot.days), "at": f"{slot.at:%H:%M}", "preset": slot.preset or ""}
        for slot in schedule.sessions
    ]
    if len(rows) < MAX_ROWS:
        rows += [{"days": set(), "at": "", "preset": "", "new": True}] * MAX_NEW_ROWS
    return rows


@router.get("/reminders", response_class=HTMLResponse, include_in_schema=False)
def reminders_page(request: Request, person: PersonDep, done: str = "") -> Response:
    """The schedule: session times, weekly target, quiet hours and desk breaks; turning every
    reminder off; the calendar file; notifications on this device."""
    from backstretch.render.calendar import CALENDAR_NOTE
    from backstretch.services.planning import presets

    overview = reminders.reminder_overview(person)
    schedule = overview.schedule
    names = {key: preset.name for key, preset in presets(person).items()}
    breaks = schedule.breaks
    return TEMPLATES.TemplateResponse(
        request,
        "reminders.html",
        {
            "schedule": schedule,
            "progress": overview.progress,
            "streak": overview.streak,
            "upcoming": [_upcoming(r, names) for r in overview.upcoming],
            "warnings": overview.warnings,
            "rows": _rows(schedule),
            "days": [(n, DAY_NAMES[n], DAY_LABELS[n]) for n in range(7)],
            "presets": names,
            "breaks": {
                "on": schedule.breaks_on,
                "days": set(breaks.days) if breaks else set(range(5)),
                "start": f"{breaks.start:%H:%M}" if breaks else "09:00",
                "end": f"{breaks.end:%H:%M}" if breaks else "17:00",
                "every": breaks.every_minutes if breaks else DEFAULT_BREAK_MINUTES,
            },
            "intervals": BREAK_INTERVALS,
            "quiet": schedule.quiet,
            "has_anything": bool(schedule.sessions or schedule.breaks_on),
            "devices": len(push.devices(person)),
            "calendar_note": CALENDAR_NOTE,
            "done": done,
            "timezone": person.timezone,
        },
    )


def _days(form: FormData, name: str) -> list[str]:
    chosen = {str(value) for value in form.getlist(name)}
    return [DAY_NAMES[i] for i in range(7) if DAY_NAMES[i] in chosen]


def _text(form: FormData, name: str, limit: int = 20) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def schedule_document(form: FormData, enabled: bool) -> dict[str, Any]:
    """Return the schedule document the form describes (checked by the use case)."""
    sessions = []
    for index in range(MAX_ROWS + MAX_NEW_ROWS):
        prefix = f"slot{index}_"
        days, at = _days(form, prefix + "days"), _text(form, prefix + "at")
        if form.get(prefix + "remove") or (not days and not at):
            continue
        if not at:
            raise Invalid(f"session time {index + 1}: say the time as well as the days", field="at")
        if not days:
            raise Invalid(f"session time {index + 1} ({at}): choose at least one day", field="days")
        preset = _text(form, prefix + "preset", 60) or None
        sessions.append({"days": days, "at": at, "preset": preset})
    target = _text(form, "weekly_target")
    quiet = None
    if form.get("quiet_on"):
        quiet = {"start": _text(form, "quiet_start"), "end": _text(form, "quiet_end")}
    every = _text(form, "break_every")
    breaks = {
        "days": _days(form, "break_days") or ["mon"],
        "start": _text(form, "break_start") or "09:00",
        "end": _text(form, "break_end") or "17:00",
        "every_minutes": int(every) if every.isdigit() else DEFAULT_BREAK_MINUTES,
        "enabled": bool(form.get("breaks_on")),
    }
    if breaks["enabled"] and not _days(form, "break_days"):
        raise Invalid("desk breaks: choose at least one work day", field="break_days")
    return {
        "enabled": enabled,
        "sessions": sessions,
        "weekly_target": int(target) if target.isdigit() else None,
        "quiet": quiet,
        "breaks": breaks,
    }


def _save(person: PersonContext, form: FormData) -> None:
    enabled = reminders.get_schedule(person).enabled
    reminders.save_schedule(person, schedule_document(form, enabled))


@router.post("/reminders", response_class=HTMLResponse, include_in_schema=False)
async def save_reminders(request: Request, person: PersonDep) -> Response:
    """Store the schedule the form describes; a wrong choice is named and nothing changes."""
    form = await request.form(max_files=0, max_fields=400)
    try:
        await run_in_threadpool(_save, person, form)
    except Invalid as error:
        return _problems(request, [error.message], "/reminders")
    return RedirectResponse("/reminders?done=saved", status_code=303)


@router.post("/reminders/off", response_class=HTMLResponse, include_in_schema=False)
def reminders_off(person: PersonDep) -> Response:
    """Turn every reminder off in one step (the choices are kept for turning them on again)."""
    reminders.turn_off(person)
    return RedirectResponse("/reminders?done=off", status_code=303)


@router.post("/reminders/on", response_class=HTMLResponse, include_in_schema=False)
def reminders_on(person: PersonDep) -> Response:
    """Turn the kept choices back on."""
    reminders.change_schedule(person, reminders.ScheduleChange(on=True))
    return RedirectResponse("/reminders?done=on", status_code=303)


@router.get("/reminders/calendar.ics", include_in_schema=False)
def calendar_file(request: Request, person: PersonDep) -> Response:
    """The schedule as a calendar file with alarms, to import once (a feed loses its alarms)."""
    base_url = str(request.base_url).rstrip("/")
    try:
        download = reminders.calendar_download(person, base_url=base_url)
    except Invalid:  # reminders off, or nothing set: the page says what to do first
        return RedirectResponse("/reminders?done=no-calendar#calendar", status_code=303)
    return Response(
        download.data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Cache-Control": "no-store",
        },
    )


# The desk break ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakView:
    """What the desk break page shows about the break it was opened for."""

    key: str
    at: str  # the break's local time, "10:40"
    state: str  # due, sent, snoozed, skipped, dropped, or "" when never recorded


def _break_view(person: PersonContext, key: str) -> BreakView | None:
    if not key.startswith(ReminderKind.DESK_BREAK.value + ":"):
        return None
    try:
        reminder = reminder_from_key(reminders.get_schedule(person), key)
    except InvalidData:
        return None
    state = reminders.delivery_state(person, key)
    return BreakView(key=key, at=f"{reminder.local:%H:%M}", state=state.value if state else "")


START_BREAK = "/play?desk_break=true"  # the player with the desk break's own micro-routine


def _skipped_today(person: PersonContext) -> list[dict[str, str]]:
    return [
        {"key": r.key, "at": f"{r.local:%H:%M}"} for r in reminders.skipped_breaks_today(person)
    ]


@router.get("/break", response_class=HTMLResponse, include_in_schema=False)
def desk_break(request: Request, person: PersonDep, key: KeyQuery = "", done: str = "") -> Response:
    """The desk break, ready to start: a posture check, a 1-3 minute routine in the chair or
    standing, and snooze (5, 10, 30 minutes), skip, or take a skipped break now."""
    view = _break_view(person, key) if key else None
    values: dict[str, Any] = {
        "view": view,
        "done": done,
        "snooze_choices": SNOOZE_CHOICES,
        "posture": reminders.POSTURE_CHECK,
        "skipped": _skipped_today(person),
        "advice": None,
        "items": [],
    }
    try:
        plan = reminders.desk_break_plan(person).today
    except Blocked as error:
        values["advice"] = error.advice or {"title": error.message, "text": ""}
        return TEMPLATES.TemplateResponse(request, "break.html", values, status_code=409)
    values["items"] = [
        {"name": p.item.stretch.name, "minutes": round(p.seconds / 60, 1)} for p in plan.plan.items
    ]
    values["total_minutes"] = max(1, round(plan.plan.total_seconds / 60))
    values["start_url"] = START_BREAK
    _, following, working = reminders.next_desk_break(person)
    values["next"] = f"{following.local:%a %H:%M}" if following else None
    values["working"] = working
    return TEMPLATES.TemplateResponse(request, "break.html", values)


def _back_to_break(key: str, done: str, **more: str) -> Response:
    query = urlencode({"key": key, "done": done, **more})
    return RedirectResponse(f"/break?{query}", status_code=303)


@router.post("/break/snooze", response_class=HTMLResponse, include_in_schema=False)
def snooze_break(
    request: Request,
    person: PersonDep,
    key: Annotated[str, Form(max_length=64)],
    minutes: Annotated[str, Form(max_length=3)],
) -> Response:
    """Put the break off for 5, 10 or 30 minutes: it is pushed again then."""
    if not minutes.isdigit():
        return _problems(request, ["minutes: choose 5, 10 or 30"], "/break")
    try:
        later = reminders.snooze(person, key, int(minutes))
    except Invalid as error:
        return _problems(request, [error.message], "/break")
    return _back_to_break(key, "snoozed", until=f"{later.local:%H:%M}")


@router.post("/break/skip", response_class=HTMLResponse, include_in_schema=False)
def skip_break(
    request: Request, person: PersonDep, key: Annotated[str, Form(max_length=64)]
) -> Response:
    """Pass this break over; it can still be taken later today."""
    try:
        reminders.skip(person, key)
    except Invalid as error:
        return _problems(request, [error.message], "/break")
    return _back_to_break(key, "skipped")


@router.post("/break/later", response_class=HTMLResponse, include_in_schema=False)
def take_break_later(
    request: Request, person: PersonDep, key: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """Take a skipped break now (this one, or the latest skipped today): open it ready to start."""
    try:
        reminders.take_later(person, key or None)
    except (Invalid, NotFound) as error:
        return _problems(request, [error.message], "/break")
    return RedirectResponse(START_BREAK, status_code=303)


# Web Push ----------------------------------------------------------------------------------------


@router.get(
    "/api/push/key",
    tags=["api"],
    summary="The server's Web Push key (VAPID), to subscribe with",
)
def push_key(runtime: RuntimeDep) -> dict[str, str]:
    """Return the application server key a browser passes to `pushManager.subscribe`
    (base64url, an uncompressed P-256 point). It is made once and kept in the database."""
    return {"key": push.application_server_key(runtime.services)}


@router.post(
    "/api/push/subscriptions",
    tags=["api"],
    summary="Send reminders to this device",
    status_code=201,
    responses={**PERSONAL, **CHANGE, 200: {"description": "The device was known: keys updated"}},
)
def add_subscription(
    request: Request,
    person: PersonDep,
    subscription: Annotated[
        dict[str, Any], Body(description="The browser's PushSubscription.toJSON()")
    ],
) -> Response:
    """Keep this device's push subscription (one per device: the same endpoint again updates
    it). With accounts it is tied to this browser's login: logging out stops it. An endpoint
    that is not a push service's https address is refused (422)."""
    agent = request.headers.get("user-agent", "")
    kept, new = push.subscribe(person, subscription, user_agent=agent, login=login_token(request))
    body = {"endpoint": kept.endpoint, "devices": len(push.devices(person))}
    return JSONResponse(body, status_code=201 if new else 200)


@router.delete(
    "/api/push/subscriptions",
    tags=["api"],
    summary="Stop sending reminders to this device",
    status_code=204,
    responses={**PERSONAL, **CHANGE, **error_answers({404: "No such subscription of yours"})},
)
def remove_subscription(
    person: PersonDep,
    endpoint: Annotated[str, Body(embed=True, max_length=1000)],
) -> Response:
    """Forget this device's subscription."""
    if not push.unsubscribe(person, endpoint):
        raise NotFound("no subscription with that endpoint", field="endpoint")
    return Response(status_code=204)
