"""SQLAlchemy tables. Times are stored in UTC, next to the person's time zone name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """The metadata every table and migration shares."""


class ScreeningRow(Base):
    """One screening: the answers given and the verdict they led to."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdict: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    cleared: Mapped[list[str]] = mapped_column(JSON)
    restrictions: Mapped[list[str]] = mapped_column(JSON)
    pregnancy_weeks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "answers" for a full screening, "clearance" when a clinician's clearance re-decided it.
    origin: Mapped[str] = mapped_column(String(20), default="answers")

    __table_args__ = (Index("ix_screenings_recorded_at", "recorded_at"),)


class ClearanceRow(Base):
    """A clinician's clearance of one see-soon flag or one see-clinician stop signal."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    # A clearance lapses when a later screening answers its flag "no": a new episode is re-checked.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SafetyBlockRow(Base):
    """A safety block opened by a stop signal or by the pain rule; no routine while open."""

    __tablename__ = "safety_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by_screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id"), nullable=True
    )
