"""Security headers on every answer, the vendored htmx, the same-origin rule and the CSRF token
for changes (tied to the login, in a form's body as a browser sends it), no caching of what is
personal, and request bodies capped and read off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backstretch.web.auth import ACCOUNT_COOKIE, CSRF_COOKIE, LOGIN_COOKIE, CsrfTokens
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.web.conftest import PASSWORD, register
from tests.web.test_own_pages import stretch_yaml

STATIC = Path(str(resources.files("backstretch.web").joinpath("static")))
TEMPLATES = Path(str(resources.files("backstretch.web").joinpath("templates")))


def test_every_page_has_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/stretches", "/screen", "/api/health", "/static/app.css"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, template.name
        assert "<style" not in text, template.name
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name


def test_vendored_htmx_is_the_recorded_version() -> None:
    record = (STATIC / "vendor" / "VENDORED.md").read_text(encoding="utf-8")
    for name, digest in re.findall(r"\| `([^`]+)` \|[^\n]*`([0-9a-f]{64})`", record):
        actual = hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest()
        assert actual == digest, name
    assert "htmx-2.0.11.min.js" in record and "0BSD" in record


def test_htmx_is_configured_for_the_policy(client: TestClient) -> None:
    page = client.get("/").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config is not None
    assert '"allowEval":false' in config.group(1)
    assert '"includeIndicatorStyles":false' in config.group(1)
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_a_change_from_another_site_is_refused(client: TestClient) -> None:
    evil = {"origin": "https://evil.example", "host": "testserver"}
    answer = client.post("/data/delete", data={"confirm": "delete"}, headers=evil)
    assert answer.status_code == 403
    cross = {"sec-fetch-site": "cross-site", "origin": "null"}
    assert client.post("/settings", data={}, headers=cross).status_code == 403
    same = {"origin": "http://testserver"}
    assert client.post("/settings", data={"lead_in_seconds": "7"}, headers=same).status_code == 422
    assert client.get("/", headers=evil).status_code == 200  # reading is fine


def test_pages_are_compressed(client: TestClient) -> None:
    answer = client.get("/screen", headers={"accept-encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"


def test_a_form_from_this_app_passes_even_with_a_hidden_origin(client: TestClient) -> None:
    own = {"sec-fetch-site": "same-origin", "origin": "null"}
    answer = client.post("/settings", data={"lead_in_seconds": "7"}, headers=own)
    assert answer.status_code == 422  # reached the route: a missing field, not a refusal


# Every answer, errors included, has the headers ------------------------------------------------


def has_security_headers(answer: Any) -> bool:
    return (
        "frame-ancestors 'none'" in answer.headers.get("content-security-policy", "")
        and answer.headers.get("x-content-type-options") == "nosniff"
        and answer.headers.get("x-frame-options") == "DENY"
    )


def bare(client: TestClient) -> TestClient:
    """A client with the same cookies that adds no CSRF token of its own."""
    return TestClient(client.app, cookies=dict(client.cookies), raise_server_exceptions=False)


def token_of(client: TestClient) -> str:
    if not client.cookies.get(CSRF_COOKIE):
        client.get("/")
    return str(client.cookies[CSRF_COOKIE])


def test_errors_of_every_kind_have_the_security_headers(client: TestClient) -> None:
    token = token_of(client)
    raw = bare(client)
    answers = {
        "404": client.get("/no-such-page"),
        "405": client.put("/settings"),
        "403 (no token)": raw.post("/settings", data={"lead_in_seconds": "7"}),
        "403 (other site)": client.post("/settings", headers={"sec-fetch-site": "cross-site"}),
        "413": client.post("/api/screen", content=b"{" * (3 * 1024 * 1024)),
        "400": raw.post(
            "/settings",
            content=b"x",
            headers={"content-type": "multipart/form-data", "x-csrftoken": token},
        ),
        "422": client.post("/api/plan", json={"profile": {"minutes": "many"}}),
    }
    for name, answer in answers.items():
        assert answer.status_code == int(name[:3]), (name, answer.text)
        assert has_security_headers(answer), name
        assert answer.headers["cache-control"] == "no-store", name


def test_a_server_error_in_a_route_has_the_headers(client: TestClient) -> None:
    from backstretch.web.deps import get_person

    def broken() -> None:
        raise RuntimeError("the database went away")

    client.app.dependency_overrides[get_person] = broken  # type: ignore[attr-defined]
    answer = client.get("/history")
    assert answer.status_code == 500
    assert has_security_headers(answer)
    assert "the database went away" not in answer.text


def test_a_server_error_in_the_middleware_has_the_headers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> bool:
        raise RuntimeError("broken check")

    monkeypatch.setattr(CsrfTokens, "valid", broken)
    for answer in (client.get("/"), client.post("/api/screen", json={})):
        assert answer.status_code == 500
        assert has_security_headers(answer)
        assert answer.json()["detail"] == "Something went wrong on the server."


# Forms post their token in the body, as a browser does -------------------------------------------


def test_the_token_on_the_page_is_the_cookie_and_a_form_body_carries_it(client: TestClient) -> None:
    page = client.get("/settings").text
    shown = re.search(r'name="csrftoken" value="([^"]+)"', page)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert shown and meta and shown.group(1) == meta.group(1) == client.cookies[CSRF_COOKIE]
    form = {"csrftoken": shown.group(1), "lead_in_seconds": "9", "voice": "on"}
    form |= {"emergency_region": "uk", "timezone": "Europe/London"}
    answer = bare(client).post("/settings", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert client.get("/settings").text.count('value="9"') >= 1


def test_an_upload_with_the_token_first_in_its_body_is_taken(client: TestClient) -> None:
    token = token_of(client)
    raw = bare(client)
    answer = raw.post(
        "/stretches/own",
        data={"csrftoken": token},
        files={"file": ("wall.yaml", stretch_yaml(), "application/yaml")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    # The boundary parameter written without a space after the semicolon is still a boundary.
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="csrftoken"\r\n\r\n' + token.encode() + b"\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="wall.yaml"\r\n'
        b"Content-Type: application/yaml\r\n\r\n"
        + stretch_yaml(id="my-other-stretch").encode()
        + b"\r\n--XyZ--\r\n"
    )
    tight = raw.post(
        "/stretches/own",
        content=body,
        headers={"content-type": "multipart/form-data;boundary=XyZ"},
        follow_redirects=False,
    )
    assert tight.status_code == 303, tight.text


def test_a_file_before_the_token_is_refused_unread(client: TestClient) -> None:
    token = token_of(client)
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="wall.yaml"\r\n\r\n'
        + stretch_yaml().encode()
        + b"\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="csrftoken"\r\n\r\n' + token.encode() + b"\r\n"
        b"--XyZ--\r\n"
    )
    answer = bare(client).post(
        "/stretches/own",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
    )
    assert answer.status_code == 403
    assert "security token" in answer.text


# Malformed cookies, tokens and bodies: 400 or 403, never 500 ------------------------------------


def test_malformed_input_is_refused_without_a_server_error(client: TestClient) -> None:
    token = token_of(client)
    cookie = f"{CSRF_COOKIE}={token}".encode()
    raw = TestClient(client.app, raise_server_exceptions=False)
    urlencoded = {"content-type": "application/x-www-form-urlencoded"}
    cases: dict[str, tuple[Any, set[int]]] = {
        "cookie with invalid UTF-8 (GET)": (
            raw.get("/", headers={"cookie": b"backstretch_csrf=\xff\xfe; x=\xc3("}),
            {200},
        ),
        "cookie with invalid UTF-8 (POST)": (
            raw.post("/settings", headers={"cookie": b"backstretch_csrf=\xff\xfe\x80"}),
            {403},
        ),
        "non-ASCII x-csrftoken": (
            raw.post(
                "/api/screen",
                json={},
                headers={"cookie": cookie, "x-csrftoken": "tökén".encode()},
            ),
            {403},
        ),
        "invalid UTF-8 in a form body, no token": (
            raw.post("/settings", content=b"lead_in_seconds=\xff\xfe", headers={**urlencoded}),
            {403},
        ),
        "invalid UTF-8 in a form body, with its token": (
            raw.post(
                "/settings",
                content=b"csrftoken=" + token.encode() + b"&lead_in_seconds=\xff\xfe&timezone=\x80",
                headers={**urlencoded, "cookie": cookie},
            ),
            {422},
        ),
        "invalid UTF-8 in the token field": (
            raw.post(
                "/settings",
                content=b"csrftoken=%ff%fe\xff&lead_in_seconds=7",
                headers={**urlencoded, "cookie": cookie},
            ),
            {403},
        ),
        "multipart without a boundary": (
            raw.post(
                "/stretches/own",
                content=b"--x\r\n",
                headers={"content-type": "multipart/form-data", "cookie": cookie},
            ),
            {400},
        ),
        "multipart that is not multipart": (
            raw.post(
                "/stretches/own",
                content=b"\x00\xff garbage, no boundary anywhere" * 100,
                headers={"content-type": "multipart/form-data; boundary=XyZ", "cookie": cookie},
            ),
            {400, 403},
        ),
        "a boundary longer than allowed": (
            raw.post(
                "/stretches/own",
                content=b"--x\r\n",
                headers={
                    "content-type": "multipart/form-data; boundary=" + "b" * 300,
                    "cookie": cookie,
                },
            ),
            {400},
        ),
        "an unknown content type": (
            raw.post("/settings", content=b"<x/>", headers={"content-type": "text/xml"}),
            {403},
        ),
        "a Content-Length that is not a number": (
            raw.post("/settings", content=b"", headers={"content-length": "1e9"}),
            {400},
        ),
    }
    for name, (answer, allowed) in cases.items():
        assert answer.status_code in allowed, (name, answer.status_code, answer.text[:200])
        assert has_security_headers(answer), name


# No header skips the check, and the token is tied to the login ----------------------------------


def test_no_header_and_no_missing_cookie_skip_the_check(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    raw = TestClient(accounts_app, cookies=dict(ana.cookies), raise_server_exceptions=False)
    for headers in (
        {"authorization": "Bearer anything"},
        {"authorization": "Basic YW5hOnBhc3N3b3Jk"},
        {"x-requested-with": "XMLHttpRequest"},
        {"origin": "http://testserver", "sec-fetch-site": "same-origin"},
        {"x-csrftoken": ""},
    ):
        answer = raw.post("/api/screen", json=all_no_answers(), headers=headers)
        assert answer.status_code == 403, headers
    # A request without any cookie (a cross-site form in a browser holding none) is refused too.
    nobody = TestClient(accounts_app, raise_server_exceptions=False)
    assert nobody.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 403
    assert nobody.post("/api/screen", json=all_no_answers()).status_code == 403
    assert ana.post("/api/screen", json=all_no_answers()).status_code == 200


def test_the_token_is_tied_to_the_login(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    bob = register(accounts_app, "bob")
    anas_token = ana.cookies[CSRF_COOKIE]
    assert anas_token != bob.cookies[CSRF_COOKIE]
    # Bob's login with Ana's token, as a header or as his cookie: refused.
    for cookies in (
        {LOGIN_COOKIE: bob.cookies[LOGIN_COOKIE], CSRF_COOKIE: bob.cookies[CSRF_COOKIE]},
        {LOGIN_COOKIE: bob.cookies[LOGIN_COOKIE], CSRF_COOKIE: anas_token},
    ):
        mixed = TestClient(accounts_app, cookies=cookies, raise_server_exceptions=False)
        answer = mixed.post(
            "/api/screen", json=all_no_answers(), headers={"x-csrftoken": anas_token}
        )
        assert answer.status_code == 403
    # A token from before logging in is worth nothing after; the login sets a new one.
    visitor = TestClient(accounts_app, raise_server_exceptions=False)
    visitor.get("/login")
    before = visitor.cookies[CSRF_COOKIE]
    logged_in = visitor.post(
        "/login",
        data={"csrftoken": before, "username": "ana", "password": PASSWORD},
        follow_redirects=False,
    )
    assert logged_in.status_code == 303
    after = visitor.cookies[CSRF_COOKIE]
    assert after != before
    stale = {"x-csrftoken": before}
    late = TestClient(
        accounts_app,
        cookies={LOGIN_COOKIE: visitor.cookies[LOGIN_COOKIE], CSRF_COOKIE: before},
        raise_server_exceptions=False,
    )
    assert late.post("/api/screen", json=all_no_answers(), headers=stale).status_code == 403
    fresh = {"x-csrftoken": after}
    assert visitor.post("/api/screen", json=all_no_answers(), headers=fresh).status_code == 200
    # After logging out, the login's token goes with it.
    visitor.post("/logout", data={"csrftoken": after}, follow_redirects=False)
    assert visitor.cookies[CSRF_COOKIE] != after
    assert visitor.post("/login", data={"csrftoken": after}).status_code == 403


# The login's companion cookie --------------------------------------------------------------------


def cookie_in_jar(client: TestClient, name: str) -> Any:
    return next((c for c in client.cookies.jar if c.name == name), None)


def test_the_account_cookie_lives_and_dies_with_the_login(
    accounts_app: Any, clock: FakeNow
) -> None:
    ana = register(accounts_app, "ana")
    login = cookie_in_jar(ana, LOGIN_COOKIE)
    account = cookie_in_jar(ana, ACCOUNT_COOKIE)
    page = ana.get("/").text
    key = re.search(r'<meta name="backstretch-account" content="([^"]*)">', page)
    assert key and account.value == key.group(1)
    assert not account.has_nonstandard_attr("HttpOnly")  # scripts and the worker may read it
    assert abs(account.expires - login.expires) <= 1
    # Gone from the browser (cleared, or a login from before): the next answer puts it back.
    ana.cookies.delete(ACCOUNT_COOKIE)
    ana.get("/")
    assert ana.cookies[ACCOUNT_COOKIE] == key.group(1)
    # The login ends elsewhere (here: it expires): the next answer clears both cookies, and the
    # page it shows already has the token of the browser with no login.
    clock.value += timedelta(days=31)
    expired = ana.get("/login")
    assert ACCOUNT_COOKIE not in ana.cookies and LOGIN_COOKIE not in ana.cookies
    shown = re.search(r'name="csrftoken" value="([^"]+)"', expired.text)
    assert shown and shown.group(1) == ana.cookies[CSRF_COOKIE]
    again = ana.post(
        "/login",
        data={"csrftoken": shown.group(1), "username": "ana", "password": PASSWORD},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert ana.cookies[ACCOUNT_COOKIE] == key.group(1)
    ana.post("/logout", follow_redirects=False)
    assert ACCOUNT_COOKIE not in ana.cookies and LOGIN_COOKIE not in ana.cookies


# Request bodies are capped ------------------------------------------------------------------------

MB = 1024 * 1024


def chunks(head: bytes, size: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent in pieces, with no Content-Length (chunked)."""
    yield head
    sent = len(head)
    while sent < size:
        yield b"a" * piece
        sent += piece


