"""Bills, payments (UPI link + QR) and the gateway callback."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from .. import payments as pay
from ..deps import BackendDep, PhoneDep, SessionDep
from ..errors import ApiError, not_found
from ..models import Payment
from ..schemas import (
    BillOut,
    CallbackOut,
    PaymentCallback,
    PaymentCreate,
    PaymentOut,
    errors,
)

router = APIRouter(tags=["payments"])


@router.get("/bills/{service}/{number}", response_model=BillOut, responses=errors(404, 422))
def get_bill(service: str, number: str, session: SessionDep) -> dict:
    return pay.bill_view(pay.find_bill(session, service, number))


@router.post("/payments", response_model=PaymentOut, status_code=201, responses=errors(404, 409, 422),
             summary="A UPI payment link for a bill, an application fee or a booking")
def create_payment(
    body: PaymentCreate,
    backend: BackendDep,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> dict:
    payment = pay.create_payment(
        session,
        phone=body.phone,
        service=body.service,
        reference=body.reference,
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    return pay.payment_view(backend.settings, payment)


def _owned_payment(session: Session, payment_id: str) -> Payment:
    payment = session.execute(
        select(Payment).where(Payment.public_id == payment_id.strip().upper())
    ).scalar_one_or_none()
    if payment is None:
        raise not_found("payment")
    return payment


@router.get("/payments/{payment_id}", response_model=PaymentOut, responses=errors(404, 422))
def get_payment(
    payment_id: str,
    phone: PhoneDep,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    payment = _owned_payment(session, payment_id)
    if payment.phone != phone:
        raise not_found("payment")
    return pay.payment_view(backend.settings, payment)


@router.get("/payments/{payment_id}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **errors(404)})
def payment_qr(
    payment_id: str,
    backend: BackendDep,
    session: SessionDep,
) -> Response:
    payment = _owned_payment(session, payment_id)
    return Response(
        pay.qr_png(pay.upi_link(backend.settings, payment)),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.post(
    "/payments/callback",
    response_model=CallbackOut,
    responses=errors(401, 404, 422),
    summary="Gateway confirmation; X-Signature = hex HMAC-SHA256(secret, raw body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PaymentCallback.schema()}},
        }
    },
)
async def payment_callback(
    request: Request,
    backend: BackendDep,
    x_signature: Annotated[str | None, Header(alias="X-Signature")] = None,
) -> dict:
    raw = await request.body()
    if not pay.signature_ok(backend.settings.payment_secret, raw, x_signature):
        raise ApiError(401, "invalid_signature", "X-Signature does not match the body")
    try:
        body = PaymentCallback.parse_obj(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise ApiError(422, "validation", f"bad callback body: {exc}"[:300]) from None
    def apply() -> dict:
        with backend.sessions() as session:
            payment = pay.apply_callback(session, body.payment_id.strip().upper(), body.status, body.gateway_ref)
            return {"payment_id": payment.public_id, "status": payment.status}

    return await run_in_threadpool(apply)
