"""Journeys to the first stretch: taps and words in a phone browser, keys in a terminal.

Figures, never timed: how many taps (clicks and checks) and how many words on screen a person
meets from `/` to the first stretch of the player, in Chromium at 390×844, for
- a new person (no screening, no profile),
- a returning person (a screening from today and a remembered profile),
- a person whose weekly check is due (a screening eight days old, a remembered profile);
and how many keys a person types in the terminal from `backstretch start` to the first stretch,
for a new and a returning person (the command itself not counted; Enter counts as a key).

Words are counted on every page the journey shows, once per page: the whole page's visible
text (`innerText`, so closed "what does this mean?" sections are not counted), header included.

    .venv/bin/python benchmarks/journeys.py [--web] [--terminal]

Targets (issue 16): web new ≤ 12 taps and ≤ 600 words, returning ≤ 2 taps, weekly ≤ 4 taps;
terminal new ≤ 20 keys, returning ≤ 3.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _server import (
    PLAN_PROFILE,
    all_no_answers,
    cli_command,
    running_server,
    server_env,
    store_profile,
)

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@dataclass
class Walk:
    """What one journey cost: taps, and the words of each page seen."""

    name: str
    taps: int = 0
    pages: list[tuple[str, int]] = field(default_factory=list)
    reached: bool = False

    @property
    def words(self) -> int:
        return sum(words for _, words in self.pages)


class Counter:
    """Drive a page, counting each tap and the words of each new page shown."""

    def __init__(self, page: Any, walk: Walk) -> None:
        self.page, self.walk = page, walk
        self.page.on("load", lambda _: self.count_page())
        self._seen: str | None = None

    def count_page(self) -> None:
        url = self.page.url
        if url == self._seen:
            return
        self._seen = url
        text = self.page.evaluate("document.body.innerText")
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        self.walk.pages.append((path, len(text.split())))

    def tap(self, locator: Any, *, check: bool = False) -> None:
        self.walk.taps += 1
        if check:
            locator.check()
        else:
            locator.click()
        self.page.wait_for_load_state()
        self.count_page()


def seed(data_dir: Path, *, screened_days_ago: int | None, profile: bool) -> None:
    """Store a profile and a screening (every answer no) answered some days ago."""
    from backstretch.config import Settings
    from backstretch.services.clock import utc_now
    from backstretch.services.context import open_services
    from backstretch.services.screening import record_screening

    if profile:
        store_profile(data_dir, PLAN_PROFILE)
    if screened_days_ago is None:
        return
    at = utc_now() - timedelta(days=screened_days_ago)
    settings = Settings(data_dir=data_dir, timezone="Europe/London", emergency_number="999")
    services = open_services(settings, clock=lambda: at, accounts=False)
    try:
        record_screening(services.local_person(), all_no_answers())
    finally:
        services.close()


def first_stretch(counter: Counter) -> None:
    """From the player's first screen: the pain number (one tap starts the session; an older
    player wanted a number, then its Start button), until the first stretch shows."""
    page = counter.page
    page.wait_for_selector("#before", timeout=10_000)
    one_tap = page.locator("button[name=pain_before][value='3']")
    if one_tap.count():
        counter.tap(one_tap)
    else:
        counter.tap(page.locator("input[name=pain_before][value='3']"), check=True)
        counter.tap(page.locator("button.start").first)
    page.wait_for_selector("#stretch-name", state="visible", timeout=10_000)
    counter.walk.reached = bool(page.locator("#stretch-name").inner_text().strip())
    counter.count_page()


def web_new(page: Any, url: str) -> Walk:
    """Home's one button, "None of these" on every screen of the check, the result's one
    button, one area on the profile (10 minutes and the setting are chosen for the person),
    "Save and start", then the pain number."""
    walk = Walk("web, new person")
    counter = Counter(page, walk)
    page.goto(url)
    counter.count_page()
    counter.tap(page.get_by_role("link", name="I understand, start the safety check"))
    while "/screen/result" not in page.url:
        counter.tap(page.locator('button[name="none"]'))
    counter.tap(page.get_by_role("link", name="Tell us where it feels tight"))
    counter.tap(page.get_by_label("lower back"), check=True)
    counter.tap(page.get_by_role("button", name="Save and start"))
    first_stretch(counter)
    return walk


def web_returning(page: Any, url: str) -> Walk:
    """Home's Start, then the pain number."""
    walk = Walk("web, returning person")
    counter = Counter(page, walk)
    page.goto(url)
    counter.count_page()
    counter.tap(page.locator("main a.button.start"))
    first_stretch(counter)
    return walk


def web_weekly(page: Any, url: str) -> Walk:
    """Home's Start (the weekly check first), "None of these, same as last time" (straight on
    to the player), then the pain number."""
    walk = Walk("web, weekly check due")
    counter = Counter(page, walk)
    page.goto(url)
    counter.count_page()
    counter.tap(page.locator("main a.button.start"))
    counter.tap(page.get_by_role("button", name="None of these, same as last time"))
    first_stretch(counter)
    return walk


