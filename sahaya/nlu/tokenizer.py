"""Whitespace tokens whose lemma is the script-independent skeleton."""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from sahaya.nlu.text import skeleton


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class IndicTokenizer(WhitespaceTokenizer):
    """Rasa's whitespace tokenizer (it keeps Indic words whole); each token's
    lemma is its skeleton, so a CountVectorsFeaturizer with `use_lemma` sees
    "इनकम", "ఇన్కమ్" and "income" as one feature."""

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            # An empty lemma would make the featurizer fall back to the text.
            token.lemma = skeleton(token.text) or token.text.lower()
        return tokens
