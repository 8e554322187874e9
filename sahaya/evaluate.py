"""Held-out NLU evaluation, per bucket, and the fallback threshold by CV.

    python -m sahaya.evaluate --model models/sahaya.tar.gz \\
        --heldout tests/nlu_heldout --out results/nlu --min-f1 0.90
    python -m sahaya.evaluate cv-threshold --folds 3

Buckets come from the held-out file names (docs/nlu-evaluation.md):
`en.yml` → en, `hi.yml` → hi, `hi-romanized.yml` → hi-romanized,
`*-mixed.yml` → mixed, `*-speech.yml` → speech.

Scoring rules:
* a prediction of `nlu_fallback` (or no intent) is wrong;
* macro F1 averages over the gold intents of the bucket, so a fallback
  lowers the recall of the gold intent without adding an empty class;
* an entity is correct on an example when the set of predicted values for
  that entity equals the gold set; accuracy is over examples whose gold
  annotation has the entity, false positives over the examples without it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FALLBACK = "nlu_fallback"
NO_INTENT = "<none>"
BUCKETS = ["en", "hi", "hi-romanized", "te", "te-romanized", "mixed", "speech"]
OVERALL = "overall"
TABLE_ENTITIES = ["service", "application_id", "number", "info_topic"]
LANGUAGES = ("te", "hi", "en")
ROOT = Path(__file__).resolve().parent.parent

logger = logging.getLogger(__name__)


@dataclass
class Example:
    text: str
    intent: str
    entities: list[tuple[str, str]]
    language: str | None
    bucket: str
    source: str = ""


@dataclass
class Prediction:
    intent: str
    confidence: float
    entities: list[tuple[str, str]]
    # The classifier's own top intent when FallbackClassifier replaced it.
    raw_intent: str = NO_INTENT
    raw_confidence: float = 0.0
    margin: float = 1.0  # top-1 minus top-2 confidence of the raw ranking
    language: str | None = None
    ranking: list[tuple[str, float]] = field(default_factory=list)
    # (entity, value, extractor, matched text) for error analysis
    spans: list[tuple[str, str, str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------
# Loading held-out data
# --------------------------------------------------------------------------


def bucket_of(stem: str) -> str:
    """'en' → en, 'hi-romanized' → hi-romanized, 'te-mixed' → mixed,
    'en-speech' → speech; anything else keeps its own name."""
    lang, _, kind = stem.partition("-")
    if not kind:
        return lang
    if kind == "romanized":
        return f"{lang}-romanized"
    if kind in ("mixed", "speech"):
        return kind
    return stem


def _message_language(message: Any) -> str | None:
    metadata = message.get("metadata") or {}
    for part in (metadata.get("example"), metadata.get("intent")):
        if isinstance(part, dict) and part.get("language") in LANGUAGES:
            return part["language"]
    return None


def load_file(path: Path, bucket: str | None = None) -> list[Example]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    stem = path.name.split(".")[0]
    bucket = bucket or bucket_of(stem)
    fallback_lang = stem.split("-")[0] if stem.split("-")[0] in LANGUAGES else None
    examples = []
    for message in data.intent_examples:
        entities = [
            (str(e["entity"]), str(e.get("value", "")))
            for e in message.get("entities") or []
        ]
        examples.append(
            Example(
                text=message.get("text"),
                intent=message.get("intent"),
                entities=entities,
                language=_message_language(message) or fallback_lang,
                bucket=bucket,
                source=path.name,
            )
        )
    return examples


def load_heldout(directory: Path) -> list[Example]:
    files = sorted(Path(directory).glob("*.yml")) + sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise SystemExit(f"no held-out files in {directory}")
    examples: list[Example] = []
    for path in files:
        examples.extend(load_file(path))
    return examples


# --------------------------------------------------------------------------
# Parsing with a trained model
# --------------------------------------------------------------------------


def to_prediction(parsed: dict[str, Any]) -> Prediction:
    intent = parsed.get("intent") or {}
    name = intent.get("name") or NO_INTENT
    ranking = [
        (r.get("name"), float(r.get("confidence") or 0.0))
        for r in parsed.get("intent_ranking") or []
        if r.get("name")
    ]
    raw = [r for r in ranking if r[0] != FALLBACK]
    if name != FALLBACK:
        raw_intent, raw_conf = name, float(intent.get("confidence") or 0.0)
    elif raw:
        raw_intent, raw_conf = raw[0]
    else:
        raw_intent, raw_conf = NO_INTENT, 0.0
    others = [c for n, c in raw if n != raw_intent]
    margin = raw_conf - (others[0] if others else 0.0)
    entities = [
        (str(e.get("entity")), str(e.get("value")))
        for e in parsed.get("entities") or []
    ]
    text = parsed.get("text") or ""
    spans = [
        (
            str(e.get("entity")),
            str(e.get("value")),
            str(e.get("extractor")),
            text[e["start"] : e["end"]] if isinstance(e.get("start"), int) else "",
        )
        for e in parsed.get("entities") or []
    ]
    return Prediction(
        spans=spans,
        intent=name,
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        raw_intent=raw_intent,
        raw_confidence=raw_conf,
        margin=margin,
        language=parsed.get("language_detected"),
        ranking=ranking[:3],
    )


def load_agent(model_path: Path) -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    from rasa.core.agent import Agent

    if not Path(model_path).exists():
        raise SystemExit(f"model not found: {model_path}")
    return Agent.load(str(model_path))


def parse_texts(agent: Any, texts: Sequence[str]) -> list[Prediction]:
    """Parses every text with one event loop (sequentially: the graph is CPU
    bound, concurrency would only interleave)."""

    async def run() -> list[Prediction]:
        out = []
        for text in texts:
            out.append(to_prediction(await agent.parse_message(text)))
        return out

    return asyncio.run(run())


def predict(model_path: Path, examples: Sequence[Example]) -> tuple[list[Prediction], dict[str, float]]:
    started = time.perf_counter()
    agent = load_agent(model_path)
    loaded = time.perf_counter()
    predictions = parse_texts(agent, [e.text for e in examples])
    done = time.perf_counter()
    timing = {
        "load_s": round(loaded - started, 2),
        "parse_s": round(done - loaded, 2),
        "ms_per_example": round(1000 * (done - loaded) / max(1, len(examples)), 2),
    }
    return predictions, timing


# --------------------------------------------------------------------------
# Metrics (pure functions; tests/test_evaluate.py)
# --------------------------------------------------------------------------


def predicted_label(prediction: Prediction) -> str:
    return prediction.intent or NO_INTENT


def intent_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import precision_recall_fscore_support

    n = len(gold)
    if n == 0:
        return {"n": 0, "accuracy": None, "macro_f1": None, "per_intent": {}}
    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(
        gold, pred, labels=labels, average=None, zero_division=0
    )
    per_intent = {
        label: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, label in enumerate(labels)
    }
    correct = sum(g == q for g, q in zip(gold, pred))
    return {
        "n": n,
        "accuracy": correct / n,
        "macro_f1": float(sum(f) / len(labels)),
        "fallbacks": sum(q == FALLBACK for q in pred),
        "per_intent": per_intent,
    }


def entity_metrics(
    examples: Sequence[Example], predictions: Sequence[Prediction], entity: str
) -> dict[str, Any]:
    n = correct = fp = without = 0
    for example, prediction in zip(examples, predictions):
        gold = {v for e, v in example.entities if e == entity}
        got = {v for e, v in prediction.entities if e == entity}
        if gold:
            n += 1
            correct += gold == got
        else:
            without += 1
            fp += bool(got)
    return {
        "n": n,
        "correct": correct,
        "accuracy": correct / n if n else None,
        "n_without": without,
        "false_positives": fp,
        "fp_rate": fp / without if without else None,
    }


def language_id_metrics(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> dict[str, Any]:
    pairs = [
        (e.language, p.language)
        for e, p in zip(examples, predictions)
        if e.language and p.language
    ]
    if not pairs:
        return {"n": 0, "accuracy": None}
    return {"n": len(pairs), "accuracy": sum(g == q for g, q in pairs) / len(pairs)}


def group_metrics(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> dict[str, Any]:
    gold = [e.intent for e in examples]
    pred = [predicted_label(p) for p in predictions]
    result = intent_metrics(gold, pred)
    entity_names = sorted({e for ex in examples for e, _ in ex.entities} | set(TABLE_ENTITIES))
    result["entities"] = {
        name: entity_metrics(examples, predictions, name) for name in entity_names
    }
    result["language_id"] = language_id_metrics(examples, predictions)
    return result


def confusions(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> list[dict[str, Any]]:
    pairs = Counter(
        (e.intent, predicted_label(p))
        for e, p in zip(examples, predictions)
        if e.intent != predicted_label(p)
    )
    return [
        {"gold": g, "predicted": q, "count": c}
        for (g, q), c in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def errors(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> list[dict[str, Any]]:
    out = []
    for e, p in zip(examples, predictions):
        wrong_entities = [
            name
            for name in sorted({n for n, _ in e.entities} | {n for n, _ in p.entities})
            if {v for n, v in e.entities if n == name} != {v for n, v in p.entities if n == name}
        ]
        if e.intent == predicted_label(p) and not wrong_entities:
            continue
        out.append(
            {
                "bucket": e.bucket,
                "source": e.source,
                "text": e.text,
                "gold_intent": e.intent,
                "predicted_intent": p.intent,
                "confidence": round(p.confidence, 3),
                "raw_intent": p.raw_intent,
                "raw_confidence": round(p.raw_confidence, 3),
                "gold_entities": e.entities,
                "predicted_entities": p.entities,
                "predicted_spans": p.spans,
                "entity_errors": wrong_entities,
            }
        )
    return out


def build_report(
    examples: Sequence[Example], predictions: Sequence[Prediction]
) -> dict[str, Any]:
    if len(examples) != len(predictions):
        raise ValueError("one prediction per example")
    by_bucket: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_bucket[e.bucket].append(i)
    order = [b for b in BUCKETS if b in by_bucket] + sorted(set(by_bucket) - set(BUCKETS))
    buckets = {}
    for b in order:
        idx = by_bucket[b]
        buckets[b] = group_metrics([examples[i] for i in idx], [predictions[i] for i in idx])
    buckets[OVERALL] = group_metrics(examples, predictions)
    return {
        "buckets": buckets,
        "confusions": confusions(examples, predictions),
        "errors": errors(examples, predictions),
        # One row per example: enough to re-score another fallback threshold.
        "predictions": [
            {
                "bucket": e.bucket,
                "gold": e.intent,
                "predicted": p.intent,
                "raw_intent": p.raw_intent,
                "raw_confidence": round(p.raw_confidence, 4),
                "margin": round(p.margin, 4),
            }
            for e, p in zip(examples, predictions)
        ],
        "language_id_errors": [
            {"bucket": e.bucket, "text": e.text, "gold": e.language, "predicted": p.language}
            for e, p in zip(examples, predictions)
            if e.language and p.language != e.language
        ],
    }


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ent(metrics: dict[str, Any]) -> str:
    if not metrics["n"]:
        return f"- ({metrics['false_positives']}fp)"
    return f"{metrics['accuracy']:.3f} ({metrics['n']},{metrics['false_positives']}fp)"


def bucket_table(report: dict[str, Any]) -> str:
    header = (
        f"{'bucket':<14}{'n':>6}{'int acc':>9}{'macro F1':>10}{'fallbk':>8}"
        f"{'lang-id':>9}  " + "".join(f"{e:<22}" for e in TABLE_ENTITIES)
    )
    lines = [header, "-" * len(header)]
    for name, m in report["buckets"].items():
        lines.append(
            f"{name:<14}{m['n']:>6}{_fmt(m['accuracy']):>9}{_fmt(m['macro_f1']):>10}"
            f"{m['fallbacks']:>8}{_fmt(m['language_id']['accuracy']):>9}  "
            + "".join(f"{_ent(m['entities'][e]):<22}" for e in TABLE_ENTITIES)
        )
    lines.append("entity columns: accuracy (examples with the entity, false positives on examples without)")
    return "\n".join(lines)


def intent_table(report: dict[str, Any]) -> str:
    per_intent = report["buckets"][OVERALL]["per_intent"]
    header = f"{'intent':<22}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}"
    lines = [header, "-" * len(header)]
    for name, m in per_intent.items():
        lines.append(
            f"{name:<22}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{m['support']:>9}"
        )
    return "\n".join(lines)


def save_confusion_png(
    examples: Sequence[Example], predictions: Sequence[Prediction], path: Path, title: str = ""
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    gold = [e.intent for e in examples]
    pred = [predicted_label(p) for p in predictions]
    gold_labels = sorted(set(gold))
    labels = gold_labels + sorted(set(pred) - set(gold_labels))  # + nlu_fallback
    # Rows: gold intents only; columns also show predicted-only labels.
    matrix = confusion_matrix(gold, pred, labels=labels)[: len(gold_labels)]
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=float), where=rows > 0)

    size = max(8, 0.45 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(gold_labels)))
    ax.set_xticklabels(labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticklabels(gold_labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(gold_labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(
                    j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.5 else ("red" if i != j else "black"),
                )
    ax.set_title(title or "intent confusion matrix (counts; colour = share of gold row)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value))


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8"
    )


def check_thresholds(
    report: dict[str, Any],
    min_f1: float | None,
    min_bucket_accuracy: float | None = None,
    min_entity_accuracy: float | None = None,
) -> list[str]:
    failures = []
    overall = report["buckets"][OVERALL]
    if min_f1 is not None and (overall["macro_f1"] or 0.0) < min_f1:
        failures.append(
            f"overall intent macro F1 {overall['macro_f1']:.4f} < --min-f1 {min_f1}"
        )
    if min_bucket_accuracy is not None:
        for name, m in report["buckets"].items():
            if (m["accuracy"] or 0.0) < min_bucket_accuracy:
                failures.append(
                    f"{name} intent accuracy {m['accuracy']:.4f} < --min-bucket-accuracy {min_bucket_accuracy}"
                )
    if min_entity_accuracy is not None:
        for entity in TABLE_ENTITIES:
            m = overall["entities"][entity]
            if m["n"] and m["accuracy"] < min_entity_accuracy:
                failures.append(
                    f"{entity} entity accuracy {m['accuracy']:.4f} < --min-entity-accuracy {min_entity_accuracy}"
                )
    return failures


def evaluate_model(
    model: Path, heldout: Path, out: Path | None, label: str = "model", quiet: bool = False
) -> dict[str, Any]:
    """Parses the held-out set with `model` and returns (and saves) the report."""
    examples = load_heldout(heldout)
    predictions, timing = predict(model, examples)
    report = build_report(examples, predictions)
    report["model"] = str(model)
    report["heldout"] = str(heldout)
    report["timing"] = timing
    if out:
        out.mkdir(parents=True, exist_ok=True)
        save_confusion_png(
            examples, predictions, out / "confusion_matrix.png",
            title=f"{label}: intent confusion (counts; colour = share of gold row)",
        )
        write_json(out / "report.json", report)
    if not quiet:
        print(f"\n== {label}: {model} on {heldout} ({len(examples)} examples) ==")
        print(bucket_table(report))
        print()
        print(intent_table(report))
        top = report["confusions"][:10]
        if top:
            print("\nmost frequent intent confusions (gold -> predicted):")
            for c in top:
                print(f"  {c['count']:>3}  {c['gold']} -> {c['predicted']}")
        print(
            f"\nload {timing['load_s']} s, parse {timing['parse_s']} s "
            f"({timing['ms_per_example']} ms/example)"
        )
        if out:
            print(f"saved {out / 'report.json'} and {out / 'confusion_matrix.png'}")
    return report


# --------------------------------------------------------------------------
# Fallback threshold by cross-validation on the training data
# --------------------------------------------------------------------------


_EXAMPLE_LINE = re.compile(r"^\s*-\s?(.*)$")


def _split_examples_block(block: str) -> list[str]:
    """The `examples: |` string of an intent block → one line per example."""
    lines = []
    for line in block.splitlines():
        match = _EXAMPLE_LINE.match(line)
        if match and match.group(1).strip():
            lines.append(match.group(1))
    return lines


def read_training_blocks(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Intent blocks (intent, metadata, example lines) and every other nlu item."""
    from rasa.shared.utils.io import read_yaml_file

    blocks, others = [], []
    for path in sorted(Path(data_dir).rglob("*.yml")):
        content = read_yaml_file(str(path)) or {}
        for item in content.get("nlu") or []:
            if "intent" in item and isinstance(item.get("examples"), str):
                blocks.append(
                    {
                        "intent": item["intent"],
                        "metadata": item.get("metadata"),
                        "lines": _split_examples_block(item["examples"]),
                    }
                )
            else:
                others.append(dict(item))
    return blocks, others


