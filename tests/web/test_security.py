"""Security headers, the vendored htmx and the same-origin rule for changes."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

from fastapi.testclient import TestClient

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
