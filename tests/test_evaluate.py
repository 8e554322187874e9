"""The metric code of sahaya/evaluate.py, on hand-made predictions (no model)."""

import pytest

from sahaya.evaluate import (
    FALLBACK,
    OVERALL,
    Example,
    Prediction,
    assign_folds,
    assign_folds_by_text,
    bucket_of,
    build_report,
    check_thresholds,
    choose_threshold,
    entity_metrics,
    intent_metrics,
    threshold_curve,
    to_prediction,
)


def ex(intent, bucket="en", entities=(), language="en"):
    return Example(text="x", intent=intent, entities=list(entities), language=language, bucket=bucket)


def pred(intent, entities=(), confidence=0.9):
    return Prediction(intent=intent, confidence=confidence, entities=list(entities))


@pytest.mark.parametrize(
    "stem, bucket",
    [
        ("en", "en"), ("hi", "hi"), ("te", "te"), ("hi-romanized", "hi-romanized"),
        ("te-romanized", "te-romanized"), ("hi-mixed", "mixed"), ("te-mixed", "mixed"),
        ("en-speech", "speech"), ("hi-speech", "speech"), ("te-speech", "speech"),
    ],
)
def test_bucket_from_file_name(stem, bucket):
    assert bucket_of(stem) == bucket


def test_fallback_counts_as_wrong_and_adds_no_class():
    gold = ["greet", "greet", "deny", "deny"]
    m = intent_metrics(gold, ["greet", FALLBACK, "deny", "deny"])
    assert m["accuracy"] == 0.75
    assert m["fallbacks"] == 1
    assert set(m["per_intent"]) == {"greet", "deny"}
    # greet: p=1, r=.5, f=2/3; deny: f=1 → macro (2/3 + 1) / 2
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1) / 2)


def test_entity_accuracy_compares_value_sets_and_counts_false_positives():
    examples = [
        ex("apply_service", entities=[("service", "income_certificate")]),
        ex("apply_service", entities=[("service", "income_certificate")]),
        ex("check_status", entities=[("application_id", "APP-2025-000123")]),
        ex("greet"),
    ]
    predictions = [
        pred("apply_service", [("service", "income_certificate")]),
        pred("apply_service", [("service", "income_certificate"), ("service", "caste_certificate")]),
        pred("check_status", [("application_id", "APP-2025-000123")]),
        pred("greet", [("service", "ration_card")]),
    ]
    service = entity_metrics(examples, predictions, "service")
    assert (service["n"], service["correct"], service["false_positives"]) == (2, 1, 1)
    assert service["accuracy"] == 0.5 and service["n_without"] == 2
    app = entity_metrics(examples, predictions, "application_id")
    assert (app["n"], app["accuracy"], app["false_positives"]) == (1, 1.0, 0)
    number = entity_metrics(examples, predictions, "number")
    assert number["n"] == 0 and number["accuracy"] is None


def test_report_has_buckets_overall_and_errors():
    examples = [ex("greet", "en"), ex("greet", "mixed", language="te"), ex("deny", "speech")]
    predictions = [pred("greet"), pred("deny"), pred("deny")]
    report = build_report(examples, predictions)
    assert list(report["buckets"]) == ["en", "mixed", "speech", OVERALL]
    assert report["buckets"]["mixed"]["accuracy"] == 0.0
    assert report["buckets"][OVERALL]["n"] == 3
    assert report["confusions"] == [{"gold": "greet", "predicted": "deny", "count": 1}]
    assert [e["gold_intent"] for e in report["errors"]] == ["greet"]
    # overall macro F1 is 2/3: fails a 0.9 minimum, passes 0.6
    assert check_thresholds(report, 0.9) and not check_thresholds(report, 0.6)


def test_fallback_prediction_keeps_the_raw_intent():
    parsed = {
        "intent": {"name": FALLBACK, "confidence": 0.45},
        "intent_ranking": [
            {"name": FALLBACK, "confidence": 0.45},
            {"name": "greet", "confidence": 0.40},
            {"name": "thank", "confidence": 0.30},
        ],
        "entities": [{"entity": "number", "value": "3"}],
        "language_detected": "te",
    }
    p = to_prediction(parsed)
    assert p.intent == FALLBACK and p.raw_intent == "greet"
    assert p.raw_confidence == pytest.approx(0.40) and p.margin == pytest.approx(0.10)
    assert p.entities == [("number", "3")] and p.language == "te"


def test_threshold_curve_and_choice():
    rows = [(True, c / 100) for c in range(50, 100)] + [(False, 0.2), (False, 0.6)]
    curve = threshold_curve(rows, [0.0, 0.5, 0.51, 0.52, 0.7])
    assert curve[0]["correct_below"] == 0 and curve[0]["errors_below"] == 0
    assert curve[1]["errors_below"] == 0.5 and curve[1]["correct_below"] == 0
    assert curve[2]["correct_below"] == pytest.approx(1 / 50)
    assert choose_threshold(curve, 0.02) == 0.51


def test_folds_are_stratified_by_intent_and_language():
    blocks = [
        {"intent": "greet", "metadata": {"language": "te"}, "lines": [str(i) for i in range(9)]},
        {"intent": "greet", "metadata": {"language": "hi"}, "lines": [str(i) for i in range(7)]},
    ]
    folds = assign_folds(blocks, 3, seed=1)
    assert sorted(folds[0].count(f) for f in range(3)) == [3, 3, 3]
    assert sorted(folds[1].count(f) for f in range(3)) == [2, 2, 3]


def test_hash_folds_keep_old_lines_in_place_when_lines_are_added():
    old = [{"intent": "stop", "metadata": {"language": "hi"}, "lines": [f"line {i}" for i in range(60)]}]
    new = [{**old[0], "lines": ["naya line"] + old[0]["lines"] + ["aur ek"]}]
    before = assign_folds_by_text(old, 3, seed=42)[0]
    after = assign_folds_by_text(new, 3, seed=42)[0]
    assert after[1:-1] == before
    assert set(before) == {0, 1, 2}  # every fold gets lines


def test_confusion_matrix_png(tmp_path):
    from sahaya.evaluate import save_confusion_png

    path = tmp_path / "cm.png"
    save_confusion_png([ex("greet"), ex("deny")], [pred("greet"), pred(FALLBACK)], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
