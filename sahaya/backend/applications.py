"""Filing applications and moving them through review.

submitted → under_verification → approved → certificate_issued (kind
certificate: at once, on approval) or → rejected (with a reason). Each change
adds a history row and an outbox notification in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import notifications, ownership, payments
from .certificates import certificate_url, issue_certificate
from .clock import add_working_days, iso, today_ist, utcnow
from .context import Backend
from .errors import ApiError, not_found
from .ids import next_public_id
from .models import PENDING_STATUSES, Application, ApplicationEvent, Payment, Upload
from .validators import ValidationFailure, aadhaar_hash, mask_aadhaar, validate_value

APPLICABLE_KINDS = ("certificate", "application")
PHONE_PATTERN = r"^[A-Za-z0-9+_.:@-]{3,64}$"
ALLOWED_TYPES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not re.fullmatch(PHONE_PATTERN, phone):
        raise ApiError(422, "phone_invalid", "phone must be the citizen's number or conversation id")
    return phone


def validate_fields(backend: Backend, service_code: str, raw: dict[str, object]) -> tuple[dict, dict]:
    """(stored fields with Aadhaar masked, {field: Aadhaar HMAC})."""
    catalogue = backend.catalogue
    service = catalogue.service(service_code)
    if service is None:
        raise ApiError(422, "unknown_service", f"no service {service_code!r}", {"service": service_code})
    if service.kind not in APPLICABLE_KINDS:
        raise ApiError(
            422,
            "service_not_applicable",
            f"{service_code} is not applied for here",
            {"service": service_code, "kind": service.kind},
        )
    unknown = sorted(set(raw) - set(service.fields))
    if unknown:
        raise ApiError(422, "unknown_field", f"{unknown[0]!r} is not asked by {service_code}", {"field": unknown[0]})
    stored: dict = {}
    hashes: dict = {}
    for code in service.fields:
        spec = catalogue.fields.get(code)
        field_type = spec.type if spec else "text"
        value = raw.get(code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field_type == "document":
                continue  # documents are uploaded separately
            raise ApiError(422, "field_missing", f"{code} is required", {"field": code})
        try:
            normalised = validate_value(field_type, str(value), spec)
        except ValidationFailure as exc:
            raise ApiError(422, exc.code, f"{code}: {exc.message}", {**exc.params, "field": code}) from None
        if field_type == "aadhaar":
            hashes[code] = aadhaar_hash(backend.settings.pii_key, normalised)
            normalised = mask_aadhaar(normalised)
        stored[code] = normalised
    return stored, hashes


def _request_hash(service: str, phone: str, language: str, fields: dict, hashes: dict) -> str:
    blob = json.dumps([service, phone, language, fields, hashes], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def create_application(
    session: Session,
    backend: Backend,
    *,
    service_code: str,
    phone: str,
    language: str,
    fields: dict[str, object],
    idempotency_key: str,
) -> tuple[Application, bool]:
    """File once per idempotency key; (application, created)."""
    phone = check_phone(phone)
    stored, hashes = validate_fields(backend, service_code, fields)
    fingerprint = _request_hash(service_code, phone, language, stored, hashes)

    def replay() -> tuple[Application, bool] | None:
        existing = session.execute(
            select(Application).where(Application.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        if existing is None:
            return None
        if existing.request_hash != fingerprint:
            raise ApiError(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used for a different application",
                {"application_id": existing.public_id} if existing.phone == phone else {},
            )
        return existing, False

    found = replay()
    if found:
        return found
    service = backend.catalogue.services[service_code]
    now = utcnow()
    try:
        application = Application(
            public_id=next_public_id(session, "APP"),
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            phone=phone,
            service=service_code,
            language=language,
            fields=stored,
            pii_hashes=hashes,
            status="submitted",
            fee=service.fee,
            fee_paid=service.fee == 0,
            expected_date=add_working_days(today_ist(), service.days),
            created_at=now,
            updated_at=now,
        )
        session.add(application)
        session.flush()
        session.add(
            ApplicationEvent(application_id=application.id, status="submitted", at=now, actor="citizen")
        )
        if service.fee > 0:
            payments.fee_payment(session, application)
        session.commit()
        return application, True
    except IntegrityError:
        # Another request with the same key won the race; answer with its application.
        session.rollback()
        found = replay()
        if found:
            return found
        raise


def get_owned(session: Session, public_id: str, phone: str) -> Application:
    return ownership.get_owned(session, Application, public_id, phone, "application")


def get_any(session: Session, public_id: str) -> Application:
    application = session.execute(
        select(Application).where(Application.public_id == public_id.strip().upper())
    ).scalar_one_or_none()
    if application is None:
        raise not_found("application")
    return application


def _move(
    session: Session,
    application: Application,
    target: str,
    allowed_from: tuple[str, ...],
    remarks: str | None,
) -> None:
    """Conditional update so two officers cannot both act on one application."""
    now = utcnow()
    changed = session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status.in_(allowed_from))
        .values(status=target, remarks=remarks, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.rollback()
        current = session.get(Application, application.id)
        raise ApiError(
            409,
            "invalid_transition",
            f"cannot move from {current.status} to {target}",
            {"from": current.status, "to": target},
        )
    session.add(
        ApplicationEvent(application_id=application.id, status=target, at=now, remarks=remarks, actor="officer")
    )
    application.status = target
    application.remarks = remarks


def _notify(session: Session, application: Application, remarks: str | None) -> None:
    notifications.enqueue(
        session,
        application.phone,
        notifications.APPLICATION_UPDATE,
        {
            "application_id": application.public_id,
            "status": application.status,
            "service": application.service,
            "remarks": remarks or None,
        },
    )


def start_verification(session: Session, application: Application, remarks: str | None = None) -> None:
    _move(session, application, "under_verification", ("submitted",), remarks)
    _notify(session, application, remarks)
    session.commit()


def approve(session: Session, backend: Backend, application: Application, remarks: str | None = None) -> None:
    """Approve; certificate services get their signed certificate at once.

    The citizen hears once, about the final state (certificate_issued for
    certificates), rather than twice within a second. As at a MeeSeva
    counter, nothing is approved before its fee is paid.
    """
    if application.fee > 0 and not application.fee_paid and application.status in PENDING_STATUSES:
        raise ApiError(409, "fee_unpaid", f"the ₹{application.fee} fee is not paid yet", {"fee": application.fee})
    _move(session, application, "approved", PENDING_STATUSES, remarks)
    service = backend.catalogue.services.get(application.service)
    if service is not None and service.kind == "certificate":
        issue_certificate(
            session,
            application=application,
            catalogue=backend.catalogue,
            signer=backend.signer,
            renderer=backend.renderer,
            public_url=backend.settings.public_url,
        )
        _move(session, application, "certificate_issued", ("approved",), remarks)
    _notify(session, application, remarks)
    session.commit()


def reject(session: Session, application: Application, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ApiError(422, "reason_required", "a rejection needs a reason")
    _move(session, application, "rejected", PENDING_STATUSES, reason)
    _notify(session, application, reason)
    session.commit()


def sniff_type(head: bytes) -> str | None:
    for magic, content_type in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def store_upload(
    session: Session,
    *,
    phone: str,
    data: bytes,
    filename: str | None,
    max_bytes: int,
    application: Application | None = None,
) -> Upload:
    if len(data) > max_bytes:
        raise ApiError(
            413, "file_too_large", f"files up to {max_bytes // (1024 * 1024)} MB", {"max_bytes": max_bytes}
        )
    content_type = sniff_type(data[:16])
    if content_type is None or not data:
        raise ApiError(415, "file_type", "send a PDF, JPEG or PNG file", {"allowed": ["pdf", "jpeg", "png"]})
    upload = Upload(
        phone=phone,
        application_id=application.id if application else None,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        size=len(data),
        filename=(filename or "")[:200] or None,
        data=data,
    )
    session.add(upload)
    session.commit()
    return upload


# --- views ----------------------------------------------------------------------

def payment_of(session: Session, application: Application) -> Payment | None:
    if application.fee <= 0:
        return None
    return session.execute(
        select(Payment)
        .where(Payment.kind == "fee", Payment.reference == application.public_id)
        .order_by((Payment.status == "success").desc(), Payment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def download_token(key: str, certificate_id: str, expires: int) -> str:
    return hmac.new(key.encode(), f"{certificate_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def summary(application: Application) -> dict:
    return {
        "id": application.public_id,
        "service": application.service,
        "status": application.status,
        "expected_date": application.expected_date.isoformat(),
        "created_at": iso(application.created_at),
        "updated_at": iso(application.updated_at),
    }


def detail(session: Session, backend: Backend, application: Application) -> dict:
    settings = backend.settings
    # Relationships may have been loaded before this request's own changes.
    session.expire(application, ["history", "documents", "certificate"])
    payment = payment_of(session, application)
    certificate = application.certificate
    cert_view = None
    if certificate is not None:
        expires = int(time.time()) + 24 * 3600
        token = download_token(settings.pii_key, certificate.public_id, expires)
        cert_view = {
            "id": certificate.public_id,
            "issued_on": certificate.issued_on.isoformat(),
            "revoked": certificate.revoked_at is not None,
            "download_url": f"{settings.public_url}/certificates/{certificate.public_id}/download"
            f"?expires={expires}&token={token}",
            "verify_url": certificate_url(certificate, application.public_id, settings.public_url),
        }
    return {
        **summary(application),
        "language": application.language,
        "fee": application.fee,
        "fee_paid": application.fee_paid,
        "remarks": application.remarks,
        "fields": application.fields,
        "history": [
            {"status": e.status, "at": iso(e.at), "remarks": e.remarks} for e in application.history
        ],
        "documents": [
            {
                "sha256": d.sha256,
                "content_type": d.content_type,
                "size": d.size,
                "filename": d.filename,
                "uploaded_at": iso(d.created_at),
            }
            for d in application.documents
        ],
        "payment": payments.payment_view(settings, payment) if payment else None,
        "certificate": cert_view,
    }
