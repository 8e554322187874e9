"""The tamper-evident register: properties of the chain, and the CLI on a real database."""

from __future__ import annotations

import dataclasses

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from sahaya.backend import cli
from sahaya.backend.register import GENESIS, compute_entry_hash, verify_chain
from sahaya.backend.signing import Signer

from .helpers import OFFICER, pay_fee

SIGNER = Signer(Ed25519PrivateKey.generate())


@dataclasses.dataclass
class Entry:
    seq: int
    at: str
    action: str
    certificate_id: str
    application_id: str
    document_hash: str
    prev_hash: str
    entry_hash: str = ""
    signature: str = ""


def build_chain(items) -> list[Entry]:
    chain: list[Entry] = []
    prev = GENESIS
    for seq, (action, cert, doc) in enumerate(items, start=1):
        entry = Entry(seq, f"2025-01-01T00:00:{seq % 60:02d}Z", action, cert, "APP-2025-000001", doc, prev)
        entry.entry_hash = compute_entry_hash(**{k: v for k, v in dataclasses.asdict(entry).items()
                                                 if k not in ("entry_hash", "signature")})
        entry.signature = SIGNER.sign(bytes.fromhex(entry.entry_hash))
        chain.append(entry)
        prev = entry.entry_hash
    return chain


items = st.lists(
    st.tuples(st.sampled_from(["issue", "revoke"]),
              st.from_regex(r"CERT-20[0-9]{2}-[0-9]{6}", fullmatch=True),
              st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    min_size=1, max_size=25,
)
MUTABLE = ["at", "action", "certificate_id", "application_id", "document_hash", "prev_hash", "entry_hash",
           "signature"]


@settings(max_examples=60, deadline=None)
@given(items)
def test_an_untouched_chain_verifies(entries):
    chain = build_chain(entries)
    report = verify_chain(chain, SIGNER, head=(len(chain), chain[-1].entry_hash))
    assert report.ok and report.checked == len(chain)


@settings(max_examples=120, deadline=None)
@given(items, st.data())
def test_any_edit_is_caught_at_the_edited_entry(entries, data):
    chain = build_chain(entries)
    head = (len(chain), chain[-1].entry_hash)
    victim = data.draw(st.integers(0, len(chain) - 1))
    name = data.draw(st.sampled_from(MUTABLE))
    old = getattr(chain[victim], name)
    new = data.draw(st.text(min_size=1, max_size=70).filter(lambda s: s != old))
    setattr(chain[victim], name, new)
    report = verify_chain(chain, SIGNER, head=head)
    assert not report.ok
    assert report.first_bad_seq == victim + 1


@settings(max_examples=60, deadline=None)
@given(items, st.data())
def test_deleting_an_entry_is_caught(entries, data):
    chain = build_chain(entries)
    head = (len(chain), chain[-1].entry_hash)
    victim = data.draw(st.integers(0, len(chain) - 1))
    del chain[victim]
    report = verify_chain(chain, SIGNER, head=head)
    assert not report.ok and report.first_bad_seq == victim + 1


@settings(max_examples=40, deadline=None)
@given(items, st.data())
def test_rewriting_the_rest_of_the_chain_needs_the_key(entries, data):
    """Edit an entry and recompute every later hash: the signatures still give it away."""
    chain = build_chain(entries)
    victim = data.draw(st.integers(0, len(chain) - 1))
    chain[victim].certificate_id = "CERT-FORGED"
    prev = chain[victim].prev_hash
    for entry in chain[victim:]:
        entry.prev_hash = prev
        entry.entry_hash = compute_entry_hash(**{k: v for k, v in dataclasses.asdict(entry).items()
                                                 if k not in ("entry_hash", "signature")})
        prev = entry.entry_hash
    report = verify_chain(chain, SIGNER, head=(len(chain), prev))
    assert report.first_bad_seq == victim + 1 and "signature" in report.reason


def test_register_in_the_database_and_the_cli(client, submit, settings, capsys, monkeypatch):
    ids = [pay_fee(client, submit())["id"] for _ in range(3)]
    certs = [client.post(f"/officer/applications/{i}/approve", headers=OFFICER).json()["certificate"]["id"]
             for i in ids]
    client.post(f"/officer/certificates/{certs[1]}/revoke", headers=OFFICER, json={"reason": "error"})
    args = ["verify-register", "--database-url", settings.database_url]
    monkeypatch.setenv("SAHAYA_SIGNING_KEY_PATH", str(settings.signing_key_path))
    assert cli.main(args) == 0
    assert "register OK: 4 entries" in capsys.readouterr().out
    assert client.get("/officer/register/verify", headers=OFFICER).json()["ok"] is True

    from sqlalchemy import create_engine

    engine = create_engine(settings.database_url, future=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE register_entries SET certificate_id = 'CERT-2099-999999' WHERE seq = 2"))
    engine.dispose()
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "BROKEN at entry 2" in out and "entry_hash" in out
    report = client.get("/officer/register/verify", headers=OFFICER).json()
    assert report["ok"] is False and report["first_bad_seq"] == 2
