"""The linear half of the intent ensemble (scikit-learn only, no Rasa).

TF-IDF over character 1-4-grams of the raw text plus logistic regression: the model
that beat DIET alone on the held-out split. It reads the whole sentence with many
small, evenly weighted cues, where DIET tends to bet everything on one cue word
(师傅 ... 几点 -> out_of_scope at 1.00). `combine` mixes the two intent
distributions; aftercare_nlu.ensemble does that inside the Rasa pipeline and
aftercare_nlu.crossval chooses its weight by cross-validation on the training data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def build(c: float = 10.0, max_ngram: int = 4) -> Pipeline:
    # lbfgs on a fixed matrix is deterministic: no random_state is involved.
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, max_ngram),
                    sublinear_tf=True,
                    lowercase=True,
                ),
            ),
            ("logreg", LogisticRegression(C=c, max_iter=3000)),
        ]
    )


def combine(
    diet: Mapping[str, float],
    linear: Mapping[str, float],
    weight: float,
    temperature: float = 1.0,
) -> list[tuple[str, float]]:
    """Weighted mean of two intent distributions, best first.

    `weight` is the linear model's share. DIET's softmax is flattened by
    `temperature` first (p ** (1/T), renormalised), because at 1.00 it would
    otherwise outvote any linear model however sure that is.
    """
    names = set(diet) | set(linear)
    if temperature != 1.0:
        powered = {n: math.pow(max(diet.get(n, 0.0), 1e-12), 1.0 / temperature) for n in names}
        total = sum(powered.values()) or 1.0
        diet = {n: p / total for n, p in powered.items()}
    mixed = {n: (1.0 - weight) * diet.get(n, 0.0) + weight * linear.get(n, 0.0) for n in names}
    return sorted(mixed.items(), key=lambda kv: (-kv[1], kv[0]))


def probabilities(model: Pipeline, texts: Sequence[str]) -> list[dict[str, float]]:
    classes = [str(c) for c in model.classes_]
    rows = model.predict_proba(list(texts))
    return [dict(zip(classes, map(float, row), strict=True)) for row in rows]
