"""Darshan bookings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import bookings as bk
from .. import payments as pay
from ..context import Backend
from ..deps import BackendDep, PhoneDep, SessionDep
from ..errors import ApiError
from ..models import Booking
from ..schemas import (
    Availability,
    BookingCreate,
    BookingList,
    BookingOptions,
    BookingOut,
    errors,
)

router = APIRouter(tags=["bookings"])


@router.get("/bookings/options", response_model=BookingOptions)
def options(backend: BackendDep) -> dict:
    return {
        "temples": bk.temples(backend.catalogue),
        "slots": bk.slots(backend.catalogue),
        "persons_max": bk.PERSONS_MAX,
        "book_ahead_days": bk.BOOK_AHEAD_DAYS,
    }


@router.get("/bookings/availability", response_model=Availability, responses=errors(422))
def availability(
    temple: Annotated[str, Query(max_length=64)],
    date: Annotated[str, Query(max_length=20)],
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    return bk.availability(session, backend.catalogue, temple, date, backend.settings.darshan_capacity)


def _view(session: Session, backend: Backend, booking: Booking) -> dict:
    out = bk.view(booking)
    if booking.amount_paise > 0 and not booking.paid and booking.status == "confirmed":
        try:
            payment = pay.create_payment(session, phone=booking.phone, service="temple_darshan",
                                         reference=booking.public_id)
            out["payment"] = pay.payment_view(backend.settings, payment)
        except ApiError:
            out["payment"] = None
    return out


@router.post("/bookings", response_model=BookingOut, status_code=201, responses=errors(409, 422))
def create_booking(
    body: BookingCreate,
    backend: BackendDep,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
):
    booking, created = bk.book(
        session,
        backend.catalogue,
        phone=body.phone,
        temple=body.temple,
        day=body.date,
        slot=body.slot,
        persons=body.persons,
        capacity=backend.settings.darshan_capacity,
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    return JSONResponse(_view(session, backend, booking), status_code=201 if created else 200)


@router.get("/bookings", response_model=BookingList, responses=errors(422))
def list_bookings(phone: PhoneDep, session: SessionDep) -> dict:
    rows = session.execute(
        select(Booking).where(Booking.phone == phone).order_by(Booking.id.desc()).limit(100)
    ).scalars()
    return {"bookings": [bk.view(b) for b in rows]}


@router.get("/bookings/{booking_id}", response_model=BookingOut, responses=errors(404, 422))
def get_booking(
    booking_id: str,
    phone: PhoneDep,
    session: SessionDep,
) -> dict:
    return bk.view(bk.get_owned(session, booking_id, phone))


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut, responses=errors(404, 422))
def cancel_booking(
    booking_id: str,
    phone: PhoneDep,
    session: SessionDep,
) -> dict:
    return bk.view(bk.cancel(session, bk.get_owned(session, booking_id, phone)))
