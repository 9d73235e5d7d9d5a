"""What every answer carries and every request is held to, as pure ASGI middleware (none of
them wraps the response body):

- `SecurityHeaders`, the outermost: a strict Content Security Policy and friends on every
  answer, errors included (an exception from anything inside becomes a 500 that has them too);
  and `Cache-Control: no-store` with `Vary: Cookie` on everything but the static files, so no
  browser or proxy cache keeps a person's page, data or CSRF token.
- `BodyLimit`: no request body larger than the limit (413), counted as it streams, whatever
  Content-Length says (or does not say).
- `SameOriginWrites`: a change sent from another site's page is refused (403) before anything
  reads its body. The CSRF token (`auth.CsrfProtection`) is checked after it.

The policy allows no inline script, no eval and no inline style: the pages load their scripts
and styles from `/static`, and htmx is configured not to need either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        # The service worker (/sw.js) and the web manifest: our own files only.
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Same-origin: other sites learn nothing, and our own form posts keep their Origin header.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), screen-wake-lock=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

# Answers that are the same for everyone and carry no token: the files of /static/ and the few
# routes that set their own caching (the worker and the manifest: no-cache; the player's figure
# CSS: an hour). Everything else is personal or names who is logged in (every page carries the
# login's CSRF token), so it is never stored by a browser's or a proxy's cache.
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = frozenset({"/sw.js", "/manifest.webmanifest", "/player/figures.css"})
NO_STORE = b"no-store"


def is_public(path: str) -> bool:
    """Tell whether the answer for `path` is the same for everyone (it may be cached)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _with_vary_cookie(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # One Vary header listing Cookie, merged with what is there (GZip's Accept-Encoding).
    named: list[bytes] = []
    kept = []
    for key, value in headers:
        if key.lower() == b"vary":
            named += [part.strip() for part in value.split(b",") if part.strip()]
        else:
            kept.append((key, value))
    if not any(part.lower() == b"cookie" for part in named):
        named.append(b"Cookie")
    return [*kept, (b"vary", b", ".join(named))]


def _private(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() not in (b"cache-control", b"expires")]
    return [*_with_vary_cookie(kept), (b"cache-control", NO_STORE)]


def _error_body(scope: Scope, status: int, detail: str) -> tuple[bytes, bytes]:
    if scope.get("path", "").startswith("/api/") or not _accepts_html(scope):
        body = json.dumps({"detail": detail, "problems": []}).encode()
        return body, b"application/json"
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>{status}</title>"
        "<h1>{status}</h1><p>{detail}</p><p><a href=/>Back to the start</a></p>"
    ).format(status=status, detail=detail.replace("&", "&amp;").replace("<", "&lt;"))
    return page.encode(), b"text/html; charset=utf-8"


def _accepts_html(scope: Scope) -> bool:
    for key, value in scope.get("headers", ()):
        if key == b"accept":
            return b"text/html" in bytes(value)
    return False


async def send_error(scope: Scope, send: Send, status: int, detail: str) -> None:
    """Answer `status` with one sentence: JSON (the API's error body) or a small page for a
    browser asking for one. The outer `SecurityHeaders` adds its headers."""
    body, kind = _error_body(scope, status, detail)
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add the security headers (and for personal answers `no-store`) to every HTTP response;
    the outermost of the app's middleware, so errors of the middleware inside have them too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = not is_public(scope["path"])
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if private:
                    headers = _private(headers)
                message["headers"] = [*headers, *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except HTTPException as error:
            # Raised by middleware (a body over the limit while the CSRF check reads it).
            if started:
                raise
            await send_error(scope, send_with_headers, error.status_code, str(error.detail))
        except Exception:
            if started:
                raise
            # The answer still has the headers; the error goes on to be logged.
            await send_error(scope, send_with_headers, 500, "Something went wrong on the server.")
            raise


# Request bodies ----------------------------------------------------------------------------------


class BodyTooLarge(HTTPException):
    """The request's body is larger than the server takes for that route (413)."""

    def __init__(self, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        size = f"{megabytes:.0f} MB" if megabytes >= 1 else f"{limit // 1024} kB"
        super().__init__(413, f"The request is larger than this server takes here ({size}).")


def _content_length(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            return bytes(value).decode("latin-1")
    return None


# A urlencoded form of this app is a few kB at most (the longest field takes 2,000 characters);
# its parser walks the body byte by byte on the event loop (about 0.25 s a MB), so such a body
# gets a smaller limit of its own than JSON or a file does.
FORM_LIMIT = 64 * 1024


class BodyLimit:
    """Refuse (413) a request whose body is larger than `limit` bytes, or the limit of its path
    in `limits` (the data import takes a whole export file; an own stretch is 100 kB at most),
    and a urlencoded form larger than `form_limit`.

    A Content-Length over the limit is refused before anything is read; a body sent in chunks
    (or longer than it said) is counted as it streams, and whoever reads past the limit gets
    `BodyTooLarge`, which FastAPI and this middleware both answer with 413. Nothing is buffered.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        limits: Mapping[str, int] | None = None,
        form_limit: int = FORM_LIMIT,
    ):
        self.app = app
        self.limit = limit
        self.limits = dict(limits or {})
        self.form_limit = form_limit

    def limit_of(self, scope: Scope) -> int:
        """Return the largest body this request may have."""
        limit = self.limits.get(scope["path"], self.limit)
        kind = (_header(scope, b"content-type") or "").strip().lower()
        if kind.startswith("application/x-www-form-urlencoded"):
            limit = min(limit, self.form_limit)
        return limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        declared = _content_length(scope)
        if declared is not None:
            value = declared.strip()
            if not (value.isascii() and value.isdigit()) or len(value) > 20:
                await send_error(scope, send, 400, "The request's Content-Length is not a number.")
                return
            if int(value) > limit:
                error = BodyTooLarge(limit)
                await send_error(scope, send, 413, str(error.detail))
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as error:
            if started:
                raise
            await send_error(scope, send, 413, str(error.detail))


# Changes from another site -----------------------------------------------------------------------

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def cross_site(scope: Scope) -> bool:
    """Tell whether a request that changes data comes from another site's page.

    Browsers mark every request with `Sec-Fetch-Site` (and send `Origin` with cross-site POST,
    PUT or DELETE), so a page elsewhere cannot make this app delete or change a person's data.
    Requests without the headers (curl, scripts) are not from a browser page; they still need
    the CSRF token.
    """
    if scope["method"] not in UNSAFE_METHODS:
        return False
    site = _header(scope, b"sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = _header(scope, b"origin")
    if origin is None or origin == "null":
        return False
    return origin.split("://", 1)[-1] != _header(scope, b"host")


class SameOriginWrites:
    """Refuse (403) a request that changes data when it comes from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and cross_site(scope):
            detail = "refused: a request from another site may not change your data"
            body = json.dumps({"detail": detail, "problems": []}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
