"""Conversations over the REST channel against the real stack: the service
backend on SQLite, the action server and Rasa with the trained model, each a
subprocess on its own port, with all state in a temporary directory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from tests.backend.helpers import callback

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "sahaya.tar.gz"
OFFICER_KEY = "test-officer-key"
PAYMENT_SECRET = "test-payment-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {seconds} s")


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ports = {"backend": free_port(), "actions": free_port(), "rasa": free_port()}
        self.backend_url = f"http://127.0.0.1:{self.ports['backend']}"
        self.rasa_url = f"http://127.0.0.1:{self.ports['rasa']}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "SAHAYA_DATABASE_URL": f"sqlite:///{tmp / 'backend.db'}",
            "SAHAYA_SIGNING_KEY_PATH": str(tmp / "signing.pem"),
            "SAHAYA_FIELD_KEY_PATH": str(tmp / "field.key"),
            "SAHAYA_OFFICER_KEY": OFFICER_KEY,
            "SAHAYA_PAYMENT_SECRET": PAYMENT_SECRET,
            "SAHAYA_BACKEND_PORT": str(self.ports["backend"]),
            "SAHAYA_BACKEND_URL": self.backend_url,
            "SAHAYA_PUBLIC_URL": self.backend_url,
            "SAHAYA_RASA_URL": self.rasa_url,
        }
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.ports["actions"]}/webhook"\n'
            f'tracker_store:\n  type: sahaya.privacy.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: "{tmp / "tracker.db"}"\n'
            "lock_store:\n  type: in_memory\n"
        )
        self.processes: Dict[str, subprocess.Popen] = {}
        self.logs: Dict[str, Path] = {}

    def _start(self, name: str, args: List[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def start_backend(self) -> None:
        process = self._start("backend", [str(BIN / "python"), "-m", "sahaya.backend.cli", "serve", "--port", str(self.ports["backend"])])
        wait_for(f"{self.backend_url}/health", 60, process)

    def stop_backend(self) -> None:
        self._stop("backend")

    def start(self) -> None:
        self.start_backend()
        actions = self._start("actions", [str(BIN / "rasa"), "run", "actions", "--port", str(self.ports["actions"])])
        rasa = self._start(
            "rasa",
            [str(BIN / "rasa"), "run", "--enable-api", "--port", str(self.ports["rasa"]), "--model", str(MODEL),
             "--endpoints", str(self.endpoints), "--credentials", str(ROOT / "credentials.yml")],
        )
        wait_for(f"http://127.0.0.1:{self.ports['actions']}/health", 90, actions)
        wait_for(f"{self.rasa_url}/status", 180, rasa)

    def _stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def stop(self) -> None:
        for name in list(self.processes):
            self._stop(name)

    # -- talking ------------------------------------------------------------------
    def say(self, sender: str, message: str, metadata: dict | None = None) -> List[dict]:
        body = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        return requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30).json()

    def slot(self, sender: str, name: str):
        return self.tracker(sender)["slots"].get(name)

    def post(self, path: str, content: bytes, headers: dict) -> requests.Response:
        """Like TestClient.post, to the backend (for the gateway's `callback`)."""
        return requests.post(f"{self.backend_url}{path}", data=content, headers=headers, timeout=30)

    def pay(self, payment_id: str, gateway_ref: str = "UTR123") -> requests.Response:
        """What the UPI gateway does when the citizen pays: a callback signed with HMAC."""
        payload = {"payment_id": payment_id, "status": "success", "gateway_ref": gateway_ref}
        response = callback(self, payload, secret=PAYMENT_SECRET)
        response.raise_for_status()
        return response

    def officer(self, action: str, application_id: str, **body) -> dict:
        response = requests.post(
            f"{self.backend_url}/officer/applications/{application_id}/{action}",
            json=body, headers={"X-Officer-Key": OFFICER_KEY}, timeout=30,
        )
        response.raise_for_status()
        return response.json()


PAYMENT_ID = re.compile(r"tr=(PAY-\d{4}-\d{6})")


def payment_id_in(replies: List[dict]) -> str:
    """The payment id in the UPI link the bot sent."""
    return PAYMENT_ID.search(texts(replies)).group(1)


def texts(replies: List[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/sahaya.tar.gz is missing: run `make train` first")
    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.start()
        yield s
    finally:
        s.stop()
