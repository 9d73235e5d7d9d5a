"""The browser player's clock (`static/timeline.js`): pure, kept for offline use, and passing
its Node tests (tests/js/).

The Node tests replay the timeline fixtures of tests/fixtures/timelines/, whose expected
results come from the Python player, on the JavaScript module; this runs them with Node's own
test runner, so the usual test command runs them too. Without Node they are skipped, except in
CI, where they must run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backstretch.web.offline import static_urls

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = ROOT / "tests" / "js"
STATIC = ROOT / "src" / "backstretch" / "web" / "static"
COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)


def node() -> str:
    """Return the path of `node`, or skip (fail in CI) when there is none."""
    found = shutil.which("node")
    if found is None:
        reason = "node is not on PATH (Node 18 or later runs tests/js/; apt install nodejs)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_there_are_node_tests() -> None:
    assert list(JS_TESTS.glob("*.test.mjs"))


def test_the_node_tests_pass() -> None:
    # The files, not the folder: Node 21 and later take a folder for a file to run.
    files = sorted(path.relative_to(ROOT).as_posix() for path in JS_TESTS.rglob("*.test.mjs"))
    result = subprocess.run(
        [node(), "--test", "--test-reporter=tap", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = dict(re.findall(r"^# (pass|fail) (\d+)$", result.stdout, re.MULTILINE))
    # A runner that found nothing to run also exits 0.
    assert int(counts.get("pass", 0)) > 0 and counts.get("fail") == "0", output


def test_the_clock_module_is_pure() -> None:
    code = COMMENTS.sub("", (STATIC / "timeline.js").read_text(encoding="utf-8"))
    for name in ("document", "window", "performance", "Date", "navigator", "setTimeout"):
        assert not re.search(rf"\b{name}\b", code), name
    assert re.search(r"^export class Timeline\b", code, re.MULTILINE)


def test_the_worker_keeps_every_module_the_player_imports() -> None:
    source = (STATIC / "player.js").read_text(encoding="utf-8")
    imported = re.findall(r'^import .* from "\./([^"]+)";$', source, re.MULTILINE)
    assert "timeline.js" in imported
    for name in imported:
        assert f"/static/{name}" in static_urls(), name  # or the player fails offline


def test_the_clock_module_is_served_as_javascript(client: TestClient) -> None:
    # A module script of any other type is refused by the browser.
    answer = client.get("/static/timeline.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == "text/javascript"
    assert "export class Timeline" in answer.text
