"""A real Chromium for the browser tests, driven by Playwright; skipped where there is none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Kept after the run for a person to look at (the CI job uploads the folder).
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Chromium once for the whole run (never downloading one)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install the distribution's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed; pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots kept after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
