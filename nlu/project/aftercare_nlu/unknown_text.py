"""Fall back when most of a message is unlike anything in the training data.

Runs after FallbackClassifier. DIET is overconfident on off-topic and nonsense input,
so a confidence threshold alone does not catch keyboard mashing or rare characters;
this component remembers the characters and words of the training data and turns the
prediction into `nlu_fallback` when less than `min_known_share` of the message is
made of them (see novelty.py).
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from aftercare_nlu.novelty import known_share, vocabulary

VOCAB_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownTextGuard(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_known_share": 0.4}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocab: set[str] | None = None,
    ) -> None:
        self._min_known_share = float(config["min_known_share"])
        self._model_storage = model_storage
        self._resource = resource
        self._vocab = vocab or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownTextGuard:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._vocab = vocabulary(ex.get(TEXT) or "" for ex in training_data.intent_examples)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCAB_FILE).write_text(
                json.dumps(sorted(self._vocab), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownTextGuard:
        with model_storage.read_from(resource) as directory:
            vocab = set(json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, vocab)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            share = known_share(message.get(TEXT) or "", self._vocab)
            intent = message.get(INTENT) or {}
            if share >= self._min_known_share:
                continue
            if intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: round(share, 4),
            }
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
        return messages