def assign_folds(blocks: list[dict[str, Any]], folds: int, seed: int) -> list[list[int]]:
    """Stratified by (intent, language): each group's examples are shuffled and
    dealt round-robin, so every fold has each intent in each language."""
    rng = random.Random(seed)
    groups: dict[tuple[str, Any], list[tuple[int, int]]] = defaultdict(list)
    for b, block in enumerate(blocks):
        lang = (block.get("metadata") or {}).get("language")
        for i in range(len(block["lines"])):
            groups[(block["intent"], lang)].append((b, i))
    assignment = [[0] * len(block["lines"]) for block in blocks]
    offset = 0
    for key in sorted(groups, key=str):
        members = groups[key]
        rng.shuffle(members)
        for k, (b, i) in enumerate(members):
            assignment[b][i] = (k + offset) % folds
        offset += len(members)  # spreads the remainders over the folds
    return assignment


def assign_folds_by_text(blocks: list[dict[str, Any]], folds: int, seed: int) -> list[list[int]]:
    """Each line's fold comes from a hash of its own text, so adding lines
    leaves every other line in its fold: two data versions are compared on
    the same splits."""
    def fold_of(line: str) -> int:
        digest = hashlib.sha256(f"{seed}:{line}".encode()).digest()
        return int.from_bytes(digest[:4], "big") % folds

    return [[fold_of(line) for line in block["lines"]] for block in blocks]


