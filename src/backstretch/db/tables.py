"""SQLAlchemy tables. Times are stored in UTC, next to the person's time zone name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
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


# The person on this machine in single-person mode (the terminal, and `serve` without accounts).
LOCAL_ACCOUNT_ID = 1


class AccountRow(Base):
    """A person. The local person (id 1) has no name and no password and cannot log in."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased, so "Ana" and "ana" are one account.
    username: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginRow(Base):
    """A logged-in browser. Only a hash of its cookie's token is kept, so a copy of the
    database cannot be used to log in."""

    __tablename__ = "logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttemptCounterRow(Base):
    """How many password checks (or registrations) one key has had lately: a name and an
    address, a name, an address. One row per key, locked while an attempt is counted, so every
    app server counts the same attempts once (`db/attempts.py`). The key is a hash: no name or
    address is kept."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ServerSecretRow(Base):
    """A secret every app server shares through the database (e.g. the CSRF signing key)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Owned:
    """A row that belongs to one person. Sessions made for a person see and write only their
    rows (`db/owners.py`); a session made for nobody may not touch these tables at all."""

    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)


class ScreeningRow(Owned, Base):
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


class ClearanceRow(Owned, Base):
    """A clinician's clearance of one see-soon flag or one see-clinician stop signal."""

    __tablename__ = "clearances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    # A clearance lapses when a later screening answers its flag "no": a new episode is re-checked.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SafetyBlockRow(Owned, Base):
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


class ProfileRow(Owned, Base):
    """The remembered profile (one row): what `start` offers to reuse."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PreferencesRow(Owned, Base):
    """The person's settings (one row): lead-in, voice, emergency number, time zone."""

    __tablename__ = "preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionRow(Owned, Base):
    """One session; the uuid is made by the player, so a retry never records it twice."""

    __tablename__ = "sessions"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="player")
    routine_name: Mapped[str] = mapped_column(String(120))
    # The routine as planned (items, doses, timeline settings, what changed): enough to resume.
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    planned_seconds: Mapped[int] = mapped_column(Integer)
    pain_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pain_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stop_signal: Mapped[str | None] = mapped_column(String(40), nullable=True)
    stopped_stretch: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # Fingerprints of what the browser sent (SHA-256 of its canonical JSON): what the session
    # is (routine, items, start), and how it ended. A replay must match them; another body for
    # the same uuid is a conflict, never a silent overwrite.
    identity_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    final_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_sessions_started_at", "started_at"),)


class SessionItemRow(Owned, Base):
    """One routine item of a session: the target next to what was done."""

    __tablename__ = "session_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_uuid: Mapped[str] = mapped_column(
        ForeignKey("sessions.uuid", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    stretch: Mapped[str] = mapped_column(String(60))
    planned_seconds: Mapped[int] = mapped_column(Integer)
    planned_reps: Mapped[int] = mapped_column(Integer)
    done_seconds: Mapped[int] = mapped_column(Integer, default=0)
    done_reps: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("session_uuid", "position"),)


class CheckinRow(Owned, Base):
    """A Patient-Specific Functional Scale check-in: up to three activities rated 0-10."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    activities: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class OwnStretchRow(Owned, Base):
    """A stretch a person added (for example from their therapist), as its YAML document."""

    __tablename__ = "own_stretches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stretch_id: Mapped[str] = mapped_column(String(60))
    document: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("owner_id", "stretch_id"),)


class RoutineRow(Owned, Base):
    """A routine a person saved (or their therapist wrote), as its routine document."""

    __tablename__ = "routines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("owner_id", "name"),)


# ---- Reminders (#18): the schedule and what happened to each reminder (E1), Web Push (E2) ----


class ReminderScheduleRow(Owned, Base):
    """A person's reminder schedule (one row each), as its `core.schedule` document."""

    __tablename__ = "reminder_schedules"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderDeliveryRow(Owned, Base):
    """One reminder's fate, keyed by `Reminder.key`: the unique key makes it happen once."""

    __tablename__ = "reminder_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # due | sent | snoozed | skipped | dropped (`core.schedule.DeliveryState`)
    state: Mapped[str] = mapped_column(String(20))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        UniqueConstraint("owner_id", "key"),
        Index("ix_reminder_deliveries_state_due_at", "state", "due_at"),
    )


class PushKeyRow(Base):
    """The server's VAPID key pair, made once and shared by every app server."""

    __tablename__ = "push_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_key: Mapped[str] = mapped_column(Text)  # PEM
    public_key: Mapped[str] = mapped_column(Text)  # base64url application server key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PushSubscriptionRow(Owned, Base):
    """One device's Web Push subscription; dropped when the push service answers 404 or 410,
    and when the login that last saved it logs out."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The `logins.token_hash` of the login that last saved it (None: single-person mode, or
    # saved before logins were noted). Not a foreign key: a browser whose login already ended
    # (a password changed elsewhere, an expiry) still finds its subscriptions when it logs out.
    login_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class SchedulerCheckpointRow(Base):
    """How far the reminder scheduler has looked (shared by every app server), so a restart
    resumes where it stopped instead of looking again or skipping ahead (added by E2)."""

    __tablename__ = "scheduler_checkpoints"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SharedRoutineRow(Base):
    """A routine shared by link: a copy of the routine made when the link was, holding only the
    routine (its items, notes and the own stretches it uses), never anything about a person.

    Not an `Owned` row: like a login, it is a key handed out (anyone with the link may read the
    copy), so it is neither exported nor imported; it ends with its account (cascade).
    """

    __tablename__ = "shared_routines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The secret part of the link `/r/<token>`, kept as it is given (see services/sharing.py).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
