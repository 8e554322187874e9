"""Tables. Times are naive UTC; money is integer paise; no full Aadhaar anywhere."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .clock import utcnow
from .db import Base

APPLICATION_STATUSES = (
    "submitted",
    "under_verification",
    "approved",
    "rejected",
    "certificate_issued",
)
PENDING_STATUSES = ("submitted", "under_verification")


class Counter(Base):
    """Per-prefix, per-year sequence numbers for public ids (APP-2025-000001)."""

    __tablename__ = "counters"
    name = Column(String(32), primary_key=True)
    value = Column(Integer, nullable=False, default=0)


class Application(Base):
    __tablename__ = "applications"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=True)
    request_hash = Column(String(64), nullable=True)
    phone = Column(String(64), nullable=False, index=True)
    service = Column(String(64), nullable=False)
    language = Column(String(2), nullable=False)
    # Validated answers; Aadhaar values are stored masked (XXXX XXXX 1234).
    fields = Column(JSON, nullable=False, default=dict)
    # field code -> HMAC of the Aadhaar, for matching without keeping it.
    pii_hashes = Column(JSON, nullable=False, default=dict)
    status = Column(String(32), nullable=False, default="submitted", index=True)
    remarks = Column(Text, nullable=True)
    fee = Column(Integer, nullable=False, default=0)
    fee_paid = Column(Boolean, nullable=False, default=False)
    expected_date = Column(Date, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    history = relationship(
        "ApplicationEvent", order_by="ApplicationEvent.id", back_populates="application"
    )
    documents = relationship("Upload", order_by="Upload.id", back_populates="application")
    certificate = relationship("Certificate", uselist=False, back_populates="application")


class ApplicationEvent(Base):
    __tablename__ = "application_events"
    id = Column(Integer, primary_key=True)
    application_id = Column(ForeignKey("applications.id"), nullable=False, index=True)
    status = Column(String(32), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    remarks = Column(Text, nullable=True)
    actor = Column(String(32), nullable=False, default="system")

    application = relationship("Application", back_populates="history")


class Upload(Base):
    """A citizen's file: an application document or a grievance photo."""

    __tablename__ = "uploads"
    id = Column(Integer, primary_key=True)
    phone = Column(String(64), nullable=False, index=True)
    application_id = Column(ForeignKey("applications.id"), nullable=True, index=True)
    sha256 = Column(String(64), nullable=False, index=True)
    content_type = Column(String(64), nullable=False)
    size = Column(Integer, nullable=False)
    filename = Column(String(200), nullable=True)
    data = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    application = relationship("Application", back_populates="documents")


