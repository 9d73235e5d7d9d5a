"""Each command imports what it uses: `--help` loads not even the command-line library, and
`plan --json` no web server, templates, migrations or terminal rendering.

Whole processes, as a person starts them; the packages loaded are checked, never a time
(`benchmarks/startup.py` measures the time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Runs the command line in a fresh interpreter, as the installed script does, then writes the
# top-level packages it loaded.
PROBE = """
import sys
from backstretch.cli.entry import main

code = 0
try:
    main(sys.argv[2:])
except SystemExit as done:
    code = done.code or 0
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("\\n".join([str(code), *sorted({name.split(".")[0] for name in sys.modules})]))
"""


def loaded(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    """Run `backstretch ARGS` in a new process; return its exit code, the packages it loaded
    and what it printed."""
    report = tmp_path / "loaded.txt"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), done.stderr
    code, *packages = report.read_text(encoding="utf-8").splitlines()
    return int(code), set(packages), done.stdout


def test_help_loads_no_library_at_all(tmp_path: Path) -> None:
    code, packages, printed = loaded(tmp_path, "--help")
    assert code == 0
    assert "plan" in printed
    heavy = {"typer", "sqlalchemy", "pydantic", "rich", "yaml", "fastapi", "uvicorn"}
    assert packages.isdisjoint(heavy), sorted(packages & heavy)


def test_plan_json_loads_no_web_migrations_or_terminal_rendering(tmp_path: Path) -> None:
    from backstretch.core.screening import ASKED_RESTRICTIONS, RED_FLAG_IDS

    answers = dict.fromkeys(RED_FLAG_IDS, False)
    answers.update({restriction.value: False for restriction in ASKED_RESTRICTIONS})
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    assert loaded(tmp_path, "screen", "--answers", str(path), "--json")[0] == 0

    code, packages, printed = loaded(
        tmp_path, "plan", "--area", "lower_back", "--minutes", "10", "--json"
    )
    assert code == 0
    assert json.loads(printed)["items"]  # the screening and history were read: a real plan
    heavy = {"fastapi", "starlette", "uvicorn", "jinja2", "alembic", "rich"}
    assert packages.isdisjoint(heavy), sorted(packages & heavy)
