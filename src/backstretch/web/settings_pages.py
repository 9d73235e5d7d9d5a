"""Settings (lead-in, voice, emergency number, time zone) and "your data": export, import, delete.

Import never merges (the database must be empty) and a bad file is refused whole with the place
that is wrong; delete asks the person to type a word first, so one stray tap loses nothing.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backstretch.services.context import PersonContext
from backstretch.services.errors import Conflict, Invalid
from backstretch.services.preferences import (
    EMERGENCY_NUMBERS,
    MAX_LEAD_IN,
    MIN_LEAD_IN,
    save_settings,
)
from backstretch.services.your_data import (
    MAX_IMPORT_BYTES,
    count_data,
    describe_counts,
    export_csv,
    export_json,
    forget_me,
    import_file,
)
from backstretch.web.app import status_for
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

CONFIRM_WORD = "delete"


def _problems(request: Request, problems: list[str], back: str, status: int = 422) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=status
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, person: PersonDep, saved: str = "") -> Response:
    """The settings form, filled with what is in force now."""
    return TEMPLATES.TemplateResponse(
        request,
        "settings.html",
        {
            "preferences": person.preferences,
            "regions": [(key, label, number) for key, (label, number) in EMERGENCY_NUMBERS.items()],
            "zones": sorted(available_timezones()),
            "min_lead_in": MIN_LEAD_IN,
            "max_lead_in": MAX_LEAD_IN,
            "saved": bool(saved),
        },
    )


@router.post("/settings", response_class=HTMLResponse)
def save_settings_form(
    request: Request,
    person: PersonDep,
    lead_in_seconds: Annotated[str, Form(max_length=3)],
    emergency_region: Annotated[str, Form(max_length=20)],
    timezone: Annotated[str, Form(max_length=64)],
    voice: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Store the settings; a wrong value is named and nothing is changed."""
    changes: dict[str, Any] = {
        "lead_in_seconds": int(lead_in_seconds) if lead_in_seconds.isdigit() else lead_in_seconds,
        "voice": voice == "on",
        "emergency_region": emergency_region,
        "timezone": timezone,
    }
    try:
        save_settings(person, changes)
    except Invalid as error:
        return _problems(request, [error.message], "/settings")
    return RedirectResponse("/settings?saved=1", status_code=303)


# Your data ---------------------------------------------------------------------------------------


def _data_page(request: Request, person: PersonContext, done: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "data.html",
        {
            "stored": describe_counts(count_data(person)),
            "done": done,
            "confirm_word": CONFIRM_WORD,
        },
    )


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, person: PersonDep, done: str = "") -> Response:
    """What is stored, and the ways to take it away, bring it back or delete it."""
    return _data_page(request, person, done)


def _attachment(person: PersonContext, extension: str) -> dict[str, str]:
    name = f"backstretch-{person.now():%Y-%m-%d}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/data/export.json")
def export_json_file(person: PersonDep) -> Response:
    """Everything, in the round-trip format `backstretch import` and this page read back."""
    return JSONResponse(export_json(person), headers=_attachment(person, "json"))


@router.get("/data/export.zip")
def export_zip_file(person: PersonDep) -> Response:
    """Everything as CSV files (one per table) in a zip, for a spreadsheet."""
    return Response(
        export_csv(person), media_type="application/zip", headers=_attachment(person, "zip")
    )


def _import(request: Request, person: PersonContext, raw: bytes, name: str) -> Response:
    try:
        counts = import_file(person, raw)
    except Invalid as error:
        status = 413 if len(raw) > MAX_IMPORT_BYTES else 422
        return _problems(request, [f"{name}: {error} (nothing was imported)"], "/data", status)
    except Conflict as error:
        problem = f"{name}: {error} (nothing was imported)"
        if any(count_data(person).values()):
            problem = (
                "Your data is not empty, and an import never mixes two sets of data. Download a "
                "copy, delete everything below, then import."
            )
        return _problems(request, [problem], "/data", status_for(error))
    return _data_page(request, person, f"imported {describe_counts(counts)}")


@router.post("/data/import", response_class=HTMLResponse)
def import_page(request: Request, person: PersonDep, file: UploadFile) -> Response:
    """Restore an export into an empty account; refuse a bad file whole.

    A plain function: FastAPI runs it on a worker thread, so reading, parsing and storing a
    large file never hold up the event loop (and every other request with it). The request's
    body is capped before this (`max_import_request_bytes`, 413), the file by the use case."""
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    return _import(request, person, raw, file.filename or "the file")


@router.post("/data/delete", response_class=HTMLResponse)
def delete_everything(
    request: Request,
    person: PersonDep,
    confirm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Delete every stored row once the person has typed the confirmation word."""
    if confirm.strip().lower() != CONFIRM_WORD:
        problem = f"Nothing was deleted: type the word “{CONFIRM_WORD}” to confirm."
        return _problems(request, [problem], "/data")
    forget_me(person)
    return RedirectResponse("/data?done=deleted", status_code=303)
