"""Ours vs Rasa's default pipeline on the same held-out set, in one run.

    python bench/bench_nlu_baseline.py [--model models/sahaya.tar.gz] [--skip-train]

Trains bench/baseline_config.yml (the `rasa init` pipeline) on data/nlu into
results/baseline, evaluates both models with sahaya/evaluate.py and prints
the per-bucket table side by side, for the held-out set and the blind set.
Reports go to results/baseline/<set>/{ours,default}/, the markdown tables to
results/baseline/comparison-<set>.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sahaya import evaluate

ENTITIES = evaluate.TABLE_ENTITIES
SHORT = {"service": "service", "application_id": "app_id", "number": "number", "info_topic": "topic"}


def _f(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def side_by_side(ours: dict, base: dict) -> str:
    cols = ["int acc", "macro F1"] + [SHORT[e] for e in ENTITIES]
    header = f"{'bucket':<14}{'n':>5}  " + "  ".join(f"{c + ' ours/base':>19}" for c in cols)
    lines = [header, "-" * len(header)]
    for bucket, mine in ours["buckets"].items():
        theirs = base["buckets"].get(bucket)
        if theirs is None:
            continue
        pairs = [
            (mine["accuracy"], theirs["accuracy"]),
            (mine["macro_f1"], theirs["macro_f1"]),
        ] + [
            (mine["entities"][e]["accuracy"], theirs["entities"][e]["accuracy"])
            for e in ENTITIES
        ]
        cells = []
        for a, b in pairs:
            mark = "*" if a is not None and b is not None and a > b else " "
            cells.append(f"{_f(a)} / {_f(b)}{mark}".rjust(19))
        lines.append(f"{bucket:<14}{mine['n']:>5}  " + "  ".join(cells))
    lines.append("* = ours better. Entity accuracy over examples whose gold has the entity.")
    counts = "  ".join(
        f"{e}: n={ours['buckets']['overall']['entities'][e]['n']}, false positives "
        f"ours {ours['buckets']['overall']['entities'][e]['false_positives']} / "
        f"base {base['buckets']['overall']['entities'][e]['false_positives']}"
        for e in ENTITIES
    )
    lines.append(counts)
    return "\n".join(lines)


def markdown(ours: dict, base: dict) -> str:
    head = "| bucket | n | intent acc ours | base | macro F1 ours | base | " + " | ".join(
        f"{SHORT[e]} ours | base" for e in ENTITIES
    ) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for bucket, mine in ours["buckets"].items():
        theirs = base["buckets"][bucket]
        cells = [bucket, str(mine["n"])]
        for key in ("accuracy", "macro_f1"):
            cells += [_f(mine[key]), _f(theirs[key])]
        for e in ENTITIES:
            cells += [_f(mine["entities"][e]["accuracy"]), _f(theirs["entities"][e]["accuracy"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "sahaya.tar.gz"))
    parser.add_argument("--config", default=str(ROOT / "bench" / "baseline_config.yml"))
    parser.add_argument("--nlu", default=str(ROOT / "data" / "nlu"))
    parser.add_argument("--heldout", action="append",
                        help="held-out directories (default: tests/nlu_heldout and the blind set tests/nlu_blind)")
    parser.add_argument("--out", default=str(ROOT / "results" / "baseline"))
    parser.add_argument("--skip-train", action="store_true", help="reuse results/baseline/baseline.tar.gz")
    args = parser.parse_args()
    evaluate._quiet_logs()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    baseline_model = out / "baseline.tar.gz"
    if args.skip_train and baseline_model.exists():
        print(f"reusing {baseline_model}")
    else:
        print(f"training the baseline ({args.config}) on {args.nlu} ...", flush=True)
        seconds = evaluate.train_nlu(Path(args.config), Path(args.nlu), out, "baseline")
        print(f"baseline trained in {seconds / 60:.1f} min", flush=True)

    started = time.perf_counter()
    for heldout in map(Path, args.heldout or [ROOT / "tests" / "nlu_heldout", ROOT / "tests" / "nlu_blind"]):
        ours = evaluate.evaluate_model(Path(args.model), heldout, out / heldout.name / "ours", label="sahaya")
        base = evaluate.evaluate_model(baseline_model, heldout, out / heldout.name / "default", label="baseline")
        print(f"\n== side by side on {heldout.name}: ours ({args.model}) / baseline (rasa init pipeline) ==")
        print(side_by_side(ours, base))
        table = out / f"comparison-{heldout.name}.md"
        table.write_text(markdown(ours, base) + "\n", encoding="utf-8")
        print(f"markdown table: {table}")
    print(f"\nevaluation {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
