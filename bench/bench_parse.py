"""Latency of POST /model/parse on a warm `rasa run --enable-api` server.

    python bench/bench_parse.py [--model models/sahaya.tar.gz] [-n 300] [--train]

Starts the server on a free port with an empty endpoints file (no action
server, in-memory tracker store) and REST-only credentials, waits until the
model is loaded, warms up, sends `-n` parse requests one after another with
held-out texts of every bucket, prints p50/p95/max and stops the server.
Targets (issue 3): p50 < 30 ms, p95 < 60 ms. With --train it first times
`rasa train --force` (what `make train` runs) into a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RASA = Path(sys.executable).with_name("rasa")
P50_TARGET_MS = 30.0
P95_TARGET_MS = 60.0


def env() -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def rasa_command() -> str:
    return str(RASA) if RASA.exists() else "rasa"


def time_training() -> float:
    out = Path(tempfile.mkdtemp(prefix="sahaya-train-"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [rasa_command(), "train", "--force", "--fixed-model-name", "sahaya", "--out", str(out)],
            cwd=ROOT, env=env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_texts(heldout: Path, n: int, seed: int = 7) -> list[str]:
    """Held-out texts, the buckets interleaved so every one is represented."""
    import yaml

    by_file = {}
    for path in sorted(heldout.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts = []
        for item in content.get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(strip_annotations(line[2:]))
        by_file[path.name] = texts
    rng = random.Random(seed)
    for texts in by_file.values():
        rng.shuffle(texts)
    mixed = [t for group in zip(*by_file.values()) for t in group]
    while len(mixed) < n:
        mixed += mixed
    return mixed[:n]


def strip_annotations(text: str) -> str:
    """'[seven]{"entity": "number", "value": "7"} please' → 'seven please'."""
    import re

    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)


def start_server(model: Path, port: int, workdir: Path) -> subprocess.Popen:
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text("# empty: no action server, in-memory tracker store\n", encoding="utf-8")
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    log = open(workdir / "server.log", "w", encoding="utf-8")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [
            rasa_command(), "run", "--enable-api", "--model", str(model),
            "--port", str(port), "--interface", "127.0.0.1",
            "--endpoints", str(endpoints), "--credentials", str(credentials),
        ],
        cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(session: requests.Session, base: str, server: subprocess.Popen, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            status = session.get(f"{base}/status", timeout=2)
            if status.ok and status.json().get("model_file"):
                return time.perf_counter() - started
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the session we started, nothing else
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "sahaya.tar.gz"))
    parser.add_argument("--heldout", default=str(ROOT / "tests" / "nlu_heldout"))
    parser.add_argument("-n", "--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--train", action="store_true", help="also time `rasa train --force`")
    args = parser.parse_args()

    if args.train:
        print("timing `rasa train --force` (make train) ...", flush=True)
        seconds = time_training()
        verdict = "OK" if seconds < 600 else "over the 10 min target"
        print(f"make train: {seconds:.0f} s ({seconds / 60:.1f} min) - {verdict}", flush=True)

    model = Path(args.model)
    if not model.exists():
        print(f"model not found: {model} (run make train)")
        return 2
    texts = sample_texts(Path(args.heldout), args.requests + args.warmup)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="sahaya-bench-"))
    server = start_server(model, port, workdir)
    session = requests.Session()
    try:
        ready = wait_ready(session, base, server, args.timeout)
        print(f"server ready on port {port} after {ready:.1f} s")
        for text in texts[: args.warmup]:
            session.post(f"{base}/model/parse", json={"text": text}, timeout=10).raise_for_status()
        latencies = []
        for text in texts[args.warmup :]:
            started = time.perf_counter()
            response = session.post(f"{base}/model/parse", json={"text": text}, timeout=10)
            latencies.append(1000 * (time.perf_counter() - started))
            response.raise_for_status()
    except Exception:
        print((workdir / "server.log").read_text(encoding="utf-8")[-3000:])
        raise
    finally:
        session.close()
        stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"/model/parse over {len(latencies)} requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(latencies):.1f} ms, mean {statistics.mean(latencies):.1f} ms"
    )
    ok = p50 < P50_TARGET_MS and p95 < P95_TARGET_MS
    print(
        f"targets p50 < {P50_TARGET_MS:.0f} ms, p95 < {P95_TARGET_MS:.0f} ms: "
        + ("met" if ok else "NOT met")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
