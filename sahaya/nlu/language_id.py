"""Which language a message is in, romanized Telugu and Hindi included."""

from __future__ import annotations

import pickle
from typing import Any, Dict, List, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from sahaya.nlu.text import DEVANAGARI, LATIN, TELUGU, dominant_script, indic_script

LANGUAGE_DETECTED = "language_detected"
LANGUAGE_CONFIDENCE = "language_confidence"
MODEL_FILE = "language_id.pkl"


def example_language(message: Message) -> str | None:
    """The language a training example's intent block declares in metadata."""
    metadata = message.get("metadata") or {}
    for part in (metadata.get("example"), metadata.get("intent")):
        if isinstance(part, dict) and part.get("language") in ("te", "hi", "en"):
            return part["language"]
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LanguageIdentifier(GraphComponent):
    """Script decides for Telugu and Devanagari letters; Latin letters go to a
    character n-gram classifier trained on the language-tagged NLU data."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        classifier: Pipeline | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageIdentifier:
        try:
            with model_storage.read_from(resource) as directory:
                classifier = pickle.loads((directory / MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            classifier = None
        return cls(model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for example in training_data.intent_examples:
            language = example_language(example)
            text = example.get(TEXT) or ""
            if language and dominant_script(text) == LATIN:
                texts.append(text.lower())
                labels.append(language)
        if len(set(labels)) >= 2:
            self._classifier = Pipeline(
                [
                    ("ngrams", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)),
                    ("model", LogisticRegression(max_iter=2000, C=5.0)),
                ]
            ).fit(texts, labels)
            with self._model_storage.write_to(self._resource) as directory:
                (directory / MODEL_FILE).write_bytes(pickle.dumps(self._classifier))
        return self._resource

    def identify(self, text: str) -> Tuple[str | None, float]:
        script = indic_script(text)
        if script == TELUGU:
            return "te", 1.0
        if script == DEVANAGARI:
            return "hi", 1.0
        if dominant_script(text) == LATIN and self._classifier is not None:
            probabilities = self._classifier.predict_proba([text.lower()])[0]
            best = probabilities.argmax()
            return str(self._classifier.classes_[best]), float(probabilities[best])
        return None, 0.0

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            language, confidence = self.identify(text)
            message.set(LANGUAGE_DETECTED, language, add_to_output=True)
            message.set(LANGUAGE_CONFIDENCE, round(confidence, 3), add_to_output=True)
        return messages
