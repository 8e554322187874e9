"""Fixtures for the backend tests.

SQLite by default: the schema is migrated once into a template file that each
test copies. With SAHAYA_TEST_DATABASE_URL=postgresql://… the schema is dropped
and migrated once per session and every table is truncated before each test.
Slow tests (real server, concurrency, schemathesis) are marked `slow`.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sahaya.backend import models  # noqa: F401
from sahaya.backend.certificates import CertificateRenderer
from sahaya.backend.context import Backend
from sahaya.backend.db import Base, migrate
from sahaya.backend.settings import Settings
from sahaya.backend.signing import Signer
from sahaya.catalogue import load_catalogue

from .helpers import CATALOGUE_PATH, PG_URL, PHONE, LiveServer, income_fields


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: real server, concurrency or schemathesis (seconds each)")


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CATALOGUE_PATH)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("backend")


@pytest.fixture(scope="session")
def signing_key_path(session_dir) -> Path:
    path = session_dir / "signing_key.pem"
    Signer.load_or_create(path)
    return path


@pytest.fixture(scope="session")
def renderer(session_dir) -> CertificateRenderer:
    """Shared so fonts are prepared once per session."""
    return CertificateRenderer(Settings().font_dir, session_dir / "cache")


def _pg_reset_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def template_db(session_dir) -> Iterator[str]:
    if PG_URL:
        _pg_reset_schema(PG_URL)
        migrate(PG_URL)
        yield PG_URL
        _pg_reset_schema(PG_URL)
        return
    template = session_dir / "template.db"
    migrate(f"sqlite:///{template}")
    yield str(template)


def _truncate_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, future=True)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(template_db, tmp_path) -> str:
    if PG_URL:
        _truncate_pg(PG_URL)
        return PG_URL
    target = tmp_path / "backend.db"
    shutil.copyfile(template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url, signing_key_path, session_dir) -> Settings:
    return Settings(
        database_url=database_url,
        signing_key_path=signing_key_path,
        cache_dir=session_dir / "cache",
        public_url="http://testserver",
        rasa_url="http://127.0.0.1:9",  # nothing listens; tests drive the notifier themselves
        auto_migrate=False,
        seed_demo=True,
        notify=False,
        darshan_capacity=10,
    )


@pytest.fixture
def backend(settings, catalogue, renderer) -> Iterator[Backend]:
    built = Backend.build(settings, catalogue)
    built.renderer = renderer
    from sahaya.backend.db import session_scope
    from sahaya.backend.payments import seed_demo_bills

    with session_scope(built.sessions) as session:
        seed_demo_bills(session)
    yield built
    built.close()


@pytest.fixture
def app(settings, backend):
    from sahaya.backend.app import create_app

    return create_app(settings, backend=backend)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def submit(client):
    """File an income certificate application; returns the JSON body."""
    counter = {"n": 0}

    def _submit(phone: str = PHONE, language: str = "te", service: str = "income_certificate",
                fields: dict | None = None, key: str | None = None) -> dict:
        counter["n"] += 1
        response = client.post(
            "/applications",
            headers={"Idempotency-Key": key or f"test-{counter['n']}-{time.monotonic_ns()}"},
            json={"service": service, "phone": phone, "language": language,
                  "fields": fields if fields is not None else income_fields()},
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    return _submit


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
