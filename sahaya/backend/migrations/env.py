"""Alembic environment for the Sahaya backend.

Run through `python -m sahaya.backend.cli migrate` (or the app at start-up);
plain `alembic -c sahaya/backend/alembic.ini upgrade head` works too and reads
SAHAYA_DATABASE_URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from sahaya.backend import models  # noqa: F401  (registers the tables)
from sahaya.backend.db import Base
from sahaya.backend.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool, future=True
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
