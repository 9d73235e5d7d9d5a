"""Who is asking: the local person, or with accounts the person logged in; and the account pages.

Single-person mode (the default on this machine's own address) has no login: every request is
the local person's. With accounts (`serve --accounts`, or any address but loopback), a request
without a valid login cookie reaches only the public pages; personal pages send it to the login
page and the API answers 401. The login cookie is HttpOnly, SameSite=Lax, and Secure when the
request came over HTTPS; beside it, `backstretch_account` (readable by the page and the service
worker, same lifetime) holds the account's opaque key, so the browser can tell offline that the
login is gone. Every form and every write of the API also needs the CSRF token, tied to the
login (`CsrfProtection`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections import deque
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, unquote_to_bytes

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backstretch.services import accounts
from backstretch.services.errors import Invalid

if TYPE_CHECKING:
    from backstretch.web.app import Runtime

LOGIN_COOKIE = "backstretch_login"
# The account's opaque key, beside the login and as long-lived: scripts may read it (the login is
# HttpOnly), so a page or the service worker can tell offline whether the login is still there.
ACCOUNT_COOKIE = "backstretch_account"
CSRF_COOKIE = "backstretch_csrf"
LOCAL_KEY = "local"
# What a request notes on `request.state` for `CsrfProtection` to act on in its answer.
NEW_LOGIN = "new_login"  # the login this answer sets ("" when it ends the login)
LOGIN_FIX = "login_fix"  # ("clear", "") for a login that is gone, ("refresh", key) for a stale key

router = APIRouter(include_in_schema=False)


class NotLoggedIn(Exception):
    """A personal page or API route was asked for without a valid login."""


async def identify(request: Request) -> None:
    """Note who is asking on `request.state` (account id and key; None and "" for nobody).

    Every page runs it, so even a public page tells the browser whether someone is logged in.
    """
    if hasattr(request.state, "account_key"):
        return
    runtime: Runtime = request.app.state.runtime
    request.state.account_id = None
    request.state.account_name = None
    request.state.account_key = ""
    if not runtime.accounts:
        request.state.account_id = runtime.local_owner
        request.state.account_key = LOCAL_KEY
        return
    token = request.cookies.get(LOGIN_COOKIE)
    companion = request.cookies.get(ACCOUNT_COOKIE)
    account = None
    if token and len(token) <= 100:
        account = await run_in_threadpool(accounts.account_of_login, runtime.services, token)
    if account is None:
        if token or companion:  # a login that ended (or expired) elsewhere: the browser forgets it
            setattr(request.state, LOGIN_FIX, ("clear", ""))
        return
    request.state.account_id = account.id
    request.state.account_name = account.username
    request.state.account_key = accounts.account_key(runtime.secret, account.id)
    if companion != request.state.account_key:  # a login from before the key was kept
        setattr(request.state, LOGIN_FIX, ("refresh", request.state.account_key))


async def current_account(request: Request, runtime: Runtime) -> int:
    """Return the id of the person asking; nobody logged in raises `NotLoggedIn`."""
    del runtime  # identify() reads it from the app; kept for the dependency's signature
    await identify(request)
    account_id: int | None = request.state.account_id
    if account_id is None:
        raise NotLoggedIn()
    return account_id


def login_token(request: Request) -> str | None:
    """Return the token of the login a request came with (None in single-person mode); use it
    after `identify` has found the login valid."""
    if not _runtime(request).accounts:
        return None
    return request.cookies.get(LOGIN_COOKIE)


def login_redirect(request: Request) -> Response:
    """Send a browser to the login page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//elsewhere" or "https://…" would send the person away.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_cookies(response: Response, token: str, key: str, *, secure: bool) -> None:
    lifetime = int(accounts.LOGIN_LIFETIME.total_seconds())
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=lifetime, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(ACCOUNT_COOKIE, key, max_age=lifetime, samesite="lax", secure=secure)


def _forget_cookies(response: Response, *, secure: bool) -> None:
    for name in (LOGIN_COOKIE, ACCOUNT_COOKIE):
        response.delete_cookie(name, samesite="lax", secure=secure, httponly=name == LOGIN_COOKIE)


def _set_login_cookie(request: Request, response: Response, token: str, account_id: int) -> None:
    key = accounts.account_key(_runtime(request).secret, account_id)
    _login_cookies(response, token, key, secure=request.url.scheme == "https")
    setattr(request.state, NEW_LOGIN, token)  # the CSRF token follows the new login


def _forget_login(request: Request, response: Response) -> None:
    _forget_cookies(response, secure=request.url.scheme == "https")
    setattr(request.state, NEW_LOGIN, "")


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _page(request: Request, name: str, values: dict[str, Any], status: int = 200) -> Response:
    from backstretch.web.pages import TEMPLATES

    return TEMPLATES.TemplateResponse(request, name, values, status_code=status)


