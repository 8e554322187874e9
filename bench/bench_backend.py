"""Backend benchmark: issuing and verifying certificates.

    python bench/bench_backend.py            # 40 certificates, SQLite in a temp dir
    python bench/bench_backend.py -n 100 --database-url postgresql://postgres@127.0.0.1/sahaya_bench

issue  = PDF (Telugu / Hindi / English in turn) + QR + Ed25519 signature +
         register entry + database write, i.e. what an approval adds.
verify = parse the QR's URL, check the signature, look the certificate up
         (revocation); also shown: signature only (offline) and the whole
         GET /verify?format=json through the ASGI app.
Targets: issue p50 < 150 ms, verify p50 < 5 ms. Prints medians and p95 of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sahaya.backend import applications as apps
from sahaya.backend.certificates import (
    certificate_url,
    issue_certificate,
    verify_certificate,
)
from sahaya.backend.context import Backend
from sahaya.backend.db import migrate
from sahaya.backend.settings import Settings
from sahaya.backend.signing import check_signature, fields_from_url
from sahaya.backend.validators import verhoeff_check_digit
from sahaya.catalogue import load_catalogue

TARGETS = {"issue": 150.0, "verify": 5.0}
NAMES = {"te": "రవి కుమార్", "hi": "सीता राम", "en": "Ravi Kumar"}


def pick_catalogue():
    real = ROOT / "data" / "catalogue.yml"
    try:
        catalogue = load_catalogue(real)
    except Exception as exc:  # noqa: BLE001 - the real catalogue may be mid-edit
        print(f"data/catalogue.yml unusable ({exc}); using the test catalogue")
    else:
        if "income_certificate" in catalogue.services:
            return catalogue, real
    fixture = ROOT / "tests" / "backend" / "catalogue.yml"
    return load_catalogue(fixture), fixture


def sample_fields(catalogue, language: str) -> dict:
    aadhaar = "23412341234" + verhoeff_check_digit("23412341234")
    samples = {"name": NAMES[language], "aadhaar": aadhaar, "mobile": "9876543210", "pincode": "522001",
               "date": "01-01-2024", "past_date": "15-08-1990", "text": "12-3, Gandhi Nagar, Guntur",
               "number": "3", "amount": "120000", "consumer_number": "1234567890"}
    fields = {}
    for code in catalogue.services["income_certificate"].fields:
        spec = catalogue.fields[code]
        if spec.type == "document":
            continue
        fields[code] = spec.choices[0].code if spec.type == "choice" else samples[spec.type]
    return fields


def percentiles(samples_ms):
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40, help="certificates to issue (default 40)")
    parser.add_argument("--database-url", help="default: SQLite file in a temporary directory")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="sahaya-bench-"))
    catalogue, catalogue_path = pick_catalogue()
    settings = Settings.from_env(
        database_url=args.database_url or f"sqlite:///{workdir / 'bench.db'}",
        signing_key_path=workdir / "signing_key.pem",
        notify=False,
        seed_demo=False,
    )
    migrate(settings.database_url)
    backend = Backend.build(settings, catalogue)
    languages = ("te", "hi", "en")

    def new_application(i: int):
        language = languages[i % 3]
        with backend.sessions() as session:
            application, _ = apps.create_application(
                session, backend, service_code="income_certificate", phone="919876543210",
                language=language, fields=sample_fields(catalogue, language),
                idempotency_key=f"bench-{time.time_ns()}-{i}")
            return application.id

    def issue(application_id: int):
        with backend.sessions() as session:
            application = session.get(apps.Application, application_id)
            started, cpu_started = time.perf_counter(), time.process_time()
            certificate = issue_certificate(
                session, application=application, catalogue=catalogue, signer=backend.signer,
                renderer=backend.renderer, public_url=settings.public_url)
            session.commit()
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            return elapsed, cpu, certificate_url(certificate, application.public_id, settings.public_url)

    for i in range(3):  # warm-up: font preparation, templates, connection pool
        issue(new_application(i))

    ids = [new_application(i) for i in range(args.n)]
    issue_ms, issue_cpu_ms, urls = [], [], []
    for application_id in ids:
        elapsed, cpu, url = issue(application_id)
        issue_ms.append(elapsed)
        issue_cpu_ms.append(cpu)
        urls.append(url)

    offline_ms, online_ms = [], []
    for url in urls * 5:
        started = time.perf_counter()
        fields, signature = fields_from_url(url)
        assert check_signature(fields, signature, backend.signer).valid
        offline_ms.append((time.perf_counter() - started) * 1000)
    with backend.sessions() as session:
        for url in urls * 5:
            started = time.perf_counter()
            fields, signature = fields_from_url(url)
            result = verify_certificate(session, fields, signature, backend.signer)
            online_ms.append((time.perf_counter() - started) * 1000)
            assert result.status == "VALID", result
            session.rollback()

    from fastapi.testclient import TestClient

    from sahaya.backend.app import create_app

    http_ms = []
    with TestClient(create_app(settings, backend=backend)) as client:
        for url in urls[:3]:
            client.get(url.replace(settings.public_url, "") + "&format=json")
        for url in urls * 2:
            started = time.perf_counter()
            response = client.get(url.replace(settings.public_url, "") + "&format=json")
            http_ms.append((time.perf_counter() - started) * 1000)
            assert response.json()["status"] == "VALID"

    rows = [
        ("issue certificate (PDF+QR+signature+register+DB)", issue_ms, TARGETS["issue"]),
        ("  the same, CPU time of this process", issue_cpu_ms, None),
        ("verify certificate (signature + register lookup)", online_ms, TARGETS["verify"]),
        ("  verify offline (signature only)", offline_ms, None),
        ("  GET /verify?format=json through the app", http_ms, None),
    ]
    db = settings.database_url.split("://")[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Sahaya backend benchmark: {args.n} certificates (te/hi/en in turn), {db}, "
          f"catalogue {catalogue_path.relative_to(ROOT)}; {os.cpu_count()} CPUs, load average {load}")
    print("wall-clock times; when the machine is busy (load above the CPU count) compare the CPU line")
    print(f"{'operation':<52} {'n':>5} {'p50 ms':>9} {'p95 ms':>9}  target")
    summary = {}
    for label, samples, target in rows:
        p50, p95 = percentiles(samples)
        verdict = "" if target is None else (f"p50 < {target:g} ms " + ("OK" if p50 < target else "MISSED"))
        print(f"{label:<52} {len(samples):>5} {p50:>9.2f} {p95:>9.2f}  {verdict}")
        summary[label.strip()] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "n": len(samples)}
    if args.json:
        print(json.dumps(summary))
    backend.close()
    ok = percentiles(issue_ms)[0] < TARGETS["issue"] and percentiles(online_ms)[0] < TARGETS["verify"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
