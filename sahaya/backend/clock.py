"""Time in one place: UTC in the database, India's date for citizens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every stored time is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)


def today_ist() -> date:
    return datetime.now(IST).date()


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def add_working_days(start: date, days: int) -> date:
    """Skip Saturdays and Sundays (public holidays are not modelled)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