def _accounts_only(request: Request) -> None:
    from fastapi import HTTPException

    if not _runtime(request).accounts:
        raise HTTPException(404, detail="this server has no accounts: it serves one person")


# Pages --------------------------------------------------------------------------------------------


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request) -> Response:
    """The form to make an account."""
    _accounts_only(request)
    await identify(request)
    return _page(request, "register.html", {"problems": [], "username": ""})


@router.post("/register", response_class=HTMLResponse)
def register(
    request: Request,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Make the account and log in."""
    _accounts_only(request)
    if password != password_again:
        problems = ["The two passwords are not the same."]
        return _page(request, "register.html", {"problems": problems, "username": username}, 422)
    try:
        account, token = accounts.register_account(
            _runtime(request).services,
            username=username,
            password=password,
            address=_client_address(request),
        )
    except accounts.AccountError as error:
        problems = [_account_problem(error)]
        return _page(request, "register.html", {"problems": problems, "username": username}, 422)
    response = RedirectResponse("/", status_code=303)
    _set_login_cookie(request, response, token, account.id)
    return response


def _account_problem(error: accounts.AccountError) -> str:
    field = {
        "username": "Account name",
        "password": "Password",
        "current_password": "Current password",
    }.get(error.field or "", error.field)
    return f"{field}: {error.problem}."


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> Response:
    """The login form."""
    _accounts_only(request)
    await identify(request)
    return _page(request, "login.html", {"problems": [], "next": _safe_next(next), "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password and log in; too many failures lately answer 429."""
    _accounts_only(request)
    values = {"next": _safe_next(next), "username": username}
    try:
        account, token = accounts.log_in_account(
            _runtime(request).services,
            username=username,
            password=password,
            address=_client_address(request),
        )
    except accounts.TooManyAttempts as error:
        minutes = max(1, round(error.retry_after / 60))
        problems = [f"Too many attempts. Wait about {minutes} minutes, then try again."]
        response = _page(request, "login.html", {**values, "problems": problems}, 429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except accounts.LoginRefused:
        problems = ["That account name and password do not match."]
        return _page(request, "login.html", {**values, "problems": problems}, 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_login_cookie(request, response, token, account.id)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End this browser's login and forget its cookie; the reminders this login turned on in
    this browser stop (the page says so when there were any)."""
    _accounts_only(request)
    token = request.cookies.get(LOGIN_COOKIE)
    stopped = accounts.end_login(_runtime(request).services, token) if token else 0
    response = RedirectResponse(
        "/logged-out?reminders=off" if stopped else "/logged-out", status_code=303
    )
    _forget_login(request, response)
    return response


@router.get("/logged-out", response_class=HTMLResponse)
async def logged_out(request: Request) -> Response:
    """Say the person is logged out (the page's scripts clear what the browser kept, and
    unsubscribe it from reminders)."""
    _accounts_only(request)
    await identify(request)
    reminders_off = request.query_params.get("reminders") == "off"
    return _page(request, "logged_out.html", {"reminders_off": reminders_off})


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request) -> Response:
    """Change the password, log out, or delete the account."""
    _accounts_only(request)
    await current_account(request, _runtime(request))
    return _page(
        request, "account.html", {"problems": [], "done": request.query_params.get("done")}
    )


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    new_password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Change the password; every other browser logged in to the account is logged out."""
    _accounts_only(request)
    account_id = _logged_in_id(request)
    if new_password != new_password_again:
        problems = ["The two new passwords are not the same."]
        return _page(request, "account.html", {"problems": problems, "done": None}, 422)
    try:
        token = accounts.change_password(
            _runtime(request).services,
            account_id=account_id,
            current=current_password,
            new=new_password,
            login=request.cookies.get(LOGIN_COOKIE),
        )
    except accounts.AccountError as error:
        problems = [_account_problem(error)]
        return _page(request, "account.html", {"problems": problems, "done": None}, 422)
    response = RedirectResponse("/account?done=password", status_code=303)
    _set_login_cookie(request, response, token, account_id)
    return response


@router.post("/account/delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Delete the account and every piece of its data, after the password and the word."""
    _accounts_only(request)
    account_id = _logged_in_id(request)
    try:
        accounts.delete_account(
            _runtime(request).services, account_id=account_id, password=password, confirm=confirm
        )
    except Invalid as error:
        return _page(request, "account.html", {"problems": [error.message], "done": None}, 422)
    response = RedirectResponse("/logged-out?deleted=1", status_code=303)
    _forget_login(request, response)
    return response


def _logged_in_id(request: Request) -> int:
    # Sync routes run in a worker thread; the login was looked up by the `identify` dependency.
    account_id: int | None = getattr(request.state, "account_id", None)
    if account_id is None:
        raise NotLoggedIn()
    return account_id


# CSRF -----------------------------------------------------------------------------------------

CSRF_FIELD = "csrftoken"
CSRF_HEADER = b"x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Every form sends its token as its first field: it is looked for in this much of a body, no more.
TOKEN_SCAN_BYTES = 64 * 1024
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}")
_REFUSED = (
    "This form or request is missing its security token, or the token is out of date. "
    "Go back, reload the page and try again."
)
_MALFORMED = "The form's data could not be read: send it again from the page."


class CsrfTokens:
    """Make and check CSRF tokens tied to a login: `nonce.mac`, where the mac is an HMAC (with
    a key derived from the deployment's shared secret) of the nonce and a hash of the login
    cookie's value ("" for nobody). A token made for one login is worth nothing with another,
    and only the server can make one."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"backstretch csrf\0" + secret.encode()).digest()

    def _mac(self, nonce: str, login: str) -> str:
        binding = hashlib.sha256(login.encode("utf-8", "replace")).digest()
        digest = hmac.new(self._key, nonce.encode() + b"\0" + binding, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def make(self, login: str) -> str:
        """Return a new token for the browser holding this login."""
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._mac(nonce, login)}"

    def valid(self, token: str, login: str) -> bool:
        """Tell whether `token` was made by this server for this login."""
        if not _TOKEN_SHAPE.fullmatch(token):
            return False
        nonce, _, mac = token.partition(".")
        return hmac.compare_digest(mac, self._mac(nonce, login))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _same(sent: str, token: str) -> bool:
    return hmac.compare_digest(sent.encode("utf-8", "replace"), token.encode())


class _Replay:
    """Read a request's body through `read`, then hand the same messages on, and the rest as it
    comes, to whoever reads next."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._read: deque[Message] = deque()
        self.scanned = 0

    async def read(self) -> Message:
        message = await self._receive()
        self._read.append(message)
        self.scanned += len(message.get("body", b""))
        return message

    async def __call__(self) -> Message:
        if self._read:
            return self._read.popleft()
        return await self._receive()


class _Malformed(Exception):
    """The body does not parse as the form its Content-Type says (400)."""


def _urlencoded_field(pair: bytes | bytearray) -> str | None:
    name, _, value = bytes(pair).partition(b"=")
    if unquote_to_bytes(name.replace(b"+", b" ")) != CSRF_FIELD.encode():
        return None
    return unquote_to_bytes(value.replace(b"+", b" ")).decode("latin-1")


async def _urlencoded_token(body: _Replay) -> str | None:
    """Return the token field of a urlencoded form, reading no more than it takes (and at most
    `TOKEN_SCAN_BYTES`); every field is looked at once, so the cost grows with the bytes."""
    buffer = bytearray()
    start = 0
    more = True
    while more and body.scanned <= TOKEN_SCAN_BYTES:
        message = await body.read()
        if message["type"] != "http.request":
            return None  # the client went away
        buffer += message.get("body", b"")
        more = bool(message.get("more_body", False))
        while start <= len(buffer):
            end = buffer.find(b"&", start)
            if end == -1:
                if more:
                    break
                end = len(buffer)
            found = _urlencoded_field(buffer[start:end])
            if found is not None:
                return found
            start = end + 1
    return None


class _Found(Exception):
    def __init__(self, token: str | None) -> None:
        self.token = token


async def _multipart_token(boundary: bytes, body: _Replay) -> str | None:
    """Return the token field of a multipart form, which must come before any file (a file
    before it answers None: refused); malformed data raises `_Malformed`."""
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    part: dict[str, Any] = {}

    def on_part_begin() -> None:
        part.update(field=b"", value=b"", disposition=b"", token=False, data=bytearray())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part["value"] += data[start:end]

    def on_header_end() -> None:
        if part["field"].lower() == b"content-disposition":
            part["disposition"] = part["value"]
        part["field"], part["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(part["disposition"])
        if b"filename" in options:
            raise _Found(None)  # a file before the token: refused, and nothing of it is read
        part["token"] = options.get(b"name") == CSRF_FIELD.encode()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part["token"]:
            part["data"] += data[start:end]
            if len(part["data"]) > 200:
                raise _Found(None)

    def on_part_end() -> None:
        if part["token"]:
            raise _Found(bytes(part["data"]).decode("latin-1"))

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks)
        more = True
        while more and body.scanned <= TOKEN_SCAN_BYTES:
            message = await body.read()
            if message["type"] != "http.request":
                return None
            parser.write(message.get("body", b""))
            more = bool(message.get("more_body", False))
        if not more:
            parser.finalize()
    except _Found as found:
        return found.token
    except (FormParserError, ValueError) as error:
        raise _Malformed() from error
    return None


async def _token_in_body(scope: Scope, body: _Replay) -> str | None:
    """Return the token a form sent in its body (None: none found, or none readable)."""
    from python_multipart.multipart import parse_options_header

    kind, options = parse_options_header(_header(scope, b"content-type") or "")
    if kind == b"application/x-www-form-urlencoded":
        return await _urlencoded_token(body)
    if kind == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise _Malformed()
        return await _multipart_token(boundary, body)
    return None


class CsrfProtection:
    """Check the CSRF token on every request but GET, HEAD, OPTIONS and TRACE: with no valid
    token, nothing else reads the request (403; 400 for a form body that does not parse).

    The token is the value of the `backstretch_csrf` cookie (a double-submit cookie: a page
    elsewhere can neither read it nor set a valid one), signed and tied to the login the
    browser holds, so it is also worth nothing with another login. Pages get it from
    `request.scope["csrftoken"]()` (`pages.csrf_token`): forms send it as their first field
    (`csrftoken`), scripts as the `x-csrftoken` header; a script or program outside a browser
    does the same after one GET. No other header and no missing cookie skips the check. When an
    answer changes the login (log in, register, new password, log out, a login found gone), it
    sets a new token for the new login, so the next page and the cookie agree.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._tokens: CsrfTokens | None = None

    def tokens(self, scope: Scope) -> CsrfTokens:
        """Return the token maker, keyed once with the deployment's secret."""
        if self._tokens is None:
            runtime: Runtime = scope["app"].state.runtime
            self._tokens = CsrfTokens(runtime.secret)
        return self._tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tokens = self.tokens(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        cookies = cookie_parser(_header(scope, b"cookie") or "")
        login = cookies.get(LOGIN_COOKIE, "")
        held = cookies.get(CSRF_COOKIE, "")
        valid = tokens.valid(held, login)
        made: dict[str, str] = {}
        shown = False

        def login_now() -> str:
            # The login this answer leaves the browser with: what a route set, or "" when the
            # login was found gone (its cookie is cleared below), or the one it came with.
            new_login = state.get(NEW_LOGIN)
            if new_login is not None:
                return str(new_login)
            fix = state.get(LOGIN_FIX)
            return "" if fix and fix[0] == "clear" else login

        def token_for(binding: str) -> str:
            if binding == login and valid:
                return held
            if binding not in made:
                made[binding] = tokens.make(binding)
            return made[binding]

        def page_token() -> str:
            nonlocal shown
            shown = True
            return token_for(login_now())

        secure = scope.get("scheme") == "https"

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _login_fix_headers(state, login, secure)
                binding = login_now()
                if binding != login or (shown and not valid):
                    headers.append(_csrf_cookie_header(token_for(binding), secure))
                message["headers"] = headers
            await send(message)

        if scope["method"] not in SAFE_METHODS:
            body = _Replay(receive)
            try:
                sent = _header(scope, CSRF_HEADER)
                if sent is None and valid:
                    sent = await _token_in_body(scope, body)
            except _Malformed:
                await _refuse(scope, send_with_cookies, 400, _MALFORMED)
                return
            if not (valid and sent is not None and _same(sent, held)):
                await _refuse(scope, send_with_cookies, 403, _REFUSED)
                return
            receive = body
        await self.app({**scope, "csrftoken": page_token}, receive, send_with_cookies)


def _set_cookie_headers(response: Response) -> list[tuple[bytes, bytes]]:
    return [(key, value) for key, value in response.raw_headers if key == b"set-cookie"]


def _csrf_cookie_header(token: str, secure: bool) -> tuple[bytes, bytes]:
    scratch = Response()
    scratch.set_cookie(CSRF_COOKIE, token, samesite="lax", secure=secure)
    return _set_cookie_headers(scratch)[0]


def _login_fix_headers(state: dict[str, Any], login: str, secure: bool) -> list[Any]:
    """Return the Set-Cookie headers that bring the browser's login cookies in line with what
    `identify` found, unless the route set them itself."""
    fix = state.get(LOGIN_FIX)
    if not fix or state.get(NEW_LOGIN) is not None:
        return []
    scratch = Response()
    if fix[0] == "clear":
        _forget_cookies(scratch, secure=secure)
    else:  # the same login, its key beside it, both for the login's whole lifetime again
        _login_cookies(scratch, login, fix[1], secure=secure)
    return _set_cookie_headers(scratch)


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    if scope["path"].startswith("/api/"):
        detail = "CSRF token missing or wrong: send x-csrftoken" if status == 403 else message
        body = json.dumps({"detail": detail, "problems": []}).encode()
        kind = b"application/json"
    else:
        body = f"<!doctype html><title>Refused</title><p>{message}</p>".encode()
        kind = b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
