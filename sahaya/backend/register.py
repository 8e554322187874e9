"""The tamper-evident register: a hash chain of certificate issues and revocations.

entry_hash = sha256(canonical JSON of {seq, at, action, certificate_id,
application_id, document_hash, prev_hash}); prev_hash is the previous entry's
entry_hash (64 zeros for the first). Each entry_hash is also signed with the
certificate key, so editing an entry and recomputing every later hash is still
caught without the private key. The head row (last seq and hash) catches a
deleted tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import iso, utcnow
from .ids import insert_ignore
from .models import RegisterEntry, RegisterHead
from .signing import Signer, Verifier

GENESIS = "0" * 64
ACTIONS = ("issue", "revoke")


class EntryLike(Protocol):
    seq: int
    at: str
    action: str
    certificate_id: str
    application_id: str
    document_hash: str
    prev_hash: str
    entry_hash: str
    signature: str


def compute_entry_hash(
    *,
    seq: int,
    at: str,
    action: str,
    certificate_id: str,
    application_id: str,
    document_hash: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": at,
            "action": action,
            "certificate_id": certificate_id,
            "application_id": application_id,
            "document_hash": document_hash,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    session: Session,
    signer: Signer,
    *,
    action: str,
    certificate_id: str,
    application_id: str,
    document_hash: str,
) -> RegisterEntry:
    """Append in the caller's transaction; the head row lock serialises appends."""
    if action not in ACTIONS:
        raise ValueError(f"unknown register action {action!r}")
    insert_ignore(
        session, RegisterHead.__table__, {"id": 1, "seq": 0, "entry_hash": GENESIS}, ["id"]
    )
    head = session.execute(
        select(RegisterHead)
        .where(RegisterHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    seq = head.seq + 1
    at = iso(utcnow())
    entry_hash = compute_entry_hash(
        seq=seq,
        at=at,
        action=action,
        certificate_id=certificate_id,
        application_id=application_id,
        document_hash=document_hash,
        prev_hash=head.entry_hash,
    )
    entry = RegisterEntry(
        seq=seq,
        at=at,
        action=action,
        certificate_id=certificate_id,
        application_id=application_id,
        document_hash=document_hash,
        prev_hash=head.entry_hash,
        entry_hash=entry_hash,
        signature=signer.sign(bytes.fromhex(entry_hash)),
    )
    session.add(entry)
    head.seq = seq
    head.entry_hash = entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"register OK: {self.checked} entries, chain and signatures intact"
        where = f"entry {self.first_bad_seq}" if self.first_bad_seq is not None else "register"
        return f"register BROKEN at {where}: {self.reason} ({self.checked} entries checked)"


def verify_chain(
    entries: Iterable[EntryLike],
    verifier: Verifier | None = None,
    head: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk the chain in seq order and name the first entry that does not hold."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, f"entry {expected_seq} is missing (found {entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(False, checked, entry.seq, "prev_hash does not match the entry before")
        recomputed = compute_entry_hash(
            seq=entry.seq,
            at=entry.at,
            action=entry.action,
            certificate_id=entry.certificate_id,
            application_id=entry.application_id,
            document_hash=entry.document_hash,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            return ChainReport(False, checked, entry.seq, "contents do not match entry_hash")
        if verifier is not None and not verifier.verify(
            bytes.fromhex(entry.entry_hash), entry.signature
        ):
            return ChainReport(False, checked, entry.seq, "signature does not verify")
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    if head is not None:
        head_seq, head_hash = head
        if head_seq != checked or head_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                checked + 1 if head_seq > checked else head_seq,
                f"register head says {head_seq} entries ending {head_hash[:12]}…, "
                f"chain has {checked} ending {prev_hash[:12]}… (entries removed?)",
            )
    return ChainReport(True, checked)


def verify_database(session: Session, verifier: Verifier | None) -> ChainReport:
    entries = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
    head_row = session.get(RegisterHead, 1)
    head = (head_row.seq, head_row.entry_hash) if head_row else (0, GENESIS)
    return verify_chain(entries, verifier, head)
