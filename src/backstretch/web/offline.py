"""The installable, offline app: the web manifest, the service worker and the pages it falls
back on (the safety advice and the "you are offline" page).

The worker (`static/sw.js`) is served from the root, so it may look after every page. It is
given its settings by the server: the cache version (the app's version and a hash of the
static files, so a deploy that changes any of them replaces the old caches), the static files
to keep, and the public pages to keep from the first visit. Personal pages (today's plan, the
player) are kept as they are visited; `static/offline.js` empties them when the account
changes. Nothing sent with POST or PUT, and nothing under /api/, is ever kept.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backstretch import __version__
from backstretch.core.safety import StopSignal
from backstretch.web.deps import MaybePersonDep, RuntimeDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

THEME_COLOUR = "#0b6e4f"  # the accent of app.css and icon.svg
BACKGROUND_COLOUR = "#fdfdfb"  # the page background of app.css
WORKER_SETTINGS = "/*BACKSTRETCH_SETTINGS*/ null"  # replaced in static/sw.js when served
NOT_KEPT = frozenset({"sw.js"})  # the worker is fetched by the browser itself, never cached
ICONS = (
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
    {
        "src": "/static/icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
)


def _static_folder() -> Path:
    return Path(str(resources.files("backstretch.web").joinpath("static")))


@cache
def _static_files(folder: Path) -> tuple[tuple[str, str], ...]:
    """Return (URL, content hash) of every static file the pages use (read once a process)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix != ".md":
            name = path.relative_to(folder).as_posix()
            found.append((f"/static/{name}", hashlib.sha256(path.read_bytes()).hexdigest()))
    return tuple(found)


def cache_version(folder: Path | None = None) -> str:
    """Return the name that changes whenever a deploy changes the app or any static file (of
    the package's static folder, or of `folder`)."""
    digest = hashlib.sha256(__version__.encode())
    for url, content in _static_files(folder or _static_folder()):
        digest.update(f"{url}\0{content}\n".encode())
    return f"{__version__}-{digest.hexdigest()[:12]}"


def static_urls() -> list[str]:
    """Return the static files the worker keeps on install (served cache-first)."""
    return [
        url
        for url, _ in _static_files(_static_folder())
        if url.removeprefix("/static/") not in NOT_KEPT
    ]


def public_urls(runtime: Any) -> list[str]:
    """Return the pages anyone may read, kept on install so they open offline after one visit."""
    from backstretch.core.catalogue import OWN_PREFIX
    from backstretch.data import education_pages

    # A person's own stretches are theirs alone: kept as personal pages when visited.
    shared = [stretch.id for stretch in runtime.catalogue if not stretch.id.startswith(OWN_PREFIX)]
    return [
        "/",
        "/offline",
        "/safety",
        "/learn",
        *(f"/learn/{page.topic}" for page in education_pages()),
        "/stretches",
        *(f"/stretches/{stretch_id}" for stretch_id in shared),
        "/figures",
        "/player/figures.css",
        "/manifest.webmanifest",
    ]


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: what a phone or a desktop needs to install the app."""
    data = {
        "id": "/",
        "name": "backstretch: gentle stretching",
        "short_name": "backstretch",
        "description": "Safe, gentle stretching for back and neck comfort (general wellness).",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": list(ICONS),
    }
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/sw.js")
def service_worker(runtime: RuntimeDep) -> Response:
    """The service worker, with this deploy's cache version and the URLs it keeps on install."""
    source = (_static_folder() / "sw.js").read_text(encoding="utf-8")
    settings = {
        "version": cache_version(),
        "static": static_urls(),
        "public": public_urls(runtime),
        "offline": "/offline",
    }
    # The browser checks the worker for changes on every visit: it must never be kept stale.
    return Response(
        source.replace(WORKER_SETTINGS, json.dumps(settings), 1),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/safety", response_class=HTMLResponse)
def safety(request: Request, runtime: RuntimeDep, person: MaybePersonDep) -> Any:
    """When to get help now, and what to do for each stop signal: kept for offline use.

    Public, like the footer link to it on every page: a person logged out (or never logged in)
    needs it as much as anyone; someone logged in sees their own emergency number.
    """
    from backstretch.services.sessions import stop_advice
    from backstretch.web.screening_pages import _dialable

    guide = runtime.services.guide
    number = person.emergency_number if person else runtime.services.settings.emergency_number

    def fill(text: str) -> str:
        return text.replace("{emergency_number}", number).strip()

    emergency = guide.advice["emergency"]
    signals = [
        {
            "id": text.id,
            "label": text.label,
            "advice": stop_advice(guide, StopSignal(text.id), number),
        }
        for text in guide.stop_signals
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "safety.html",
        {
            "emergency_title": fill(emergency["title"]),
            "emergency_text": fill(emergency["text"]),
            "emergency_actions": [fill(action) for action in emergency.get("actions", ())],
            "signals": signals,
            "reminder": fill(guide.session_reminder),
            "number": number,
            "tel": _dialable(number),
        },
    )


@router.get("/offline/account")
def current_account(request: Request) -> Response:
    """Who this browser is logged in as now (the opaque key of `<meta name=backstretch-account>`)
    and its current CSRF token.

    A page may be old (kept in the cache, or open since before a logout), so before sending
    sessions queued offline, the browser checks they belong to whoever is logged in now, and
    sends them with a token that is still good. Only this site's pages can read the answer.
    """
    from backstretch.web.pages import account_key, csrf_token

    return Response(
        json.dumps({"account": account_key(request), "csrf": csrf_token(request)}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> Any:
    """What the worker shows for a page it has not kept when the network is down."""
    return TEMPLATES.TemplateResponse(request, "offline.html", {})
