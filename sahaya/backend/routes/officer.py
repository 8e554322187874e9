"""The officer's side: JSON API behind X-Officer-Key, and a small HTML page.

The page takes the key once (login form, or /officer?key=… from a bookmark),
keeps an HttpOnly SameSite=Strict cookie derived from it, and posts plain
HTML forms, so it works in any browser without JavaScript.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import applications as apps
from .. import grievances as grv
from .. import handoffs as hnd
from ..certificates import certificate_url, revoke_certificate
from ..clock import iso
from ..context import Backend
from ..deps import BackendDep, SessionDep, officer_key_ok, require_officer
from ..errors import ApiError, not_found
from ..models import (
    PENDING_STATUSES,
    Application,
    Certificate,
    Grievance,
    HandoffRequest,
    Upload,
)
from ..schemas import (
    ApplicationOut,
    ApplicationSummary,
    GrievanceOut,
    GrievanceStatusUpdate,
    HandoffOut,
    OfficerReject,
    OfficerRemarks,
    RevokeOut,
    RevokeRequest,
    errors,
)

router = APIRouter(tags=["officer"])
api = APIRouter(prefix="/officer", tags=["officer"], dependencies=[Depends(require_officer)],
                responses=errors(401))

COOKIE = "sahaya_officer"


# --- JSON API ---------------------------------------------------------------------

@api.get("/applications", response_model=list[ApplicationSummary])
def pending_applications(
    session: SessionDep,
    status: Annotated[str | None, Query(description="one status; default: all pending")] = None,
) -> list:
    statuses = (status,) if status else PENDING_STATUSES
    rows = session.execute(
        select(Application).where(Application.status.in_(statuses)).order_by(Application.id).limit(200)
    ).scalars()
    return [apps.summary(a) for a in rows]


@api.post("/applications/{application_id}/verify", response_model=ApplicationOut,
          responses=errors(404, 409, 422))
def verify_application(
    application_id: str,
    backend: BackendDep,
    session: SessionDep,
    body: Annotated[OfficerRemarks | None, Body()] = None,
) -> dict:
    application = apps.get_any(session, application_id)
    apps.start_verification(session, application, body.remarks if body else None)
    return apps.detail(session, backend, application)


@api.post("/applications/{application_id}/approve", response_model=ApplicationOut,
          responses=errors(404, 409, 422))
def approve_application(
    application_id: str,
    backend: BackendDep,
    session: SessionDep,
    body: Annotated[OfficerRemarks | None, Body()] = None,
) -> dict:
    application = apps.get_any(session, application_id)
    apps.approve(session, backend, application, body.remarks if body else None)
    return apps.detail(session, backend, application)


@api.post("/applications/{application_id}/reject", response_model=ApplicationOut,
          responses=errors(404, 409, 422))
def reject_application(
    application_id: str,
    body: OfficerReject,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    application = apps.get_any(session, application_id)
    apps.reject(session, application, body.reason)
    return apps.detail(session, backend, application)


@api.get("/applications/{application_id}/documents/{sha256}", response_class=Response,
         responses=errors(404))
def officer_document(application_id: str, sha256: str, session: SessionDep) -> Response:
    application = apps.get_any(session, application_id)
    upload = session.execute(
        select(Upload).where(Upload.application_id == application.id, Upload.sha256 == sha256)
    ).scalars().first()
    if upload is None:
        raise not_found("document")
    return Response(upload.data, media_type=upload.content_type)


@api.get("/applications/{application_id}/certificate", response_class=Response, responses=errors(404))
def officer_certificate(application_id: str, session: SessionDep) -> Response:
    application = apps.get_any(session, application_id)
    if application.certificate is None:
        raise not_found("certificate")
    return Response(application.certificate.pdf, media_type="application/pdf")


def _revoke(session: Session, backend: Backend, certificate_id: str, reason: str) -> Certificate:
    certificate = session.execute(
        select(Certificate).where(Certificate.public_id == certificate_id.strip().upper())
    ).scalar_one_or_none()
    if certificate is None:
        raise not_found("certificate")
    revoke_certificate(session, certificate, reason, backend.signer)
    session.commit()
    return certificate


@api.post("/certificates/{certificate_id}/revoke", response_model=RevokeOut,
          responses=errors(404, 422))
def revoke(
    certificate_id: str,
    body: RevokeRequest,
    backend: BackendDep,
    session: SessionDep,
) -> dict:
    certificate = _revoke(session, backend, certificate_id, body.reason)
    return {"certificate_id": certificate.public_id, "status": "REVOKED",
            "revoked_at": iso(certificate.revoked_at)}


@api.get("/handoffs", response_model=list[HandoffOut])
def open_handoffs(session: SessionDep) -> list:
    rows = session.execute(
        select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.id).limit(200)
    ).scalars()
    return [hnd.view(h) for h in rows]


@api.post("/handoffs/{ticket_id}/close", response_model=HandoffOut, responses=errors(404, 422))
def close_handoff(ticket_id: str, session: SessionDep, body: Annotated[OfficerRemarks | None, Body()] = None) -> dict:
    return hnd.view(hnd.close(session, ticket_id, body.remarks if body else None))


@api.post("/grievances/{ticket_id}/status", response_model=GrievanceOut, responses=errors(404, 409, 422))
def grievance_status(
    ticket_id: str, body: GrievanceStatusUpdate, session: SessionDep
) -> dict:
    return grv.view(grv.set_status(session, ticket_id, body.status, body.remarks))


# --- HTML page -------------------------------------------------------------------

def _cookie_value(backend: Backend) -> str:
    return hmac.new(backend.settings.officer_key.encode(), b"sahaya-officer-page", hashlib.sha256).hexdigest()


def _logged_in(request: Request, backend: Backend) -> bool:
    given = request.cookies.get(COOKIE, "")
    return bool(given) and hmac.compare_digest(given.encode(), _cookie_value(backend).encode())


def _login_redirect(backend: Backend, target: str = "/officer") -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, _cookie_value(backend), httponly=True, samesite="strict",
                        secure=backend.settings.public_url.startswith("https"), max_age=12 * 3600)
    return response


STYLE = """
body{font-family:'Noto Sans','Noto Sans Telugu','Noto Sans Devanagari',sans-serif;margin:1.5rem;max-width:1100px;color:#1a1a1a}
h1{color:#1e4678;margin-bottom:.2rem} table{border-collapse:collapse;width:100%;margin:.6rem 0 1.6rem}
td,th{border:1px solid #ccd;padding:.4rem .5rem;vertical-align:top;text-align:left;font-size:.92rem}
th{background:#eef3fa} .flash{background:#e8f6e8;border:1px solid #9c9;padding:.5rem;margin:.5rem 0}
.err{background:#fbeaea;border-color:#d99} form.inline{display:inline-block;margin:.15rem 0}
input[type=text]{width:11rem} button{cursor:pointer} .muted{color:#666;font-size:.85rem}
dl{margin:0} dt{font-weight:600;display:inline} dd{display:inline;margin:0 .6rem 0 .2rem}
"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


LOGIN_FORM = """
<h1>Sahaya — officer sign-in</h1>
<form method="post" action="/officer/login">
<label>Officer key <input type="password" name="key" autofocus></label>
<button type="submit">Sign in</button></form>
<p class="muted">The key is SAHAYA_OFFICER_KEY (development default: officer-dev-key).</p>
"""


@router.get("/officer", response_class=HTMLResponse, include_in_schema=False)
def officer_page(
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    key: str | None = None,
    done: str | None = None,
    error: str | None = None,
):
    if key is not None:
        if officer_key_ok(backend, key):
            return _login_redirect(backend)  # drops the key from the address bar
        return _page("Sahaya officer", "<div class='flash err'>Wrong key.</div>" + LOGIN_FORM)
    if not _logged_in(request, backend):
        return _page("Sahaya officer", LOGIN_FORM)

    catalogue = backend.catalogue
    parts = [
        "<h1>Sahaya — pending applications</h1>",
        (
            "<p class='muted'><a href='/officer'>refresh</a> · <a href='/docs'>API</a> · "
            "<form class='inline' method='post' action='/officer/logout'><button>sign out</button></form></p>"
        ),
    ]
    if done:
        parts.append(f"<div class='flash'>{escape(done)}</div>")
    if error:
        parts.append(f"<div class='flash err'>{escape(error)}</div>")

    pending = session.execute(
        select(Application).where(Application.status.in_(PENDING_STATUSES)).order_by(Application.id)
    ).scalars().all()
    if not pending:
        parts.append("<p>No pending applications.</p>")
    else:
        parts.append("<table><tr><th>Application</th><th>Details</th><th>Documents</th><th>Decision</th></tr>")
        for a in pending:
            service = catalogue.service(a.service)
            name = service.name.get("en", a.service) if service else a.service
            fields = "".join(
                f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in a.fields.items()
            )
            docs = "".join(
                f"<div><a href='/officer/ui/applications/{escape(a.public_id)}/documents/{d.sha256}'>"
                f"{escape(d.filename or d.content_type)}</a> <span class='muted'>{d.size // 1024} KB</span></div>"
                for d in a.documents
            ) or "<span class='muted'>none</span>"
            fee = "no fee" if a.fee == 0 else (f"₹{a.fee} paid" if a.fee_paid else f"₹{a.fee} <b>unpaid</b>")
            pid = escape(a.public_id)
            verify_button = (
                f"<form class='inline' method='post' action='/officer/ui/applications/{pid}/verify'>"
                f"<button>Start verification</button></form><br>"
                if a.status == "submitted" else ""
            )
            approve_form = (
                f"<form class='inline' method='post' action='/officer/ui/applications/{pid}/approve'>"
                f"<input type='text' name='remarks' placeholder='remarks (optional)'> "
                f"<button>Approve</button></form><br>"
                if a.fee == 0 or a.fee_paid else
                f"<span class='muted'>Approve after the ₹{a.fee} fee is paid</span><br>"
            )
            parts.append(
                f"<tr><td><b>{pid}</b><br>{escape(name)}<br><span class='muted'>{escape(a.status)} · "
                f"{escape(iso(a.created_at) or '')} · {fee} · lang {escape(a.language)}</span></td>"
                f"<td><dl>{fields}</dl></td><td>{docs}</td><td>{verify_button}"
                f"{approve_form}"
                f"<form class='inline' method='post' action='/officer/ui/applications/{pid}/reject'>"
                f"<input type='text' name='reason' placeholder='reason (required)' required> "
                f"<button>Reject</button></form></td></tr>"
            )
        parts.append("</table>")

    recent = session.execute(
        select(Application).where(Application.status.notin_(PENDING_STATUSES))
        .order_by(Application.updated_at.desc()).limit(15)
    ).scalars().all()
    if recent:
        parts.append("<h2>Recent decisions</h2><table><tr><th>Application</th><th>Status</th><th>Certificate</th></tr>")
        for a in recent:
            cert = a.certificate
            if cert is None:
                cert_html = "<span class='muted'>—</span>"
            else:
                cid = escape(cert.public_id)
                url = escape(certificate_url(cert, a.public_id, backend.settings.public_url))
                state = (f"<b>REVOKED</b> {escape(cert.revoke_reason or '')}" if cert.revoked_at else
                         f"<form class='inline' method='post' action='/officer/ui/certificates/{cid}/revoke'>"
                         f"<input type='text' name='reason' placeholder='reason' required> <button>Revoke</button></form>")
                cert_html = (f"{cid} · <a href='/officer/ui/applications/{escape(a.public_id)}/certificate'>PDF</a> · "
                             f"<a href='{url}'>verify</a><br>{state}")
            parts.append(f"<tr><td>{escape(a.public_id)} <span class='muted'>{escape(a.service)}</span></td>"
                         f"<td>{escape(a.status)}<br><span class='muted'>{escape(a.remarks or '')}</span></td>"
                         f"<td>{cert_html}</td></tr>")
        parts.append("</table>")

    open_grievances = session.execute(
        select(Grievance).where(Grievance.status.in_(("open", "in_progress"))).order_by(Grievance.id).limit(50)
    ).scalars().all()
    if open_grievances:
        parts.append("<h2>Open grievances</h2><table><tr><th>Ticket</th><th>Complaint</th><th>Action</th></tr>")
        for g in open_grievances:
            tid = escape(g.public_id)
            where = (f"<br><a class='muted' href='https://www.openstreetmap.org/?mlat={g.latitude}&mlon={g.longitude}'>"
                     f"map</a>" if g.latitude is not None else "")
            options = "".join(f"<option value='{s}'>{s}</option>" for s in grv.NEXT_STATUSES.get(g.status, ()))
            parts.append(
                f"<tr><td>{tid}<br><span class='muted'>{escape(g.category)} · {escape(g.status)}</span></td>"
                f"<td>{escape(g.description)}{where}</td><td>"
                f"<form class='inline' method='post' action='/officer/ui/grievances/{tid}/status'>"
                f"<select name='status'>{options}</select> <input type='text' name='remarks' placeholder='remarks'> "
                f"<button>Update</button></form></td></tr>"
            )
        parts.append("</table>")
    waiting = session.execute(
        select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.id).limit(50)
    ).scalars().all()
    if waiting:
        parts.append("<h2>Citizens asking for an officer</h2><table><tr><th>Request</th>"
                     "<th>Message</th><th>Action</th></tr>")
        for h in waiting:
            hid = escape(h.public_id)
            parts.append(
                f"<tr><td>{hid}<br><span class='muted'>{escape(h.phone)} · lang {escape(h.language)} · "
                f"{escape(h.service or '')} · {escape(iso(h.created_at) or '')}</span></td>"
                f"<td>{escape(h.message)}</td><td>"
                f"<form class='inline' method='post' action='/officer/ui/handoffs/{hid}/close'>"
                f"<input type='text' name='remarks' placeholder='what was done'> <button>Close</button></form>"
                f"</td></tr>"
            )
        parts.append("</table>")
    return _page("Sahaya officer", "".join(parts))


@router.post("/officer/ui/handoffs/{ticket_id}/close", include_in_schema=False)
def officer_ui_handoff(
    ticket_id: str,
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    remarks: Annotated[str, Form()] = "",
):
    _ui_guard(request, backend)
    try:
        h = hnd.close(session, ticket_id, remarks.strip() or None)
    except ApiError as exc:
        return _back(exc.message, ok=False)
    return _back(f"{h.public_id} closed")


@router.post("/officer/login", include_in_schema=False)
def officer_login(backend: BackendDep, key: Annotated[str, Form()] = ""):
    if officer_key_ok(backend, key):
        return _login_redirect(backend)
    return _page("Sahaya officer", "<div class='flash err'>Wrong key.</div>" + LOGIN_FORM)


@router.post("/officer/logout", include_in_schema=False)
def officer_logout():
    response = RedirectResponse("/officer", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _ui_guard(request: Request, backend: Backend) -> None:
    if not _logged_in(request, backend):
        raise ApiError(401, "unauthorized", "sign in at /officer first")


def _back(message: str, ok: bool = True) -> RedirectResponse:
    return RedirectResponse("/officer?" + urlencode({"done" if ok else "error": message}), status_code=303)


@router.post("/officer/ui/applications/{application_id}/{action}", include_in_schema=False)
def officer_ui_action(
    application_id: str,
    action: str,
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    remarks: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
):
    _ui_guard(request, backend)
    try:
        application = apps.get_any(session, application_id)
        if action == "verify":
            apps.start_verification(session, application, remarks or None)
        elif action == "approve":
            apps.approve(session, backend, application, remarks.strip() or None)
        elif action == "reject":
            apps.reject(session, application, reason)
        else:
            raise not_found("action")
    except ApiError as exc:
        return _back(f"{application_id}: {exc.message}", ok=False)
    return _back(f"{application.public_id} is now {application.status}")


@router.get("/officer/ui/applications/{application_id}/documents/{sha256}", include_in_schema=False)
def officer_ui_document(application_id: str, sha256: str, request: Request,
                        backend: BackendDep, session: SessionDep):
    _ui_guard(request, backend)
    return officer_document(application_id, sha256, session)


@router.get("/officer/ui/applications/{application_id}/certificate", include_in_schema=False)
def officer_ui_certificate(application_id: str, request: Request,
                           backend: BackendDep, session: SessionDep):
    _ui_guard(request, backend)
    return officer_certificate(application_id, session)


@router.post("/officer/ui/certificates/{certificate_id}/revoke", include_in_schema=False)
def officer_ui_revoke(
    certificate_id: str,
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
):
    _ui_guard(request, backend)
    if not reason.strip():
        return _back("a revocation needs a reason", ok=False)
    try:
        _revoke(session, backend, certificate_id, reason.strip())
    except ApiError as exc:
        return _back(exc.message, ok=False)
    return _back(f"{certificate_id} revoked")


@router.post("/officer/ui/grievances/{ticket_id}/status", include_in_schema=False)
def officer_ui_grievance(
    ticket_id: str,
    request: Request,
    backend: BackendDep,
    session: SessionDep,
    status: Annotated[str, Form()] = "",
    remarks: Annotated[str, Form()] = "",
):
    _ui_guard(request, backend)
    try:
        g = grv.set_status(session, ticket_id, status, remarks.strip() or None)
    except ApiError as exc:
        return _back(exc.message, ok=False)
    return _back(f"{g.public_id} is now {g.status}")
