"""Average DIET's intent ranking with a char n-gram logistic regression.

Sits right after DIETClassifier (which must report its full ranking:
`ranking_length: 0`) and before FallbackClassifier / UnknownTextGuard, so those see
the combined confidence. DIET alone makes confident mistakes on a single cue word;
the linear model (aftercare_nlu.linear: TF-IDF char 1-4-grams + logistic regression,
trained here on the same examples) spreads its evidence over the whole sentence.
The combined distribution is `(1 - weight) * DIET' + weight * linear'`, where ' is
rescaling by a temperature (p^(1/T), renormalised), with the weight and both
temperatures chosen by cross-validation on the training data
(aftercare_nlu.crossval). Entities are left alone.
"""

from __future__ import annotations

from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from aftercare_nlu import linear

MODEL_FILE = "linear.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentEnsemble(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "weight": 0.5,
            "diet_temperature": 1.0,
            "linear_temperature": 1.0,
            "C": 10.0,
            "max_ngram": 4,
            "class_weight": None,
            "min_df": 1,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        # Same numbers as predict_proba without its per-call overhead, which is most of
        # the cost for the one short message a parse brings (None: not our pipeline).
        self._fast = linear.fast_path(model) if model is not None else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentEnsemble:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [ex for ex in training_data.intent_examples if ex.get(TEXT)]
        self._model = linear.fit(
            linear.build(**linear.options(self._config)),
            [ex.get(TEXT) for ex in examples],
            [ex.get(INTENT) for ex in examples],
        )
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentEnsemble:
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except ValueError:
            pass  # trained on no intent examples: leave DIET's answer alone
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if m.get(TEXT) and m.get(INTENT_RANKING_KEY)]
        if self._model is None or not todo:
            return messages
        texts = [m.get(TEXT) for m in todo]
        if self._fast is not None:
            probs = [self._fast(text) for text in texts]
        else:
            probs = linear.probabilities(self._model, texts)
        weight = float(self._config["weight"])
        temperatures = (
            float(self._config["diet_temperature"]),
            float(self._config["linear_temperature"]),
        )
        length = int(self._config["ranking_length"]) or None
        for message, lin in zip(todo, probs, strict=True):
            diet = {
                r[INTENT_NAME_KEY]: r[PREDICTED_CONFIDENCE_KEY]
                for r in message.get(INTENT_RANKING_KEY)
            }
            ranking = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: round(p, 6)}
                for name, p in linear.combine(diet, lin, weight, *temperatures)
            ][:length]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
