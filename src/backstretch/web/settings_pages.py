"""Settings (lead-in, voice, emergency number, time zone) and "your data": export, import, delete.

Import never merges (the database must be empty) and a bad file is refused whole with the place
that is wrong; delete asks the person to type a word first, so one stray tap loses nothing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backstretch.db.portability import (
    DatabaseNotEmptyError,
    ExportFormatError,
    count_rows,
    describe_counts,
    erase_freed_space,
    export_csv_zip,
    export_document,
    forget_everything,
    import_document,
    parse_document,
)
from backstretch.services.preferences import (
    EMERGENCY_NUMBERS,
    MAX_LEAD_IN,
    MIN_LEAD_IN,
    PreferencesError,
    parse_preferences,
    save_preferences,
)
from backstretch.web.deps import DbDep, NowDep, OwnerDep, PreferencesDep, RuntimeDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

MAX_IMPORT_BYTES = 20 * 1024 * 1024
CONFIRM_WORD = "delete"


def _problems(request: Request, problems: list[str], back: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=422
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, preferences: PreferencesDep, saved: str = "") -> Response:
    """The settings form, filled with what is in force now."""
    return TEMPLATES.TemplateResponse(
        request,
        "settings.html",
        {
            "preferences": preferences,
            "regions": [(key, label, number) for key, (label, number) in EMERGENCY_NUMBERS.items()],
            "zones": sorted(available_timezones()),
            "min_lead_in": MIN_LEAD_IN,
            "max_lead_in": MAX_LEAD_IN,
            "saved": bool(saved),
        },
    )


@router.post("/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    session: DbDep,
    now: NowDep,
    preferences: PreferencesDep,
    lead_in_seconds: Annotated[str, Form(max_length=3)],
    emergency_region: Annotated[str, Form(max_length=20)],
    timezone: Annotated[str, Form(max_length=64)],
    voice: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Store the settings; a wrong value is named and nothing is changed."""
    data: dict[str, Any] = {
        "lead_in_seconds": int(lead_in_seconds) if lead_in_seconds.isdigit() else lead_in_seconds,
        "voice": voice == "on",
        "emergency_region": emergency_region,
        "timezone": timezone,
    }
    try:
        chosen = parse_preferences(data, preferences)
    except PreferencesError as error:
        return _problems(request, [str(error)], "/settings")
    save_preferences(session, chosen, at=now)
    return RedirectResponse("/settings?saved=1", status_code=303)


# Your data ---------------------------------------------------------------------------------------


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, session: DbDep, done: str = "") -> Response:
    """What is stored, and the ways to take it away, bring it back or delete it."""
    return TEMPLATES.TemplateResponse(
        request,
        "data.html",
        {
            "stored": describe_counts(count_rows(session)),
            "done": done,
            "confirm_word": CONFIRM_WORD,
        },
    )


def _filename(now: Any, extension: str) -> str:
    return f"backstretch-{now:%Y-%m-%d}.{extension}"


@router.get("/data/export.json")
def export_json(session: DbDep, now: NowDep) -> Response:
    """Everything, in the round-trip format `backstretch import` and this page read back."""
    return JSONResponse(
        export_document(session, exported_at=now),
        headers={"Content-Disposition": f'attachment; filename="{_filename(now, "json")}"'},
    )


@router.get("/data/export.zip")
def export_zip(session: DbDep, now: NowDep) -> Response:
    """Everything as CSV files (one per table) in a zip, for a spreadsheet."""
    return Response(
        export_csv_zip(session, exported_at=now),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{_filename(now, "zip")}"'},
    )


@router.post("/data/import", response_class=HTMLResponse)
async def import_page(request: Request, session: DbDep, file: UploadFile) -> Response:
    """Restore an export into an empty database; refuse a bad file whole."""
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    name = file.filename or "the file"
    if len(raw) > MAX_IMPORT_BYTES:
        return _problems(request, [f"{name}: larger than 20 MB, not an export"], "/data")

    def refuse_constant(constant: str) -> Any:
        raise ValueError(f"{constant} is not a JSON number")

    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        return _problems(request, [f"{name}: not a text file"], "/data")
    except json.JSONDecodeError as error:
        problem = f"{name}: not valid JSON (line {error.lineno}, column {error.colno})"
        return _problems(request, [problem], "/data")
    except ValueError as error:
        return _problems(request, [f"{name}: not valid JSON ({error})"], "/data")
    try:
        parse_document(document)
        counts = import_document(session, document)
    except ExportFormatError as error:
        return _problems(request, [f"{name}: {error} (nothing was imported)"], "/data")
    except DatabaseNotEmptyError:
        problem = (
            "Your data is not empty, and an import never mixes two sets of data. Download a copy, "
            "delete everything below, then import."
        )
        return _problems(request, [problem], "/data")
    return TEMPLATES.TemplateResponse(
        request,
        "data.html",
        {
            "stored": describe_counts(count_rows(session)),
            "done": f"imported {describe_counts(counts)}",
            "confirm_word": CONFIRM_WORD,
        },
    )


@router.post("/data/delete", response_class=HTMLResponse)
def delete_everything(
    request: Request,
    runtime: RuntimeDep,
    owner: OwnerDep,
    confirm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Delete every stored row once the person has typed the confirmation word."""
    from backstretch.db.engine import transaction

    if confirm.strip().lower() != CONFIRM_WORD:
        problem = f"Nothing was deleted: type the word “{CONFIRM_WORD}” to confirm."
        return _problems(request, [problem], "/data")
    with transaction(runtime.store.for_owner(owner)) as session:
        forget_everything(session)
    erase_freed_space(runtime.store.engine)
    return RedirectResponse("/data?done=deleted", status_code=303)
