"""Requests to talk to a person: recorded for an officer, who calls back."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import ownership
from .clock import iso, utcnow
from .errors import not_found
from .ids import next_public_id
from .models import HandoffRequest

REPLY_WITHIN_HOURS = 24
MESSAGE_MAX = 2000


def request_handoff(
    session: Session,
    *,
    phone: str,
    language: str,
    message: str,
    service: str | None,
    idempotency_key: str | None = None,
) -> HandoffRequest:
    def replay() -> HandoffRequest | None:
        return ownership.replay(session, HandoffRequest, idempotency_key, phone)

    existing = replay()
    if existing is not None:
        return existing
    # One open request per citizen is enough: asking twice adds to it.
    open_one = session.execute(
        select(HandoffRequest)
        .where(HandoffRequest.phone == phone, HandoffRequest.status == "open")
        .order_by(HandoffRequest.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    text = (message or "").strip()[:MESSAGE_MAX]
    if open_one is not None:
        if text and text not in open_one.message:
            open_one.message = f"{open_one.message}\n{text}".strip()[-MESSAGE_MAX:]
        open_one.service = service or open_one.service
        session.commit()
        return open_one
    try:
        handoff = HandoffRequest(
            public_id=next_public_id(session, "HND"),
            idempotency_key=idempotency_key,
            phone=phone,
            language=language,
            message=text,
            service=service,
            status="open",
        )
        session.add(handoff)
        session.commit()
        return handoff
    except IntegrityError:
        session.rollback()
        existing = replay()
        if existing is None:
            raise
        return existing


def close(session: Session, ticket_id: str, remarks: str | None) -> HandoffRequest:
    handoff = session.execute(
        select(HandoffRequest).where(HandoffRequest.public_id == ticket_id.strip().upper())
    ).scalar_one_or_none()
    if handoff is None:
        raise not_found("handoff request")
    session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == handoff.id, HandoffRequest.status == "open")
        .values(status="closed", remarks=remarks, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(handoff)
    return handoff


def get_owned(session: Session, ticket_id: str, phone: str) -> HandoffRequest:
    return ownership.get_owned(session, HandoffRequest, ticket_id, phone, "handoff request")


def view(handoff: HandoffRequest) -> dict:
    return {
        "ticket_id": handoff.public_id,
        "status": handoff.status,
        "language": handoff.language,
        "service": handoff.service,
        "message": handoff.message,
        "remarks": handoff.remarks,
        "reply_within_hours": REPLY_WITHIN_HOURS,
        "created_at": iso(handoff.created_at),
        "closed_at": iso(handoff.closed_at),
    }
