"""Citizen grievances: category, description, optional photo and location."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import notifications, ownership
from .clock import iso, utcnow
from .errors import ApiError, not_found
from .ids import next_public_id
from .models import Grievance
from .validators import ValidationFailure, validate_text

CATEGORIES = (
    "street_light",
    "garbage",
    "water_supply",
    "drainage",
    "roads",
    "corruption",
    "other",
)
STATUSES = ("open", "in_progress", "resolved", "rejected")
NEXT_STATUSES = {
    "open": ("in_progress", "resolved", "rejected"),
    "in_progress": ("resolved", "rejected"),
}
DESCRIPTION_MAX = 1000


def create_grievance(
    session: Session,
    *,
    phone: str,
    category: str,
    description: str,
    photo_sha256: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    idempotency_key: str | None = None,
) -> Grievance:
    if category not in CATEGORIES:
        raise ApiError(422, "category_invalid", "unknown category", {"categories": list(CATEGORIES)})
    try:
        description = validate_text(description, DESCRIPTION_MAX)
    except ValidationFailure as exc:
        raise ApiError(422, exc.code, f"description: {exc.message}", {**exc.params, "field": "description"}) from None
    if photo_sha256 is not None:
        photo_sha256 = photo_sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", photo_sha256):
            raise ApiError(422, "photo_invalid", "photo_sha256 must be 64 hex digits")
    if (latitude is None) != (longitude is None):
        raise ApiError(422, "location_invalid", "send both latitude and longitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError(422, "location_invalid", "latitude or longitude out of range")

    def replay() -> Grievance | None:
        return ownership.replay(session, Grievance, idempotency_key, phone)

    existing = replay()
    if existing is not None:
        return existing
    now = utcnow()
    try:
        grievance = Grievance(
            public_id=next_public_id(session, "GRV"),
            idempotency_key=idempotency_key,
            phone=phone,
            category=category,
            description=description,
            photo_sha256=photo_sha256,
            latitude=latitude,
            longitude=longitude,
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(grievance)
        session.commit()
        return grievance
    except IntegrityError:
        session.rollback()
        existing = replay()
        if existing is None:
            raise
        return existing


def get_owned(session: Session, ticket: str, phone: str) -> Grievance:
    return ownership.get_owned(session, Grievance, ticket, phone, "grievance")


def set_status(session: Session, ticket: str, status: str, remarks: str | None) -> Grievance:
    grievance = session.execute(
        select(Grievance).where(Grievance.public_id == ticket.strip().upper())
    ).scalar_one_or_none()
    if grievance is None:
        raise not_found("grievance")
    if status not in STATUSES:
        raise ApiError(422, "status_invalid", "unknown status", {"statuses": list(STATUSES)})
    allowed = NEXT_STATUSES.get(grievance.status, ())
    changed = 0
    if status in allowed:
        changed = session.execute(
            update(Grievance)
            .where(Grievance.id == grievance.id, Grievance.status == grievance.status)
            .values(status=status, remarks=remarks, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    if changed != 1:
        session.rollback()
        raise ApiError(
            409,
            "invalid_transition",
            f"cannot move from {grievance.status} to {status}",
            {"from": grievance.status, "to": status},
        )
    notifications.enqueue(
        session,
        grievance.phone,
        notifications.GRIEVANCE_UPDATE,
        {"ticket_id": grievance.public_id, "status": status, "category": grievance.category,
         "remarks": remarks or None},
    )
    session.commit()
    session.refresh(grievance)
    return grievance


def view(grievance: Grievance) -> dict:
    return {
        "ticket_id": grievance.public_id,
        "status": grievance.status,
        "category": grievance.category,
        "description": grievance.description,
        "photo_sha256": grievance.photo_sha256,
        "latitude": grievance.latitude,
        "longitude": grievance.longitude,
        "remarks": grievance.remarks,
        "created_at": iso(grievance.created_at),
        "updated_at": iso(grievance.updated_at),
    }
