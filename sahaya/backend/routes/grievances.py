"""Grievances: file, read, list; photos are uploaded first and referred to by hash."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import select

from .. import applications as apps
from .. import grievances as grv
from ..deps import BackendDep, PhoneDep, SessionDep
from ..models import Grievance
from ..schemas import (
    Categories,
    GrievanceCreate,
    GrievanceList,
    GrievanceOut,
    UploadOut,
    errors,
)

router = APIRouter(tags=["grievances"])


@router.get("/grievances/categories", response_model=Categories)
def categories() -> dict:
    return {"categories": list(grv.CATEGORIES)}


@router.post("/grievances", response_model=GrievanceOut, status_code=201, responses=errors(409, 422))
def create_grievance(
    body: GrievanceCreate,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
):
    grievance = grv.create_grievance(
        session,
        phone=body.phone,
        category=body.category,
        description=body.description,
        photo_sha256=body.photo_sha256,
        latitude=body.latitude,
        longitude=body.longitude,
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    return JSONResponse(grv.view(grievance), status_code=201)


@router.post("/grievances/photos", response_model=UploadOut, status_code=201,
             responses=errors(413, 415, 422), summary="Upload a photo; pass its sha256 as photo_sha256")
def upload_photo(
    file: Annotated[UploadFile, File()],
    phone: PhoneDep,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    limit = backend.settings.max_upload_bytes
    upload = apps.store_upload(
        session, phone=phone, data=file.file.read(limit + 1), filename=file.filename, max_bytes=limit
    )
    return {"sha256": upload.sha256, "content_type": upload.content_type, "size": upload.size}


@router.get("/grievances", response_model=GrievanceList, responses=errors(422))
def list_grievances(phone: PhoneDep, session: SessionDep) -> dict:
    rows = session.execute(
        select(Grievance).where(Grievance.phone == phone).order_by(Grievance.id.desc()).limit(100)
    ).scalars()
    return {"grievances": [grv.view(g) for g in rows]}


@router.get("/grievances/{ticket_id}", response_model=GrievanceOut, responses=errors(404, 422))
def get_grievance(
    ticket_id: str, phone: PhoneDep, session: SessionDep
) -> dict:
    return grv.view(grv.get_owned(session, ticket_id, phone))
