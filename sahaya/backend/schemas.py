"""Request and response bodies (pydantic v1: Rasa 3.6 pins it)."""

from __future__ import annotations

from pydantic import BaseModel, Field, confloat, constr

Phone = constr(strip_whitespace=True, min_length=3, max_length=64, regex=r"^[A-Za-z0-9+_.:@-]+$")
Language = constr(regex=r"^(te|hi|en)$")


class ErrorDetail(BaseModel):
    code: str
    message: str
    params: dict[str, object] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


def errors(*statuses: int) -> dict:
    return {s: {"model": ErrorBody} for s in statuses}


# --- validate -------------------------------------------------------------------

class ValidateRequest(BaseModel):
    type: constr(max_length=32) | None = Field(
        None, description="field type; may be left out when `field` is given"
    )
    value: constr(max_length=2000)
    field: constr(max_length=64) | None = Field(
        None, description="catalogue field code (needed for choices)"
    )


class ValidateResponse(BaseModel):
    valid: bool
    value: str
    masked: str | None = None


# --- catalogue ------------------------------------------------------------------

class ServiceBrief(BaseModel):
    code: str
    kind: str
    name: dict[str, str]
    fee: int
    days: int


class DepartmentOut(BaseModel):
    code: str
    name: dict[str, str]
    services: list[ServiceBrief]


class ChoiceOut(BaseModel):
    code: str
    name: dict[str, str]


class FieldOut(BaseModel):
    code: str
    type: str
    question: dict[str, str]
    example: dict[str, str]
    choices: list[ChoiceOut] = []


class ServiceOut(ServiceBrief):
    department: str
    aliases: list[str]
    documents: dict[str, list[str]]
    eligibility: dict[str, str]
    documents_optional: bool
    fields: list[FieldOut]


# --- applications ----------------------------------------------------------------

class ApplicationCreate(BaseModel):
    service: constr(min_length=1, max_length=64)
    phone: Phone
    language: Language = "en"
    fields: dict[constr(max_length=64), constr(max_length=2000) | None] = {}


class HistoryItem(BaseModel):
    status: str
    at: str
    remarks: str | None


class DocumentOut(BaseModel):
    sha256: str
    content_type: str
    size: int
    filename: str | None
    uploaded_at: str


class PaymentOut(BaseModel):
    payment_id: str
    service: str
    reference: str
    amount: float
    status: str
    upi_link: str
    qr_url: str
    created_at: str | None
    paid_at: str | None


class CertificateOut(BaseModel):
    id: str
    issued_on: str
    revoked: bool
    download_url: str
    verify_url: str


class ApplicationSummary(BaseModel):
    id: str
    service: str
    status: str
    expected_date: str
    created_at: str
    updated_at: str


class ApplicationOut(ApplicationSummary):
    language: str
    fee: int
    fee_paid: bool
    remarks: str | None
    fields: dict[str, str]
    history: list[HistoryItem]
    documents: list[DocumentOut]
    payment: PaymentOut | None
    certificate: CertificateOut | None


class ApplicationList(BaseModel):
    applications: list[ApplicationSummary]


class UploadOut(BaseModel):
    sha256: str
    content_type: str
    size: int


# --- officer ----------------------------------------------------------------------

class OfficerRemarks(BaseModel):
    remarks: constr(max_length=1000) | None = None


class OfficerReject(BaseModel):
    reason: constr(strip_whitespace=True, min_length=1, max_length=1000)


class RevokeRequest(BaseModel):
    reason: constr(strip_whitespace=True, min_length=1, max_length=1000)


class RevokeOut(BaseModel):
    certificate_id: str
    status: str
    revoked_at: str | None


class GrievanceStatusUpdate(BaseModel):
    status: constr(max_length=16)
    remarks: constr(max_length=1000) | None = None


# --- bills and payments ---------------------------------------------------------

class BillOut(BaseModel):
    service: str
    number: str
    name: str
    amount: float
    due_date: str
    status: str


class PaymentCreate(BaseModel):
    phone: Phone
    service: constr(min_length=1, max_length=64)
    reference: constr(strip_whitespace=True, min_length=1, max_length=32)


class PaymentCallback(BaseModel):
    payment_id: constr(min_length=1, max_length=32)
    status: constr(regex=r"^(success|failure)$")
    gateway_ref: constr(max_length=100) = ""


class CallbackOut(BaseModel):
    payment_id: str
    status: str


# --- grievances --------------------------------------------------------------------

class GrievanceCreate(BaseModel):
    phone: Phone
    category: constr(max_length=32)
    description: constr(max_length=4000)
    photo_sha256: constr(max_length=64) | None = None
    latitude: confloat(ge=-90, le=90) | None = None
    longitude: confloat(ge=-180, le=180) | None = None


class GrievanceOut(BaseModel):
    ticket_id: str
    status: str
    category: str
    description: str
    photo_sha256: str | None
    latitude: float | None
    longitude: float | None
    remarks: str | None
    created_at: str
    updated_at: str


class GrievanceList(BaseModel):
    grievances: list[GrievanceOut]


class Categories(BaseModel):
    categories: list[str]


# --- bookings ------------------------------------------------------------------------

class BookingCreate(BaseModel):
    phone: Phone
    temple: constr(max_length=64)
    date: constr(max_length=20)
    slot: constr(max_length=32)
    persons: int = Field(..., ge=-1000, le=1000)


class BookingOut(BaseModel):
    booking_id: str
    status: str
    temple: str
    date: str
    slot: str
    persons: int
    amount: float
    paid: bool
    created_at: str
    payment: PaymentOut | None = None


class BookingList(BaseModel):
    bookings: list[BookingOut]


class SlotAvailability(BaseModel):
    slot: str
    capacity: int
    booked: int
    available: int


class Availability(BaseModel):
    temple: str
    date: str
    slots: list[SlotAvailability]


class BookingOptions(BaseModel):
    temples: list[str]
    slots: list[str]
    persons_max: int
    book_ahead_days: int


# --- verification ----------------------------------------------------------------------

class VerifyOut(BaseModel):
    status: str
    reason: str
    fields: dict[str, str]
    revoked_at: str | None = None
    revoke_reason: str | None = None
    details: dict[str, object] | None = None


# --- talking to a person ------------------------------------------------------------

class HandoffCreate(BaseModel):
    phone: Phone
    language: Language = "en"
    message: constr(max_length=4000) = ""
    service: constr(max_length=64) | None = None


class HandoffOut(BaseModel):
    ticket_id: str
    status: str
    language: str
    service: str | None
    message: str
    remarks: str | None
    reply_within_hours: int
    created_at: str
    closed_at: str | None
