"""The core stays pure: it imports nothing from the edges and does no IO."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import backstretch.core

CORE = Path(backstretch.core.__file__).parent
FORBIDDEN = {
    # our own adapters
    "backstretch.web",
    "backstretch.db",
    "backstretch.cli",
    "backstretch.services",
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
    "pydantic_settings",
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


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_imports_nothing_from_the_edges(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = sorted(m for m in imported_modules(tree) if is_forbidden(m))
    assert not bad, f"{path.name} imports {bad}; the core must stay pure"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
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
    assert not calls, f"{path.name} calls {calls}; pass data and time in instead"


def test_the_check_catches_a_forbidden_import() -> None:
    tree = ast.parse("from sqlalchemy.orm import Session\nimport rich.console\n")
    assert sorted(m for m in imported_modules(tree) if is_forbidden(m)) == [
        "rich.console",
        "sqlalchemy.orm",
    ]
