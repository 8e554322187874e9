"""Applications through the HTTP API: filing, ownership, documents, review."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from sahaya.backend.models import Application

from .helpers import OFFICER, OTHER_PHONE, PHONE, VALID_AADHAAR, income_fields, pay_fee

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def error_of(response) -> tuple:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "params"}
    return body["error"]["code"], body["error"]["params"]


def test_health_catalogue_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    departments = client.get("/catalogue/departments").json()
    assert [d["code"] for d in departments][:2] == ["revenue", "civil_supplies"]
    service = client.get("/catalogue/services/income_certificate").json()
    assert service["name"]["te"] == "ఆదాయ ధృవీకరణ పత్రం" and service["fee"] == 35
    assert service["fields"][0]["code"] == "applicant_name"
    response = client.get("/catalogue/services/nothing")
    assert response.status_code == 404 and error_of(response)[0] == "unknown_service"
    assert "/applications" in client.get("/openapi.json").json()["paths"]


def test_validate_endpoint(client):
    ok = client.post("/validate", json={"type": "aadhaar", "value": "2341 2341 2346"})
    assert ok.status_code == 200
    assert ok.json() == {"valid": True, "value": "234123412346", "masked": "XXXX XXXX 2346"}
    short = client.post("/validate", json={"type": "aadhaar", "value": "2341 2341 234"})
    assert short.status_code == 422
    assert error_of(short) == ("aadhaar_length", {"expected": 12, "got": 11})
    assert error_of(client.post("/validate", json={"type": "mobile", "value": "12345"}))[0] == "mobile_invalid"
    assert client.post("/validate", json={"field": "caste", "value": "బీసీ"}).json()["value"] == "bc"
    assert error_of(client.post("/validate", json={"type": "choice", "value": "x"}))[0] == "choice_unknown_field"
    assert error_of(client.post("/validate", json={"type": "text", "value": "  "}))[0] == "text_empty"
    bad = client.post("/validate", json={"value": 5, "type": None, "extra": {"a": 1}})
    assert bad.status_code == 422
    missing = client.post("/validate", json={})
    assert missing.status_code == 422 and error_of(missing)[0] == "validation"


def test_submit_returns_application_and_fee_payment(client, submit):
    body = submit()
    assert body["id"].startswith("APP-") and len(body["id"]) == len("APP-2025-000001")
    assert body["status"] == "submitted" and body["service"] == "income_certificate"
    assert body["fee"] == 35 and body["expected_date"] > body["created_at"][:10]
    assert body["payment"]["amount"] == 35.0
    assert body["payment"]["upi_link"].startswith("upi://pay?pa=sahaya.demo@upi&")
    assert body["fields"]["aadhaar"] == f"XXXX XXXX {VALID_AADHAAR[-4:]}"
    assert body["fields"]["date_of_birth"] == "1990-08-15"
    assert body["fields"]["annual_income"] == "120000"
    assert body["history"][0]["status"] == "submitted"

    free = submit(service="caste_certificate",
                  fields={"applicant_name": "Ravi", "father_name": "Ram", "caste": "2", "address": "x"})
    assert free["payment"] is None and free["fields"]["caste"] == "bc"


def test_idempotency_key_replays_and_conflicts(client):
    payload = {"service": "income_certificate", "phone": PHONE, "language": "te", "fields": income_fields()}
    first = client.post("/applications", headers={"Idempotency-Key": "same"}, json=payload)
    again = client.post("/applications", headers={"Idempotency-Key": "same"}, json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    changed = dict(payload, language="hi")
    conflict = client.post("/applications", headers={"Idempotency-Key": "same"}, json=changed)
    assert conflict.status_code == 409 and error_of(conflict)[0] == "idempotency_conflict"
    no_key = client.post("/applications", json=payload)
    assert no_key.status_code == 422 and error_of(no_key)[0] == "validation"


def test_server_side_field_validation(client):
    def post(fields, service="income_certificate"):
        return client.post("/applications", headers={"Idempotency-Key": str(abs(hash(str(fields) + service)))},
                           json={"service": service, "phone": PHONE, "language": "en", "fields": fields})

    code, params = error_of(post(income_fields(aadhaar="2341 2341 2345")))
    assert code == "aadhaar_checksum" and params["field"] == "aadhaar"
    code, params = error_of(post(income_fields(date_of_birth="01-01-2999")))
    assert code == "date_in_future" and params["field"] == "date_of_birth"
    assert error_of(post(income_fields(applicant_name="R2D2")))[0] == "name_invalid"
    assert error_of(post(income_fields(pincode="0123")))[0] == "pincode_invalid"
    fields = income_fields()
    del fields["father_name"]
    assert error_of(post(fields)) == ("field_missing", {"field": "father_name"})
    assert error_of(post(income_fields(colour="blue")))[0] == "unknown_field"
    assert error_of(post({}, service="nothing"))[0] == "unknown_service"
    assert error_of(post({"consumer_number": "1234567890"}, service="electricity_bill"))[0] == "service_not_applicable"
    bad_phone = client.post("/applications", headers={"Idempotency-Key": "p"},
                            json={"service": "income_certificate", "phone": "a b", "fields": income_fields()})
    assert bad_phone.status_code == 422


def test_reads_only_by_owner_newest_first(client, submit):
    first = submit()
    second = submit()
    submit(phone=OTHER_PHONE)
    listed = client.get("/applications", params={"phone": PHONE}).json()["applications"]
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    assert client.get(f"/applications/{first['id']}", params={"phone": PHONE}).status_code == 200
    stranger = client.get(f"/applications/{first['id']}", params={"phone": OTHER_PHONE})
    assert stranger.status_code == 404 and error_of(stranger)[0] == "not_found"
    assert client.get("/applications/APP-2000-000001", params={"phone": PHONE}).status_code == 404
    assert client.get(f"/applications/{first['id']}").status_code == 422


def test_document_upload_checks_content_and_size(client, submit):
    app_id = submit()["id"]
    url = f"/applications/{app_id}/documents"
    ok = client.post(url, params={"phone": PHONE}, files={"file": ("id.pdf", PDF_BYTES, "application/pdf")})
    assert ok.status_code == 201
    assert ok.json()["content_type"] == "application/pdf" and len(ok.json()["sha256"]) == 64
    png_named_pdf = client.post(url, params={"phone": PHONE}, files={"file": ("x.pdf", PNG_BYTES, "application/pdf")})
    assert png_named_pdf.json()["content_type"] == "image/png"  # content decides, not the name
    exe = client.post(url, params={"phone": PHONE}, files={"file": ("x.pdf", b"MZ\x90\x00" * 10, "application/pdf")})
    assert exe.status_code == 415 and error_of(exe)[0] == "file_type"
    big = client.post(url, params={"phone": PHONE},
                      files={"file": ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")})
    assert big.status_code == 413 and error_of(big)[0] == "file_too_large"
    stranger = client.post(url, params={"phone": OTHER_PHONE}, files={"file": ("id.pdf", PDF_BYTES, "application/pdf")})
    assert stranger.status_code == 404
    detail = client.get(f"/applications/{app_id}", params={"phone": PHONE}).json()
    assert [d["content_type"] for d in detail["documents"]] == ["application/pdf", "image/png"]


def test_officer_needs_the_key(client, submit):
    app_id = submit()["id"]
    for headers in ({}, {"X-Officer-Key": "wrong"}):
        response = client.post(f"/officer/applications/{app_id}/approve", headers=headers, json={})
        assert response.status_code == 401 and error_of(response)[0] == "unauthorized"


def test_review_flow_and_certificate(client, submit, backend):
    app = submit()
    app_id = app["id"]
    verify = client.post(f"/officer/applications/{app_id}/verify", headers=OFFICER)
    assert verify.status_code == 200 and verify.json()["status"] == "under_verification"
    # As at a MeeSeva counter: no approval while the ₹35 fee is unpaid.
    unpaid = client.post(f"/officer/applications/{app_id}/approve", headers=OFFICER, json={})
    assert unpaid.status_code == 409 and error_of(unpaid) == ("fee_unpaid", {"fee": 35})
    pay_fee(client, app)
    approved = client.post(f"/officer/applications/{app_id}/approve", headers=OFFICER,
                           json={"remarks": "documents in order"})
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "certificate_issued"
    assert [h["status"] for h in body["history"]] == [
        "submitted", "under_verification", "approved", "certificate_issued"]
    assert body["certificate"]["id"].startswith("CERT-")

    pdf = client.get(f"/applications/{app_id}/certificate", params={"phone": PHONE})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(f"/applications/{app_id}/certificate", params={"phone": OTHER_PHONE}).status_code == 404
    download = client.get(body["certificate"]["download_url"].replace("http://testserver", ""))
    assert download.status_code == 200 and download.content == pdf.content
    forged = body["certificate"]["download_url"].replace("token=", "token=0")
    assert client.get(forged.replace("http://testserver", "")).status_code == 404

    again = client.post(f"/officer/applications/{app_id}/reject", headers=OFFICER, json={"reason": "late"})
    assert again.status_code == 409
    assert error_of(again) == ("invalid_transition", {"from": "certificate_issued", "to": "rejected"})


def test_reject_needs_reason_and_blocks_certificate(client, submit):
    app_id = submit()["id"]
    empty = client.post(f"/officer/applications/{app_id}/reject", headers=OFFICER, json={"reason": "  "})
    assert empty.status_code == 422
    rejected = client.post(f"/officer/applications/{app_id}/reject", headers=OFFICER,
                           json={"reason": "income proof missing"})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["history"][-1]["remarks"] == "income proof missing"
    assert client.get(f"/applications/{app_id}/certificate", params={"phone": PHONE}).status_code == 404
    late = client.post(f"/applications/{app_id}/documents", params={"phone": PHONE},
                       files={"file": ("id.pdf", PDF_BYTES, "application/pdf")})
    assert late.status_code == 409


def test_non_certificate_service_stops_at_approved(client, submit):
    app_id = submit(service="ration_card",
                    fields={"applicant_name": "Lakshmi", "mobile": "98765 43210", "address": "Guntur"})["id"]
    body = client.post(f"/officer/applications/{app_id}/approve", headers=OFFICER).json()
    assert body["status"] == "approved" and body["certificate"] is None
    assert body["fields"]["mobile"] == "9876543210"


def test_full_aadhaar_is_never_stored_or_returned(client, submit, backend):
    app_id = pay_fee(client, submit())["id"]
    client.post(f"/officer/applications/{app_id}/approve", headers=OFFICER)
    detail = client.get(f"/applications/{app_id}", params={"phone": PHONE}).text
    assert VALID_AADHAAR not in detail and VALID_AADHAAR[:8] not in detail
    with backend.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    if isinstance(value, (bytes, bytearray)):
                        assert VALID_AADHAAR.encode() not in value
                    else:
                        assert VALID_AADHAAR not in str(value), table
    with backend.sessions() as session:
        stored = session.execute(select(Application)).scalars().first()
        assert stored.pii_hashes["aadhaar"] and stored.fields["aadhaar"].startswith("XXXX XXXX")


def test_officer_page_works_by_hand(client, submit):
    app = submit()
    app_id = app["id"]
    login = client.get("/officer")
    assert "Officer key" in login.text
    assert "Wrong key" in client.post("/officer/login", data={"key": "nope"}).text
    page = client.get("/officer", params={"key": "officer-dev-key"})  # sets the cookie, redirects
    assert page.status_code == 200 and app_id in page.text and "Approve after the ₹35 fee is paid" in page.text
    early = client.post(f"/officer/ui/applications/{app_id}/approve", data={"remarks": "ok"})
    assert "fee is not paid yet" in early.text
    pay_fee(client, app)
    assert "<button>Approve</button>" in client.get("/officer").text
    done = client.post(f"/officer/ui/applications/{app_id}/approve", data={"remarks": "ok"})
    assert done.status_code == 200 and f"{app_id} is now certificate_issued" in done.text
    assert "Recent decisions" in done.text and "Revoke" in done.text
    pdf = client.get(f"/officer/ui/applications/{app_id}/certificate")
    assert pdf.content.startswith(b"%PDF")
    client.post("/officer/logout")
    client.cookies.clear()
    assert client.post(f"/officer/ui/applications/{app_id}/reject", data={"reason": "x"}).status_code == 401


def test_non_ascii_secrets_are_refused_not_crashed(client):
    """Found by schemathesis: hmac.compare_digest raises on non-ASCII str."""
    token = client.get("/certificates/CERT-2025-000001/download", params={"expires": 99999999999, "token": "é"})
    assert token.status_code == 404
    signature = client.post("/payments/callback", content=b"{}", headers={"X-Signature": "é".encode()})
    assert signature.status_code == 401
    cookie = client.get("/officer", headers={"Cookie": "sahaya_officer=é".encode()})
    assert cookie.status_code == 200 and "Officer key" in cookie.text
    key = client.post("/officer/applications/APP-2025-000001/verify", headers={"X-Officer-Key": "é".encode()})
    assert key.status_code == 401
