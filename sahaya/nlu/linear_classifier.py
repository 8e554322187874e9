"""Rasa's LogisticRegressionClassifier with TF-IDF weighting and a chosen C.

Rasa's own classifier fits raw counts at a fixed C=1. On our featurizers'
sentence vectors (words and character n-grams, as spelt and as skeletons)
sublinear TF-IDF with a weaker penalty is what 3-fold cross-validation on the
training data chose (docs/nlu-evaluation.md). It trains in seconds, where
DIET took most of `make train`.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

IDF_FILE = "idf.npz"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """Intent from a TF-IDF weighted logistic regression over sparse features."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 100.0,
            "max_iter": 2000,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(
            C=self.config["C"],
            solver=self.config["solver"],
            max_iter=self.config["max_iter"],
            tol=self.config["tol"],
            class_weight="balanced",
            random_state=self.config["random_state"],
        )
        self.idf: Dict[str, np.ndarray] | None = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, execution_context.node_name, model_storage, resource)

    @staticmethod
    def _counts_by_featurizer(messages: List[Message]) -> Dict[str, Dict[int, csr_matrix]]:
        """Per featurizer, the sentence-level count row of each message that has one."""
        rows: Dict[str, Dict[int, csr_matrix]] = {}
        for index, message in enumerate(messages):
            for feature in message.features:
                if feature.attribute == TEXT and feature.is_sparse() and feature.type == FEATURE_TYPE_SENTENCE:
                    rows.setdefault(feature.origin, {})[index] = csr_matrix(feature.features)
        return rows

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        """Sublinear TF-IDF per featurizer, each block of unit length: the
        thousands of character n-grams must not drown the few words, "hello
        hello" is not twice the evidence, and a word every intent uses says little."""
        rows = self._counts_by_featurizer(messages)
        if self.idf is None:  # training: document frequencies of the training set
            if not rows:  # no examples (a project with no intents yet)
                return csr_matrix((len(messages), 0))
            self.idf = {}
            for origin, by_message in rows.items():
                counts = vstack(list(by_message.values())).tocsr()
                df = np.bincount(counts.indices, minlength=counts.shape[1])
                self.idf[origin] = np.log((1 + counts.shape[0]) / (1 + df)) + 1.0
        blocks = []
        for origin, idf in sorted(self.idf.items()):  # column order fixed, however they were stored
            by_message = rows.get(origin, {})
            empty = csr_matrix((1, idf.shape[0]))  # a message this featurizer saw nothing in
            tf = vstack([by_message.get(i, empty) for i in range(len(messages))]).tocsr().astype(np.float64)
            tf.data = 1.0 + np.log(np.maximum(tf.data, 1.0))
            blocks.append(normalize(csr_matrix(tf.multiply(idf))))
        return hstack(blocks).tocsr()

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / IDF_FILE, **self.idf)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / IDF_FILE) as saved:
                    component.idf = {origin: saved[origin] for origin in saved.files}
        except (ValueError, FileNotFoundError):
            # Not trained (no intents): Rasa's classifier leaves it unfitted too.
            component.idf = None
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        if self.idf is None:
            return messages
        return super().process(messages)
