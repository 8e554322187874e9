"""Certificates: signed QR record, online and offline verification, revocation, PDF."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from sahaya.backend import cli
from sahaya.backend.certificates import CertificateRenderer, DetailRow
from sahaya.backend.signing import Signer, canonical, check_signature, fields_from_url

from .helpers import OFFICER, PHONE, income_fields, pay_fee


@pytest.fixture
def issued(client, submit):
    app = pay_fee(client, submit())
    body = client.post(f"/officer/applications/{app['id']}/approve", headers=OFFICER).json()
    return body


def local(url: str) -> str:
    return url.replace("http://testserver", "")


def tamper(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query[key] = value
    return f"{parts.path}?{urlencode(query)}"


def test_verify_page_valid_invalid_revoked(client, issued):
    url = issued["certificate"]["verify_url"]
    fields, _ = fields_from_url(url)
    assert fields["n"] == "రవి కుమార్" and fields["a"] == issued["id"] and fields["s"] == "income_certificate"

    page = client.get(local(url))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "VALID" in page.text and "INVALID" not in page.text and "రవి కుమార్" in page.text
    assert "ఆదాయ ధృవీకరణ పత్రం" in page.text  # the service name in three languages
    as_json = client.get(local(url) + "&format=json").json()
    assert as_json["status"] == "VALID" and as_json["details"]["aadhaar"].startswith("XXXX")
    assert client.get(local(url), headers={"Accept": "application/json"}).json()["status"] == "VALID"

    forged_name = client.get(tamper(url, "n", "రవి కుమార") + "&format=json").json()
    assert forged_name == {**forged_name, "status": "INVALID", "reason": "bad_signature"}
    forged_date = client.get(tamper(url, "d", "2020-01-01") + "&format=json").json()
    assert forged_date["status"] == "INVALID"
    other_key = client.get(tamper(url, "k", "00000000") + "&format=json").json()
    assert other_key["reason"] == "unknown_key"
    assert client.get("/verify?c=CERT-1&format=json").json()["reason"] == "missing_fields"
    assert "INVALID" in client.get(tamper(url, "sig", "AAAA")).text

    cert_id = issued["certificate"]["id"]
    revoked = client.post(f"/officer/certificates/{cert_id}/revoke", headers=OFFICER, json={"reason": "wrong income"})
    assert revoked.json()["status"] == "REVOKED"
    assert client.post(f"/officer/certificates/{cert_id}/revoke", headers=OFFICER,
                       json={"reason": "again"}).status_code == 200
    after = client.get(local(url) + "&format=json").json()
    assert after["status"] == "REVOKED" and after["revoke_reason"] == "wrong income"
    assert "REVOKED" in client.get(local(url)).text
    gone = client.get(f"/applications/{issued['id']}/certificate", params={"phone": PHONE})
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "certificate_revoked"
    assert client.post("/officer/certificates/CERT-2000-000001/revoke", headers=OFFICER,
                       json={"reason": "x"}).status_code == 404


def test_offline_verification_with_only_the_public_key(client, issued, tmp_path, capsys):
    pem = client.get("/verify/public-key")
    public_key = tmp_path / "public.pem"
    public_key.write_text(pem.text)
    url = issued["certificate"]["verify_url"]
    assert cli.main(["verify-certificate", url, "--public-key", str(public_key)]) == 0
    assert capsys.readouterr().out.startswith("VALID")
    forged = "http://testserver" + tamper(url, "n", "Someone Else")
    assert cli.main(["verify-certificate", forged, "--public-key", str(public_key)]) == 1
    assert capsys.readouterr().out.startswith("INVALID (bad_signature)")


def test_signature_covers_every_field():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Signer(Ed25519PrivateKey.generate())
    fields = {"v": "1", "c": "CERT-2025-000001", "a": "APP-2025-000001", "s": "income_certificate",
              "n": "रवि कुमार", "d": "2025-01-05", "h": "abc", "k": key.key_id}
    signature = key.sign(canonical(fields))
    assert check_signature(fields, signature, key).valid
    for name, value in fields.items():
        if name in ("v", "k"):
            continue
        changed = dict(fields, **{name: value + "x"})
        assert check_signature(changed, signature, key).reason == "bad_signature"


def _render(renderer: CertificateRenderer, catalogue, language: str, holder: str) -> bytes:
    service = catalogue.services["income_certificate"]
    return renderer.render(
        language=language,
        certificate_id="CERT-2025-000001",
        application_id="APP-2025-000001",
        service=service,
        department_name=catalogue.department("revenue").name,
        holder=holder,
        issued_on=date(2025, 1, 5),
        rows=[DetailRow("పేరు", "Name", holder), DetailRow("", "Annual income", "₹1,20,000")],
        verify_url="http://testserver/verify?v=1&c=CERT-2025-000001&sig=x",
        key_id="abcd1234",
    )


def _without_dates(pdf: bytes) -> bytes:
    """Drop the creation time and the file id fpdf2 derives from it."""
    pdf = re.sub(rb"/CreationDate \(D:[^)]*\)", b"", pdf)
    return re.sub(rb"/ID \[<[0-9A-Fa-f]*><[0-9A-Fa-f]*>\]", b"", pdf)


@pytest.mark.parametrize("language,holder", [("te", "రవి కుమార్"), ("hi", "रवि कुमार"), ("en", "Ravi Kumar"),
                                             ("hi", "Ravi రవి रवि")])
def test_font_reuse_gives_the_same_pdf_as_plain_add_font(renderer, catalogue, language, holder):
    fast = _render(renderer, catalogue, language, holder)
    plain_renderer = CertificateRenderer(renderer.font_dir, renderer.cache_dir)
    plain_renderer.reuse_fonts = False
    plain = _render(plain_renderer, catalogue, language, holder)
    assert fast.startswith(b"%PDF-")
    assert _without_dates(fast) == _without_dates(plain)


def test_certificate_details_are_in_the_register_copy(client, submit):
    app = pay_fee(client, submit(language="hi", fields=income_fields(applicant_name="सीता राम")))
    body = client.post(f"/officer/applications/{app['id']}/approve", headers=OFFICER).json()
    fields, _ = fields_from_url(body["certificate"]["verify_url"])
    assert fields["n"] == "सीता राम"
    pdf = client.get(f"/applications/{app['id']}/certificate", params={"phone": PHONE}).content
    assert len(pdf) < 150_000  # fonts are subset


def test_indian_rupees():
    from sahaya.backend.certificates import indian_rupees

    assert [indian_rupees(x) for x in ("0", "999", "1000", "120000", "12345678", "1500.50")] == [
        "₹0", "₹999", "₹1,000", "₹1,20,000", "₹1,23,45,678", "₹1,500.50"]
