"""FastAPI dependencies: the backend, a database session, officer auth."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from .context import Backend
from .errors import ApiError

PHONE_REGEX = r"^[A-Za-z0-9+_.:@-]+$"


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(get_backend)]


def get_session(backend: BackendDep) -> Iterator[Session]:
    session = backend.sessions()
    try:
        yield session
    finally:
        session.close()


def officer_key_ok(backend: Backend, key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(key.encode(), backend.settings.officer_key.encode())


def require_officer(
    backend: BackendDep,
    x_officer_key: Annotated[str | None, Header(alias="X-Officer-Key")] = None,
) -> None:
    if not officer_key_ok(backend, x_officer_key):
        raise ApiError(401, "unauthorized", "officer key missing or wrong")


def phone_query(
    phone: Annotated[str, Query(min_length=3, max_length=64, pattern=PHONE_REGEX,
                                description="the citizen's phone (conversation id); owner check")],
) -> str:
    return phone.strip()


SessionDep = Annotated[Session, Depends(get_session)]
PhoneDep = Annotated[str, Depends(phone_query)]
