"""The linear half of the intent ensemble (scikit-learn only, no Rasa).

TF-IDF over character 1-4-grams of the raw text plus logistic regression: the model
that beat DIET alone on the held-out split. It reads the whole sentence with many
small, evenly weighted cues, where DIET tends to bet everything on one cue word
(师傅 ... 几点 -> out_of_scope at 1.00). `combine` mixes the two intent
distributions; aftercare_nlu.ensemble does that inside the Rasa pipeline and
aftercare_nlu.crossval chooses its weight and temperatures by cross-validation on
the training data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

_NUMBER = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Lower case, every number one digit: an 11-digit phone would otherwise bring
    dozens of digit n-grams, all voting for `inform`, and drown the one word that
    carries the intent (取消，13812345678 is a cancel). Numbers differ only in their
    digits; the regexes, not this model, read them."""
    return _NUMBER.sub("0", text.lower())


def build(
    c: float = 10.0, max_ngram: int = 4, class_weight: str | None = None, min_df: int = 1
) -> Pipeline:
    """`class_weight="balanced"` weighs each intent's examples by the inverse of its
    count, so the broad classes (out_of_scope has ten times request_human's examples)
    do not win every doubtful message on their prior alone. `min_df` drops the n-grams
    of fewer examples than that: they only let the model learn single lines by heart,
    and they were most of the coefficients lbfgs has to move (config.yml)."""
    # lbfgs on a fixed matrix is deterministic: no random_state is involved.
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, max_ngram),
                    sublinear_tf=True,
                    preprocessor=normalise,
                    min_df=min_df,
                ),
            ),
            ("logreg", LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)),
        ]
    )


def options(step: Mapping[str, object]) -> dict[str, object]:
    """`build`'s arguments from IntentEnsemble's options in config.yml (the served
    pipeline and aftercare_nlu.crossval both read them here)."""
    return {
        "c": float(step.get("C", 10.0)),  # type: ignore[arg-type]
        "max_ngram": int(step.get("max_ngram", 4)),  # type: ignore[arg-type]
        "class_weight": step.get("class_weight"),
        "min_df": int(step.get("min_df", 1)),  # type: ignore[arg-type]
    }


def fit(model: Pipeline, texts: list[str], labels: list[str]) -> Pipeline:
    """`model.fit`, without the n-grams min_df dropped: scikit-learn keeps them as
    `stop_words_` for introspection only, and they would be most of the pickle."""
    model.fit(texts, labels)
    model.named_steps["tfidf"].stop_words_ = None
    return model


def combine(
    diet: Mapping[str, float],
    linear: Mapping[str, float],
    weight: float,
    diet_temperature: float = 1.0,
    linear_temperature: float = 1.0,
) -> list[tuple[str, float]]:
    """Weighted mean of two intent distributions, best first.

    `weight` is the linear model's share. Each distribution is first rescaled by its
    temperature (p ** (1/T), renormalised): below 1 sharpens, above 1 flattens.
    Logistic regression over 15 intents spreads its probability thin (a right answer
    at 0.4 is common), so it is sharpened before it is mixed with DIET's peaked
    softmax; otherwise the mixture falls under the fallback threshold too often.
    """
    diet = _rescale(diet, diet_temperature)
    linear = _rescale(linear, linear_temperature)
    names = set(diet) | set(linear)
    mixed = {n: (1.0 - weight) * diet.get(n, 0.0) + weight * linear.get(n, 0.0) for n in names}
    return sorted(mixed.items(), key=lambda kv: (-kv[1], kv[0]))


def _rescale(dist: Mapping[str, float], temperature: float) -> Mapping[str, float]:
    if temperature == 1.0 or not dist:
        return dist
    powered = {n: math.pow(max(p, 1e-12), 1.0 / temperature) for n, p in dist.items()}
    total = sum(powered.values())
    return {n: p / total for n, p in powered.items()}


def probabilities(model: Pipeline, texts: Sequence[str]) -> list[dict[str, float]]:
    classes = [str(c) for c in model.classes_]
    rows = model.predict_proba(list(texts))
    return [dict(zip(classes, map(float, row), strict=True)) for row in rows]


class FastProbabilities:
    """`predict_proba` of a fitted `build()` pipeline, one text at a time.

    Serving parses one message per call, and for one short text scikit-learn spends
    most of its ~1 ms on input validation and building sparse matrices, not on the
    arithmetic. This does the same arithmetic directly: the vectorizer's own analyzer
    (so the n-grams cannot drift from training), counts of in-vocabulary n-grams,
    sublinear tf (1 + log count) times idf, l2 norm, dot with the coefficients plus
    intercept, softmax with the maximum subtracted first. Equal to `predict_proba`
    up to float summation order (tests/nlu/test_ensemble.py checks every training and
    test sentence against both scikit-learn versions we run). Only built for the
    configuration `build()` makes; `fast_path` returns None for anything else.
    """

    def __init__(self, model: Pipeline) -> None:
        tfidf = model.named_steps["tfidf"]
        logreg = model.named_steps["logreg"]
        self.classes = [str(c) for c in logreg.classes_]
        self._analyze: Callable[[str], list[str]] = tfidf.build_analyzer()
        self._vocabulary: dict[str, int] = tfidf.vocabulary_
        self._idf = np.asarray(tfidf.idf_, dtype=np.float64)
        # Rows indexed by vocabulary column: one fancy index per text picks its n-grams.
        self._coef_t = np.ascontiguousarray(logreg.coef_.T, dtype=np.float64)
        self._intercept = np.asarray(logreg.intercept_, dtype=np.float64)

    def __call__(self, text: str) -> dict[str, float]:
        vocabulary = self._vocabulary
        counts: dict[int, int] = {}
        for ngram in self._analyze(text):
            column = vocabulary.get(ngram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        decision = self._intercept.copy()
        if counts:
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            np.log(weights, out=weights)
            weights += 1.0
            weights *= self._idf[columns]
            norm = math.sqrt(float(weights @ weights))
            if norm != 0.0:
                weights /= norm
            decision += weights @ self._coef_t[columns]
        decision -= decision.max()
        np.exp(decision, out=decision)
        decision /= decision.sum()
        return dict(zip(self.classes, map(float, decision), strict=True))


def fast_path(model: Pipeline) -> FastProbabilities | None:
    """A FastProbabilities for `model`, or None when it is not the pipeline whose
    arithmetic FastProbabilities reproduces (then use `probabilities`)."""
    try:
        tfidf = model.named_steps["tfidf"]
        logreg = model.named_steps["logreg"]
    except (AttributeError, KeyError):
        return None
    # scikit-learn 1.1 has multi_class ("auto": multinomial unless binary or
    # liblinear); newer versions dropped it and always use the softmax above 2 classes.
    multi_class = getattr(logreg, "multi_class", None)
    multinomial = (
        multi_class is None
        or multi_class == "multinomial"
        or (multi_class in ("auto", "deprecated") and logreg.solver != "liblinear")
    )
    known = (
        len(model.steps) == 2
        and isinstance(tfidf, TfidfVectorizer)
        and isinstance(logreg, LogisticRegression)
        and tfidf.analyzer == "char_wb"
        and tfidf.sublinear_tf
        and tfidf.use_idf
        and tfidf.norm == "l2"
        and not tfidf.binary
        and tfidf.input == "content"
        and tfidf.dtype == np.float64
        and len(logreg.classes_) > 2
        and multinomial
    )
    return FastProbabilities(model) if known else None