def test_a_body_over_the_limit_is_refused_whatever_it_says(client: TestClient) -> None:
    token = token_of(client)
    said = client.post("/api/screen", content=b"{}" + b" " * (2 * MB))
    assert said.status_code == 413
    assert said.json()["detail"] == "The request is larger than this server takes here (2 MB)."
    form = {"content-type": "application/x-www-form-urlencoded"}
    streamed = bare(client).post(
        "/settings",
        content=chunks(b"csrftoken=" + token.encode() + b"&lead_in_seconds=", 3 * MB),
        headers=form,
    )
    assert streamed.status_code == 413, streamed.text[:300]
    assert has_security_headers(streamed)
    json_streamed = client.post(
        "/api/screen",
        content=chunks(b'{"x": "', 3 * MB),
        headers={"content-type": "application/json"},
    )
    assert json_streamed.status_code == 413
    page = client.post(
        "/settings",
        content=b"x" * (3 * MB),
        headers={**form, "accept": "text/html"},
    )
    assert page.status_code == 413 and "larger than this server takes" in page.text
    # A urlencoded form is a few kB: 64 kB is its limit (its parser is slow); JSON has 2 MB.
    padded = {"csrftoken": token, "lead_in_seconds": "7", "pad": "p" * (70 * 1024)}
    assert bare(client).post("/settings", data=padded).status_code == 413
    json_body = b'{"pad": "' + b"p" * MB + b'"}'
    accepted = client.post(
        "/api/screen", content=json_body, headers={"content-type": "application/json"}
    )
    assert accepted.status_code == 422  # read and checked: not refused for its size


