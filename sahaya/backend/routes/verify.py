"""Public certificate verification (what the QR code opens) and the public key."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from ..certificates import verify_certificate
from ..context import Backend
from ..deps import BackendDep, SessionDep, require_officer
from ..register import verify_database
from ..schemas import VerifyOut, errors
from ..signing import CERT_KEY_NAMES, CERT_KEYS, fields_from_query

router = APIRouter(tags=["verification"])

REASONS = {
    "ok": "The signature is valid and the certificate is in the register.",
    "missing_fields": "The link is incomplete: some certificate fields or the signature are missing.",
    "unsupported_version": "Unknown certificate format version.",
    "unknown_key": "The certificate was not signed with Sahaya's current key.",
    "bad_signature": "The signature does not match these fields: the certificate was altered or forged.",
    "unknown_certificate": "The signature checks out but the certificate is not in the register.",
    "does_not_match_register": "The certificate differs from the copy in the register.",
    "revoked": "The certificate was valid but has been revoked.",
}
WORDS = {
    "VALID": ("చెల్లుతుంది", "मान्य", "#1b7a34"),
    "INVALID": ("చెల్లదు", "अमान्य", "#b3261e"),
    "REVOKED": ("రద్దు చేయబడింది", "रद्द", "#b36b00"),
}


@router.get(
    "/verify",
    responses={200: {"content": {"text/html": {}, "application/json": {"schema": VerifyOut.schema()}},
                     "description": "VALID / INVALID / REVOKED (always 200: the answer is the page)"}},
    summary="Verify a certificate (the QR code's link); ?format=json for JSON",
)
def verify(
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    format: Annotated[str | None, Query(pattern="^(html|json)$")] = None,
):
    query = dict(request.query_params)
    fields, signature = fields_from_query(query)
    result = verify_certificate(session, fields, signature, backend.signer)
    body = {
        "status": result.status,
        "reason": result.reason,
        "fields": result.fields,
        "revoked_at": result.revoked_at,
        "revoke_reason": result.revoke_reason,
        "details": result.details,
    }
    wants_json = format == "json" or (
        format is None and "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )
    if wants_json:
        return JSONResponse(body)
    return HTMLResponse(_page(backend, body))


def _page(backend: Backend, body: dict) -> str:
    status = body["status"]
    te, hi, colour = WORDS[status]
    fields = body["fields"]
    service = backend.catalogue.service(fields.get("s", "")) if fields.get("s") else None
    rows = []
    for key in CERT_KEYS:
        if key == "v" or key not in fields:
            continue
        value = escape(fields[key])
        if key == "s" and service is not None:
            value = " / ".join(escape(service.name.get(lang, "")) for lang in ("te", "hi", "en") if service.name.get(lang))
        rows.append(f"<tr><th>{escape(CERT_KEY_NAMES[key])}</th><td>{value}</td></tr>")
    details = ""
    if body.get("details"):
        details = "<h2>Details in the register</h2><table>" + "".join(
            f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in body["details"].items()
        ) + "</table>"
    revoked = ""
    if status == "REVOKED":
        revoked = (f"<p>Revoked at {escape(body.get('revoked_at') or '')}: "
                   f"{escape(body.get('revoke_reason') or '')}</p>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>Certificate {escape(status)}</title><style>"
        "body{font-family:'Noto Sans','Noto Sans Telugu','Noto Sans Devanagari',sans-serif;margin:1.5rem;max-width:720px}"
        f".banner{{background:{colour};color:#fff;padding:1rem 1.2rem;border-radius:6px;font-size:1.6rem;font-weight:700}}"
        "table{border-collapse:collapse;width:100%;margin:.8rem 0}th,td{border:1px solid #ccd;padding:.4rem .5rem;text-align:left}"
        "th{background:#f2f5fa;width:35%}.muted{color:#666;font-size:.85rem}</style></head><body>"
        f"<div class='banner'>{escape(status)} · {te} · {hi}</div>"
        f"<p>{escape(REASONS.get(body['reason'], body['reason']))}</p>{revoked}"
        f"<h2>Certificate fields</h2><table>{''.join(rows)}</table>{details}"
        "<p class='muted'>Compare these fields with the printed certificate. Offline check: "
        "<code>python -m sahaya.backend.cli verify-certificate URL --public-key KEY.pem</code>; "
        "public key at <a href='/verify/public-key'>/verify/public-key</a>.</p></body></html>"
    )


@router.get("/verify/public-key", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}}})
def public_key(backend: BackendDep) -> PlainTextResponse:
    return PlainTextResponse(
        backend.signer.public_pem().decode(), headers={"X-Key-Id": backend.signer.key_id}
    )


@router.get("/officer/register/verify", tags=["officer"], dependencies=[Depends(require_officer)],
            responses=errors(401))
def register_verify(backend: BackendDep, session: SessionDep) -> dict:
    report = verify_database(session, backend.signer)
    return {"ok": report.ok, "checked": report.checked, "first_bad_seq": report.first_bad_seq,
            "message": report.describe()}