def run_web() -> list[Walk]:
    from playwright.sync_api import sync_playwright

    walks = []
    journeys = [
        (web_new, None, False),
        (web_returning, 0, True),
        (web_weekly, 8, True),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for journey, days, profile in journeys:
            with tempfile.TemporaryDirectory() as folder:
                data_dir = Path(folder) / "data"
                seed(data_dir, screened_days_ago=days, profile=profile)
                with running_server(data_dir) as server:
                    context = browser.new_context(viewport=PHONE)
                    page = context.new_page()
                    try:
                        walks.append(journey(page, server.url))
                    except Exception as error:  # report what was reached, then go on
                        walk = Walk(f"{journey.__name__}: stopped at {page.url}: {error}")
                        walks.append(walk)
                    finally:
                        context.close()
        browser.close()
    return walks


# ---- the terminal ----------------------------------------------------------------------------


class Terminal:
    """`backstretch start` in a pseudo-terminal of 80×24; keys are counted as they are sent."""

    def __init__(self, data_dir: Path, args: list[str], columns: int = 80) -> None:
        env = server_env(data_dir)
        env.update({"COLUMNS": str(columns), "LINES": "24", "TERM": "xterm-256color"})
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        self.process = subprocess.Popen(
            [*cli_command(), *args], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.output = ""
        self.keys = 0

    def read(self, seconds: float = 0.5) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
                self.output += chunk
        return self.output

    def wait_for(self, pattern: str, seconds: float = 20) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.read(0.2)):
                return True
            if self.process.poll() is not None:
                return bool(re.search(pattern, self.read(0.2)))
        return False

    def send(self, text: str) -> None:
        """Type `text` then Enter (each character and the Enter count as keys)."""
        self.keys += len(text) + 1
        os.write(self.master, (text + "\r").encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


TERMINAL_STEPS: list[tuple[str, str]] = [
    # (what the screen asks, what a person types), in the order they can appear.
    (r"I understand, start", ""),
    (r"Enter/n none of these", ""),
    (r"Enter/n none of these, same as last time", ""),
    (r"Same again\?", ""),
    (r"Areas \(e\.g\.", "4"),
    (r"Minutes \(", ""),
    (r"Where are you\?", ""),
    (r"Pain right now\?", "3"),
    (r"Start now\?", ""),
]
FIRST_STRETCH = r"pause|q quit"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
PROMPT_END = re.compile(r"[:?]\s*$")


def terminal_walk(name: str, data_dir: Path, columns: int = 80) -> tuple[Walk, str]:
    """Answer each prompt as a person taking the shortest way would, until the first stretch."""
    walk = Walk(name)
    terminal = Terminal(data_dir, ["start", "--quiet"], columns)
    try:
        consumed = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and terminal.process.poll() is None:
            terminal.read(0.3)
            screen = ANSI.sub("", terminal.output[consumed:])
            if re.search(FIRST_STRETCH, screen):
                walk.reached = True
                break
            if not PROMPT_END.search(screen):
                continue
            last = " ".join(screen.rstrip().splitlines()[-3:])
            reply = next((r for pattern, r in TERMINAL_STEPS if re.search(pattern, last)), None)
            if reply is None:
                walk.name += f" (stopped at: {last.strip()[-60:]})"
                break
            consumed = len(terminal.output)
            terminal.send(reply)
        walk.taps = terminal.keys
        return walk, terminal.output
    finally:
        terminal.close()


def run_terminal(capture: Path | None = None) -> list[Walk]:
    walks = []
    for name, days, profile in (
        ("terminal, new person", None, False),
        ("terminal, returning person", 0, True),
    ):
        for columns in (80, 40):
            with tempfile.TemporaryDirectory() as folder:
                data_dir = Path(folder) / "data"
                seed(data_dir, screened_days_ago=days, profile=profile)
                if days is None and not profile:
                    data_dir.mkdir(parents=True, exist_ok=True)
                walk, output = terminal_walk(f"{name} ({columns} columns)", data_dir, columns)
                walks.append(walk)
                if capture is not None:
                    slug = name.split(", ")[1].split()[0]
                    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output).replace("\r", "")
                    (capture / f"stepper-terminal-{slug}-{columns}cols.txt").write_text(text)
    return walks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--web", action="store_true", help="only the browser journeys")
    parser.add_argument("--terminal", action="store_true", help="only the terminal journeys")
    parser.add_argument("--capture", type=Path, help="write the terminal's text to this folder")
    options = parser.parse_args()
    both = not (options.web or options.terminal)
    walks: list[Walk] = []
    if options.web or both:
        walks += run_web()
    if options.terminal or both:
        walks += run_terminal(options.capture)
    for walk in walks:
        unit = "keys" if walk.name.startswith("terminal") else "taps"
        reached = "first stretch reached" if walk.reached else "FIRST STRETCH NOT REACHED"
        line = f"{walk.name}: {walk.taps} {unit}"
        if unit == "taps":
            line += f", {walk.words} words on {len(walk.pages)} pages"
        print(f"{line} ({reached})")
        if walk.pages:
            print("    " + ", ".join(f"{path} {words}" for path, words in walk.pages))


if __name__ == "__main__":
    main()