def test_the_import_takes_a_larger_body_but_not_without_end(client: TestClient) -> None:
    from backstretch.services.your_data import MAX_IMPORT_BYTES

    big = b"[" + b" " * (3 * MB) + b"]"  # over the general limit: the import page takes it
    answer = client.post("/data/import", files={"file": ("big.json", big, "application/json")})
    assert answer.status_code == 422 and "larger than" not in answer.text
    # Over the file's limit but within the request's: the page names the file's limit.
    over = client.post(
        "/data/import",
        files={"file": ("over.json", b" " * (MAX_IMPORT_BYTES + 1), "application/json")},
    )
    assert over.status_code == 413
    assert f"over.json: larger than {MAX_IMPORT_BYTES // 1_000_000} MB" in over.text
    # Over the request's limit: refused before it is read.
    huge = b" " * (MAX_IMPORT_BYTES + 2 * MB)
    refused = client.post("/data/import", files={"file": ("huge.json", huge, "application/json")})
    assert refused.status_code == 413
    assert "larger than this server takes here" in refused.text


def test_the_import_and_the_upload_run_off_the_event_loop(
    screened: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backstretch.services import your_data
    from backstretch.web import own_pages

    where: list[str] = []

    def watching(function: Any) -> Any:
        def watched(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                where.append(f"{function.__name__}: on the event loop")
            except RuntimeError:
                where.append(f"{function.__name__}: on a worker thread")
            return function(*args, **kwargs)

        return watched

    monkeypatch.setattr(your_data, "read_export", watching(your_data.read_export))
    monkeypatch.setattr(your_data, "import_data", watching(your_data.import_data))
    monkeypatch.setattr(own_pages, "add_own_stretch", watching(own_pages.add_own_stretch))
    export = screened.get("/data/export.json").content
    screened.post("/data/delete", data={"confirm": "delete"})
    imported = screened.post(
        "/data/import", files={"file": ("export.json", export, "application/json")}
    )
    assert imported.status_code == 200, imported.text
    added = screened.post(
        "/stretches/own",
        files={"file": ("wall.yaml", stretch_yaml(), "application/yaml")},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert where == [
        "read_export: on a worker thread",
        "import_data: on a worker thread",
        "add_own_stretch: on a worker thread",
    ]


# Private stays private ---------------------------------------------------------------------------


def test_personal_answers_are_never_stored_by_a_cache(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    ana.post("/api/screen", json=all_no_answers())
    for path in (
        "/",
        "/plan",
        "/history",
        "/settings",
        "/data",
        "/account",
        "/stretches",
        "/safety",
        "/login",
        "/api/history",
        "/api/export",
        "/api/stats",
        "/data/export.json",
        "/offline/account",
        "/api/health",
        "/no-such-page",
    ):
        answer = ana.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert "cookie" in answer.headers["vary"].lower(), path
    compressed = ana.get("/plan", headers={"accept-encoding": "gzip"})
    assert compressed.headers["vary"].lower().replace(" ", "") in (
        "accept-encoding,cookie",
        "cookie,accept-encoding",
    )
    # The same for everyone: the static files and the worker keep their own caching.
    assert "no-store" not in ana.get("/static/app.css").headers.get("cache-control", "")
    assert ana.get("/sw.js").headers["cache-control"] == "no-cache"


# The pinned form parser --------------------------------------------------------------------------


def test_the_form_parser_installed_is_the_one_pinned() -> None:
    """The CSRF check reads form bodies with python-multipart's streaming parser (the one
    Starlette uses); the pin in pyproject.toml is the range it is tested with."""
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pinned = {
        Requirement(line).name: Requirement(line).specifier
        for line in project["project"]["dependencies"]
    }
    assert version("python-multipart") in pinned["python-multipart"]
    # asgi-csrf called the parser with an argument python-multipart no longer has (a 500 on
    # every upload), skipped its check for a Bearer header or no cookie, and knew no login.
    assert "asgi-csrf" not in pinned
    source = Path(__file__).parents[2] / "src" / "backstretch"
    assert not [p for p in source.rglob("*.py") if "asgi_csrf" in p.read_text(encoding="utf-8")]
