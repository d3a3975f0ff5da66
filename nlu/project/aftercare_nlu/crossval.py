"""Choose the ensemble's settings by k-fold cross-validation on the training data only.

    cd nlu/project && PYTHONPATH=. ../../.venv-rasa/bin/python -m aftercare_nlu.crossval \
        [--folds 5 | --split retired] [--out ../../var/nlu/cv] [--reuse]

(`.venv/bin/python -m bench.nlu_cv` runs it with the right environment.) For each
stratified fold, DIET is trained with the project's pipeline up to and including
DIETClassifier (same seed and settings) on the other folds, and the held-out fold is
parsed for DIET's full intent ranking; the linear model (aftercare_nlu.linear) is
fitted on the same folds. The rankings are saved, then every (weight, temperature) of
a small grid is scored the way the served pipeline decides: combine, then the
FallbackClassifier thresholds of config.yml, a fallback counting as a miss. The
held-out test split (nlu/testset.tsv) is never read here.

`--split retired` holds out one retired locked set (data/retired_*_locked.yml) per
fold instead, training on everything else. Each of those sets was written by people
who never saw the data, in other voices, and was evaluated once before it became
training data, so this fold asks what the locked set asks (how the pipeline does on
text written apart from the data it learnt from) on training data only; stratified
folds hold out lines written beside their neighbours, often rewordings of each
other, and reward memorising them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from aftercare_nlu import entity_ownership, linear, social_rules

SEED = 20241
WEIGHTS = [round(0.1 * i, 1) for i in range(11)]
DIET_TEMPERATURES = [1.0, 1.5, 2.0]
LINEAR_TEMPERATURES = [1.0, 0.5, 0.33, 0.25]
RESCUE_THRESHOLD = 0.3  # config.yml, aftercare_nlu.SocialRescue
# 1.0 = no rescue (every fallback stays a fallback)
RESCUE_CHOICES = [0.2, 0.3, 0.4, 0.5, 1.0]


def diet_only_config(config_path: Path) -> dict:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    pipeline = []
    for step in config["pipeline"]:
        pipeline.append(dict(step))
        if step["name"] in ("DIETClassifier", "aftercare_nlu.LeanDIETClassifier"):
            pipeline[-1]["ranking_length"] = 0
            break
    config["pipeline"] = pipeline
    return config


def thresholds(config_path: Path) -> tuple[float, float]:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for step in config["pipeline"]:
        if step["name"] == "FallbackClassifier":
            return float(step.get("threshold", 0.3)), float(step.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


RETIRED = "retired_*_locked.yml"


def retired_folds(
    examples: list, data_dir: Path, sets: list[str] | None = None
) -> list[tuple[str, list[int], list[int]]]:
    """(set name, training indices, held-out indices), one fold per retired locked set
    (only those whose file name holds one of `sets`, e.g. ["sixth", "seventh"])."""
    from rasa.shared.nlu.training_data.loading import load_data

    key = {ex.get("text"): i for i, ex in enumerate(examples)}
    folds = []
    for path in sorted(data_dir.glob(RETIRED)):
        if sets and not any(f"_{name}_" in path.name for name in sets):
            continue
        held = sorted(key[ex.get("text")] for ex in load_data(str(path)).intent_examples)
        held_set = set(held)
        train = [i for i in range(len(examples)) if i not in held_set]
        folds.append((path.stem, train, held))
    return folds


def stratified_folds(examples: list, labels: list[str], folds: int):
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for k, (train_idx, test_idx) in enumerate(splitter.split(examples, labels)):
        yield k, list(train_idx), list(test_idx)


def run_folds(
    folds: int,
    out: Path,
    config_path: Path,
    split: str = "stratified",
    sets: list[str] | None = None,
) -> list[dict]:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data("data")
    examples = data.intent_examples
    labels = [ex.get("intent") for ex in examples]
    records: list[dict] = []
    if split == "retired":
        plan = retired_folds(examples, Path("data"), sets)
    else:
        plan = list(stratified_folds(examples, labels, folds))
    linear_options = linear.options(ensemble_step(config_path))
    with tempfile.TemporaryDirectory() as tmp:
        config_file = Path(tmp) / "config.yml"
        config_file.write_text(yaml.safe_dump(diet_only_config(config_path)), encoding="utf-8")
        for k, train_idx, test_idx in plan:
            fold_dir = Path(tmp) / f"fold{k}"
            fold_dir.mkdir()
            train = TrainingData(
                training_examples=[examples[i] for i in train_idx],
                entity_synonyms=data.entity_synonyms,
                regex_features=data.regex_features,
                lookup_tables=data.lookup_tables,
            )
            (fold_dir / "nlu.yml").write_text(train.nlu_as_yaml(), encoding="utf-8")
            model = train_nlu(
                config=str(config_file),
                nlu_data=str(fold_dir / "nlu.yml"),
                output=str(fold_dir),
                fixed_model_name=f"fold{k}",
                domain="domain.yml",
            )
            agent = Agent.load(model)
            texts = [examples[i].get("text") for i in test_idx]
            lin = linear.fit(
                linear.build(**linear_options),
                [examples[i].get("text") for i in train_idx],
                [labels[i] for i in train_idx],
            )
            lin_probs = linear.probabilities(lin, texts)
            for i, text, lp in zip(test_idx, texts, lin_probs, strict=True):
                parsed = asyncio.run(agent.parse_message(text))
                diet = {r["name"]: float(r["confidence"]) for r in parsed["intent_ranking"]}
                records.append(
                    {
                        "fold": k,
                        "gold": labels[i],
                        "text": text,
                        "diet": diet,
                        "linear": lp,
                        "entities": free_text_spans(parsed.get("entities", []), text),
                        "gold_entities": free_text_spans(examples[i].get("entities") or [], text),
                    }
                )
            print(f"fold {k}: {len(test_idx)} held out", file=sys.stderr, flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rankings.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return records


def free_text_spans(entities: list[dict], text: str) -> list[list]:
    """[entity, start, end] of the address / visit_time spans, shaped the way the served
    pipeline's EntityOwnership shapes DIET's (gold spans pass unchanged: a test checks)."""
    spans = []
    for e in entities:
        if e["entity"] in entity_ownership.FREE_TEXT:
            shaped = entity_ownership.shape(e, text)
            if shaped is not None:
                spans.append([shaped["entity"], shaped["start"], shaped["end"]])
    return spans


def entity_scores(records: list[dict]) -> dict:
    """Exact-span precision / recall / F1 of address and visit_time over the held-out
    lines. The retired sets annotate these only in inform lines, so a span found in
    another intent's line counts as false here though some are real (a 周六上午 in a
    booking): `false_outside_inform` says how many."""
    scores = {}
    for kind in entity_ownership.FREE_TEXT:
        tp = fp = fn = outside = 0
        for r in records:
            if "entities" not in r:
                return {}
            pred = {tuple(s) for s in r["entities"] if s[0] == kind}
            gold = {tuple(s) for s in r["gold_entities"] if s[0] == kind}
            tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
            outside += len(pred - gold) if r["gold"] != "inform" else 0
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[kind] = {
            "gold": tp + fn,
            "found": tp + fp,
            "right": tp,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "false_outside_inform": outside,
        }
    return scores


def decide(
    ranking: list[tuple[str, float]],
    threshold: float,
    ambiguity: float,
    text: str = "",
    rescue_threshold: float | None = None,
) -> str:
    """What the served pipeline answers: FallbackClassifier, SocialRescue, then
    SocialLexicon with its carried social phrase (UnknownTextGuard is left out: every
    held-out line is real text)."""
    (top, p1), (_, p2) = ranking[0], ranking[1]
    social = social_rules.lexicon_intent(text)
    if social is not None:
        return social
    if p1 < threshold or p1 - p2 < ambiguity:
        rescue_at = RESCUE_THRESHOLD if rescue_threshold is None else rescue_threshold
        kept = social_rules.rescue(ranking, rescue_at)
        if kept:
            return kept[0]
        return social_rules.carried_intent(text) or "nlu_fallback"
    return top


def ensemble_step(config_path: Path) -> dict:
    """IntentEnsemble's options in config.yml ({} when the pipeline has none)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    return next((s for s in config["pipeline"] if s["name"] == "aftercare_nlu.IntentEnsemble"), {})


