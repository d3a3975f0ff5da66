"""Fallback tuned for people: social turns never fall back (Rasa components).

`SocialRescue` sits right after FallbackClassifier: when the threshold fired but the
best guess was greet / thanks / goodbye / out_of_scope with at least `threshold`
(0.3) confidence, the guess is restored. `SocialLexicon` is the pipeline's last
intent step (after UnknownTextGuard): a message made only of social phrases, fillers
and emoji gets its social intent whatever came before (so 👋拜拜 or 3Q never fall
back for want of training vocabulary), and a message that fell back but carries an
unambiguous social phrase (嘿，机器人你好呀) gets that phrase's intent. The rules
themselves are pure Python, in social_rules.py, shared with cross-validation and
tested in the app venv.
"""

from __future__ import annotations

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

from aftercare_nlu import social_rules


def _set_intent(message: Message, name: str, confidence: float) -> None:
    chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.data[INTENT] = chosen
    ranking = [
        r
        for r in message.get(INTENT_RANKING_KEY) or []
        if r.get(INTENT_NAME_KEY) not in (name, DEFAULT_NLU_FALLBACK_INTENT_NAME)
    ]
    message.data[INTENT_RANKING_KEY] = [chosen, *ranking]


class _Stateless(GraphComponent, IntentClassifier):
    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SocialRescue(_Stateless):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.3, "intents": list(social_rules.RESCUED)}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            ranking = [
                (r[INTENT_NAME_KEY], float(r[PREDICTED_CONFIDENCE_KEY]))
                for r in message.get(INTENT_RANKING_KEY) or []
            ]
            kept = social_rules.rescue(
                ranking, float(self._config["threshold"]), self._config["intents"]
            )
            if kept is not None:
                _set_intent(message, kept[0], kept[1])
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SocialLexicon(_Stateless):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"confidence": 0.95, "carried_confidence": 0.5}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            current = message.get(INTENT) or {}
            name = social_rules.lexicon_intent(text)
            if name is None:
                # Fell back (threshold or UnknownTextGuard): answer the social phrase
                # the message carries rather than "I did not understand".
                if current.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                    carried = social_rules.carried_intent(text)
                    if carried is not None:
                        _set_intent(message, carried, float(self._config["carried_confidence"]))
                continue
            confidence = float(self._config["confidence"])
            if current.get(INTENT_NAME_KEY) == name:
                confidence = max(confidence, float(current.get(PREDICTED_CONFIDENCE_KEY) or 0))
            _set_intent(message, name, confidence)
        return messages