class Bill(Base):
    """Seeded demonstration accounts for the payment services."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("service", "number", name="uq_bills_service_number"),)
    id = Column(Integer, primary_key=True)
    service = Column(String(64), nullable=False)
    number = Column(String(32), nullable=False)
    holder_name = Column(String(100), nullable=False)
    amount_paise = Column(Integer, nullable=False)
    due_date = Column(Date, nullable=False)
    status = Column(String(16), nullable=False, default="unpaid")
    paid_at = Column(DateTime, nullable=True)


class Payment(Base):
    __tablename__ = "payments"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=True)
    phone = Column(String(64), nullable=False, index=True)
    service = Column(String(64), nullable=False)
    reference = Column(String(32), nullable=False, index=True)
    # bill | fee | booking
    kind = Column(String(16), nullable=False)
    amount_paise = Column(Integer, nullable=False)
    # pending | success | failed
    status = Column(String(16), nullable=False, default="pending")
    gateway_ref = Column(String(100), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    paid_at = Column(DateTime, nullable=True)


class Grievance(Base):
    __tablename__ = "grievances"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=True)
    phone = Column(String(64), nullable=False, index=True)
    category = Column(String(32), nullable=False)
    description = Column(Text, nullable=False)
    photo_sha256 = Column(String(64), nullable=True)
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)
    # open | in_progress | resolved | rejected
    status = Column(String(16), nullable=False, default="open", index=True)
    remarks = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class DarshanSlot(Base):
    """Capacity and seats taken for one temple, date and slot (persons)."""

    __tablename__ = "darshan_slots"
    __table_args__ = (
        UniqueConstraint("temple", "date", "slot", name="uq_darshan_slots_temple_date_slot"),
    )
    id = Column(Integer, primary_key=True)
    temple = Column(String(64), nullable=False)
    date = Column(Date, nullable=False)
    slot = Column(String(32), nullable=False)
    capacity = Column(Integer, nullable=False)
    booked = Column(Integer, nullable=False, default=0)


class Booking(Base):
    __tablename__ = "bookings"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=True)
    phone = Column(String(64), nullable=False, index=True)
    temple = Column(String(64), nullable=False)
    date = Column(Date, nullable=False)
    slot = Column(String(32), nullable=False)
    persons = Column(Integer, nullable=False)
    # confirmed | cancelled
    status = Column(String(16), nullable=False, default="confirmed")
    amount_paise = Column(Integer, nullable=False, default=0)
    paid = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Certificate(Base):
    __tablename__ = "certificates"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    application_id = Column(ForeignKey("applications.id"), unique=True, nullable=False)
    service = Column(String(64), nullable=False)
    language = Column(String(2), nullable=False)
    holder_name = Column(String(100), nullable=False)
    issued_on = Column(Date, nullable=False)
    issued_at = Column(DateTime, nullable=False, default=utcnow)
    # sha256 (base64url, 16 bytes) of the certificate's details, signed via the QR
    details_digest = Column(String(32), nullable=False)
    details = Column(JSON, nullable=False, default=dict)
    key_id = Column(String(16), nullable=False)
    signature = Column(String(100), nullable=False)
    pdf = Column(LargeBinary, nullable=False)
    revoked_at = Column(DateTime, nullable=True)
    revoke_reason = Column(Text, nullable=True)

    application = relationship("Application", back_populates="certificate")


class RegisterEntry(Base):
    """Append-only hash chain of certificate issues and revocations."""

    __tablename__ = "register_entries"
    seq = Column(Integer, primary_key=True, autoincrement=False)
    at = Column(String(32), nullable=False)
    # issue | revoke
    action = Column(String(16), nullable=False)
    certificate_id = Column(String(20), nullable=False, index=True)
    application_id = Column(String(20), nullable=False)
    # sha256 hex of the certificate's signed canonical text
    document_hash = Column(String(64), nullable=False)
    prev_hash = Column(String(64), nullable=False, unique=True)
    entry_hash = Column(String(64), nullable=False, unique=True)
    # Ed25519 over entry_hash with the certificate key: rewriting the chain needs the key.
    signature = Column(String(100), nullable=False)


class RegisterHead(Base):
    """One row: the last sequence number and hash; appends lock it."""

    __tablename__ = "register_head"
    id = Column(Integer, primary_key=True, autoincrement=False)
    seq = Column(Integer, nullable=False)
    entry_hash = Column(String(64), nullable=False)


class OutboxMessage(Base):
    """Notifications to Rasa, written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(64), nullable=False)
    intent = Column(String(64), nullable=False)
    entities = Column(JSON, nullable=False, default=dict)
    # pending | sent | dead
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    claimed_until = Column(DateTime, nullable=True)
    last_error = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime, nullable=True)


class HandoffRequest(Base):
    """A citizen asked for a person; an officer calls or writes back."""

    __tablename__ = "handoff_requests"
    id = Column(Integer, primary_key=True)
    public_id = Column(String(20), unique=True, nullable=False)
    idempotency_key = Column(String(128), unique=True, nullable=True)
    phone = Column(String(64), nullable=False, index=True)
    language = Column(String(2), nullable=False)
    message = Column(Text, nullable=False, default="")
    service = Column(String(64), nullable=True)
    # open | closed
    status = Column(String(16), nullable=False, default="open", index=True)
    remarks = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    closed_at = Column(DateTime, nullable=True)
