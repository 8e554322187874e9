"""actions/backend_client.py: the bot's only way to the backend."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from actions.backend_client import BackendClient, BackendError, BackendUnavailable

from .helpers import OFFICER, PHONE, free_port, income_fields, pay_fee


class ScriptedServer:
    """Answers each request with the next (status, body, delay) of a script."""

    def __init__(self, script) -> None:
        self.script = list(script)
        self.requests: list = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                status, payload, delay = outer.script.pop(0) if outer.script else (200, {}, 0)
                time.sleep(delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("SAHAYA_BACKEND_URL", "http://backend:9000/")
    assert BackendClient().base_url == "http://backend:9000"
    monkeypatch.delenv("SAHAYA_BACKEND_URL")
    assert BackendClient().base_url == "http://localhost:8000"


def test_submit_is_retried_on_503_with_the_same_idempotency_key():
    created = {"id": "APP-2025-000001", "status": "submitted"}
    with ScriptedServer([(503, {}, 0), (502, {}, 0), (201, created, 0)]) as server:
        client = BackendClient(server.url, backoff=0.01)
        assert client.submit_application("income_certificate", PHONE, "te", {"a": "b"}) == created
    keys = {r[2]["Idempotency-Key"] for r in server.requests}
    assert len(server.requests) == 3 and len(keys) == 1


def test_errors_are_classified():
    refusal = {"error": {"code": "aadhaar_checksum", "message": "no", "params": {"field": "aadhaar"}}}
    with ScriptedServer([(422, refusal, 0), (404, {"detail": "x"}, 0), (503, {}, 0), (503, {}, 0),
                         (200, {}, 1.0)]) as server:
        client = BackendClient(server.url, retries=1, backoff=0.01, timeout=0.3)
        with pytest.raises(BackendError) as info:
            client.validate("aadhaar", "2341")
        assert (info.value.code, info.value.params, info.value.status) == (
            "aadhaar_checksum", {"field": "aadhaar"}, 422)
        with pytest.raises(BackendError) as info:
            client.departments()
        assert info.value.code == "http_404"
        with pytest.raises(BackendUnavailable):
            client.departments()  # 503, retried once, still 503
        with pytest.raises(BackendUnavailable):
            client.departments()  # answers after the timeout


def test_connection_refused_is_unavailable():
    client = BackendClient(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01)
    with pytest.raises(BackendUnavailable):
        client.bill("electricity_bill", "1234567890")


@pytest.mark.slow
def test_against_the_real_backend(live_server):
    client = BackendClient(live_server.url)
    assert client.validate("aadhaar", "2341 2341 2346") == "234123412346"
    assert client.validate(None, "2", field="caste") == "bc"
    assert client.departments()[0]["code"] == "revenue"
    assert client.service("income_certificate")["fee"] == 35
    app = client.submit_application("income_certificate", PHONE, "te", income_fields(), idempotency_key="bot-1")
    assert client.submit_application("income_certificate", PHONE, "te", income_fields(),
                                     idempotency_key="bot-1")["id"] == app["id"]
    assert client.applications(PHONE)[0]["id"] == app["id"]
    assert client.upload_document(app["id"], PHONE, b"%PDF-1.4 test", "id.pdf", "application/pdf")["size"] == 13
    with pytest.raises(BackendError) as info:
        client.application(app["id"], "919999999999")
    assert info.value.code == "not_found"
    pay_fee(live_server, app)
    requests.post(f"{live_server.url}/officer/applications/{app['id']}/approve", headers=OFFICER, timeout=30)
    assert client.application(app["id"], PHONE)["status"] == "certificate_issued"
    pdf = client.certificate_pdf(app["id"], PHONE)
    assert pdf.startswith(b"%PDF")
    link = client.certificate_url(app["id"], PHONE)
    assert PHONE not in link and requests.get(link.replace("http://testserver", live_server.url),
                                              timeout=30).content == pdf
    verify_url = client.application(app["id"], PHONE)["certificate"]["verify_url"]
    assert client.verify_certificate(verify_url)["status"] == "VALID"

    assert client.bill("vehicle_tax", "AP39AB1234")["amount"] == 3450.0
    payment = client.create_payment(PHONE, "vehicle_tax", "AP39AB1234")
    assert payment["upi_link"].startswith("upi://pay?") and client.payment(payment["payment_id"], PHONE)["status"] == "pending"
    assert "garbage" in client.grievance_categories()
    photo = client.upload_grievance_photo(PHONE, b"\x89PNG\r\n\x1a\n" + b"0" * 10, "p.png", "image/png")
    ticket = client.file_grievance(PHONE, "garbage", "overflowing bin", photo_sha256=photo["sha256"],
                                   latitude=17.4, longitude=78.5)
    assert client.grievance(ticket["ticket_id"], PHONE)["status"] == "open"
    assert client.grievances(PHONE)[0]["ticket_id"] == ticket["ticket_id"]
    options = client.booking_options()
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() + 5 * 86400))
    booking = client.book_darshan(PHONE, options["temples"][0], day, options["slots"][0], 2)
    assert client.availability(options["temples"][0], day)["slots"][0]["booked"] == 2
    assert client.booking(booking["booking_id"], PHONE)["persons"] == 2
    assert client.bookings(PHONE)[0]["booking_id"] == booking["booking_id"]
    assert client.cancel_booking(booking["booking_id"], PHONE)["status"] == "cancelled"
    handoff = client.request_handoff(PHONE, "te", "need an officer", "income_certificate")
    assert handoff["reply_within_hours"] == 24 and client.handoff(handoff["ticket_id"], PHONE)["status"] == "open"
    with pytest.raises(BackendError) as info:
        client.book_darshan(PHONE, "nowhere", day, "morning", 1)
    assert info.value.code == "temple_invalid"
