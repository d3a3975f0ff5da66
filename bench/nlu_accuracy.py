"""The final evaluation: locked-set and cross-validation scores beside two baselines.

    .venv/bin/python -m bench.nlu_accuracy [--skip-rasa-default] [--folds 5]

Every pipeline is trained on nlu/project/data only:
1. ours: the project's pipeline (config.yml), served, every line through /model/parse
   (so the fallback thresholds and the social rules count, unlike `rasa test nlu`);
2. Rasa's default recommended pipeline (nlu/baselines/rasa_default.yml), trained
   into var/nlu/bench/ on first use and measured the same way;
3. TF-IDF character 1-4-grams + logistic regression (scikit-learn, app venv).

Scored on
- the locked sets (nlu/locked/customer.tsv, nlu/locked/chitchat.tsv, read through
  nlu.lockedset, which only this module may call): written after the training data
  was frozen, never used for any decision;
- k-fold stratified cross-validation on the training data: the TF-IDF baseline is
  refitted per fold here; ours comes from the DIET rankings saved by
  `bench.nlu_cv` (rescored with the configured ensemble and rules; reported as stale
  when the data changed since); Rasa default is not cross-validated (~25 min);
- one fold per retired locked set (`bench.nlu_cv --split retired` for ours, refitted here
  for TF-IDF): each earlier locked set held out in turn, trained on everything else;
- the old split nlu/testset.tsv, which WAS read while tuning (kept for continuity).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

from bench import nlu_cv
from nlu import commands, lockedset, metrics, paths, server
from nlu.trainingdata import read_examples, read_file

BENCH_DIR = paths.REPO_ROOT / "var" / "nlu" / "bench"
DEFAULT_CONFIG = paths.REPO_ROOT / "nlu" / "baselines" / "rasa_default.yml"
SEED = 20241


def served_predictions(model, texts: list[str]) -> list[str | None]:
    with server.running(model=model) as srv:
        results = asyncio.run(commands.parse_all(srv.url, srv.token, texts))
    return [r.intent for r in results]


def tfidf_model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000),
    )


def tfidf_predictions(train: list[tuple[str, str]], texts: list[str]) -> list[str]:
    model = tfidf_model()
    model.fit([t for _, t in train], [i for i, _ in train])
    return list(model.predict(texts))


def tfidf_cv(train: list[tuple[str, str]], folds: int) -> dict:
    from sklearn.model_selection import StratifiedKFold

    texts, labels = [t for _, t in train], [i for i, _ in train]
    predicted: list[str | None] = [None] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for fit_idx, held_idx in splitter.split(texts, labels):
        model = tfidf_model().fit([texts[i] for i in fit_idx], [labels[i] for i in fit_idx])
        for i, p in zip(held_idx, model.predict([texts[i] for i in held_idx]), strict=True):
            predicted[i] = p
    return {"folds": folds, **summary(labels, predicted)}


def tfidf_retired_cv() -> dict:
    """The baseline on bench.nlu_cv's `--split retired` folds: each retired locked set
    held out in turn, the model fitted on every other training line."""
    files = sorted((paths.PROJECT_DIR / "data").glob("retired_*_locked.yml"))
    gold: list[str] = []
    predicted: list[str | None] = []
    for held_file in files:
        held = read_file(held_file)
        fit = [pair for path in sorted((paths.PROJECT_DIR / "data").glob("*.yml"))
               if path != held_file for pair in read_file(path)]  # fmt: skip
        gold += [i for i, _ in held]
        predicted += tfidf_predictions(fit, [t for _, t in held])
    return {"folds": len(files), **summary(gold, predicted)}


def ours_cv(split: str = "stratified") -> dict:
    """The configured ensemble + fallback + social rules on bench.nlu_cv's rankings."""
    out_dir = nlu_cv.out_dir(split)
    rankings = out_dir / "rankings.json"
    meta_file = out_dir / "rankings.meta.json"
    if not rankings.exists() or not meta_file.exists():
        hint = " --split retired" if split == "retired" else ""
        return {"missing": f"run `python -m bench.nlu_cv{hint}` first (~4 min per fold)"}
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    cmd = [
        str(paths.rasa_venv() / "bin" / "python"), "-m", "aftercare_nlu.crossval",
        "--reuse", "--out", str(out_dir),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=paths.PROJECT_DIR, env=paths.rasa_env(), capture_output=True, text=True
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    report = json.loads(proc.stdout)
    return {
        "folds": report["folds"],
        "stale": meta["data_hash"] != nlu_cv.data_hash(),
        "configured": report["configured"],
        "diet_only": report["diet_only"],
        "linear_only": report["linear_only"],
        "grid_best": report["best"],
    }


def locked_scores(model) -> dict:
    """Macro-F1 and accuracy of a served model on each locked set: what the activation
    gate (nlu/candidate.py) compares. Only scores leave this module, never a line."""
    sets = {name: lockedset.read_locked(name) for name in lockedset.SETS}
    texts = [t for rows in sets.values() for _, t in rows]
    predicted, start, out = served_predictions(model, texts), 0, {}
    for name, rows in sets.items():
        report = metrics.score([i for i, _ in rows], predicted[start : start + len(rows)])
        out[name] = {"macro_f1": report["macro_f1"], "accuracy": report["accuracy"]}
        start += len(rows)
    return out


def summary(gold: list[str], predicted: list[str | None]) -> dict:
    report = metrics.score(gold, predicted)
    return {
        "macro_f1": report["macro_f1"],
        "accuracy": report["accuracy"],
        "fallbacks": sum(p == "nlu_fallback" for p in predicted),
        "per_intent_f1": {k: v["f1"] for k, v in report["per_intent"].items()},
        "top_confusions": report["confusions"][:8],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-rasa-default", action="store_true")
    parser.add_argument("--folds", type=int, default=5, help="TF-IDF baseline CV folds")
    args = parser.parse_args(argv)

    sets = {name: lockedset.read_locked(name) for name in lockedset.SETS}
    sets["old_testset_read_while_tuning"] = metrics.read_tsv(paths.TESTSET)
    train = read_examples()
    out: dict = {
        "train_examples": len(train),
        "test_examples": {name: len(rows) for name, rows in sets.items()},
        "locked": {},
        "cross_validation": {},
    }
    texts = [t for rows in sets.values() for _, t in rows]

    def by_set(predicted: list[str | None]) -> dict:
        result, start = {}, 0
        for name, rows in sets.items():
            chunk = predicted[start : start + len(rows)]
            result[name] = summary([i for i, _ in rows], chunk)
            start += len(rows)
        return result

    ours = paths.current_model()
    if not ours.exists():
        print("no current model: run `aftercare nlu train` first", file=sys.stderr)
        return 2
    out["locked"]["ours_jieba_diet"] = by_set(served_predictions(ours, texts))

    if not args.skip_rasa_default:
        name = f"default-{paths.inputs_hash()}"
        model = BENCH_DIR / f"{name}.tar.gz"
        if not model.exists() and commands.rasa_train(DEFAULT_CONFIG, BENCH_DIR, name) != 0:
            print("training the default pipeline failed", file=sys.stderr)
            return 1
        out["locked"]["rasa_default_whitespace"] = by_set(served_predictions(model, texts))

    out["locked"]["tfidf_char_logreg"] = by_set(tfidf_predictions(train, texts))

    out["cross_validation"]["ours_jieba_diet"] = ours_cv()
    out["cross_validation"]["tfidf_char_logreg"] = tfidf_cv(train, args.folds)
    out["cross_validation"]["rasa_default_whitespace"] = {"not_run": "~25 min for 5 folds"}
    # One fold per retired locked set: text written apart from the rest of the data.
    out["retired_set_cross_validation"] = {
        "ours_jieba_diet": ours_cv("retired"),
        "tfidf_char_logreg": tfidf_retired_cv(),
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
