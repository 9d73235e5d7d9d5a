"""The app factory: settings, the database and the catalogue are made here, never at import."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from backstretch import __version__
from backstretch.config import Settings, get_settings
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Position, Region
from backstretch.db.engine import DatabaseError
from backstretch.db.store import Store, open_store
from backstretch.db.tables import LOCAL_ACCOUNT_ID
from backstretch.services.clock import system_timezone, utc_now, valid_timezone
from backstretch.services.screening import Context


@dataclass
class Runtime:
    """What every request shares: settings, the open database and the screening context."""

    settings: Settings
    store: Store
    context: Context
    # Many people with logins, or the local person alone.
    accounts: bool = False
    # Signs CSRF tokens and account keys; the same on every app server (kept in the database).
    secret: str = ""
    _stretch_lists: dict[tuple[str | None, ...], bytes] = field(default_factory=dict)

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

    @property
    def catalogue(self) -> Catalogue:
        """Return the built-in catalogue, the same for everyone (a person's own stretches are
        in their context: `deps.get_context`)."""
        return self.context.catalogue


async def get_runtime(request: Request) -> Runtime:
    """Return what every request shares (a FastAPI dependency)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def build_runtime(settings: Settings) -> Runtime:
    """Open the database and load the catalogue and the screening wording."""
    from backstretch.data import builtin_catalogue, screening_guide

    zone = settings.timezone or system_timezone()
    if not valid_timezone(zone):
        raise ValueError(f"BACKSTRETCH_TIMEZONE: unknown time zone '{zone}'")
    context = Context(
        guide=screening_guide(),
        catalogue=builtin_catalogue(),
        emergency_number=settings.emergency_number,
        timezone=zone,
    )
    from backstretch.db.engine import transaction
    from backstretch.services.accounts import shared_secret

    # With accounts, sessions belong to nobody until a request says whose they are.
    owner = None if settings.accounts else LOCAL_ACCOUNT_ID
    store = open_store(settings.resolved_database_url, owner_id=owner)
    if not settings.accounts:
        from backstretch.data.own import import_legacy_folder

        # The local person's own stretches, from the files earlier versions kept (once).
        import_legacy_folder(store.sessions, settings.own_stretches_dir, at=utc_now())
    secret = settings.secret_key
    if not secret:
        with transaction(store.sessions) as session:
            secret = shared_secret(session, "signing")
    return Runtime(
        settings=settings, store=store, context=context, accounts=settings.accounts, secret=secret
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the web app; the database opens when the app starts and closes when it stops."""
    from importlib import resources

    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.gzip import GZipMiddleware

    from backstretch.web import (
        api,
        auth,
        history_pages,
        offline,
        own_pages,
        pages,
        plan_pages,
        player_page,
        screening_pages,
        settings_pages,
    )
    from backstretch.web.auth import CsrfProtection, NotLoggedIn, identify, login_redirect
    from backstretch.web.security import SameOriginWrites, SecurityHeaders

    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = build_runtime(settings)
        try:
            yield
        finally:
            app.state.runtime.store.close()

    app = FastAPI(
        title="backstretch",
        version=__version__,
        summary="Gentle, safe stretching for back and neck comfort (general wellness only).",
        lifespan=lifespan,
    )
    app.state.clock = utc_now
    app.add_middleware(GZipMiddleware, minimum_size=600)
    app.add_middleware(CsrfProtection)
    app.add_middleware(SameOriginWrites)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    # Every page notes who is asking, so even a public page can tell the browser.
    for module in (
        pages,
        screening_pages,
        plan_pages,
        player_page,
        history_pages,
        settings_pages,
        own_pages,
        auth,
        offline,
    ):
        app.include_router(module.router, dependencies=[Depends(identify)])

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _error: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "log in first (POST /login)"}, status_code=401)
        return login_redirect(request)

    @app.get("/api/health", tags=["api"], summary="Is the server up?")
    def health() -> dict[str, str]:
        """Answer at once, touching nothing: for monitors and for measuring the server itself."""
        return {"status": "ok", "version": __version__}

    static = str(resources.files("backstretch.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        # A browser asking for a page gets a page (with a language, a title and the way home);
        # the API and every other client keep FastAPI's JSON.
        wants_page = "text/html" in request.headers.get("accept", "")
        if not wants_page or request.url.path.startswith("/api/"):
            return await http_exception_handler(request, error)
        from backstretch.web.pages import TEMPLATES

        values = {"status": error.status_code, "detail": error.detail}
        return TEMPLATES.TemplateResponse(
            request, "error.html", values, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(DatabaseError)
    async def database_unavailable(_request: Request, error: DatabaseError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
            for e in error.errors()
        ]
        return JSONResponse({"detail": "the request is not valid", "problems": problems}, 422)

    return app
