"""Pages: history_pages (filled in by its own change)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
