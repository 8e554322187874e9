"""Grievances and darshan bookings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sahaya.backend.clock import today_ist
from sahaya.backend.models import OutboxMessage

from .helpers import OFFICER, OTHER_PHONE, PHONE

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def test_grievance_lifecycle(client, backend):
    photo = client.post("/grievances/photos", params={"phone": PHONE},
                        files={"file": ("p.jpg", JPEG, "image/jpeg")}).json()
    created = client.post(
        "/grievances",
        headers={"Idempotency-Key": "g1"},
        json={"phone": PHONE, "category": "street_light", "description": "వీధి దీపం పనిచేయడం లేదు",
              "photo_sha256": photo["sha256"], "latitude": 16.3067, "longitude": 80.4365},
    )
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["ticket_id"].startswith("GRV-") and ticket["status"] == "open"
    replay = client.post("/grievances", headers={"Idempotency-Key": "g1"},
                         json={"phone": PHONE, "category": "street_light", "description": "again"})
    assert replay.json()["ticket_id"] == ticket["ticket_id"]

    got = client.get(f"/grievances/{ticket['ticket_id']}", params={"phone": PHONE}).json()
    assert got["latitude"] == 16.3067 and got["photo_sha256"] == photo["sha256"]
    assert client.get(f"/grievances/{ticket['ticket_id']}", params={"phone": OTHER_PHONE}).status_code == 404
    assert [g["ticket_id"] for g in client.get("/grievances", params={"phone": PHONE}).json()["grievances"]] == [
        ticket["ticket_id"]]

    moved = client.post(f"/officer/grievances/{ticket['ticket_id']}/status", headers=OFFICER,
                        json={"status": "resolved", "remarks": "lamp replaced"})
    assert moved.json()["status"] == "resolved"
    back = client.post(f"/officer/grievances/{ticket['ticket_id']}/status", headers=OFFICER,
                       json={"status": "open"})
    assert back.status_code == 409
    with backend.sessions() as session:
        note = session.execute(select(OutboxMessage)).scalars().one()
    assert note.intent == "EXTERNAL_grievance_update" and note.entities["status"] == "resolved"


def test_grievance_validation(client):
    def post(**body):
        return client.post("/grievances", json={"phone": PHONE, "category": "garbage",
                                                "description": "pile of garbage", **body})

    assert post(category="weather").json()["error"] == {
        "code": "category_invalid", "message": "unknown category",
        "params": {"categories": ["street_light", "garbage", "water_supply", "drainage", "roads",
                                  "corruption", "other"]}}
    assert post(description="  ").json()["error"]["code"] == "text_empty"
    assert post(photo_sha256="abc").json()["error"]["code"] == "photo_invalid"
    assert post(latitude=16.3).json()["error"]["code"] == "location_invalid"
    assert post(latitude=100, longitude=80).status_code == 422
    assert client.get("/grievances/categories").json()["categories"][0] == "street_light"


def _book(client, persons=2, day=None, slot="morning", key=None, phone=PHONE):
    day = day or (today_ist() + timedelta(days=3)).isoformat()
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/bookings", headers=headers,
                       json={"phone": phone, "temple": "tirumala", "date": day, "slot": slot, "persons": persons})


def test_booking_capacity_and_cancel(client):
    # capacity is 10 persons per slot in the test settings
    first = _book(client, persons=6, key="b1")
    assert first.status_code == 201
    booking = first.json()
    assert booking["status"] == "confirmed" and booking["amount"] == 1800.0
    assert booking["payment"]["amount"] == 1800.0
    assert _book(client, persons=6, key="b1").json()["booking_id"] == booking["booking_id"]
    full = _book(client, persons=5)
    assert full.status_code == 409
    assert full.json()["error"] == {"code": "capacity_full", "message": "this slot is full",
                                    "params": {"available": 4, "requested": 5}}
    assert _book(client, persons=4).status_code == 201
    assert _book(client, persons=1, slot="evening").status_code == 201
    day = (today_ist() + timedelta(days=3)).isoformat()
    slots = client.get("/bookings/availability", params={"temple": "tirumala", "date": day}).json()["slots"]
    assert {s["slot"]: s["available"] for s in slots} == {"morning": 0, "evening": 9}

    cancelled = client.post(f"/bookings/{booking['booking_id']}/cancel", params={"phone": PHONE})
    assert cancelled.json()["status"] == "cancelled"
    client.post(f"/bookings/{booking['booking_id']}/cancel", params={"phone": PHONE})  # twice: frees once
    slots = client.get("/bookings/availability", params={"temple": "tirumala", "date": day}).json()["slots"]
    assert slots[0]["available"] == 6
    assert client.get(f"/bookings/{booking['booking_id']}", params={"phone": OTHER_PHONE}).status_code == 404
    assert len(client.get("/bookings", params={"phone": PHONE}).json()["bookings"]) == 3


def test_booking_validation(client):
    assert _book(client, persons=0).json()["error"]["code"] == "persons_invalid"
    assert _book(client, persons=7).json()["error"]["code"] == "persons_invalid"
    yesterday = (today_ist() - timedelta(days=1)).isoformat()
    assert _book(client, day=yesterday).json()["error"]["code"] == "date_in_past"
    far = (today_ist() + timedelta(days=200)).isoformat()
    assert _book(client, day=far).json()["error"]["code"] == "date_too_far"
    assert _book(client, day="31-02-2030").json()["error"]["code"] == "date_invalid"
    assert _book(client, slot="midnight").json()["error"]["code"] == "slot_invalid"
    bad_temple = client.post("/bookings", json={"phone": PHONE, "temple": "nowhere", "date": "2030-01-01",
                                                "slot": "morning", "persons": 1})
    assert bad_temple.json()["error"]["code"] == "temple_invalid"
    options = client.get("/bookings/options").json()
    assert options["temples"] == ["tirumala", "srisailam"] and options["slots"] == ["morning", "evening"]


def test_handoff_requests(client):
    first = client.post("/handoffs", json={"phone": PHONE, "language": "te", "message": "ఆఫీసర్‌తో మాట్లాడాలి",
                                           "service": "income_certificate"})
    assert first.status_code == 201
    body = first.json()
    assert body["ticket_id"].startswith("HND-") and body["reply_within_hours"] == 24 and body["status"] == "open"
    again = client.post("/handoffs", json={"phone": PHONE, "language": "te", "message": "please call"}).json()
    assert again["ticket_id"] == body["ticket_id"] and "please call" in again["message"]  # one open request
    assert client.get(f"/handoffs/{body['ticket_id']}", params={"phone": OTHER_PHONE}).status_code == 404
    assert [h["ticket_id"] for h in client.get("/officer/handoffs", headers=OFFICER).json()] == [body["ticket_id"]]
    closed = client.post(f"/officer/handoffs/{body['ticket_id']}/close", headers=OFFICER,
                         json={"remarks": "called back"}).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    newer = client.post("/handoffs", json={"phone": PHONE, "language": "hi", "message": "फिर से"}).json()
    assert newer["ticket_id"] != body["ticket_id"]
    client.get("/officer", params={"key": "officer-dev-key"})
    page = client.get("/officer").text
    assert "Citizens asking for an officer" in page and newer["ticket_id"] in page
