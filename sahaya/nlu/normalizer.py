"""First component of the pipeline: one clean form of every message."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sahaya.nlu.text import MAX_NLU_CHARS, normalize, normalize_with_offsets


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class TextNormalizer(GraphComponent):
    """NFC, no zero-width characters, Indic digits as ASCII, bounded length.

    Registered as a tokenizer so the recipe runs it before the real one.
    """

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if not text:
                continue
            clean, where = normalize_with_offsets(text)
            for entity in example.get(ENTITIES) or []:
                entity[ENTITY_ATTRIBUTE_START] = where[entity[ENTITY_ATTRIBUTE_START]]
                entity[ENTITY_ATTRIBUTE_END] = where[entity[ENTITY_ATTRIBUTE_END]]
            example.set(TEXT, clean)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, normalize(text[: MAX_NLU_CHARS * 2])[:MAX_NLU_CHARS])
        return messages
