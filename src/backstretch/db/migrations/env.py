"""Alembic environment: migrates the connection handed over by `backstretch.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from backstretch.db.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,  # SQLite cannot alter most columns in place
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    if not config.get_main_option("sqlalchemy.url"):
        from backstretch.config import get_settings

        config.set_main_option("sqlalchemy.url", get_settings().resolved_database_url)
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool
    )
    with engine.connect() as opened:
        run_migrations(opened)
