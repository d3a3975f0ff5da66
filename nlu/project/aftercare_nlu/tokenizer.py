"""Jieba tokenizer that does not emit whitespace tokens.

Rasa's JiebaTokenizer keeps every space as a token (rasa issue 7910), so a message
with mixed English ("空调 not cooling") gets blank tokens that DIET must tag and
featurize. Dropping them keeps offsets of the real tokens intact.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SpacelessJiebaTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]
