"""Operator commands for the backend.

    python -m sahaya.backend.cli serve                 # the HTTP service (port 8000)
    python -m sahaya.backend.cli migrate               # alembic upgrade head
    python -m sahaya.backend.cli keygen                # create the signing key if missing
    python -m sahaya.backend.cli public-key            # print the public key (PEM)
    python -m sahaya.backend.cli verify-certificate URL --public-key pub.pem   # offline
    python -m sahaya.backend.cli verify-register       # walk the hash chain
    python -m sahaya.backend.cli revoke CERT-2025-000001 --reason "issued in error"
    python -m sahaya.backend.cli simulate-payment PAY-2025-000001   # signed gateway callback
    python -m sahaya.backend.cli seed [--reset]        # demonstration bills
    python -m sahaya.backend.cli outbox [--retry-dead] # notifications waiting for Rasa

Exit status: 0 when all is well, 1 when a check fails, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

from .settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return Settings.from_env(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = _settings(args)
    host = args.host or settings.host
    port = args.port or settings.port
    logging.getLogger("uvicorn.access").addFilter(_MaskPhoneNumbers())
    uvicorn.run(create_app(settings), host=host, port=port, log_level=args.log_level)
    return 0


class _MaskPhoneNumbers(logging.Filter):
    """Access-log lines keep the path but not the citizen's number (?phone=…)."""

    _PHONE = re.compile(r"(phone=)(\d*?)(\d{4})(?=&|$|\s)")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._PHONE.sub(lambda m: m.group(1) + "X" * len(m.group(2)) + m.group(3), a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def cmd_migrate(args: argparse.Namespace) -> int:
    from .db import migrate

    settings = _settings(args)
    migrate(settings.database_url)
    print(f"database at head: {settings.database_url.split('@')[-1]}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from .signing import Signer, generate_private_key_file

    path = Path(args.path) if args.path else _settings(args).signing_key_path
    if path.exists() and not args.force:
        signer = Signer.load_or_create(path)
        print(f"key exists: {path} (key id {signer.key_id}); --force replaces it "
              "and makes every issued certificate unverifiable")
        return 0
    if path.exists():
        path.unlink()
    signer = Signer(generate_private_key_file(path))
    print(f"new signing key {path} (key id {signer.key_id})")
    return 0


def cmd_public_key(args: argparse.Namespace) -> int:
    from .signing import Signer

    signer = Signer.load_or_create(_settings(args).signing_key_path)
    pem = signer.public_pem()
    if args.out:
        Path(args.out).write_bytes(pem)
        print(f"wrote {args.out} (key id {signer.key_id})")
    else:
        sys.stdout.write(pem.decode())
    return 0


def _verifier(args: argparse.Namespace):
    from .signing import Signer, Verifier, load_public_key

    if args.public_key:
        return Verifier(load_public_key(Path(args.public_key).read_bytes()))
    path = _settings(args).signing_key_path
    if not path.exists():
        raise SystemExit(f"no --public-key given and no signing key at {path}")
    return Signer.load_or_create(path)


def cmd_verify_certificate(args: argparse.Namespace) -> int:
    from .certificates import verify_certificate
    from .signing import CERT_KEY_NAMES, fields_from_url

    fields, signature = fields_from_url(args.url)
    result = verify_certificate(None, fields, signature, _verifier(args))
    if args.json:
        print(json.dumps({"status": result.status, "reason": result.reason, "fields": fields},
                         ensure_ascii=False, indent=2))
    else:
        print(f"{result.status} ({result.reason})")
        for key, value in fields.items():
            print(f"  {CERT_KEY_NAMES.get(key, key):>16}: {value}")
        if result.status == "VALID":
            print("  (offline check: signature only; revocation needs the online /verify page)")
    return 0 if result.status == "VALID" else 1


def cmd_verify_register(args: argparse.Namespace) -> int:
    from .db import make_engine, make_session_factory
    from .register import verify_database

    settings = _settings(args)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            report = verify_database(session, _verifier(args))
    finally:
        engine.dispose()
    print(report.describe())
    return 0 if report.ok else 1


def _backend(args: argparse.Namespace):
    """Database, keys and notifier; these commands never read the catalogue."""
    from sahaya.catalogue import Catalogue

    from .context import Backend

    return Backend.build(_settings(args), Catalogue(departments=[], fields={}))


def cmd_revoke(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .certificates import revoke_certificate
    from .models import Certificate

    backend = _backend(args)
    try:
        with backend.sessions() as session:
            certificate = session.execute(
                select(Certificate).where(Certificate.public_id == args.certificate_id.upper())
            ).scalar_one_or_none()
            if certificate is None:
                print(f"no certificate {args.certificate_id}")
                return 1
            changed = revoke_certificate(session, certificate, args.reason, backend.signer)
            session.commit()
            print(f"{certificate.public_id} {'revoked' if changed else 'was already revoked'}")
    finally:
        backend.close()
    return 0


def cmd_simulate_payment(args: argparse.Namespace) -> int:
    import requests

    from .payments import signature_for

    settings = _settings(args)
    body = json.dumps(
        {"payment_id": args.payment_id, "status": args.status, "gateway_ref": args.gateway_ref}
    ).encode()
    url = (args.url or f"http://127.0.0.1:{settings.port}").rstrip("/") + "/payments/callback"
    response = requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json",
                 "X-Signature": signature_for(settings.payment_secret, body)},
        timeout=10,
    )
    print(response.status_code, response.text)
    return 0 if response.ok else 1


def cmd_seed(args: argparse.Namespace) -> int:
    from .db import session_scope
    from .payments import seed_demo_bills

    backend = _backend(args)
    try:
        with session_scope(backend.sessions) as session:
            count = seed_demo_bills(session, reset=args.reset)
    finally:
        backend.close()
    print(f"{count} demonstration bills {'reset to unpaid' if args.reset else 'present'}")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select, update

    from .models import OutboxMessage

    backend = _backend(args)
    try:
        with backend.sessions() as session:
            if args.retry_dead:
                n = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.status == "dead")
                    .values(status="pending", attempts=0)
                    .execution_options(synchronize_session=False)
                ).rowcount
                session.commit()
                print(f"{n} dead notifications queued again")
            counts = dict(
                session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
            print(json.dumps(counts))
            for m in session.execute(
                select(OutboxMessage).where(OutboxMessage.status != "sent").order_by(OutboxMessage.id).limit(20)
            ).scalars():
                print(f"  #{m.id} {m.status} {m.intent} attempts={m.attempts} "
                      f"next={m.next_attempt_at:%Y-%m-%d %H:%M:%S} {m.last_error or ''}"[:160])
    finally:
        backend.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sahaya.backend.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--database-url", help="overrides SAHAYA_DATABASE_URL")
        p.set_defaults(handler=handler)
        return p

    p = add("serve", cmd_serve, "run the HTTP service")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--log-level", default="info")
    add("migrate", cmd_migrate, "upgrade the database schema")
    p = add("keygen", cmd_keygen, "create the Ed25519 signing key")
    p.add_argument("--path", help="default SAHAYA_SIGNING_KEY_PATH")
    p.add_argument("--force", action="store_true")
    p = add("public-key", cmd_public_key, "print or save the public key")
    p.add_argument("--out")
    p = add("verify-certificate", cmd_verify_certificate, "check a certificate URL offline")
    p.add_argument("url", help="the URL in the certificate's QR code")
    p.add_argument("--public-key", help="PEM file; default: derived from the signing key")
    p.add_argument("--json", action="store_true")
    p = add("verify-register", cmd_verify_register, "verify the register's hash chain")
    p.add_argument("--public-key", help="PEM file; default: derived from the signing key")
    p = add("revoke", cmd_revoke, "revoke a certificate")
    p.add_argument("certificate_id")
    p.add_argument("--reason", required=True)
    p = add("simulate-payment", cmd_simulate_payment, "send a signed gateway callback")
    p.add_argument("payment_id")
    p.add_argument("--status", choices=("success", "failure"), default="success")
    p.add_argument("--gateway-ref", default="SIMULATED")
    p.add_argument("--url", help="backend base URL (default http://127.0.0.1:$SAHAYA_BACKEND_PORT)")
    p = add("seed", cmd_seed, "insert the demonstration bills")
    p.add_argument("--reset", action="store_true", help="mark them unpaid again")
    p = add("outbox", cmd_outbox, "show notifications not yet delivered")
    p.add_argument("--retry-dead", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
