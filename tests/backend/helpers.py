"""Constants and helpers shared by the backend tests."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

from sahaya.backend.payments import signature_for
from sahaya.backend.validators import verhoeff_check_digit

HERE = Path(__file__).resolve().parent
CATALOGUE_PATH = HERE / "catalogue.yml"
PG_URL = os.environ.get("SAHAYA_TEST_DATABASE_URL", "")
OFFICER = {"X-Officer-Key": "officer-dev-key"}
PAYMENT_SECRET = "payment-dev-secret"
PHONE = "919876543210"
OTHER_PHONE = "919000000001"


def make_aadhaar(body: str = "23412341234") -> str:
    """A valid Aadhaar: 11 digits (not starting 0/1) plus the Verhoeff digit."""
    return body + verhoeff_check_digit(body)


VALID_AADHAAR = make_aadhaar()


def income_fields(**overrides) -> dict:
    fields = {
        "applicant_name": "రవి కుమార్",
        "father_name": "సూర్య నారాయణ",
        "aadhaar": f"{VALID_AADHAAR[:4]} {VALID_AADHAAR[4:8]} {VALID_AADHAAR[8:]}",
        "date_of_birth": "15-08-1990",
        "annual_income": "1,20,000",
        "address": "12-3, గాంధీ నగర్, గుంటూరు",
        "pincode": "522001",
    }
    fields.update(overrides)
    return fields


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn in a thread on a free port, for tests that need real sockets."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                limit_concurrency=1000, backlog=2048)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:  # noqa: PYI034 (typing.Self is Python 3.11)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def post(self, path: str, content: bytes, headers: dict):
        """Like TestClient.post, over a real socket (for callback and pay_fee)."""
        import requests

        return requests.post(self.url + path, data=content, headers=headers, timeout=30)


def callback(client, payload: dict, secret: str = PAYMENT_SECRET, signature: str | None = None):
    """The UPI gateway's confirmation, signed with HMAC over the raw body."""
    raw = json.dumps(payload).encode()
    return client.post(
        "/payments/callback",
        content=raw,
        headers={"Content-Type": "application/json",
                 "X-Signature": signature if signature is not None else signature_for(secret, raw)},
    )


def pay_fee(client, application: dict) -> dict:
    """Pay a submitted application's fee the way a citizen does; returns the application."""
    if application.get("payment"):
        paid = callback(client, {"payment_id": application["payment"]["payment_id"], "status": "success"})
        assert paid.status_code == 200, paid.text
    return application
