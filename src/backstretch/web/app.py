"""The app factory, the web's composition root: the settings, the clock and the use cases'
`Services` are wired here, never at import; and the one mapping of the use cases' errors to
answers (a JSON error for the API and scripts, the error page for a browser).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from backstretch import __version__
from backstretch.config import Settings, get_settings
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Position, Region
from backstretch.services.accounts import LoginRefused, TooManyAttempts
from backstretch.services.clock import Now, utc_now
from backstretch.services.errors import (
    Blocked,
    Conflict,
    Invalid,
    NotFound,
    ServiceError,
    Unavailable,
)

if TYPE_CHECKING:
    from backstretch.services.context import Services

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What every request shares: the use cases' services and how people are told apart."""

    services: Services
    # Many people with logins, or the local person alone (`local_owner`).
    accounts: bool = False
    # Signs CSRF tokens and account keys; the same on every app server (kept in the database).
    secret: str = ""
    local_owner: int | None = None
    _stretch_lists: dict[tuple[str | None, ...], bytes] = field(default_factory=dict)

    @property
    def catalogue(self) -> Catalogue:
        """Return the built-in catalogue, the same for everyone (a person's own stretches are
        in their context: `deps.PersonDep`)."""
        return self.services.builtin

    def stretch_list_json(
        self, area: Region | None, position: Position | None, search: str | None
    ) -> bytes:
        """Return the filtered stretch list as JSON, made once per filter (a fixed catalogue)."""
        key = (area, position, search)
        if key not in self._stretch_lists:
            found = self.catalogue.filter(region=area, position=position, text=search)
            data = [stretch.model_dump(mode="json") for stretch in found]
            if len(self._stretch_lists) > 256:  # searches are free text: keep the cache small
                self._stretch_lists.clear()
            self._stretch_lists[key] = json.dumps(data, ensure_ascii=False).encode()
        return self._stretch_lists[key]


async def get_runtime(request: Request) -> Runtime:
    """Return what every request shares (a FastAPI dependency)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def start_runtime(settings: Settings, clock: Now) -> Runtime:
    """Open the database and load the catalogue; for one person alone, copy in once the own
    stretches earlier versions kept as files."""
    from backstretch.services import accounts
    from backstretch.services.context import open_services
    from backstretch.services.own_stretches import copy_old_stretches

    services = open_services(settings, clock=clock)
    try:
        local_owner = None
        if not settings.accounts:
            me = services.local_person()
            local_owner = me.owner_id
            copied = copy_old_stretches(me, settings.own_stretches_dir)
            for path, problem in copied.refused:
                log.warning(
                    "your own stretch %s was not copied into the database: %s", path, problem
                )
        secret = accounts.signing_secret(services)
    except BaseException:
        services.close()
        raise
    return Runtime(
        services=services, accounts=settings.accounts, secret=secret, local_owner=local_owner
    )


# Errors ------------------------------------------------------------------------------------------


class Problem(BaseModel):
    """One input at fault, and what is wrong with it."""

    field: str
    problem: str


class ErrorAnswer(BaseModel):
    """What the API answers when it cannot do what was asked: one sentence, and the inputs at
    fault (empty when no single input is)."""

    detail: str
    problems: list[Problem]


class BlockedAnswer(ErrorAnswer):
    """Safety does not allow a routine now: the screening's verdict and what to do instead."""

    blocked: Literal[True]
    verdict: str | None
    advice: dict[str, Any]


def error_answers(
    described: dict[int, str], model: type[ErrorAnswer] = ErrorAnswer
) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI `responses` declaring these error statuses, each with its description."""
    return {status: {"model": model, "description": text} for status, text in described.items()}


# The one mapping of the use cases' errors; a page that shows a problem on its own form uses it
# too, so a page and the API always answer the same status for the same error.
ERROR_STATUS: dict[type[ServiceError], int] = {
    Invalid: 422,
    NotFound: 404,
    Conflict: 409,
    Blocked: 409,
    Unavailable: 503,
    LoginRefused: 401,
    TooManyAttempts: 429,
}


def status_for(error: ServiceError) -> int:
    """Return the HTTP status for a use case's error (its nearest kind in `ERROR_STATUS`)."""
    for kind in type(error).__mro__:
        if kind in ERROR_STATUS:
            return ERROR_STATUS[kind]
    return 400


