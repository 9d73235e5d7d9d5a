"""The web is an adapter over the use cases: it never reaches the database itself (no
repository, no transaction, no table), so a page and the terminal cannot disagree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import backstretch.web
from tests.test_architecture import imported_modules

WEB_FILES = sorted(Path(backstretch.web.__file__).parent.glob("*.py"))
FORBIDDEN = ("backstretch.db", "sqlalchemy")


@pytest.mark.parametrize("path", WEB_FILES, ids=lambda p: p.name)
def test_the_web_never_imports_the_database(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = sorted(
        module
        for module in imported_modules(tree)
        if any(module == banned or module.startswith(f"{banned}.") for banned in FORBIDDEN)
    )
    assert not bad, f"{path.name} imports {bad}: call a use case in backstretch.services"
