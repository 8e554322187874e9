"""Darshan bookings with a daily capacity per temple, date and slot.

Seats are taken with one conditional UPDATE (`booked + n <= capacity`):
PostgreSQL re-checks the condition after waiting for the row lock and SQLite
serialises writers, so concurrent requests never overbook on either.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sahaya.catalogue import Catalogue

from . import ownership
from .clock import iso, today_ist
from .errors import ApiError
from .ids import insert_ignore, next_public_id
from .models import Booking, DarshanSlot
from .payments import rupees
from .validators import ValidationFailure, parse_date

# Used when the catalogue has no `temple` / `slot` choice field.
DEFAULT_TEMPLES = (
    "tirumala",
    "srisailam",
    "simhachalam",
    "kanaka_durga",
    "annavaram",
    "bhadrachalam",
    "yadagirigutta",
)
DEFAULT_SLOTS = ("morning", "afternoon", "evening")
PERSONS_MIN, PERSONS_MAX = 1, 6
BOOK_AHEAD_DAYS = 90


def _choices(catalogue: Catalogue, codes: tuple[str, ...], default: tuple[str, ...]) -> list[str]:
    for code in codes:
        spec = catalogue.fields.get(code)
        if spec is not None and spec.type == "choice" and spec.choices:
            return [c.code for c in spec.choices]
    return list(default)


def temples(catalogue: Catalogue) -> list[str]:
    return _choices(catalogue, ("temple",), DEFAULT_TEMPLES)


def slots(catalogue: Catalogue) -> list[str]:
    return _choices(catalogue, ("slot", "darshan_slot"), DEFAULT_SLOTS)


def check_request(catalogue: Catalogue, temple: str, day: str, slot: str | None) -> date:
    if temple not in temples(catalogue):
        raise ApiError(422, "temple_invalid", "unknown temple", {"temples": temples(catalogue)})
    try:
        parsed = parse_date(day)
    except ValidationFailure as exc:
        raise ApiError(422, exc.code, exc.message, {**exc.params, "field": "date"}) from None
    today = today_ist()
    if parsed < today:
        raise ApiError(422, "date_in_past", "pick today or a later date", {"today": today.isoformat()})
    if parsed > today + timedelta(days=BOOK_AHEAD_DAYS):
        raise ApiError(422, "date_too_far", f"bookings open {BOOK_AHEAD_DAYS} days ahead",
                       {"max_days": BOOK_AHEAD_DAYS})
    if slot is not None and slot not in slots(catalogue):
        raise ApiError(422, "slot_invalid", "unknown slot", {"slots": slots(catalogue)})
    return parsed


def book(
    session: Session,
    catalogue: Catalogue,
    *,
    phone: str,
    temple: str,
    day: str,
    slot: str,
    persons: int,
    capacity: int,
    idempotency_key: str | None = None,
) -> tuple[Booking, bool]:
    when = check_request(catalogue, temple, day, slot)
    if not (PERSONS_MIN <= persons <= PERSONS_MAX):
        raise ApiError(422, "persons_invalid", f"{PERSONS_MIN} to {PERSONS_MAX} persons per booking",
                       {"min": PERSONS_MIN, "max": PERSONS_MAX})

    def replay() -> Booking | None:
        return ownership.replay(session, Booking, idempotency_key, phone)

    existing = replay()
    if existing is not None:
        return existing, False
    service = catalogue.service("temple_darshan")
    fee = service.fee if service else 0
    try:
        insert_ignore(
            session,
            DarshanSlot.__table__,
            {"temple": temple, "date": when, "slot": slot, "capacity": capacity, "booked": 0},
            ["temple", "date", "slot"],
        )
        taken = session.execute(
            update(DarshanSlot)
            .where(
                DarshanSlot.temple == temple,
                DarshanSlot.date == when,
                DarshanSlot.slot == slot,
                DarshanSlot.booked + persons <= DarshanSlot.capacity,
            )
            .values(booked=DarshanSlot.booked + persons)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            row = session.execute(
                select(DarshanSlot.capacity, DarshanSlot.booked).where(
                    DarshanSlot.temple == temple, DarshanSlot.date == when, DarshanSlot.slot == slot
                )
            ).one()
            session.rollback()
            raise ApiError(409, "capacity_full", "this slot is full",
                           {"available": max(0, row.capacity - row.booked), "requested": persons})
        booking = Booking(
            public_id=next_public_id(session, "BKG"),
            idempotency_key=idempotency_key,
            phone=phone,
            temple=temple,
            date=when,
            slot=slot,
            persons=persons,
            status="confirmed",
            amount_paise=fee * persons * 100,
            paid=fee == 0,
        )
        session.add(booking)
        session.commit()
        return booking, True
    except IntegrityError:
        session.rollback()
        existing = replay()
        if existing is None:
            raise
        return existing, False


def cancel(session: Session, booking: Booking) -> Booking:
    changed = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "confirmed")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        session.execute(
            update(DarshanSlot)
            .where(
                DarshanSlot.temple == booking.temple,
                DarshanSlot.date == booking.date,
                DarshanSlot.slot == booking.slot,
            )
            .values(booked=DarshanSlot.booked - booking.persons)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    session.refresh(booking)
    return booking


def availability(session: Session, catalogue: Catalogue, temple: str, day: str, capacity: int) -> dict:
    when = check_request(catalogue, temple, day, None)
    rows = {
        r.slot: r
        for r in session.execute(
            select(DarshanSlot).where(DarshanSlot.temple == temple, DarshanSlot.date == when)
        ).scalars()
    }
    out = []
    for slot in slots(catalogue):
        row = rows.get(slot)
        cap = row.capacity if row else capacity
        booked = row.booked if row else 0
        out.append({"slot": slot, "capacity": cap, "booked": booked, "available": max(0, cap - booked)})
    return {"temple": temple, "date": when.isoformat(), "slots": out}


def get_owned(session: Session, booking_id: str, phone: str) -> Booking:
    return ownership.get_owned(session, Booking, booking_id, phone, "booking")


def view(booking: Booking) -> dict:
    return {
        "booking_id": booking.public_id,
        "status": booking.status,
        "temple": booking.temple,
        "date": booking.date.isoformat(),
        "slot": booking.slot,
        "persons": booking.persons,
        "amount": rupees(booking.amount_paise),
        "paid": booking.paid,
        "created_at": iso(booking.created_at),
    }
