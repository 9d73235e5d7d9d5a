"""Who is asking: the local person, or with accounts the person logged in; and the account pages.

Single-person mode (the default on this machine's own address) has no login: every request is
the local person's. With accounts (`serve --accounts`, or any address but loopback), a request
without a valid login cookie reaches only the public pages; personal pages send it to the login
page and the API answers 401. The login cookie is HttpOnly, SameSite=Lax, and Secure when the
request came over HTTPS. Every form and every API write also needs the CSRF token
(`CsrfProtection`, asgi-csrf's double-submit cookie).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from backstretch.services import accounts
from backstretch.services.errors import Invalid

if TYPE_CHECKING:
    from backstretch.web.app import Runtime

LOGIN_COOKIE = "backstretch_login"
CSRF_COOKIE = "backstretch_csrf"
LOCAL_KEY = "local"

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
    if not token or len(token) > 100:
        return
    account = await run_in_threadpool(accounts.account_of_login, runtime.services, token)
    if account is not None:
        request.state.account_id = account.id
        request.state.account_name = account.username
        request.state.account_key = accounts.account_key(runtime.secret, account.id)


async def current_account(request: Request, runtime: Runtime) -> int:
    """Return the id of the person asking; nobody logged in raises `NotLoggedIn`."""
    del runtime  # identify() reads it from the app; kept for the dependency's signature
    await identify(request)
    account_id: int | None = request.state.account_id
    if account_id is None:
        raise NotLoggedIn()
    return account_id


def login_redirect(request: Request) -> Response:
    """Send a browser to the login page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//elsewhere" or "https://…" would send the person away.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _set_login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=int(accounts.LOGIN_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


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
        _account, token = accounts.register_account(
            _runtime(request).services, username=username, password=password
        )
    except accounts.AccountError as error:
        problems = [_account_problem(error)]
        return _page(request, "register.html", {"problems": problems, "username": username}, 422)
    response = RedirectResponse("/", status_code=303)
    _set_login_cookie(request, response, token)
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
        _account, token = accounts.log_in_account(
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
    _set_login_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End this browser's login and forget its cookie."""
    _accounts_only(request)
    token = request.cookies.get(LOGIN_COOKIE)
    if token:
        accounts.end_login(_runtime(request).services, token)
    response = RedirectResponse("/logged-out", status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.get("/logged-out", response_class=HTMLResponse)
async def logged_out(request: Request) -> Response:
    """Say the person is logged out (the page's scripts clear what the browser kept)."""
    _accounts_only(request)
    await identify(request)
    return _page(request, "logged_out.html", {})


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
        )
    except accounts.AccountError as error:
        problems = [_account_problem(error)]
        return _page(request, "account.html", {"problems": problems, "done": None}, 422)
    response = RedirectResponse("/account?done=password", status_code=303)
    _set_login_cookie(request, response, token)
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
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _logged_in_id(request: Request) -> int:
    # Sync routes run in a worker thread; the login was looked up by the `identify` dependency.
    account_id: int | None = getattr(request.state, "account_id", None)
    if account_id is None:
        raise NotLoggedIn()
    return account_id


# CSRF -----------------------------------------------------------------------------------------


class CsrfProtection:
    """asgi-csrf's double-submit check on every POST, PUT and DELETE, signed with the
    deployment's shared secret, made on the first request (the secret lives in the database).

    Forms send the token as their first field (`csrftoken`), scripts as `x-csrftoken`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._checks: dict[bool, ASGIApp] = {}

    def _check(self, scope: Scope) -> ASGIApp:
        secure = scope.get("scheme") == "https"
        if secure not in self._checks:
            from asgi_csrf import asgi_csrf  # type: ignore[import-untyped]

            runtime: Runtime = scope["app"].state.runtime
            self._checks[secure] = asgi_csrf(
                self.app,
                cookie_name=CSRF_COOKIE,
                signing_secret=runtime.secret,
                cookie_secure=secure,
                cookie_samesite="Lax",
                send_csrf_failed=_csrf_failed,
            )
        return self._checks[secure]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._check(scope)(scope, receive, send)


async def _csrf_failed(scope: Scope, send: Send, _reason: Any) -> None:
    import json

    message = (
        "This form or request is missing its security token, or the token is out of date. "
        "Go back, reload the page and try again."
    )
    if scope["path"].startswith("/api/"):
        detail = "CSRF token missing or wrong: send x-csrftoken"
        body = json.dumps({"detail": detail, "problems": []}).encode()
        kind = b"application/json"
    else:
        body = f"<!doctype html><title>Refused</title><p>{message}</p>".encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})
