"""Notifications to Rasa: written with the change, delivered with backoff, never lost."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from sahaya.backend.clock import utcnow
from sahaya.backend.models import OutboxMessage
from sahaya.backend.notifications import MAX_REFUSALS, Notifier, backoff_delay

from .helpers import OFFICER, PHONE, free_port, pay_fee


class FakeRasa:
    """A stand-in for Rasa's HTTP API that records trigger_intent calls."""

    def __init__(self, port: int | None = None, status: int = 200) -> None:
        self.port = port or free_port()
        self.status = status
        self.calls: list = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                outer.calls.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(outer.status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def outbox(backend):
    with backend.sessions() as session:
        return session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_every_status_change_is_queued(client, submit, backend):
    paying = submit()
    first = paying["id"]
    second = submit()["id"]
    client.post(f"/officer/applications/{first}/verify", headers=OFFICER)
    pay_fee(client, paying)
    client.post(f"/officer/applications/{first}/approve", headers=OFFICER, json={"remarks": "ok"})
    client.post(f"/officer/applications/{second}/reject", headers=OFFICER, json={"reason": "no proof"})
    messages = [(m.conversation_id, m.intent, m.entities) for m in outbox(backend)]
    update = "EXTERNAL_application_update"
    assert messages == [
        (PHONE, update, {"application_id": first, "status": "under_verification", "service": "income_certificate"}),
        (PHONE, "EXTERNAL_payment_received", {"payment_id": paying["payment"]["payment_id"], "amount": "35.00",
                                              "service": "income_certificate", "reference": first}),
        (PHONE, update, {"application_id": first, "status": "certificate_issued", "service": "income_certificate",
                         "remarks": "ok"}),
        (PHONE, update, {"application_id": second, "status": "rejected", "service": "income_certificate",
                         "remarks": "no proof"}),
    ]


def test_rasa_down_then_up_nothing_lost(client, submit, backend):
    app_id = submit()["id"]
    client.post(f"/officer/applications/{app_id}/verify", headers=OFFICER)
    port = free_port()
    notifier = Notifier(backend.sessions, f"http://127.0.0.1:{port}", token="s3cret")

    assert notifier.deliver_due() == 0  # nobody listening
    [message] = outbox(backend)
    assert message.status == "pending" and message.attempts == 1 and "no answer" in message.last_error
    assert message.next_attempt_at > utcnow()
    assert notifier.deliver_due() == 0  # not due yet: backing off
    assert outbox(backend)[0].attempts == 1

    with FakeRasa(port) as rasa:
        assert notifier.deliver_due(now=utcnow() + timedelta(seconds=10)) == 1
        assert rasa.calls == [(
            f"/conversations/{PHONE}/trigger_intent?output_channel=latest&token=s3cret",
            {"name": "EXTERNAL_application_update",
             "entities": {"application_id": app_id, "status": "under_verification", "service": "income_certificate"}},
        )]
    [message] = outbox(backend)
    assert message.status == "sent" and message.sent_at is not None
    assert notifier.deliver_due(now=utcnow() + timedelta(hours=1)) == 0  # sent once only


def test_backoff_grows_and_is_capped():
    assert [backoff_delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_delay(30) == 600.0


def test_server_errors_retry_forever_but_refusals_are_set_aside(client, submit, backend):
    app_id = submit()["id"]
    client.post(f"/officer/applications/{app_id}/verify", headers=OFFICER)
    answers = []

    def send(url, body):
        answers.append(url)
        return 503, "busy"

    notifier = Notifier(backend.sessions, "http://rasa", send=send)
    later = utcnow()
    for _ in range(8):
        later += timedelta(hours=1)
        notifier.deliver_due(now=later)
    assert outbox(backend)[0].status == "pending" and outbox(backend)[0].attempts == 8

    notifier._send = lambda url, body: (400, "intent not in domain")
    for _ in range(MAX_REFUSALS):
        later += timedelta(hours=1)
        notifier.deliver_due(now=later)
    assert outbox(backend)[0].status == "dead"


def test_background_thread_delivers_after_commit(settings, backend, catalogue):
    from fastapi.testclient import TestClient

    from sahaya.backend.app import create_app

    with FakeRasa() as rasa:
        backend.notifier.rasa_url = rasa.url
        app = create_app(settings.with_(notify=True), backend=backend)
        with TestClient(app) as client:
            body = client.post("/payments", json={"phone": PHONE, "service": "electricity_bill",
                                                  "reference": "1234567890"}).json()
            raw = json.dumps({"payment_id": body["payment_id"], "status": "success", "gateway_ref": "X"}).encode()
            from sahaya.backend.payments import signature_for

            client.post("/payments/callback", content=raw,
                        headers={"X-Signature": signature_for(settings.payment_secret, raw)})
            deadline = time.monotonic() + 5
            while not rasa.calls and time.monotonic() < deadline:
                time.sleep(0.05)
        assert rasa.calls and rasa.calls[0][1]["name"] == "EXTERNAL_payment_received"
        assert rasa.calls[0][1]["entities"]["amount"] == "1432.50"
