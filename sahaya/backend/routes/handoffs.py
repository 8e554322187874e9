"""A citizen asks for a person: the request waits on the officer page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from .. import handoffs as hnd
from ..deps import PhoneDep, SessionDep
from ..schemas import HandoffCreate, HandoffOut, errors

router = APIRouter(tags=["handoffs"])


@router.post("/handoffs", response_model=HandoffOut, status_code=201, responses=errors(409, 422),
             summary="Ask for an officer; one open request per citizen")
def request_handoff(
    body: HandoffCreate,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
):
    handoff = hnd.request_handoff(
        session,
        phone=body.phone,
        language=body.language,
        message=body.message,
        service=body.service,
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    return JSONResponse(hnd.view(handoff), status_code=201)


@router.get("/handoffs/{ticket_id}", response_model=HandoffOut, responses=errors(404, 422))
def get_handoff(ticket_id: str, phone: PhoneDep, session: SessionDep) -> dict:
    return hnd.view(hnd.get_owned(session, ticket_id, phone))
