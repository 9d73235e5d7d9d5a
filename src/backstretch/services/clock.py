"""The current time and the person's time zone, injected wherever time matters."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Now = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def local_day(now: datetime, timezone: str) -> date:
    """Return the person's calendar day at `now` in their time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def system_timezone() -> str:
    """Return the IANA name of the machine's time zone, or 'UTC' when it cannot be told."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = str(Path("/etc/localtime").resolve())
            name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
        except OSError:
            name = ""
    return name if valid_timezone(name) else "UTC"


def valid_timezone(name: str) -> bool:
    """Tell whether `name` is a known IANA time zone."""
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
