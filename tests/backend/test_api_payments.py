"""Bills, UPI payments and the signed gateway callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from sahaya.backend.models import OutboxMessage
from sahaya.backend.payments import DEMO_BILLS, mask_name, signature_for

from .helpers import OTHER_PHONE, PHONE, callback
from .helpers import PAYMENT_SECRET as SECRET


def test_bill_lookup_masks_the_name(client):
    bill = client.get("/bills/electricity_bill/1234567890").json()
    assert bill == {"service": "electricity_bill", "number": "1234567890", "name": "R*** K****",
                    "amount": 1432.5, "due_date": bill["due_date"], "status": "unpaid"}
    assert client.get("/bills/vehicle_tax/ap 39 ab 1234").json()["number"] == "AP39AB1234"
    missing = client.get("/bills/water_bill/WTR000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "bill_not_found"
    unknown = client.get("/bills/income_certificate/123456")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_service"
    every_service = {b.service for b in DEMO_BILLS}
    assert every_service == {"electricity_bill", "water_bill", "property_tax", "traffic_challan", "vehicle_tax"}


def test_masked_names_count_letters_not_code_points():
    # A Telugu or Hindi reader sees "ల* దే*", not a bare consonant and six stars.
    assert mask_name("లక్ష్మి దేవి") == "ల* దే*"
    assert mask_name("सीता राम") == "सी* रा*"
    assert mask_name("Mohammed Imran") == "M******* I****"


def test_pay_a_bill_end_to_end(client, backend):
    created = client.post("/payments", json={"phone": PHONE, "service": "water_bill", "reference": "WTR100234"})
    assert created.status_code == 201
    payment = created.json()
    link = urlsplit(payment["upi_link"])
    assert link.scheme == "upi" and link.netloc == "pay"
    query = parse_qs(link.query)
    assert query["pa"] == ["sahaya.demo@upi"] and query["pn"] == ["Sahaya Demo"]
    assert query["am"] == ["356.00"] and query["cu"] == ["INR"]
    assert query["tr"] == [payment["payment_id"]] and "WTR100234" in query["tn"][0]
    qr = client.get(payment["qr_url"].replace("http://testserver", ""))
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")

    # a retry before paying gets the same pending payment
    again = client.post("/payments", json={"phone": PHONE, "service": "water_bill", "reference": "WTR100234"})
    assert again.json()["payment_id"] == payment["payment_id"]

    body = {"payment_id": payment["payment_id"], "status": "success", "gateway_ref": "GW1"}
    assert callback(client, body, signature="00" * 32).status_code == 401
    assert callback(client, body, secret="wrong").json()["error"]["code"] == "invalid_signature"
    ok = callback(client, body)
    assert ok.status_code == 200 and ok.json() == {"payment_id": payment["payment_id"], "status": "success"}
    assert callback(client, body).status_code == 200  # the gateway retries: nothing changes
    assert callback(client, dict(body, status="failure")).json()["status"] == "success"

    assert client.get("/bills/water_bill/WTR100234").json()["status"] == "paid"
    paid_again = client.post("/payments", json={"phone": PHONE, "service": "water_bill", "reference": "WTR100234"})
    assert paid_again.status_code == 409 and paid_again.json()["error"]["code"] == "already_paid"
    with backend.sessions() as session:
        notes = session.execute(select(OutboxMessage)).scalars().all()
    assert [(n.intent, n.entities) for n in notes] == [(
        "EXTERNAL_payment_received",
        {"payment_id": payment["payment_id"], "amount": "356.00", "service": "water_bill", "reference": "WTR100234"},
    )]
    assert notes[0].conversation_id == PHONE
    status = client.get(f"/payments/{payment['payment_id']}", params={"phone": PHONE}).json()
    assert status["status"] == "success" and status["paid_at"]
    assert client.get(f"/payments/{payment['payment_id']}", params={"phone": OTHER_PHONE}).status_code == 404


def test_callback_rejects_garbage(client):
    assert callback(client, {"payment_id": "PAY-2000-000009", "status": "success"}).status_code == 404
    raw = b"not json"
    response = client.post("/payments/callback", content=raw,
                           headers={"X-Signature": signature_for(SECRET, raw)})
    assert response.status_code == 422
    assert client.post("/payments/callback", content=b"{}").status_code == 401


def test_failure_then_success(client):
    payment = client.post("/payments", json={"phone": PHONE, "service": "traffic_challan",
                                             "reference": "APCH0012345"}).json()
    assert callback(client, {"payment_id": payment["payment_id"], "status": "failure"}).json()["status"] == "failed"
    assert callback(client, {"payment_id": payment["payment_id"], "status": "success"}).json()["status"] == "success"


def test_already_paid_bill_and_unknown_reference(client):
    paid = client.post("/payments", json={"phone": PHONE, "service": "electricity_bill", "reference": "5555000011"})
    assert paid.status_code == 409 and paid.json()["error"]["code"] == "already_paid"
    unknown = client.post("/payments", json={"phone": PHONE, "service": "property_tax", "reference": "PTX0"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "bill_not_found"


def test_application_fee_payment_marks_fee_paid(client, submit):
    app = submit()
    payment = app["payment"]
    assert client.post("/payments", json={"phone": PHONE, "service": "income_certificate",
                                          "reference": app["id"]}).json()["payment_id"] == payment["payment_id"]
    stranger = client.post("/payments", json={"phone": OTHER_PHONE, "service": "income_certificate",
                                              "reference": app["id"]})
    assert stranger.status_code == 404
    callback(client, {"payment_id": payment["payment_id"], "status": "success", "gateway_ref": "G"})
    detail = client.get(f"/applications/{app['id']}", params={"phone": PHONE}).json()
    assert detail["fee_paid"] is True and detail["payment"]["status"] == "success"
    again = client.post("/payments", json={"phone": PHONE, "service": "income_certificate", "reference": app["id"]})
    assert again.json()["error"]["code"] == "already_paid"
