"""A scripted NLU: the intent and entities of each message are given by the test.

With it the dialogue engine runs on the real store without Rasa, in milliseconds a turn.
What a message means is the test's business; how the bot answers is the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nlu.client import FALLBACK_INTENT, Entity, NluResult


@dataclass
class ScriptedNlu:
    """`meanings[text] = (intent, {entity: value})`; any other text falls back."""

    meanings: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  # every text that reached the NLU

    def means(self, text: str, intent: str, **entities: str) -> ScriptedNlu:
        self.meanings[text] = (intent, entities)
        return self

    async def parse(self, text: str) -> NluResult:
        self.asked.append(text)
        if text not in self.meanings:
            return NluResult(text, FALLBACK_INTENT, 0.3)
        intent, entities = self.meanings[text]
        found = []
        for name, value in entities.items():
            start = text.find(value)
            start = max(start, 0)
            found.append(Entity(name, value, start, start + len(value)))
        return NluResult(text, intent, 0.95, tuple(found))
