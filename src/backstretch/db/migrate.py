"""Bring a database to the newest schema with Alembic, from the package's own migrations.

Alembic is imported only when a migration is due: most starts find the schema current, and
checking the version table directly keeps them fast.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration; a test checks it against Alembic's own head.
SCHEMA_REVISION = "0008"
# PostgreSQL advisory lock held while migrating (any fixed number; "bs" in ASCII).
MIGRATION_LOCK = 0x6273


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("backstretch.db").joinpath("migrations"))
    )
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision stored in the database, or None for an empty one."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as error:
        if "alembic_version" in str(error):
            return None  # a new, empty database
        raise


def upgrade(engine: Engine) -> None:
    """Apply every migration the database does not have yet."""
    if current_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite rebuilds a table to change it; with foreign keys on, dropping the old copy
            # of `sessions` would cascade into `session_items`. Off for the migration (it must
            # be set outside a transaction), checked before commit, on again after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    # Several app servers starting at once on a new database (or after an
                    # upgrade) would each create the same tables; one migrates while the others
                    # wait here, then find the schema current (Alembic reads the version again).
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def head_revision() -> str | None:
    """Return the newest revision among the packaged migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    """Tell whether the database already has the newest schema."""
    return current_revision(engine) == head_revision()
