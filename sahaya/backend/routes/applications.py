"""Citizen side of applications: file, list, read, upload, certificate."""

from __future__ import annotations

import hmac
import time
from typing import Annotated

from fastapi import APIRouter, File, Header, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import select

from .. import applications as apps
from ..deps import BackendDep, PhoneDep, SessionDep
from ..errors import ApiError, not_found
from ..models import Application, Certificate
from ..schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationOut,
    UploadOut,
    errors,
)

router = APIRouter(tags=["applications"])

PDF = {"content": {"application/pdf": {}}, "description": "the certificate PDF"}


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=201,
    responses={200: {"model": ApplicationOut, "description": "replay of an earlier request"},
               **errors(409, 422)},
    summary="File an application (exactly once per Idempotency-Key)",
)
def create_application(
    body: ApplicationCreate,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128)],
    backend: BackendDep,
    session: SessionDep,
):
    application, created = apps.create_application(
        session,
        backend,
        service_code=body.service,
        phone=body.phone,
        language=body.language,
        fields=dict(body.fields),
        idempotency_key=idempotency_key.strip(),
    )
    payload = apps.detail(session, backend, application)
    return JSONResponse(payload, status_code=201 if created else 200)


@router.get("/applications", response_model=ApplicationList, responses=errors(422))
def list_applications(
    phone: PhoneDep, session: SessionDep
) -> dict:
    rows = session.execute(
        select(Application)
        .where(Application.phone == phone)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(100)
    ).scalars()
    return {"applications": [apps.summary(a) for a in rows]}


@router.get("/applications/{application_id}", response_model=ApplicationOut, responses=errors(404, 422))
def get_application(
    application_id: str,
    phone: PhoneDep,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    application = apps.get_owned(session, application_id, phone)
    return apps.detail(session, backend, application)


@router.post(
    "/applications/{application_id}/documents",
    response_model=UploadOut,
    status_code=201,
    responses=errors(404, 409, 413, 415, 422),
    summary="Attach a PDF, JPEG or PNG (5 MB at most; type read from the content)",
)
def upload_document(
    application_id: str,
    request: Request,
    file: Annotated[UploadFile, File()],
    phone: PhoneDep,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    limit = backend.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise ApiError(413, "file_too_large", "files up to 5 MB", {"max_bytes": limit})
    application = apps.get_owned(session, application_id, phone)
    if application.status not in ("submitted", "under_verification"):
        raise ApiError(409, "application_closed", "documents can only be added while under review",
                       {"status": application.status})
    data = file.file.read(limit + 1)
    upload = apps.store_upload(
        session, phone=phone, data=data, filename=file.filename, max_bytes=limit, application=application
    )
    return {"sha256": upload.sha256, "content_type": upload.content_type, "size": upload.size}


def _pdf(certificate: Certificate) -> Response:
    if certificate.revoked_at is not None:
        raise ApiError(410, "certificate_revoked", "this certificate was revoked",
                       {"certificate_id": certificate.public_id})
    return Response(
        content=certificate.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{certificate.public_id}.pdf"'},
    )


@router.get(
    "/applications/{application_id}/certificate",
    response_class=Response,
    responses={200: PDF, **errors(404, 410, 422)},
)
def get_certificate(
    application_id: str,
    phone: PhoneDep,
    session: SessionDep,
) -> Response:
    application = apps.get_owned(session, application_id, phone)
    if application.certificate is None:
        raise not_found("certificate")
    return _pdf(application.certificate)


@router.get(
    "/certificates/{certificate_id}/download",
    response_class=Response,
    responses={200: PDF, **errors(404, 410, 422)},
    summary="Download by an expiring link (for sending the PDF as a WhatsApp document)",
)
def download_certificate(
    certificate_id: str,
    expires: int,
    token: str,
    backend: BackendDep,
    session: SessionDep,
) -> Response:
    expected = apps.download_token(backend.settings.pii_key, certificate_id, expires)
    if expires < time.time() or not hmac.compare_digest(expected.encode(), token.encode()):
        raise not_found("certificate")
    certificate = session.execute(
        select(Certificate).where(Certificate.public_id == certificate_id)
    ).scalar_one_or_none()
    if certificate is None:
        raise not_found("certificate")
    return _pdf(certificate)
