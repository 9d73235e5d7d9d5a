"""Every page at phone and desktop size, as a person sees it: nothing wider than the screen, a
header that leaves room for the page, header controls big enough for a finger on a phone, and a
screenshot of each.

The pages and the states they are brought to are the accessibility sweep's `VISITS`, so a new
page is laid out, photographed and checked from the day it lands. The screenshots land in
`test-artifacts/pages/<visit>-<size>.png`, to be looked at by a person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_accessibility import PHONE, SIZES, VISITS, Visit, opened, server_for

# A phone header of one line: the bar and its bottom border, not three lines of links.
PHONE_HEADER_MAX_PX = 64
# The smallest target a finger hits reliably (WCAG 2.5.5's 44 CSS pixels).
TARGET_PX = 44

LAYOUT = """() => {
  const header = document.querySelector('body > header');
  const visible = (element) => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
  };
  const small = [...document.querySelectorAll('header a, header button, header summary')]
    .filter(visible)
    .map((element) => ({text: element.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40),
                         height: Math.round(element.getBoundingClientRect().height)}))
    .filter((target) => target.height < TARGET_PX);
  const wide = [...document.querySelectorAll('main *')]
    .filter(visible)
    .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
    .filter((element) => !element.closest('[data-scrolls]'))
    .map((element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
         + (element.className && typeof element.className === 'string'
            ? '.' + element.className.trim().split(/\\s+/).join('.') : ''))
    .slice(0, 5);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    headerHeight: header ? Math.round(header.getBoundingClientRect().height) : 0,
    smallTargets: small,
    wide: wide,
    footer: (document.querySelector('body > footer') || {textContent: ''}).textContent,
  };
}""".replace("TARGET_PX", str(TARGET_PX))


def layout(page: Any) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(LAYOUT)
    return found


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize("visit", VISITS, ids=lambda visit: visit.name)
def test_every_page_fits_a_phone_and_a_desktop(
    browser: Any, request: pytest.FixtureRequest, artifacts: Path, visit: Visit
) -> None:
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    problems = []
    with opened(browser, server_for(request, visit), visit, PHONE) as page:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.screenshot(path=str(folder / f"{visit.name}-{size}.png"), full_page=True)
            found = layout(page)
            if found["scrollWidth"] > found["innerWidth"]:
                problems.append(
                    f"{size}: the page is {found['scrollWidth']} px wide on a "
                    f"{found['innerWidth']} px screen ({', '.join(found['wide']) or '?'})"
                )
            if viewport is PHONE and found["smallTargets"]:
                problems.append(
                    f"{size}: header targets under {TARGET_PX} px: {found['smallTargets']}"
                )
            if viewport is PHONE and found["headerHeight"] > PHONE_HEADER_MAX_PX:
                problems.append(f"{size}: the header takes {found['headerHeight']} px")
            if "not medical advice" not in found["footer"]:
                problems.append(f"{size}: the wellness note is missing from the footer")
    assert not problems, f"{visit.name}:\n" + "\n".join(problems)
