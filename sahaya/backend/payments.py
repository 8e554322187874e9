"""Bills, UPI payment links and the signed gateway callback.

The UPI link follows NPCI's deep-link format (upi://pay?pa=&pn=&am=&cu=INR&tn=&tr=);
any UPI app opens it. The gateway (or `cli simulate-payment`) confirms by
POSTing to /payments/callback with X-Signature = hex HMAC-SHA256 of the raw
body; the first `success` marks the bill, fee or booking paid and notifies the
citizen, repeats change nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import notifications, ownership
from .clock import iso, today_ist, utcnow
from .errors import ApiError, not_found
from .ids import insert_ignore, next_public_id
from .models import Application, Bill, Booking, Payment
from .settings import Settings
from .validators import ValidationFailure, validate_consumer_number

BILL_SERVICES = ("electricity_bill", "water_bill", "property_tax", "traffic_challan", "vehicle_tax")

SERVICE_NOTES = {
    "electricity_bill": "Electricity bill",
    "water_bill": "Water bill",
    "property_tax": "Property tax",
    "traffic_challan": "Traffic challan",
    "vehicle_tax": "Vehicle tax",
}


@dataclass(frozen=True)
class DemoBill:
    service: str
    number: str
    holder_name: str
    amount_paise: int
    due_in_days: int
    paid: bool = False


# Documented in docs/backend.md; tests rely on them.
DEMO_BILLS: list[DemoBill] = [
    DemoBill("electricity_bill", "1234567890", "Ravi Kumar", 143250, 10),
    DemoBill("electricity_bill", "9876543210", "లక్ష్మి దేవి", 86500, 5),
    DemoBill("electricity_bill", "5555000011", "Suresh Babu", 221000, 12, paid=True),
    DemoBill("water_bill", "WTR100234", "Anjali Sharma", 35600, 15),
    DemoBill("water_bill", "WTR100777", "Mohammed Imran", 51200, 8),
    DemoBill("property_tax", "PTX2024001", "Venkata Rao", 625000, 30),
    DemoBill("property_tax", "PTX2024002", "सीता राम", 410000, 25),
    DemoBill("traffic_challan", "APCH0012345", "Kiran Reddy", 100000, 20),
    DemoBill("traffic_challan", "TSCH0067890", "Priya Nair", 50000, 20),
    DemoBill("vehicle_tax", "AP39AB1234", "Srinivas Rao", 345000, 40),
    DemoBill("vehicle_tax", "TS09CD5678", "Ramesh Gupta", 280000, 40),
]


def seed_demo_bills(session: Session, reset: bool = False) -> int:
    """Insert the demonstration accounts that are missing; `reset` marks all unpaid."""
    today = today_ist()
    for demo in DEMO_BILLS:
        insert_ignore(
            session,
            Bill.__table__,
            {
                "service": demo.service,
                "number": demo.number,
                "holder_name": demo.holder_name,
                "amount_paise": demo.amount_paise,
                "due_date": today + timedelta(days=demo.due_in_days),
                "status": "paid" if demo.paid else "unpaid",
            },
            ["service", "number"],
        )
        if reset:
            session.execute(
                update(Bill)
                .where(Bill.service == demo.service, Bill.number == demo.number)
                .values(
                    status="paid" if demo.paid else "unpaid",
                    paid_at=None,
                    due_date=today + timedelta(days=demo.due_in_days),
                )
                .execution_options(synchronize_session=False)
            )
    return len(DEMO_BILLS)


VIRAMAS = {"\u094d", "\u0c4d"}  # Devanagari and Telugu: the next consonant joins this letter


def letters(word: str) -> list[str]:
    """Split a word into the letters a reader sees: "లక్ష్మి" -> ["ల", "క్ష్మి"],
    vowel signs and conjuncts kept with their consonant."""
    found: list[str] = []
    for char in word:
        joins = unicodedata.category(char).startswith("M") or (found and found[-1][-1] in VIRAMAS)
        if found and joins:
            found[-1] += char
        else:
            found.append(char)
    return found


def mask_name(name: str) -> str:
    """"Ravi Kumar" -> "R*** K****", "లక్ష్మి దేవి" -> "ల* దే*": enough to recognise, not to harvest."""
    return " ".join(parts[0] + "*" * (len(parts) - 1) for parts in map(letters, name.split()))


def rupees(paise: int) -> float:
    return round(paise / 100, 2)


def rupees_text(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


def normalise_number(number: str) -> str:
    try:
        return validate_consumer_number(number)
    except ValidationFailure as exc:
        raise ApiError(422, exc.code, exc.message, exc.params) from None


def find_bill(session: Session, service: str, number: str) -> Bill:
    if service not in BILL_SERVICES:
        raise ApiError(
            404, "unknown_service", f"{service!r} has no bills", {"services": list(BILL_SERVICES)}
        )
    bill = session.execute(
        select(Bill).where(Bill.service == service, Bill.number == normalise_number(number))
    ).scalar_one_or_none()
    if bill is None:
        raise ApiError(404, "bill_not_found", "no bill with that number", {"service": service})
    return bill


def bill_view(bill: Bill) -> dict[str, object]:
    return {
        "service": bill.service,
        "number": bill.number,
        "name": mask_name(bill.holder_name),
        "amount": rupees(bill.amount_paise),
        "due_date": bill.due_date.isoformat(),
        "status": bill.status,
    }


def upi_link(settings: Settings, payment: Payment) -> str:
    note = f"{SERVICE_NOTES.get(payment.service, payment.service.replace('_', ' ').capitalize())} {payment.reference}"
    query = urlencode(
        [
            ("pa", settings.upi_vpa),
            ("pn", settings.upi_payee_name),
            ("am", rupees_text(payment.amount_paise)),
            ("cu", "INR"),
            ("tn", note[:80]),
            ("tr", payment.public_id),
        ],
        safe="@",
        quote_via=quote,
    )
    return f"upi://pay?{query}"


def payment_view(settings: Settings, payment: Payment) -> dict[str, object]:
    return {
        "payment_id": payment.public_id,
        "service": payment.service,
        "reference": payment.reference,
        "amount": rupees(payment.amount_paise),
        "status": payment.status,
        "upi_link": upi_link(settings, payment),
        "qr_url": f"{settings.public_url}/payments/{payment.public_id}/qr.png",
        "created_at": iso(payment.created_at),
        "paid_at": iso(payment.paid_at),
    }


def _new_payment(session: Session, **values) -> Payment:
    payment = Payment(public_id=next_public_id(session, "PAY"), status="pending", **values)
    session.add(payment)
    session.flush()
    return payment


def fee_payment(session: Session, application: Application) -> Payment:
    """The fee payment created with an application (caller's transaction)."""
    return _new_payment(
        session,
        phone=application.phone,
        service=application.service,
        reference=application.public_id,
        kind="fee",
        amount_paise=application.fee * 100,
    )


def create_payment(
    session: Session,
    *,
    phone: str,
    service: str,
    reference: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Find what is owed for `reference` and return a pending payment for it."""
    existing = ownership.replay(session, Payment, idempotency_key, phone)
    if existing is not None:
        return existing
    reference = reference.strip().upper()
    if reference.startswith("APP-"):
        application = session.execute(
            select(Application).where(Application.public_id == reference, Application.phone == phone)
        ).scalar_one_or_none()
        if application is None:
            raise not_found("application")
        if application.fee <= 0:
            raise ApiError(409, "nothing_to_pay", "this service has no fee")
        if application.fee_paid:
            raise ApiError(409, "already_paid", "the fee is already paid")
        kind, amount, service = "fee", application.fee * 100, application.service
    elif reference.startswith("BKG-"):
        booking = session.execute(
            select(Booking).where(Booking.public_id == reference, Booking.phone == phone)
        ).scalar_one_or_none()
        if booking is None:
            raise not_found("booking")
        if booking.status != "confirmed":
            raise ApiError(409, "booking_cancelled", "the booking was cancelled")
        if booking.amount_paise <= 0:
            raise ApiError(409, "nothing_to_pay", "this booking is free")
        if booking.paid:
            raise ApiError(409, "already_paid", "the booking is already paid")
        kind, amount, service = "booking", booking.amount_paise, "temple_darshan"
    else:
        bill = find_bill(session, service, reference)
        if bill.status == "paid":
            raise ApiError(409, "already_paid", "this bill is already paid")
        kind, amount, reference = "bill", bill.amount_paise, bill.number

    pending = session.execute(
        select(Payment)
        .where(
            Payment.kind == kind,
            Payment.reference == reference,
            Payment.phone == phone,
            Payment.status == "pending",
            Payment.amount_paise == amount,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if pending is not None:
        return pending
    try:
        payment = _new_payment(
            session,
            phone=phone,
            service=service,
            reference=reference,
            kind=kind,
            amount_paise=amount,
            idempotency_key=idempotency_key,
        )
        session.commit()
        return payment
    except IntegrityError:
        session.rollback()
        existing = session.execute(
            select(Payment).where(Payment.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        if existing is None:
            raise
        return existing


def signature_for(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(signature_for(secret, body).encode(), given.strip().lower().encode())


def apply_callback(session: Session, payment_id: str, status: str, gateway_ref: str) -> Payment:
    """Record the gateway's word; only the first success has side effects."""
    payment = session.execute(
        select(Payment).where(Payment.public_id == payment_id)
    ).scalar_one_or_none()
    if payment is None:
        raise not_found("payment")
    now = utcnow()
    if status == "success":
        changed = session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status != "success")
            .values(status="success", gateway_ref=gateway_ref, paid_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            _mark_paid(session, payment, now)
            notifications.enqueue(
                session,
                payment.phone,
                notifications.PAYMENT_RECEIVED,
                {
                    "payment_id": payment.public_id,
                    "amount": rupees_text(payment.amount_paise),
                    "service": payment.service,
                    "reference": payment.reference,
                },
            )
    else:
        session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == "pending")
            .values(status="failed", gateway_ref=gateway_ref)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    session.refresh(payment)
    return payment


def _mark_paid(session: Session, payment: Payment, now) -> None:
    if payment.kind == "bill":
        session.execute(
            update(Bill)
            .where(Bill.service == payment.service, Bill.number == payment.reference)
            .values(status="paid", paid_at=now)
            .execution_options(synchronize_session=False)
        )
    elif payment.kind == "fee":
        session.execute(
            update(Application)
            .where(Application.public_id == payment.reference)
            .values(fee_paid=True, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    elif payment.kind == "booking":
        session.execute(
            update(Booking)
            .where(Booking.public_id == payment.reference)
            .values(paid=True)
            .execution_options(synchronize_session=False)
        )


def qr_png(data: str) -> bytes:
    import io

    import qrcode

    image = qrcode.make(data, box_size=8, border=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
