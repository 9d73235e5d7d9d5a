"""The app factory: settings, the database and the catalogue are made here, never at import."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backstretch import __version__
from backstretch.config import Settings, get_settings
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Position, Region
from backstretch.db.engine import DatabaseError
from backstretch.db.store import Store, open_store
from backstretch.services.clock import system_timezone, utc_now, valid_timezone
from backstretch.services.screening import Context


@dataclass
class Runtime:
    """What every request shares: settings, the open database and the screening context."""

    settings: Settings
    store: Store
    context: Context
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
        """Return the catalogue, the person's own stretches included."""
        return self.context.catalogue


async def get_runtime(request: Request) -> Runtime:
    """Return what every request shares (a FastAPI dependency)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def build_runtime(settings: Settings) -> Runtime:
    """Open the database and load the catalogue and the screening wording."""
    from backstretch.data import load_catalogue, screening_guide

    zone = settings.timezone or system_timezone()
    if not valid_timezone(zone):
        raise ValueError(f"BACKSTRETCH_TIMEZONE: unknown time zone '{zone}'")
    context = Context(
        guide=screening_guide(),
        catalogue=load_catalogue(settings.own_stretches_dir),
        emergency_number=settings.emergency_number,
        timezone=zone,
    )
    return Runtime(
        settings=settings, store=open_store(settings.resolved_database_url), context=context
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the web app; the database opens when the app starts and closes when it stops."""
    from importlib import resources

    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.gzip import GZipMiddleware

    from backstretch.web import (
        api,
        history_pages,
        pages,
        plan_pages,
        player_page,
        screening_pages,
        settings_pages,
    )
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
    app.add_middleware(SameOriginWrites)
    app.add_middleware(SecurityHeaders)
    app.include_router(api.router)
    for module in (pages, screening_pages, plan_pages, player_page, history_pages, settings_pages):
        app.include_router(module.router)

    @app.get("/api/health", tags=["api"], summary="Is the server up?")
    def health() -> dict[str, str]:
        """Answer at once, touching nothing: for monitors and for measuring the server itself."""
        return {"status": "ok", "version": __version__}

    static = str(resources.files("backstretch.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

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
