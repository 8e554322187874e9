"""The one HTTP client the actions use to reach the service backend.

    client = BackendClient()                      # SAHAYA_BACKEND_URL or localhost:8000
    client.validate("aadhaar", "2341 2341 2346")  # -> "234123412346"
    app = client.submit_application("income_certificate", sender_id, "te", fields,
                                    idempotency_key=f"{sender_id}:{form_started_at}")

Errors come in two kinds, so an action can answer the citizen properly:
- BackendError(code, params, status): the backend said no (4xx). `code` is the
  machine code from the backend ("aadhaar_checksum", "capacity_full", ...);
  the action turns it into a response in the citizen's language.
- BackendUnavailable: no answer, a timeout or a 5xx, after retries. Say
  "the service is busy, try again" and keep the conversation state.

Requests time out after 5 s. Connection failures and 502/503/504 are retried
with backoff, POSTs included: creating calls carry an Idempotency-Key (made
here when the caller gives none), so a retried submit files exactly once.
Timed-out reads are not retried, which bounds the wait an action can cause.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

DEFAULT_URL = "http://localhost:8000"
TIMEOUT = 5.0


class BackendUnavailable(Exception):
    """The backend did not answer usefully (connection, timeout or 5xx)."""


class BackendError(Exception):
    """The backend refused the request (4xx) with a machine-readable code."""

    def __init__(self, code: str, params: dict[str, Any] | None = None, status: int = 400,
                 message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}" if message else f"{status} {code}")
        self.code = code
        self.params = params or {}
        self.status = status
        self.message = message


def _retry(retries: int, backoff: float) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        other=0,
        backoff_factor=backoff,
        status_forcelist=(502, 503, 504),
        allowed_methods=None,  # every method, POST included (idempotency keys)
        raise_on_status=False,
        respect_retry_after_header=True,
    )


class BackendClient:
    def __init__(
        self,
        base_url: str | None = None,
        timeout: float = TIMEOUT,
        retries: int = 3,
        backoff: float = 0.3,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("SAHAYA_BACKEND_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=_retry(retries, backoff), pool_maxsize=20)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- plumbing -----------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> requests.Response:
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json,
                headers=headers,
                files=files,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:  # connection, timeout, retries exhausted
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                error = response.json().get("error") or {}
            except ValueError:
                error = {}
            raise BackendError(
                str(error.get("code") or f"http_{response.status_code}"),
                error.get("params") or {},
                response.status_code,
                str(error.get("message") or ""),
            )
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise BackendUnavailable(f"{method} {path}: answer is not JSON") from exc

    @staticmethod
    def _key(idempotency_key: str | None) -> dict[str, str]:
        return {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}

    # -- validation and catalogue -------------------------------------------------
    def validate(self, field_type: str | None, value: str, field: str | None = None) -> str:
        """The normalised value, or BackendError(code) explaining what is wrong."""
        return self.validate_full(field_type, value, field)["value"]

    def validate_full(self, field_type: str | None, value: str, field: str | None = None) -> dict:
        body: dict[str, Any] = {"value": value}
        if field_type:
            body["type"] = field_type
        if field:
            body["field"] = field
        return self._json("POST", "/validate", json=body)

    def departments(self) -> list[dict]:
        return self._json("GET", "/catalogue/departments")

    def service(self, code: str) -> dict:
        return self._json("GET", f"/catalogue/services/{code}")

    # -- applications ---------------------------------------------------------------
    def submit_application(
        self,
        service: str,
        phone: str,
        language: str,
        fields: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> dict:
        """File once per key: {"id": "APP-…", "status", "fee", "expected_date", "payment"…}."""
        return self._json(
            "POST",
            "/applications",
            json={"service": service, "phone": phone, "language": language, "fields": dict(fields)},
            headers=self._key(idempotency_key),
        )

    def applications(self, phone: str) -> list[dict]:
        return self._json("GET", "/applications", params={"phone": phone})["applications"]

    def application(self, application_id: str, phone: str) -> dict:
        return self._json("GET", f"/applications/{application_id}", params={"phone": phone})

    def upload_document(self, application_id: str, phone: str, content: bytes,
                        filename: str = "document", content_type: str = "application/octet-stream") -> dict:
        return self._json(
            "POST",
            f"/applications/{application_id}/documents",
            params={"phone": phone},
            files={"file": (filename, content, content_type)},
        )

    def certificate_pdf(self, application_id: str, phone: str) -> bytes:
        return self._request(
            "GET", f"/applications/{application_id}/certificate", params={"phone": phone}
        ).content

    def certificate_url(self, application_id: str, phone: str) -> str:
        """An expiring link to the PDF (24 h) that WhatsApp can fetch as a document."""
        certificate = self.application(application_id, phone).get("certificate")
        if not certificate or certificate.get("revoked"):
            raise BackendError("not_found", {"application_id": application_id}, 404, "no certificate")
        return certificate["download_url"]

    # -- bills and payments ---------------------------------------------------------
    def bill(self, service: str, number: str) -> dict:
        return self._json("GET", f"/bills/{service}/{requests.utils.quote(number, safe='')}")

    def create_payment(self, phone: str, service: str, reference: str,
                       idempotency_key: str | None = None) -> dict:
        """{"payment_id", "amount", "upi_link", "qr_url", …} for a bill, fee or booking."""
        return self._json(
            "POST",
            "/payments",
            json={"phone": phone, "service": service, "reference": reference},
            headers=self._key(idempotency_key),
        )

    def payment(self, payment_id: str, phone: str) -> dict:
        return self._json("GET", f"/payments/{payment_id}", params={"phone": phone})

    # -- grievances ------------------------------------------------------------------
    def grievance_categories(self) -> list[str]:
        return self._json("GET", "/grievances/categories")["categories"]

    def upload_grievance_photo(self, phone: str, content: bytes, filename: str = "photo.jpg",
                               content_type: str = "image/jpeg") -> dict:
        return self._json("POST", "/grievances/photos", params={"phone": phone},
                          files={"file": (filename, content, content_type)})

    def file_grievance(
        self,
        phone: str,
        category: str,
        description: str,
        photo_sha256: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        idempotency_key: str | None = None,
    ) -> dict:
        body: dict[str, Any] = {"phone": phone, "category": category, "description": description}
        for name, value in (("photo_sha256", photo_sha256), ("latitude", latitude), ("longitude", longitude)):
            if value is not None:
                body[name] = value
        return self._json("POST", "/grievances", json=body, headers=self._key(idempotency_key))

    def grievance(self, ticket_id: str, phone: str) -> dict:
        return self._json("GET", f"/grievances/{ticket_id}", params={"phone": phone})

    def grievances(self, phone: str) -> list[dict]:
        return self._json("GET", "/grievances", params={"phone": phone})["grievances"]

    # -- darshan bookings --------------------------------------------------------------
    def booking_options(self) -> dict:
        return self._json("GET", "/bookings/options")

    def availability(self, temple: str, date: str) -> dict:
        return self._json("GET", "/bookings/availability", params={"temple": temple, "date": date})

    def book_darshan(self, phone: str, temple: str, date: str, slot: str, persons: int,
                     idempotency_key: str | None = None) -> dict:
        return self._json(
            "POST",
            "/bookings",
            json={"phone": phone, "temple": temple, "date": date, "slot": slot, "persons": persons},
            headers=self._key(idempotency_key),
        )

    def bookings(self, phone: str) -> list[dict]:
        return self._json("GET", "/bookings", params={"phone": phone})["bookings"]

    def booking(self, booking_id: str, phone: str) -> dict:
        return self._json("GET", f"/bookings/{booking_id}", params={"phone": phone})

    def cancel_booking(self, booking_id: str, phone: str) -> dict:
        return self._json("POST", f"/bookings/{booking_id}/cancel", params={"phone": phone})

    # -- talking to a person -----------------------------------------------------------
    def request_handoff(self, phone: str, language: str, message: str = "", service: str | None = None,
                        idempotency_key: str | None = None) -> dict:
        """{"ticket_id": "HND-…", "reply_within_hours": 24, …}; one open request per citizen."""
        body: dict[str, Any] = {"phone": phone, "language": language, "message": message[:1000]}
        if service:
            body["service"] = service
        return self._json("POST", "/handoffs", json=body, headers=self._key(idempotency_key))

    def handoff(self, ticket_id: str, phone: str) -> dict:
        return self._json("GET", f"/handoffs/{ticket_id}", params={"phone": phone})

    # -- verification ------------------------------------------------------------------
    def verify_certificate(self, verify_url: str) -> dict:
        """VALID / INVALID / REVOKED for a certificate's QR link."""
        query = verify_url.split("?", 1)[1] if "?" in verify_url else verify_url
        return self._json("GET", f"/verify?{query}&format=json")
