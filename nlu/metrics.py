"""Intent classification scores, as printed by `aftercare nlu eval` and the benchmark.

Plain Python so the app venv needs no scikit-learn at run time. Macro-F1 averages over
the intents present in the gold labels; a prediction of an intent outside them (e.g.
nlu_fallback) only costs recall.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def score(gold: Sequence[str], predicted: Sequence[str | None], top: int = 10) -> dict:
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    pred = [p if p is not None else "<unavailable>" for p in predicted]
    labels = sorted(set(gold))
    per_intent = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        n_pred = sum(1 for p in pred if p == label)
        support = sum(1 for g in gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    correct = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    return {
        "n": len(gold),
        "accuracy": round(correct / len(gold), 4) if gold else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per_intent.values()) / len(labels), 4)
        if labels
        else 0.0,
        "per_intent": per_intent,
        "confusions": [
            {"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(top)
        ],
    }


def read_tsv(path) -> list[tuple[str, str]]:
    """`intent<TAB>text` lines; blank lines and lines starting with # are skipped."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            intent, sep, text = line.partition("\t")
            if not sep or not intent.strip() or not text.strip():
                raise ValueError(f"{path}:{number}: expected intent<TAB>text")
            rows.append((intent.strip(), text.strip()))
    return rows
