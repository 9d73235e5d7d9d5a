"""Smoke tests of the web benchmarks: they run with tiny settings and print their figures.

Nothing here asserts a time or a size: the figures depend on the machine. The load benchmark
needs wrk; without it the test is skipped, except under CI=true where a missing wrk fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def run(
    script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script with this interpreter and return what it did."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a benchmark script as a module (it imports its sibling `_server`)."""
    import importlib

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module(name)


def need_wrk() -> None:
    if shutil.which("wrk") is None:
        reason = "wrk is not installed (Debian package `wrk`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


# Page weight -------------------------------------------------------------------------------------


def test_page_weight_of_the_welcome_page() -> None:
    done = run("page_weight.py", "--path", "/")
    assert done.returncode == 0, done.stderr
    assert "/static/app.css" in done.stdout
    assert "first-load transfer:" in done.stdout
    assert "kB (aim < 100 kB" in done.stdout


def test_page_weight_of_the_player_page() -> None:
    done = run("page_weight.py")
    assert done.returncode == 0, done.stderr
    assert "GET /play " in done.stdout
    assert "first-load transfer:" in done.stdout


def test_page_weight_fails_loudly_for_a_page_that_is_not_there() -> None:
    done = run("page_weight.py", "--path", "/no-such-page")
    assert done.returncode != 0
    assert "NOT VALID: GET /no-such-page answered 404" in done.stderr


def test_page_weight_fails_loudly_when_the_page_is_not_the_expected_one() -> None:
    done = run("page_weight.py", "--path", "/", "--expect", 'id="player"')
    assert done.returncode != 0
    assert "does not contain" in done.stderr


def test_page_weight_finds_what_a_page_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    page_weight = load("page_weight", monkeypatch)
    references = page_weight.References("http://h/play")
    references.feed(
        '<html><head><title>Player</title><link rel="stylesheet" href="/static/a.css">'
        '<link rel="icon" href="i.svg"><script src="/static/p.js" type="module"></script>'
        '<style>.x { background: url("/static/b.png") }</style></head>'
        '<body><img src="data:image/png;base64,AA"><img src="/f.svg"><svg><title>x</title></svg>'
        '<audio src="/bell.ogg"></audio><a href="/not-loaded">no</a></body></html>'
    )
    found = {asset.path: asset for asset in references.found}
    assert set(found) == {
        "http://h/static/a.css",
        "http://h/i.svg",
        "http://h/static/p.js",
        "http://h/static/b.png",
        "http://h/f.svg",
        "http://h/bell.ogg",
    }
    assert found["http://h/static/p.js"].module
    assert references.has_icon
    assert references.title == "Player"
    css = "@import 'c.css'; .a { background: url(d.png) } .b { src: url('/e.woff2') }"
    assert sorted(page_weight.css_references(css)) == ["/e.woff2", "c.css", "d.png"]
    assert page_weight.js_imports('import {a} from "./a.js"; import("/b.js"); x("./c.js")') == [
        "./a.js",
        "/b.js",
    ]


# Load --------------------------------------------------------------------------------------------

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/api/plan
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   250.16ms  111.54ms   1.19s    71.67%
    Req/Sec   102.90     28.86   200.00     70.92%
  Latency Distribution
     50%  235.71ms
     75%  288.43ms
     90%  376.12ms
     99%    1.02s
  8104 requests in 40.02s, 179.70MB read
  Socket errors: connect 0, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 3
Requests/sec:    202.51
Transfer/sec:      4.49MB
"""


def test_web_load_reads_wrks_output(monkeypatch: pytest.MonkeyPatch) -> None:
    web_load = load("web_load", monkeypatch)
    result = web_load.parse_wrk(WRK_OUTPUT)
    assert result.p50_ms == pytest.approx(235.71)
    assert result.p99_ms == pytest.approx(1020)
    assert result.requests == 8104
    assert result.per_second == pytest.approx(202.51)
    assert result.bytes_read == pytest.approx(179.70 * 1024**2)
    assert result.non_2xx == 3
    assert result.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 7}


def test_web_load_names_the_package_when_wrk_is_missing() -> None:
    done = run("web_load.py", env={**os.environ, "PATH": "/nonexistent"})
    assert done.returncode != 0
    assert "install the `wrk` package" in done.stderr


@pytest.mark.slow
def test_web_load_prints_figures() -> None:
    need_wrk()
    done = run("web_load.py", "--duration", "1", "--warmup", "0", "--connections", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    for label in ("GET /api/health", "GET /api/stretches", "POST /api/plan"):
        assert label in done.stdout
    assert "plan / hello throughput ratio:" in done.stdout


# Start -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_start_prints_figures() -> None:
    done = run("serve_start.py", "--runs", "1")
    assert done.returncode == 0, done.stderr
    assert "empty (creates the database)" in done.stdout
    assert "existing database" in done.stdout
    assert "first spawn" in done.stdout
