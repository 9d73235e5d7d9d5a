"""The installable, offline app as the server gives it: the manifest and its icons, the service
worker and what it keeps, the safety page, and the screening expiry the cached player obeys."""

from __future__ import annotations

import html
import json
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backstretch import __version__
from backstretch.core.safety import SCREENING_VALID_FOR
from backstretch.data import education_pages, screening_guide
from backstretch.services.planning import remember_profile
from backstretch.web import offline
from tests.fakes import FakeNow
from tests.web.conftest import local_person

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header; fail if it is not a PNG."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def worker_settings(client: TestClient) -> dict[str, Any]:
    """Return the settings the server wrote into the service worker."""
    source = client.get("/sw.js").text
    found = re.search(r"^const SETTINGS = (\{.*\});$", source, re.M)
    assert found, "the worker carries no settings"
    settings: dict[str, Any] = json.loads(found.group(1))
    return settings


def embedded(page: str) -> Any:
    found = re.search(
        r'<script id="player-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, "no player data in the page"
    return json.loads(found.group(1))


def text_of(page: str) -> str:
    """Return the page's visible text, tags removed and entities decoded, spaces squeezed."""
    without_tags = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def test_the_manifest_makes_the_app_installable(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    assert manifest["name"] and manifest["short_name"] == "backstretch"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/",
        "/",
        "standalone",
    )
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.headers["content-type"] == icon["type"] == "image/png"
        width, height = png_size(image.content)
        assert f"{width}x{height}" == icon["sizes"], icon["src"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    # What browsers ask for before they offer to install: 192 and 512, and a maskable icon.
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    page = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_the_icons_in_the_package_are_the_ones_the_script_makes() -> None:
    folder = Path(offline.__file__).parent / "static" / "icons"
    made = {path.name: png_size(path.read_bytes()) for path in folder.glob("*.png")}
    assert made == {
        "icon-192.png": (192, 192),
        "icon-512.png": (512, 512),
        "icon-maskable-512.png": (512, 512),
    }
    script = Path(__file__).parents[2] / "scripts" / "make_icons.py"
    assert all(name in script.read_text(encoding="utf-8") for name in made)


def test_the_worker_is_served_from_the_root_and_always_checked_for_changes(
    client: TestClient,
) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert answer.headers["cache-control"] == "no-cache"
    settings = worker_settings(client)
    assert settings["version"].startswith(f"{__version__}-")
    assert settings["offline"] == "/offline"


def test_the_worker_keeps_the_public_pages_and_every_file_they_use(client: TestClient) -> None:
    settings = worker_settings(client)
    public, static = settings["public"], settings["static"]
    stretches = [stretch["id"] for stretch in client.get("/api/stretches").json()]
    wanted = [
        "/",
        "/offline",
        "/safety",
        "/learn",
        "/stretches",
        "/figures",
        *(f"/learn/{page.topic}" for page in education_pages()),
        *(f"/stretches/{stretch}" for stretch in stretches),
    ]
    assert set(wanted) <= set(public)
    for url in [
        "/static/app.css",
        "/static/offline.js",
        "/static/player.js",
        "/static/player.css",
        "/static/icons/icon-192.png",
    ]:
        assert url in static
    assert "/static/sw.js" not in static  # the browser fetches the worker itself, from /sw.js
    assert not [url for url in public + static if url.startswith("/api/")]
    for url in public + static:
        assert client.get(url).status_code == 200, url
    # Every script and stylesheet a public page loads is kept, so it works offline.
    for url in ("/", "/stretches", "/safety"):
        used = re.findall(r'(?:src|href)="(/static/[^"]+)"', client.get(url).text)
        assert set(used) <= set(static), url


def test_a_deploy_that_changes_a_static_file_changes_the_cache_version(tmp_path: Path) -> None:
    (tmp_path / "app.css").write_text("body { color: black; }")
    first = offline.cache_version(tmp_path)
    offline._static_files.cache_clear()
    assert offline.cache_version(tmp_path) == first  # the same files: the same caches
    (tmp_path / "app.css").write_text("body { color: navy; }")
    offline._static_files.cache_clear()
    assert offline.cache_version(tmp_path) != first
    offline._static_files.cache_clear()


def test_the_safety_page_has_the_emergency_advice_and_every_stop_signal(
    client: TestClient,
) -> None:
    saved = client.post(
        "/settings",
        data={"lead_in_seconds": "5", "emergency_region": "au", "timezone": "Europe/London"},
    )
    assert saved.status_code == 200
    page = client.get("/safety")
    assert page.status_code == 200
    shown = text_of(page.text)
    guide = screening_guide()
    assert guide.advice["emergency"]["title"] in shown
    assert 'href="tel:000"' in page.text  # the person's own emergency number, to call at once
    for action in guide.advice["emergency"]["actions"]:
        assert action.replace("{emergency_number}", "000") in shown
    for signal in guide.stop_signals:
        assert signal.label in shown
        advice = " ".join(signal.advice.replace("{emergency_number}", "000").split())
        assert advice in shown, signal.id
    assert "{emergency_number}" not in page.text
    # Every page links to it, so it is one tap away (and kept for offline use).
    assert 'href="/safety"' in client.get("/").text
    assert 'href="/safety"' in client.get("/offline").text


def test_the_offline_page_links_to_what_works_offline(client: TestClient) -> None:
    page = client.get("/offline")
    assert page.status_code == 200
    for link in ("/safety", "/stretches", "/learn", "/plan", "/play"):
        assert f'href="{link}"' in page.text


def test_the_player_page_carries_its_screenings_expiry(
    screened: TestClient, clock: FakeNow
) -> None:
    remember_profile(
        local_person(screened), {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}
    )
    clock.value += timedelta(days=2)  # the page is made two days after the screening
    page = screened.get("/play")
    assert page.status_code == 200
    expires = datetime.fromisoformat(embedded(page.text)["screening_expires_at"])
    answered = clock.value - timedelta(days=2)
    assert expires == answered + SCREENING_VALID_FOR
    assert expires.utcoffset() is not None  # a moment, not a wall-clock reading
    # The stop signals say which ones pause the programme (the player forgets its copy then).
    signals = {s["id"]: s for s in embedded(page.text)["signals"]}
    assert signals["numbness_tingling"]["opens_block"] is True
    assert signals["sharp_pain"]["opens_block"] is False


def test_the_player_script_comes_after_the_queue_it_uses(screened: TestClient) -> None:
    remember_profile(local_person(screened), {"areas": ["neck_shoulders"], "minutes": 5})
    page = screened.get("/play").text
    # Deferred scripts and modules run in the order they come, once the page is parsed.
    player = re.search(
        r'<script (type="module" src="/static/player\.js"|src="/static/player\.js" defer)>', page
    )
    assert player is not None, "the player script is neither deferred nor a module"
    assert page.index('<script src="/static/offline.js" defer>') < player.start()


def test_the_policy_allows_our_own_worker_and_manifest_and_nothing_more(
    client: TestClient,
) -> None:
    policy = client.get("/").headers["content-security-policy"]
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["worker-src"] == "'self'"
    assert rules["manifest-src"] == "'self'"
    assert rules["script-src"] == "'self'"  # still no inline script and no eval
    assert client.get("/sw.js").headers["content-security-policy"] == policy


def test_the_browser_can_ask_who_is_logged_in(client: TestClient) -> None:
    answer = client.get("/offline/account")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json()["account"] == "local"  # one person, no login
    page = client.get("/").text
    meta = re.search(r'<meta name="backstretch-account" content="([^"]*)">', page)
    assert meta and meta.group(1) == "local"
    # A token a page kept offline can send its queued sessions with, once back online.
    token = client.get("/offline/account").json()["csrf"]
    body = {"items": [{"stretch": "no-such-stretch", "sets": 1, "reps": 1, "sides": "bilateral"}]}
    bare = TestClient(client.app, cookies=dict(client.cookies))
    put = bare.put(
        "/api/sessions/0b9e6c1e-6c1a-4a57-9d0e-2f5d8c1e7a10",
        json={**body, "started_at": "2026-11-02T08:30:00+00:00"},
        headers={"x-csrftoken": token},
    )
    assert put.status_code == 409, put.text  # the token passed: safety answers (no screening)
    refused = bare.put(
        "/api/sessions/0b9e6c1e-6c1a-4a57-9d0e-2f5d8c1e7a10",
        json={**body, "started_at": "2026-11-02T08:30:00+00:00"},
    )
    assert refused.status_code == 403  # without it, nothing gets through