def _dump_blocks(blocks: Iterable[dict[str, Any]], others: list[dict[str, Any]]) -> str:
    import yaml

    items: list[dict[str, Any]] = []
    for block in blocks:
        if not block["lines"]:
            continue
        item: dict[str, Any] = {"intent": block["intent"]}
        if block.get("metadata"):
            item["metadata"] = block["metadata"]
        item["examples"] = "".join(f"- {line}\n" for line in block["lines"])
        items.append(item)
    items.extend(others)

    class Literal(str):
        pass

    def literal(dumper: Any, value: str) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")

    yaml.add_representer(Literal, literal, Dumper=yaml.SafeDumper)
    for item in items:
        if isinstance(item.get("examples"), str):
            item["examples"] = Literal(item["examples"])
    return yaml.safe_dump(
        {"version": "3.1", "nlu": items}, allow_unicode=True, sort_keys=False, width=10_000
    )


def write_fold(
    blocks: list[dict[str, Any]],
    others: list[dict[str, Any]],
    assignment: list[list[int]],
    fold: int,
    directory: Path,
) -> tuple[Path, Path]:
    train, test = [], []
    for block, folds in zip(blocks, assignment):
        meta = {"intent": block["intent"], "metadata": block.get("metadata")}
        train.append({**meta, "lines": [x for x, f in zip(block["lines"], folds) if f != fold]})
        test.append({**meta, "lines": [x for x, f in zip(block["lines"], folds) if f == fold]})
    train_dir = directory / "train"
    train_dir.mkdir(parents=True, exist_ok=True)
    (train_dir / "nlu.yml").write_text(_dump_blocks(train, others), encoding="utf-8")
    test_file = directory / "test.yml"
    test_file.write_text(_dump_blocks(test, []), encoding="utf-8")
    return train_dir, test_file


