"""The FastAPI application factory.

    uvicorn --factory sahaya.backend.app:create_app --port 8000
or  python -m sahaya.backend.cli serve
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sahaya.catalogue import Catalogue

from .context import Backend
from .db import migrate, session_scope
from .errors import install_error_handlers
from .payments import seed_demo_bills
from .routes import (
    applications,
    bookings,
    grievances,
    handoffs,
    officer,
    payments,
    public,
    verify,
)
from .settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """
The departments' back office for Sahaya: catalogue, applications, payments,
grievances, darshan bookings and signed certificates with a public verifier.

Every 4xx answer is `{"error": {"code", "message", "params"}}`; the bot turns
`code` into a message in the citizen's language. Citizen reads need the
owner's `phone`; officer calls need the `X-Officer-Key` header.
"""


def create_app(
    settings: Settings | None = None,
    catalogue: Catalogue | None = None,
    backend: Backend | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    if backend is None:
        if settings.auto_migrate:
            migrate(settings.database_url)
        backend = Backend.build(settings, catalogue)
        if settings.seed_demo:
            with session_scope(backend.sessions) as session:
                seed_demo_bills(session)
    settings.warn_about_dev_secrets()

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        if settings.notify:
            backend.notifier.start()
        try:
            yield
        finally:
            backend.notifier.stop()

    app = FastAPI(
        title="Sahaya service backend",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.backend = backend
    install_error_handlers(app)
    for module in (public, applications, payments, grievances, bookings, handoffs, verify):
        app.include_router(module.router)
    app.include_router(officer.api)
    app.include_router(officer.router)

    @app.get("/", include_in_schema=False)
    def root() -> dict:
        return {
            "service": "sahaya-backend",
            "openapi": "/openapi.json",
            "docs": "/docs",
            "officer": "/officer",
            "key_id": backend.signer.key_id,
        }

    return app
