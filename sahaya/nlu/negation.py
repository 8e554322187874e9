"""One sparse feature: does the message say no to something?

Word pairs catch "correct కాదు", but in "అది correct కాదు మళ్ళీ check చేయండి"
the other words outvote the pair. A single "negated" feature, the same for
కాదు, nahi and not, lets the classifier learn once what a negation does to
affirm/deny and resume/stop. The words live in data/negation_words.yml.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from sahaya.nlu.text import normalize

NEGATION_WORDS_PATH = Path(__file__).resolve().parents[2] / "data" / "negation_words.yml"
ORIGIN = "negation"


@lru_cache(maxsize=1)
def negation_words() -> FrozenSet[str]:
    data = yaml.safe_load(NEGATION_WORDS_PATH.read_text(encoding="utf-8")) or {}
    return frozenset(normalize(str(w)).lower() for words in data.values() for w in words)


def is_negated(text: str) -> bool:
    words = normalize(text).lower().replace("’", "'").split()
    return any(word.strip(".,!?;:।") in negation_words() for word in words)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class NegationFeaturizer(GraphComponent):
    """Adds a 1×1 sentence feature: 1 when a negation word is in the message."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NegationFeaturizer:
        return cls()

    def _add(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        value = 1.0 if is_negated(text) else 0.0
        message.add_features(Features(coo_matrix([[value]]), FEATURE_TYPE_SENTENCE, TEXT, ORIGIN))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._add(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._add(message)
        return messages
