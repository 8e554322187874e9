"""Health, field validation and the catalogue."""

from __future__ import annotations

from fastapi import APIRouter

from sahaya.catalogue import Service

from ..deps import BackendDep
from ..errors import ApiError
from ..schemas import (
    DepartmentOut,
    ServiceOut,
    ValidateRequest,
    ValidateResponse,
    errors,
)
from ..validators import FIELD_TYPES, ValidationFailure, mask_aadhaar, validate_value

router = APIRouter()


@router.get("/health", tags=["meta"])
def health() -> dict:
    return {"status": "ok"}


@router.post(
    "/validate",
    response_model=ValidateResponse,
    tags=["validation"],
    responses=errors(422),
    summary="Validate and normalise one form answer",
)
def validate(body: ValidateRequest, backend: BackendDep) -> ValidateResponse:
    spec = None
    if body.field:
        spec = backend.catalogue.fields.get(body.field)
        if spec is None:
            raise ApiError(422, "unknown_field", f"no field {body.field!r}", {"field": body.field})
    field_type = body.type or (spec.type if spec else None)
    if not field_type:
        raise ApiError(422, "validation", "give `type` or `field`", {"types": list(FIELD_TYPES)})
    try:
        value = validate_value(field_type, body.value, spec)
    except ValidationFailure as exc:
        raise ApiError(422, exc.code, exc.message, exc.params) from None
    return ValidateResponse(
        valid=True, value=value, masked=mask_aadhaar(value) if field_type == "aadhaar" else None
    )


def _brief(s: Service) -> dict:
    return {"code": s.code, "kind": s.kind, "name": s.name, "fee": s.fee, "days": s.days}


@router.get("/catalogue/departments", response_model=list[DepartmentOut], tags=["catalogue"])
def departments(backend: BackendDep) -> list:
    return [
        {"code": d.code, "name": d.name, "services": [_brief(s) for s in d.services]}
        for d in backend.catalogue.departments
    ]


@router.get(
    "/catalogue/services/{code}",
    response_model=ServiceOut,
    tags=["catalogue"],
    responses=errors(404),
)
def service(code: str, backend: BackendDep) -> dict:
    s = backend.catalogue.service(code)
    if s is None:
        raise ApiError(404, "unknown_service", f"no service {code!r}", {"service": code})
    fields = []
    for f in s.fields:
        spec = backend.catalogue.fields.get(f)
        if spec is None:
            continue
        fields.append(
            {
                "code": spec.code,
                "type": spec.type,
                "question": spec.question,
                "example": spec.example,
                "choices": [{"code": c.code, "name": c.name} for c in spec.choices],
            }
        )
    return {
        **_brief(s),
        "department": s.department,
        "aliases": s.aliases,
        "documents": s.documents,
        "eligibility": s.eligibility,
        "documents_optional": s.documents_optional,
        "fields": fields,
    }
