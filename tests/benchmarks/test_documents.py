"""Smoke test of the documents benchmark: one run of each, and its figures are printed (never
checked: they depend on the machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_one_run_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "documents.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{os.cpu_count()} CPUs, load average")
    for name in ("handout", "summary (PDF)", "summary (FHIR)"):
        assert any(line.startswith(name) for line in lines), done.stdout
    assert "two handouts at once on two threads:" in done.stdout
    assert "cores busy on average" in done.stdout
    assert "a 10 ms timer while a handout is drawn: late by" in done.stdout
