"""Who is asking, and everything a use case needs to answer them.

`Services` is made once per process by an adapter's composition root (`cli/wiring.py`,
`web/app.py`): the settings, the open database, the screening wording, the built-in catalogue
and the clock. `Services.person(owner_id)` gives a `PersonContext`: that person's settings,
catalogue (built-in and their own stretches) and a unit of work over their rows only. Every use
case takes a `PersonContext`, opens and commits its own transaction with `person.transaction()`,
and raises `services.errors`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from backstretch.services.clock import Now, local_day, system_timezone, utc_now, valid_timezone
from backstretch.services.errors import Invalid, Unavailable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from backstretch.config import Settings
    from backstretch.core.catalogue import Catalogue
    from backstretch.core.screening import ScreeningGuide
    from backstretch.db.store import Store
    from backstretch.services.preferences import Preferences


@contextmanager
def unit_of_work(factory: sessionmaker[Session], where: str) -> Iterator[Session]:
    """Yield a database session whose work is committed together before this block ends.

    A database that is damaged or cannot be reached raises `Unavailable` naming `where`, never
    a driver's traceback; integrity errors pass through for the use case to explain.
    """
    from sqlalchemy.exc import DatabaseError, IntegrityError, InterfaceError, OperationalError

    try:
        with factory() as db, db.begin():
            yield db
    except IntegrityError:
        raise
    except (DatabaseError, OperationalError, InterfaceError) as error:
        raise Unavailable(database_problem(where, error)) from None


def database_problem(where: str, error: BaseException) -> str:
    """Return one line saying what is wrong with the database and what to do."""
    reason = getattr(error, "reason", "") or str(getattr(error, "orig", error)).strip()
    reason = reason.splitlines()[0] if reason else ""
    if "malformed" in reason or "not a database" in reason or "corrupt" in reason:
        return (
            f"the database {where} is damaged ({reason}). Move it aside and start afresh, or "
            "restore a copy: `backstretch import FILE` reads an earlier export"
        )
    return f"cannot use the database {where}: {reason or type(error).__name__}"


def _where(url_text: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class PersonContext:
    """One person's view of the programme: their settings, their catalogue, their rows."""

    services: Services
    owner_id: int
    preferences: Preferences
    catalogue: Catalogue

    @property
    def guide(self) -> ScreeningGuide:
        """Return the screening's questions, rules' wording and advice."""
        return self.services.guide

    @property
    def emergency_number(self) -> str:
        """Return what the advice tells this person to call."""
        return self.preferences.emergency_number

    @property
    def timezone(self) -> str:
        """Return the person's IANA time zone."""
        return self.preferences.timezone

    def now(self) -> datetime:
        """Return the current time from the injected clock."""
        return self.services.clock()

    def today(self, at: datetime | None = None) -> date:
        """Return the person's calendar day now (or at `at`)."""
        return local_day(at or self.now(), self.timezone)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a database session over this person's rows, committed when the block ends."""
        with unit_of_work(self.services.store.for_owner(self.owner_id), self.services.where) as db:
            yield db


@dataclass
class Services:
    """What every use case shares within one process; made once by a composition root."""

    settings: Settings
    store: Store
    guide: ScreeningGuide
    builtin: Catalogue
    clock: Now = utc_now
    timezone: str = "UTC"

    @property
    def where(self) -> str:
        """Return the database's name for messages (a file path, or a URL without password)."""
        return _where(self.store.url)

    @property
    def shown_url(self) -> str:
        """Return the database's URL without its password, to tell a person where data is."""
        from sqlalchemy.engine import make_url

        return make_url(self.store.url).render_as_string(hide_password=True)

    def person(self, owner_id: int) -> PersonContext:
        """Return the context of the person `owner_id`: their settings and catalogue."""
        from backstretch.services.own_stretches import catalogue_in
        from backstretch.services.preferences import load_preferences

        with unit_of_work(self.store.for_owner(owner_id), self.where) as db:
            preferences = load_preferences(db, self.settings, self.timezone)
            catalogue = catalogue_in(db)
        return PersonContext(
            services=self, owner_id=owner_id, preferences=preferences, catalogue=catalogue
        )

    def local_person(self) -> PersonContext:
        """Return the context of the one person of a single-person install (the terminal)."""
        from backstretch.db.tables import LOCAL_ACCOUNT_ID

        return self.person(LOCAL_ACCOUNT_ID)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session over no person's rows (accounts, logins, shared secrets)."""
        with unit_of_work(self.store.sessions, self.where) as db:
            yield db

    def close(self) -> None:
        """Release the database's connections."""
        self.store.close()


def open_services(
    settings: Settings, *, clock: Now = utc_now, accounts: bool | None = None
) -> Services:
    """Open the configured database (migrated) and load the catalogue and screening wording.

    An unknown configured time zone raises `Invalid`; a database that cannot be opened raises
    `Unavailable` naming it.
    """
    from backstretch.data import builtin_catalogue, screening_guide
    from backstretch.db.engine import DatabaseError
    from backstretch.db.store import open_store
    from backstretch.db.tables import LOCAL_ACCOUNT_ID

    zone = settings.timezone or system_timezone()
    if not valid_timezone(zone):
        raise Invalid(f"BACKSTRETCH_TIMEZONE: unknown time zone '{zone}'", field="timezone")
    many = settings.accounts if accounts is None else accounts
    try:
        # With accounts, the default sessions belong to nobody: each request says whose.
        store = open_store(
            settings.resolved_database_url, owner_id=None if many else LOCAL_ACCOUNT_ID
        )
    except DatabaseError as error:
        raise Unavailable(database_problem(_where(settings.resolved_database_url), error)) from None
    return Services(
        settings=settings,
        store=store,
        guide=screening_guide(),
        builtin=builtin_catalogue(),
        clock=clock,
        timezone=zone,
    )
