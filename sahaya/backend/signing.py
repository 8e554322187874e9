"""Ed25519 keys and the signed certificate record carried by the QR code.

The QR encodes a verification URL whose query holds the certificate's
canonical fields and a signature over them, so anyone with the public key can
check a certificate offline; the online page adds revocation and the details.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# Short query keys keep the QR code small.
CERT_KEYS = ("v", "c", "a", "s", "n", "d", "h", "k")
CERT_KEY_NAMES = {
    "v": "format version",
    "c": "certificate id",
    "a": "application id",
    "s": "service",
    "n": "holder name",
    "d": "issued on",
    "h": "details digest",
    "k": "key id",
}
FORMAT_VERSION = "1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("not an Ed25519 public key")
    return key


def generate_private_key_file(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def load_private_key_file(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 private key")
    return key


class Verifier:
    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key
        self.key_id = key_id_of(public_key)

    def verify(self, data: bytes, signature_b64: str) -> bool:
        try:
            self.public_key.verify(b64url_decode(signature_b64), data)
            return True
        except (InvalidSignature, ValueError, TypeError):
            return False

    def public_pem(self) -> bytes:
        return public_pem(self.public_key)


class Signer(Verifier):
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        super().__init__(private_key.public_key())
        self.private_key = private_key

    @classmethod
    def load_or_create(cls, path: Path) -> Signer:
        if not path.exists():
            try:
                return cls(generate_private_key_file(path))
            except FileExistsError:
                pass
        return cls(load_private_key_file(path))

    def sign(self, data: bytes) -> str:
        return b64url(self.private_key.sign(data))


# --- the certificate record -----------------------------------------------------

def details_digest(details: Mapping[str, object]) -> str:
    """16-byte SHA-256 prefix of the certificate's details (all its fields)."""
    blob = json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return b64url(hashlib.sha256(blob.encode()).digest()[:16])


def canonical(fields: Mapping[str, str]) -> bytes:
    """The signed bytes: JSON of the fixed keys, sorted, no spaces, UTF-8."""
    return json.dumps(
        {k: str(fields[k]) for k in CERT_KEYS}, sort_keys=True, ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def document_hash(fields: Mapping[str, str]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def verification_url(public_url: str, fields: Mapping[str, str], signature: str) -> str:
    query = [(k, str(fields[k])) for k in CERT_KEYS] + [("sig", signature)]
    return f"{public_url.rstrip('/')}/verify?{urlencode(query)}"


def fields_from_query(query: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    fields = {k: query[k] for k in CERT_KEYS if k in query}
    return fields, query.get("sig")


def fields_from_url(url: str) -> tuple[dict[str, str], str | None]:
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    return fields_from_query(query)


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    reason: str  # ok | missing_fields | unknown_key | bad_signature | unsupported_version


def check_signature(
    fields: Mapping[str, str], signature: str | None, verifier: Verifier
) -> SignatureCheck:
    if not signature or any(k not in fields for k in CERT_KEYS):
        return SignatureCheck(False, "missing_fields")
    if fields["v"] != FORMAT_VERSION:
        return SignatureCheck(False, "unsupported_version")
    if fields["k"] != verifier.key_id:
        return SignatureCheck(False, "unknown_key")
    if not verifier.verify(canonical(fields), signature):
        return SignatureCheck(False, "bad_signature")
    return SignatureCheck(True, "ok")
