"""Public ids like APP-2025-000123: a per-prefix, per-year counter row.

Insert-if-missing then `UPDATE value = value + 1` inside the caller's
transaction: PostgreSQL holds the row lock until commit, SQLite holds the
database write lock, so two requests never get the same number and a rolled
back request gives its number back.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .clock import today_ist
from .models import Counter


def insert_ignore(session: Session, table, values: dict, conflict_columns: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on both dialects."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=conflict_columns
        )
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=conflict_columns
        )
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(stmt)


def next_public_id(session: Session, prefix: str) -> str:
    year = today_ist().year
    name = f"{prefix}-{year}"
    insert_ignore(session, Counter.__table__, {"name": name, "value": 0}, ["name"])
    session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(select(Counter.value).where(Counter.name == name)).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
