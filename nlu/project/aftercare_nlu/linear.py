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
from collections.abc import Mapping, Sequence

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
                    preprocessor=normalise,
                ),
            ),
            ("logreg", LogisticRegression(C=c, max_iter=3000)),
        ]
    )


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
