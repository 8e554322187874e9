"""Time in one place: UTC in the database, India's date for citizens."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every stored time is UTC without one."""
    # timezone.utc, not datetime.UTC: the project runs on Python 3.10
    return datetime.now(timezone.utc).replace(tzinfo=None)  # noqa: UP017


def today_ist() -> date:
    return datetime.now(IST).date()


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    stamp = moment.replace(tzinfo=timezone.utc, microsecond=0)  # noqa: UP017
    return stamp.isoformat().replace("+00:00", "Z")


def add_working_days(start: date, days: int) -> date:
    """Skip Saturdays and Sundays (public holidays are not modelled)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
