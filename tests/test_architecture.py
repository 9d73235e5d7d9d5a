"""The layers of DESIGN.md hold: the core and render stay pure, and the arrows point down only:
cli and web → services → (core, db, data, render); db → core; data → core; render → core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import backstretch

PACKAGE = Path(backstretch.__file__).parent
CORE = PACKAGE / "core"
FORBIDDEN = {
    # our own adapters
    "backstretch.web",
    "backstretch.db",
    "backstretch.cli",
    "backstretch.services",
    "backstretch.render",
    "backstretch.data",
    "backstretch.export",
    "backstretch.config",
    # frameworks and IO
    "rich",
    "typer",
    "click",
    "fastapi",
    "starlette",
    "jinja2",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "yaml",
    "platformdirs",
    "os",
    "io",
    "pathlib",
    "shutil",
    "subprocess",
    "socket",
    "time",
    "importlib",
    "urllib",
    "http",
}
CORE_FILES = sorted(CORE.rglob("*.py"))
RENDER_FILES = sorted((PACKAGE / "render").rglob("*.py"))
PURE_FILES = CORE_FILES + RENDER_FILES

# Which of our own packages each layer may import (besides itself). Anything not listed is an
# arrow pointing up or sideways.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "render": {"core"},
    "data": {"core"},
    # `config` is the settings, read on demand: a leaf every edge may ask (Alembic's command
    # line reads the database URL from it).
    "db": {"core", "config"},
    "services": {"core", "db", "data", "render", "config"},
    # `backstretch serve` is the one command that starts the other adapter.
    "cli": {"services", "core", "data", "render", "config", "web"},
    "web": {"services", "core", "data", "render", "config"},
}
LAYERED_FILES = sorted(path for layer in ALLOWED for path in (PACKAGE / layer).rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def is_forbidden(module: str) -> bool:
    return any(module == banned or module.startswith(banned + ".") for banned in FORBIDDEN)


def test_core_has_modules() -> None:
    names = {path.stem for path in CORE_FILES}
    assert {"catalogue", "models", "screening", "safety"} <= names


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", PURE_FILES, ids=relative)
def test_core_and_render_import_nothing_from_the_edges(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = set()
    if path.is_relative_to(PACKAGE / "render"):
        # Printable documents are templates filled with core values (Jinja2, a pure function of
        # its inputs) and drawn as PDF, iCalendar or FHIR JSON: presentation, as DESIGN.md says.
        # Links in documents are quoted with urllib.parse (string work, no network).
        allowed = {"backstretch.core", "backstretch.render", "jinja2", "urllib.parse"}
    bad = sorted(
        m
        for m in imported_modules(tree)
        if is_forbidden(m) and not any(m == a or m.startswith(a + ".") for a in allowed)
    )
    assert not bad, f"{relative(path)} imports {bad}; the core and render must stay pure"


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "backstretch" else None


@pytest.mark.parametrize("path", LAYERED_FILES, ids=relative)
def test_imports_point_down_only(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = sorted(
        module
        for module in imported_modules(tree)
        if (layer := layer_of(module)) is not None
        and layer != own
        and layer not in ALLOWED[own]
        and module != "backstretch"  # the version
    )
    assert not wrong, f"{relative(path)} ({own}) imports {wrong}: an arrow pointing up"


@pytest.mark.parametrize(
    "path",
    sorted([*(PACKAGE / "cli").rglob("*.py"), *(PACKAGE / "web").rglob("*.py")]),
    ids=relative,
)
def test_adapters_open_no_transaction(path: Path) -> None:
    """The terminal and the browser call use cases; only services own a unit of work."""
    text = path.read_text(encoding="utf-8")
    assert "transaction(" not in text, f"{relative(path)} opens a transaction itself"


def test_the_arrow_check_catches_an_upward_import() -> None:
    tree = ast.parse("from backstretch.db import repository\nimport backstretch.services.context\n")
    found = {layer_of(m) for m in imported_modules(tree)}
    assert found == {"db", "services"}
    assert "db" not in ALLOWED["cli"] and "services" not in ALLOWED["db"]


@pytest.mark.parametrize("path", PURE_FILES, ids=relative)
def test_core_opens_no_files_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in {"open", "input", "print"}:
                calls.append(function.id)
            if isinstance(function, ast.Attribute) and function.attr in {"now", "today", "utcnow"}:
                calls.append(function.attr)
    assert not calls, f"{relative(path)} calls {calls}; pass data and time in instead"


def test_the_check_catches_a_forbidden_import() -> None:
    tree = ast.parse("from sqlalchemy.orm import Session\nimport rich.console\n")
    assert sorted(m for m in imported_modules(tree) if is_forbidden(m)) == [
        "rich.console",
        "sqlalchemy.orm",
    ]
