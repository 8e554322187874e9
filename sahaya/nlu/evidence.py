"""How much of a message the predicted intent has seen in its own training examples.

The classifier must put every message in some intent, so a bare name ("Rekha Rani")
can come out as `stop` with 0.8 confidence. Inside a form that would stop the
application. `intent_evidence` is the share of the message's words that
occur in the training examples of the intent predicted, as spelt or by a
skeleton of three or more letters (so "ఆపండి" meets "aapandi", while the
short "rk" of Rekha does not meet "ruko"); 0 means the classifier is
guessing, and the form keeps the message as the answer
(actions/application.py, is_interruption).

A guess with nothing else behind it (no word of the intent, no entity) is
`nlu_fallback`: "blah blah" or a 10,000-letter "aaaa…" gets "Did you mean …?"
and the menu, not a bill payment the classifier was sure of. Answers (a name,
an address) and "not for us" may be words nobody trained on, and an
emergency is never doubted.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Set

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sahaya.nlu.text import WORD, normalize, skeleton

INTENT_EVIDENCE = "intent_evidence"
VOCABULARY_FILE = "intent_vocabulary.json"
# Intents a message may carry without a word their examples have.
MAY_BE_UNSEEN = {"inform", "out_of_scope", "emergency", DEFAULT_NLU_FALLBACK_INTENT_NAME}


def word_keys(text: str) -> List[Set[str]]:
    """Per word: the word itself and, when it has three or more letters, its skeleton."""
    keys = []
    for word in WORD.findall(normalize(text).lower()):
        if word.isdigit():
            continue  # numbers and ids belong to every intent
        sound = skeleton(word)
        keys.append({word, f"~{sound}"} if len(sound) >= 3 else {word})
    return keys


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentEvidence(GraphComponent):
    """Adds `intent_evidence` (0–1) to every parse; runs after the classifiers."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Dict[str, Set[str]] | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentEvidence:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentEvidence:
        try:
            with model_storage.read_from(resource) as directory:
                raw = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            raw = {}
        return cls(model_storage, resource, {intent: set(words) for intent, words in raw.items()})

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: Dict[str, Set[str]] = {}
        for example in training_data.intent_examples:
            known = vocabulary.setdefault(example.get(INTENT), set())
            for keys in word_keys(example.get(TEXT) or ""):
                known.update(keys)
        self.vocabulary = vocabulary
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps({k: sorted(v) for k, v in vocabulary.items()}, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def evidence(self, text: str, intent: str | None) -> float:
        words = word_keys(text)
        known = self.vocabulary.get(intent or "")
        if not words or known is None:
            return 1.0  # digits, emoji, or an intent set by rule: nothing to doubt
        return sum(1 for keys in words if keys & known) / len(words)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                intent = message.get(INTENT) or {}
                evidence = self.evidence(text, intent.get("name"))
                message.set(INTENT_EVIDENCE, round(evidence, 3), add_to_output=True)
                if evidence == 0 and intent.get("name") not in MAY_BE_UNSEEN and not message.get(ENTITIES):
                    self._fall_back(message, intent)
        return messages

    @staticmethod
    def _fall_back(message: Message, guess: Dict[str, Any]) -> None:
        # As FallbackClassifier does it: the guess stays in the ranking, so
        # "Did you mean …?" can still offer it.
        fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": guess.get("confidence") or 0.0}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback] + (message.get(INTENT_RANKING_KEY) or []), add_to_output=True)
