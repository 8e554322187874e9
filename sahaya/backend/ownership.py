"""The one rule behind every citizen-facing read: a record is found only by
its public id *and* its owner's phone number. Anyone else gets the same
`not_found` as for an id that does not exist, so ids cannot be probed."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import ApiError, not_found

Owned = TypeVar("Owned")


def get_owned(session: Session, model: type[Owned], public_id: str, phone: str, what: str) -> Owned:
    record = session.execute(
        select(model).where(model.public_id == public_id.strip().upper())  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if record is None or record.phone != phone:  # type: ignore[attr-defined]
        raise not_found(what)
    return record


def replay(session: Session, model: type[Owned], idempotency_key: str | None, phone: str) -> Owned | None:
    """The record an earlier request with this Idempotency-Key created, if any.

    A key reused by another phone number is a conflict, never a way to read
    someone else's record."""
    if not idempotency_key:
        return None
    found = session.execute(
        select(model).where(model.idempotency_key == idempotency_key)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if found is not None and found.phone != phone:  # type: ignore[attr-defined]
        raise ApiError(409, "idempotency_conflict", "key already used for another request")
    return found
