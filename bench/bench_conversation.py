"""Turn latency over a full application conversation, and how many turns a
citizen needs to reach the first form question by free text versus by menus.

Starts the real stack (backend on SQLite, action server, Rasa with
models/sahaya.tar.gz) on free ports, like tests/conversations.

    .venv/bin/python bench/bench_conversation.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions import menu_state  # noqa: E402
from sahaya.catalogue import catalogue  # noqa: E402
from tests.conversations.conftest import Stack  # noqa: E402

# A full income-certificate application in English: 12 turns.
CONVERSATION = [
    "hi", "3", "I want to apply for an income certificate",
    "Anil Reddy", "1", "Venkat Reddy", "234567890124", "4",
    "Door 7-1, MG Road, Guntur", "522001", "150000", "Scholarship",
]
TEN_SERVICES = [
    "income_certificate", "caste_certificate", "birth_certificate", "ration_card", "driving_licence",
    "old_age_pension", "trade_licence", "temple_darshan", "electricity_bill", "property_tax",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def menu_path(code: str) -> list[str]:
    """The digits a citizen sends from "hi" to the service's Apply option."""
    cat = catalogue()
    service = cat.service(code)
    path = ["hi", "3"]  # greeting, then English from the language menu
    state = menu_state.with_options(menu_state.new_state("main"), cat)
    while f"dept:{service.department}" not in state["options"]:
        path.append(str(state["options"].index("nav:more") + 1))
        state = menu_state.with_options(menu_state.choose(state, "nav:more", cat), cat)
    path.append(str(state["options"].index(f"dept:{service.department}") + 1))
    state = menu_state.with_options(menu_state.choose(state, f"dept:{service.department}", cat), cat)
    while f"svc:{code}" not in state["options"]:
        path.append(str(state["options"].index("nav:more") + 1))
        state = menu_state.with_options(menu_state.choose(state, "nav:more", cat), cat)
    path.append(str(state["options"].index(f"svc:{code}") + 1))
    path.append("1")  # Apply / Pay / Book
    return path


def turns_to_first_question(stack: Stack, sender: str, messages: list[str]) -> int | None:
    for turn, message in enumerate(messages, start=1):
        stack.say(sender, message)
        if stack.slot(sender, "requested_slot"):
            return turn
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    stack = Stack(Path(tempfile.mkdtemp(prefix="sahaya-bench-")))
    started = time.perf_counter()
    stack.start()
    print(f"stack up in {time.perf_counter() - started:.1f} s")
    try:
        stack.say("warm-up", "hi")
        latencies: list[float] = []
        for run in range(args.runs):
            sender = f"9198760{run:05d}"
            for message in CONVERSATION:
                t0 = time.perf_counter()
                stack.say(sender, message)
                latencies.append((time.perf_counter() - t0) * 1000)
        print(f"\n{len(CONVERSATION)}-turn application conversation × {args.runs}: "
              f"turn latency median {statistics.median(latencies):.0f} ms, "
              f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms")

        print("\nturns to the first form question")
        print(f"{'service':24} {'free text':>9} {'menus':>6}")
        for i, code in enumerate(TEN_SERVICES):
            service = catalogue().service(code)
            free = turns_to_first_question(stack, f"9198761{i:05d}", [f"I want {service.name['en']}"])
            menus = turns_to_first_question(stack, f"9198762{i:05d}", menu_path(code))
            print(f"{code:24} {free!s:>9} {menus!s:>6}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