def configured(config_path: Path) -> tuple[float, float, float]:
    """(weight, diet_temperature, linear_temperature) of IntentEnsemble in config.yml."""
    step = ensemble_step(config_path)
    if not step:
        return 0.0, 1.0, 1.0
    return (
        float(step.get("weight", 0.5)),
        float(step.get("diet_temperature", 1.0)),
        float(step.get("linear_temperature", 1.0)),
    )


def grid(
    records: list[dict],
    threshold: float,
    ambiguity: float,
    chosen: tuple[float, float, float] | None = None,
) -> dict:
    gold = [r["gold"] for r in records]
    intents = sorted(set(gold))
    rows = []
    for td, tl, w in itertools.product(DIET_TEMPERATURES, LINEAR_TEMPERATURES, WEIGHTS):
        rankings = [linear.combine(r["diet"], r["linear"], w, td, tl) for r in records]
        pred = [
            decide(ranking, threshold, ambiguity, r["text"])
            for ranking, r in zip(rankings, records, strict=True)
        ]
        f1 = f1_score(gold, pred, labels=intents, average="macro", zero_division=0)
        rows.append(
            {
                "weight": w,
                "diet_temperature": td,
                "linear_temperature": tl,
                "macro_f1": round(float(f1), 4),
                "errors": (errors := sum(g != p for g, p in zip(gold, pred, strict=True))),
                "accuracy": round(1 - errors / len(gold), 4),
                "fallbacks": pred.count("nlu_fallback"),
                # The dialogue only lets an intent interrupt a form at >= 0.6
                # (bot/dialogue/steps.py): right answers should stay above it.
                "right_below_0.6": sum(
                    g == p and ranking[0][1] < 0.6
                    for g, p, ranking in zip(gold, pred, rankings, strict=True)
                ),
            }
        )
    best = max(rows, key=lambda r: (r["macro_f1"], -r["weight"]))
    confusions = Counter(
        (r["gold"], max(r["diet"], key=r["diet"].get))
        for r in records
        if max(r["diet"], key=r["diet"].get) != r["gold"]
    )
    current = None
    if chosen is not None:
        w, td, tl = chosen
        current = next(
            (
                r
                for r in rows
                if r["weight"] == w
                and r["diet_temperature"] == td
                and math.isclose(r["linear_temperature"], tl)
            ),
            None,
        )
    rescue_rows = []
    if chosen is not None:
        w, td, tl = chosen
        rankings = [linear.combine(r["diet"], r["linear"], w, td, tl) for r in records]
        for at in RESCUE_CHOICES:
            pred = [
                decide(ranking, threshold, ambiguity, r["text"], at)
                for ranking, r in zip(rankings, records, strict=True)
            ]
            rescue_rows.append(
                {
                    "rescue_threshold": at,
                    "macro_f1": round(
                        float(f1_score(gold, pred, labels=intents, average="macro")), 4
                    ),
                    "errors": sum(g != p for g, p in zip(gold, pred, strict=True)),
                    "fallbacks": pred.count("nlu_fallback"),
                }
            )
    return {
        "examples": len(records),
        "folds": len({r["fold"] for r in records}),
        "entities": entity_scores(records),
        "rescue_thresholds": rescue_rows,
        "configured": current,
        "threshold": threshold,
        "ambiguity_threshold": ambiguity,
        "diet_only": next(r for r in rows if r["weight"] == 0.0 and r["diet_temperature"] == 1.0),
        "linear_only": next(
            r for r in rows if r["weight"] == 1.0 and r["linear_temperature"] == 1.0
        ),
        "best": best,
        "diet_top_confusions": [[g, p, n] for (g, p), n in confusions.most_common(10)],
        "grid": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--split",
        choices=["stratified", "retired"],
        default="stratified",
        help="stratified k folds, or one fold per retired locked set",
    )
    parser.add_argument("--out", default="../../var/nlu/cv")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument(
        "--sets", default="", help="with --split retired: only these sets, e.g. sixth,seventh"
    )
    parser.add_argument("--reuse", action="store_true", help="rescore saved rankings")
    args = parser.parse_args(argv)
    sets = [name for name in args.sets.split(",") if name]
    out, config_path = Path(args.out), Path(args.config)
    if args.reuse:
        records = json.loads((out / "rankings.json").read_text(encoding="utf-8"))
    else:
        # Rasa prints its training and debug chatter to stdout; stdout is the report.
        with contextlib.redirect_stdout(sys.stderr):
            records = run_folds(args.folds, out, config_path, args.split, sets)
    report = grid(records, *thresholds(config_path), chosen=configured(config_path))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
