"""Migrations match the models; operator commands work."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from sahaya.backend import cli
from sahaya.backend.db import Base
from sahaya.backend.signing import Signer

from .helpers import PHONE, LiveServer


def test_migrations_match_the_models(template_db, database_url):
    engine = create_engine(database_url, future=True)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_keygen_and_public_key(tmp_path, monkeypatch, capsys):
    key = tmp_path / "k.pem"
    monkeypatch.setenv("SAHAYA_SIGNING_KEY_PATH", str(key))
    assert cli.main(["keygen"]) == 0
    assert "new signing key" in capsys.readouterr().out
    assert key.stat().st_mode & 0o777 == 0o600
    assert cli.main(["keygen"]) == 0 and "key exists" in capsys.readouterr().out
    assert cli.main(["public-key", "--out", str(tmp_path / "pub.pem")]) == 0
    assert (tmp_path / "pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert Signer.load_or_create(key).key_id in capsys.readouterr().out


def test_simulate_payment_and_outbox(app, client, settings, monkeypatch, capsys):
    payment = client.post("/payments", json={"phone": PHONE, "service": "property_tax",
                                             "reference": "PTX2024001"}).json()
    monkeypatch.setenv("SAHAYA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SAHAYA_SIGNING_KEY_PATH", str(settings.signing_key_path))
    with LiveServer(app) as server:
        assert cli.main(["simulate-payment", payment["payment_id"], "--url", server.url]) == 0
    assert '"status":"success"' in capsys.readouterr().out.replace(" ", "")
    assert client.get("/bills/property_tax/PTX2024001").json()["status"] == "paid"
    assert cli.main(["outbox"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0]) == {"pending": 1}
    assert cli.main(["seed", "--reset"]) == 0
    assert client.get("/bills/property_tax/PTX2024001").json()["status"] == "unpaid"
