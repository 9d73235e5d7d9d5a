"""The figure gallery in a real browser: every stretch visible with its name, kept as a picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.data import builtin_catalogue

pytestmark = pytest.mark.slow


def test_the_gallery_shows_every_figure(
    browser: Any, runner: CliRunner, tmp_path: Path, artifacts: Path
) -> None:
    out = tmp_path / "figures"
    result = runner.invoke(app, ["figure", "--all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((out / "index.html").as_uri())
        for stretch in builtin_catalogue():
            section = page.locator(f'section[data-stretch="{stretch.id}"]')
            assert section.locator("h2").inner_text() == stretch.name
            drawings = section.locator("svg")
            assert drawings.count() >= 2, stretch.id
            for index in range(drawings.count()):
                drawing = drawings.nth(index)
                drawing.scroll_into_view_if_needed()
                assert drawing.is_visible(), f"{stretch.id}: drawing {index} is not visible"
                box = drawing.bounding_box()
                assert box is not None and box["width"] > 40 and box["height"] > 30, stretch.id
        page.screenshot(path=str(artifacts / "gallery.png"), full_page=True)
    finally:
        page.close()
    assert (artifacts / "gallery.png").stat().st_size > 10_000