def wants_page(request: Request) -> bool:
    """Tell whether the request is a browser's, for a page (not the API): it gets a page."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        "/api/"
    )


def error_response(
    request: Request,
    status: int,
    detail: str,
    problems: Sequence[dict[str, str]] = (),
    *,
    headers: Mapping[str, str] | None = None,
    more: dict[str, Any] | None = None,
) -> Response:
    """Answer an error: the error page for a browser asking for a page, else the JSON body
    every error of the API has (`ErrorAnswer`)."""
    if wants_page(request):
        from backstretch.web.pages import TEMPLATES

        # What the problems add to the detail (a use case's message names its input already).
        said = "; ".join(
            f"{p['field']}: {p['problem']}" if p["field"] else p["problem"]
            for p in problems
            if p["problem"] not in detail
        )
        values = {
            "status": status,
            "detail": f"{detail}: {said}" if said else detail,
            "retry_after": (headers or {}).get("Retry-After", ""),  # the page says it in words
        }
        return TEMPLATES.TemplateResponse(
            request, "error.html", values, status_code=status, headers=headers
        )
    body = {"detail": detail, "problems": list(problems), **(more or {})}
    return JSONResponse(body, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Map every error once: the use cases', FastAPI's own and a missing login."""
    from backstretch.web.auth import NotLoggedIn, login_redirect

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> Response:
        problems = [{"field": error.field, "problem": error.message}] if error.field else []
        headers = None
        retry_after = getattr(error, "retry_after", None)  # too many, or too busy just now
        if retry_after is not None:
            headers = {"Retry-After": str(retry_after)}
        more = None
        if isinstance(error, Blocked):
            more = {"blocked": True, "verdict": error.verdict, "advice": error.advice}
        return error_response(
            request, status_for(error), error.message, problems, headers=headers, more=more
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return error_response(request, error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
            for e in error.errors()
        ]
        return error_response(request, 422, "the request is not valid", problems)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _error: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return error_response(request, 401, "log in first (POST /login)")
        return login_redirect(request)


# The app -----------------------------------------------------------------------------------------


def import_request_bytes(settings: Settings) -> int:
    """Return the largest request the data import page takes: as configured, or the largest
    file an import takes (`your_data.MAX_IMPORT_BYTES`) and 1 MB for the form around it."""
    from backstretch.services.your_data import MAX_IMPORT_BYTES

    return settings.max_import_request_bytes or MAX_IMPORT_BYTES + 1024 * 1024


def create_app(settings: Settings | None = None, *, clock: Now = utc_now) -> FastAPI:
    """Return the web app on `clock`; the database opens when the app starts and closes when
    it stops."""
    from importlib import resources

    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.gzip import GZipMiddleware

    from backstretch.web import (
        after_pages,
        api,
        api_description,
        auth,
        handout_pages,
        history_pages,
        offline,
        own_pages,
        pages,
        plan_pages,
        player_page,
        reminder_pages,
        screening_pages,
        settings_pages,
        share_pages,
        summary_pages,
    )
    from backstretch.web.auth import CsrfProtection, identify
    from backstretch.web.documents import DocumentTurns
    from backstretch.web.security import BodyLimit, SameOriginWrites, SecurityHeaders

    chosen = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from backstretch.services import scheduler

        app.state.runtime = start_runtime(chosen, clock)
        # Push reminders (services/scheduler.py), stopped before the database closes.
        reminders = scheduler.start(app.state.runtime.services)
        try:
            yield
        finally:
            if reminders is not None:
                await reminders.close()
            app.state.runtime.services.close()

    app = FastAPI(
        title="backstretch",
        version=__version__,
        summary="Gentle, safe stretching for back and neck comfort (general wellness only).",
        lifespan=lifespan,
    )
    # The last added runs first: the security headers wrap everything (errors included), then
    # the body limit, the same-origin rule and the CSRF check, each before anything reads more.
    app.add_middleware(GZipMiddleware, minimum_size=600)
    app.add_middleware(CsrfProtection)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(
        BodyLimit,
        limit=chosen.max_request_bytes,
        limits={
            "/data/import": import_request_bytes(chosen),
            "/stretches/own": min(chosen.max_request_bytes, 256 * 1024),
        },
    )
    app.add_middleware(SecurityHeaders)
    app.state.document_turns = DocumentTurns(chosen.document_wait_seconds)
    app.include_router(api.router)
    # Every page notes who is asking, so even a public page can tell the browser.
    for module in (
        pages,
        screening_pages,
        plan_pages,
        handout_pages,
        player_page,
        history_pages,
        after_pages,
        settings_pages,
        reminder_pages,
        summary_pages,
        own_pages,
        share_pages,
        auth,
        offline,
    ):
        app.include_router(module.router, dependencies=[Depends(identify)])
    add_error_handlers(app)
    api_description.document_errors(app)  # every 422 described as the body it is

    @app.get("/api/health", tags=["api"], summary="Is the server up?")
    def health() -> dict[str, str]:
        """Answer at once, touching nothing: for monitors and for measuring the server itself."""
        return {"status": "ok", "version": __version__}

    static = str(resources.files("backstretch.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app
