"""Concurrency against a real server and a file-backed database (or PostgreSQL).

200 parallel submissions with repeated idempotency keys file exactly one
application per key; 100 parallel bookings never take more seats than a slot has.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from sahaya.backend.clock import today_ist
from sahaya.backend.models import Application, Booking, DarshanSlot, Payment

from .helpers import PHONE, income_fields

pytestmark = pytest.mark.slow


def run_together(calls):
    """Start every call at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_200_parallel_submissions_file_once_per_key(live_server, backend):
    keys = [f"key-{n}" for n in range(40)]
    requested = keys * 5
    random.Random(4).shuffle(requested)
    url = f"{live_server.url}/applications"
    body = {"service": "income_certificate", "phone": PHONE, "language": "te", "fields": income_fields()}

    def submit(key):
        return lambda: requests.post(url, json=body, headers={"Idempotency-Key": key}, timeout=60)

    results = run_together([submit(k) for k in requested])
    errors = [r for r in results if isinstance(r, Exception) or r.status_code not in (200, 201)]
    assert not errors, errors[:3]
    ids_per_key = defaultdict(set)
    for key, response in zip(requested, results):
        ids_per_key[key].add(response.json()["id"])
    assert all(len(ids) == 1 for ids in ids_per_key.values())
    assert len({next(iter(ids)) for ids in ids_per_key.values()}) == 40
    assert sum(r.status_code == 201 for r in results) == 40
    with backend.sessions() as session:
        assert session.execute(select(func.count(Application.id))).scalar_one() == 40
        assert session.execute(select(func.count(Payment.id))).scalar_one() == 40  # one fee each
        numbers = sorted(int(i[-6:]) for i in session.execute(select(Application.public_id)).scalars())
    assert numbers == list(range(1, 41))  # no gaps, no duplicates


def test_100_parallel_bookings_never_overbook(live_server, backend):
    capacity = backend.settings.darshan_capacity  # 10 persons in the test settings
    day = (today_ist() + timedelta(days=5)).isoformat()
    url = f"{live_server.url}/bookings"
    rng = random.Random(7)
    plan = [("morning", 1)] * 50 + [("evening", rng.randint(1, 3)) for _ in range(50)]
    rng.shuffle(plan)

    def book(slot, persons, n):
        body = {"phone": f"9100000{n:05d}", "temple": "srisailam", "date": day, "slot": slot, "persons": persons}
        return lambda: requests.post(url, json=body, timeout=60)

    results = run_together([book(s, p, n) for n, (s, p) in enumerate(plan)])
    assert all(not isinstance(r, Exception) for r in results), [r for r in results if isinstance(r, Exception)][:3]
    assert {r.status_code for r in results} <= {201, 409}
    assert all(r.json()["error"]["code"] == "capacity_full" for r in results if r.status_code == 409)
    confirmed = defaultdict(int)
    for (slot, persons), response in zip(plan, results):
        if response.status_code == 201:
            confirmed[slot] += persons
    assert confirmed["morning"] == capacity  # one seat each: the slot fills exactly
    assert capacity - 2 <= confirmed["evening"] <= capacity
    with backend.sessions() as session:
        slots = {s.slot: s for s in session.execute(select(DarshanSlot)).scalars()}
        seats = dict(session.execute(
            select(Booking.slot, func.sum(Booking.persons)).where(Booking.status == "confirmed").group_by(Booking.slot)
        ).all())
    for slot in ("morning", "evening"):
        assert slots[slot].booked == seats[slot] == confirmed[slot] <= slots[slot].capacity
