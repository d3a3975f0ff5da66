"""Side-by-side intent scores on nlu/testset.tsv, all trained on nlu/project/data.

    .venv/bin/python -m bench.nlu_accuracy [--skip-rasa-default]

1. ours: the project's pipeline (config.yml), served, every line through /model/parse
   (so the fallback threshold counts, unlike `rasa test nlu`);
2. Rasa's default recommended pipeline (nlu/baselines/rasa_default.yml), trained
   into var/nlu/bench/ on first use and measured the same way;
3. TF-IDF character 1-4-grams + logistic regression (scikit-learn, app venv).

Prints one JSON object: macro-F1, accuracy and the per-intent F1 of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from nlu import commands, metrics, paths, server
from nlu.trainingdata import read_examples

BENCH_DIR = paths.REPO_ROOT / "var" / "nlu" / "bench"
DEFAULT_CONFIG = paths.REPO_ROOT / "nlu" / "baselines" / "rasa_default.yml"


def served_predictions(model, texts: list[str]) -> list[str | None]:
    with server.running(model=model) as srv:
        results = asyncio.run(commands.parse_all(srv.url, srv.token, texts))
    return [r.intent for r in results]


def tfidf_predictions(train: list[tuple[str, str]], texts: list[str]) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000),
    )
    model.fit([t for _, t in train], [i for i, _ in train])
    return list(model.predict(texts))


def summary(gold: list[str], predicted: list[str | None]) -> dict:
    report = metrics.score(gold, predicted)
    return {
        "macro_f1": report["macro_f1"],
        "accuracy": report["accuracy"],
        "per_intent_f1": {k: v["f1"] for k, v in report["per_intent"].items()},
        "top_confusions": report["confusions"][:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testset", default=str(paths.TESTSET))
    parser.add_argument("--skip-rasa-default", action="store_true")
    args = parser.parse_args(argv)

    rows = metrics.read_tsv(args.testset)
    gold, texts = [i for i, _ in rows], [t for _, t in rows]
    train = read_examples()
    out: dict = {"train_examples": len(train), "test_examples": len(rows), "pipelines": {}}

    ours = paths.current_model()
    if not ours.exists():
        print("no current model: run `aftercare nlu train` first", file=sys.stderr)
        return 2
    out["pipelines"]["ours_jieba_diet"] = summary(gold, served_predictions(ours, texts))

    if not args.skip_rasa_default:
        name = f"default-{paths.inputs_hash()}"
        model = BENCH_DIR / f"{name}.tar.gz"
        if not model.exists() and commands.rasa_train(DEFAULT_CONFIG, BENCH_DIR, name) != 0:
            print("training the default pipeline failed", file=sys.stderr)
            return 1
        out["pipelines"]["rasa_default_whitespace"] = summary(
            gold, served_predictions(model, texts)
        )

    out["pipelines"]["tfidf_char_logreg"] = summary(gold, tfidf_predictions(train, texts))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
