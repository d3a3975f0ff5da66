"""Keep exactly one extractor's answer per entity type.

DIET is trained on every annotated entity, including the coded ones that the regex
extractor owns (a regex only extracts an entity that is annotated in the data), so
without this filter phone / ticket_id / product_model / serial_number would come back
twice. DIET's free-text spans must have their type's shape (entity_shapes.py: a 明天下午
tagged address is the visit time, an abc is nothing). Overlapping spans (a code that fits
two patterns, a DIET span over a code) keep the longest, a regex's on a tie.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, EXTRACTOR
from rasa.shared.nlu.training_data.message import Message

from aftercare_nlu import entity_shapes

DEFAULT_OWNERS = {
    "phone": "RegexEntityExtractor",
    "ticket_id": "RegexEntityExtractor",
    "product_model": "RegexEntityExtractor",
    "serial_number": "RegexEntityExtractor",
    "address": "DIETClassifier",
    "visit_time": "DIETClassifier",
}
FREE_TEXT = (entity_shapes.ADDRESS, entity_shapes.VISIT_TIME)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityOwnership(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"owners": dict(DEFAULT_OWNERS)}

    def __init__(self, config: dict[str, Any]) -> None:
        self.owners: dict[str, str] = config["owners"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityOwnership:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            owned = [
                e
                for e in message.get(ENTITIES, [])
                if self.owners.get(e["entity"], e.get(EXTRACTOR)) == e.get(EXTRACTOR)
            ]
            shaped = [s for e in owned if (s := shape(e, message.get("text", ""))) is not None]
            message.set(ENTITIES, _drop_overlaps(shaped), add_to_output=True)
        return messages


def shape(entity: dict[str, Any], text: str) -> dict[str, Any] | None:
    if entity["entity"] not in FREE_TEXT:
        return entity
    start, end = entity_shapes.trimmed(text, entity["start"], entity["end"])
    kind = entity_shapes.shaped(entity["entity"], text[start:end])
    if kind is None:
        return None
    if (start, end) != (entity["start"], entity["end"]):
        entity = {**entity, "start": start, "end": end, "value": text[start:end]}
    return entity if kind == entity["entity"] else {**entity, "entity": kind}


def _drop_overlaps(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Longest span first, then a regex's (a code) before DIET's, then leftmost: a
    # 19-character serial beats a 13-character model read inside it.
    kept: list[dict[str, Any]] = []
    order = sorted(
        entities, key=lambda e: (e["start"] - e["end"], e["entity"] in FREE_TEXT, e["start"])
    )
    for e in order:
        if all(e["end"] <= k["start"] or e["start"] >= k["end"] for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: e["start"])