def config_without_fallback(config: Path, target: Path, epochs: int | None) -> None:
    """The project config minus FallbackClassifier (raw confidences are
    what the threshold is chosen on); optionally with DIET epochs capped."""
    import yaml

    content = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    pipeline = [c for c in content.get("pipeline") or [] if c.get("name") != "FallbackClassifier"]
    if epochs:
        for component in pipeline:
            if component.get("name") == "DIETClassifier":
                component["epochs"] = min(int(component.get("epochs", epochs)), epochs)
    content["pipeline"] = pipeline
    content.pop("policies", None)
    target.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def train_nlu(config: Path, nlu: Path, out: Path, name: str) -> float:
    """`rasa train nlu` in a subprocess (frees TensorFlow's memory after)."""
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa) if rasa.exists() else "rasa", "train", "nlu",
        "--config", str(config), "--nlu", str(nlu),
        "--out", str(out), "--fixed-model-name", name,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    result = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"training failed: {' '.join(command)}")
    return time.perf_counter() - started


def threshold_curve(
    rows: Sequence[tuple[bool, float]], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """rows: (classified correctly, raw confidence). For each threshold: the
    share of correct predictions that would fall back (lost), the share of
    errors that would fall back (caught), and accuracy counting a fallback
    as wrong."""
    n = len(rows)
    correct = [c for ok, c in rows if ok]
    wrong = [c for ok, c in rows if not ok]
    curve = []
    for t in thresholds:
        lost = sum(c < t for c in correct)
        caught = sum(c < t for c in wrong)
        curve.append(
            {
                "threshold": round(t, 2),
                "correct_below": lost / len(correct) if correct else 0.0,
                "errors_below": caught / len(wrong) if wrong else 0.0,
                "accuracy_fallback_wrong": (len(correct) - lost) / n if n else 0.0,
                "answered_precision": (len(correct) - lost)
                / max(1, n - lost - caught),
            }
        )
    return curve


def choose_threshold(curve: Sequence[dict[str, float]], max_correct_below: float) -> float:
    """The largest threshold that sends at most `max_correct_below` of the
    correctly classified examples to the fallback."""
    ok = [p["threshold"] for p in curve if p["correct_below"] <= max_correct_below + 1e-12]
    return max(ok) if ok else 0.0


def cv_threshold(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    blocks, others = read_training_blocks(Path(args.data))
    # A data change is judged on the lines the reference data also has, with
    # folds by each line's hash so those lines keep their splits.
    reference: set[str] | None = None
    if args.reference_data:
        assignment = assign_folds_by_text(blocks, args.folds, args.seed)
        reference = {
            e.text for path in sorted(Path(args.reference_data).rglob("*.yml")) for e in load_file(path)
        }
    else:
        assignment = assign_folds(blocks, args.folds, args.seed)
    reference_rows: list[bool] = []
    total = sum(len(b["lines"]) for b in blocks)
    print(f"{total} training examples in {len(blocks)} intent blocks, {args.folds} folds")

    work = Path(tempfile.mkdtemp(prefix="sahaya-cv-"))
    config = work / "config.yml"
    config_without_fallback(Path(args.config), config, args.epochs)
    rows: list[tuple[bool, float]] = []
    margins: list[tuple[bool, float]] = []
    per_fold = []
    started = time.perf_counter()
    try:
        for fold in range(args.folds):
            fold_dir = work / f"fold{fold}"
            train_dir, test_file = write_fold(blocks, others, assignment, fold, fold_dir)
            seconds = train_nlu(config, train_dir, fold_dir / "models", f"fold{fold}")
            examples = load_file(test_file, bucket=f"fold{fold}")
            predictions, _ = predict(fold_dir / "models" / f"fold{fold}.tar.gz", examples)
            fold_rows = [(e.intent == p.raw_intent, p.raw_confidence) for e, p in zip(examples, predictions)]
            rows.extend(fold_rows)
            if reference is not None:
                reference_rows.extend(
                    ok for e, (ok, _) in zip(examples, fold_rows) if e.text in reference
                )
            margins.extend((e.intent == p.raw_intent, p.margin) for e, p in zip(examples, predictions))
            accuracy = sum(ok for ok, _ in fold_rows) / len(fold_rows)
            per_fold.append(
                {"fold": fold, "n": len(examples), "train_s": round(seconds, 1), "accuracy": accuracy}
            )
            print(
                f"fold {fold}: trained in {seconds / 60:.1f} min, {len(examples)} test examples, "
                f"accuracy without fallback {accuracy:.4f}",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    thresholds = [i / 100 for i in range(96)]
    curve = threshold_curve(rows, thresholds)
    chosen = choose_threshold(curve, args.max_correct_below)
    ambiguity = threshold_curve(margins, [i / 100 for i in range(21)])
    result = {
        "folds": args.folds,
        "seed": args.seed,
        "epochs_cap": args.epochs,
        "max_correct_below": args.max_correct_below,
        "n": len(rows),
        "accuracy_without_fallback": sum(ok for ok, _ in rows) / len(rows),
        "chosen_threshold": chosen,
        "reference_data": args.reference_data,
        "reference_n": len(reference_rows),
        "accuracy_on_reference": sum(reference_rows) / len(reference_rows) if reference_rows else None,
        "per_fold": per_fold,
        "curve": curve,
        "ambiguity_curve": ambiguity,
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    write_json(out / "cv_threshold.json", result)

    print(f"\n{'threshold':>9}{'correct<t':>11}{'errors<t':>10}{'acc(fb=wrong)':>15}{'answered prec':>15}")
    for point in curve:
        if round(point["threshold"] * 100) % 5 == 0 or point["threshold"] == chosen:
            mark = "  <- chosen" if point["threshold"] == chosen else ""
            print(
                f"{point['threshold']:>9.2f}{point['correct_below']:>11.4f}{point['errors_below']:>10.4f}"
                f"{point['accuracy_fallback_wrong']:>15.4f}{point['answered_precision']:>15.4f}{mark}"
            )
    print("\nambiguity (top-1 minus top-2 confidence below m):")
    for point in ambiguity:
        if round(point["threshold"] * 100) % 5 == 0:
            print(
                f"{point['threshold']:>9.2f}{point['correct_below']:>11.4f}{point['errors_below']:>10.4f}"
            )
    print(
        f"\nchosen FallbackClassifier threshold: {chosen} (largest with <= "
        f"{args.max_correct_below:.0%} of correctly classified held-out-fold examples below it)"
    )
    print(f"pooled accuracy without fallback: {result['accuracy_without_fallback']:.4f} on {len(rows)} lines")
    if reference is not None:
        print(
            f"pooled accuracy on the {len(reference_rows)} lines also in {args.reference_data}: "
            f"{result['accuracy_on_reference']:.4f}"
        )
    print(f"saved {out / 'cv_threshold.json'}; {result['minutes']} min")
    return 0


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _quiet_logs() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    logging.basicConfig(level=logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore")
    # Rasa's structlog prints every parse at debug level unless configured.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    warnings.filterwarnings("ignore")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _quiet_logs()
    if argv and argv[0] == "cv-threshold":
        parser = argparse.ArgumentParser(prog="python -m sahaya.evaluate cv-threshold")
        parser.add_argument("--folds", type=int, default=3)
        parser.add_argument("--config", default=str(ROOT / "config.yml"))
        parser.add_argument("--data", default=str(ROOT / "data" / "nlu"))
        parser.add_argument("--out", default=str(ROOT / "results" / "cv"))
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--epochs", type=int, default=None, help="cap DIET epochs (default: as in config)")
        parser.add_argument("--max-correct-below", type=float, default=0.02)
        parser.add_argument("--keep", action="store_true", help="keep the fold models")
        parser.add_argument(
            "--reference-data",
            default=None,
            help="also score only the lines present in this NLU directory (e.g. the data before a "
            "change); folds then come from each line's hash, so both versions share splits",
        )
        return cv_threshold(parser.parse_args(argv[1:]))

    parser = argparse.ArgumentParser(prog="python -m sahaya.evaluate")
    parser.add_argument("--model", default=str(ROOT / "models" / "sahaya.tar.gz"))
    parser.add_argument("--heldout", default=str(ROOT / "tests" / "nlu_heldout"))
    parser.add_argument("--out", default=str(ROOT / "results" / "nlu"))
    parser.add_argument("--min-f1", type=float, default=None)
    parser.add_argument("--min-bucket-accuracy", type=float, default=None)
    parser.add_argument("--min-entity-accuracy", type=float, default=None)
    args = parser.parse_args(argv)
    report = evaluate_model(Path(args.model), Path(args.heldout), Path(args.out), label="sahaya")
    failures = check_thresholds(
        report, args.min_f1, args.min_bucket_accuracy, args.min_entity_accuracy
    )
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}")
        return 1
    if args.min_f1 is not None:
        overall = report["buckets"][OVERALL]["macro_f1"]
        print(f"PASSED: overall intent macro F1 {overall:.4f} >= --min-f1 {args.min_f1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
