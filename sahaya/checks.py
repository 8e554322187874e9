"""`make validate`: what `rasa data validate` does not check.

Every service has its names, documents, eligibility and fields in te/hi/en;
every response has a Telugu, a Hindi and an English variation; no held-out
evaluation line (tests/nlu_heldout) is a copy or near-copy of a training line;
each intent has one block per language, so a trainer finds all of it in one place;
and it warns of training lines that a word of data/emergency_words.yml turns
into an emergency.
Run: python -m sahaya.checks
"""

from __future__ import annotations

import difflib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import yaml

from sahaya import domain_fields
from sahaya.catalogue import PROJECT_ROOT, catalogue

DOMAIN_PATH = PROJECT_ROOT / "domain.yml"
TRAINING_DIR = PROJECT_ROOT / "data" / "nlu"
HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu_heldout"
# Written blind (by writers who never saw data/nlu or the held-out set) and
# never used to choose training data: docs/nlu-evaluation.md.
BLIND_DIR = PROJECT_ROOT / "tests" / "nlu_blind"
# difflib's similarity above this is a near-copy: "avunu andi" ~ "avnu andi",
# "app 2025 004781 status cheppandi" ~ "app-2025-007731 status cheppandi". The
# held-out set was written to it (docs/nlu-evaluation.md); new training lines must keep it.
NEAR_COPY = 0.72
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)")


def response_problems(domain: Dict[str, Any]) -> List[str]:
    found = []
    for name, variations in (domain.get("responses") or {}).items():
        languages = set()
        for variation in variations:
            conditions = variation.get("condition") or []
            language = next((c.get("value") for c in conditions if c.get("name") == "language"), None)
            if language is None and not conditions:
                language = "en"  # the unconditioned variation is the English one
            if language and (variation.get("text") or "").strip():
                languages.add(language)
        for missing in sorted({"te", "hi", "en"} - languages):
            found.append(f"response {name}: no {missing} variation")
    return found


def plain_text(example: str) -> str:
    """An NLU example without entity annotations, punctuation or case."""
    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(re.sub(r"[^\w\s\u0900-\u097f\u0c00-\u0c7f]", " ", text).split())


def nlu_examples(directory: Path) -> Iterator[Tuple[str, Path, str | None]]:
    """(plain text, file, intent) of every example under `directory`."""
    for path in sorted(directory.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    yield plain_text(line.strip()[2:]), path, block.get("intent")


def _trigrams(text: str) -> Set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def heldout_leaks(training_dir: Path = TRAINING_DIR, heldout_dir: Path = HELDOUT_DIR,
                  threshold: float = NEAR_COPY) -> List[str]:
    """Training lines that (nearly) repeat a held-out line: that held-out line would measure memory,
    not understanding. Each message names the training line only."""
    training = list(nlu_examples(training_dir))
    grams = [_trigrams(text) for text, _, _ in training]
    index: Dict[str, List[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    found = []
    for text, path, _ in nlu_examples(heldout_dir):
        held = _trigrams(text)
        shared = Counter(i for gram in held for i in index.get(gram, ()))
        matcher = difflib.SequenceMatcher(None, "", text)
        for i, common in shared.items():
            # Trigrams pick the candidates fast; difflib decides.
            if common / (len(held) + len(grams[i]) - common) < 0.3:
                continue
            matcher.set_seq1(training[i][0])
            if matcher.quick_ratio() > threshold and matcher.ratio() > threshold:
                # The held-out line is not printed: whoever rewords the
                # training line must not learn the test set from this message.
                found.append(f"training {training[i][1].relative_to(training_dir.parent.parent)} "
                             f"{training[i][0]!r} nearly copies a line of held-out {path.name} "
                             f"(similarity {matcher.ratio():.2f} > {threshold}); reword the training line")
    return found


def scattered_intents(training_dir: Path = TRAINING_DIR) -> List[str]:
    """Intents whose examples for one language are split over several blocks."""
    places: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for path in sorted(training_dir.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                language = (block.get("metadata") or {}).get("language", "?")
                places[(block["intent"], language)].append(str(path.relative_to(training_dir)))
    return [
        f"intent {intent} ({language}) has {len(where)} blocks ({', '.join(where)}); merge them into one"
        for (intent, language), where in sorted(places.items())
        if len(where) > 1
    ]


def emergency_word_clashes(training_dir: Path = TRAINING_DIR) -> List[str]:
    """Training lines of other intents that data/emergency_words.yml turns
    into an emergency (words match by sound: "send police" ~ "send pls").
    Warnings, not problems: the list leans wide on purpose."""
    from rasa.shared.nlu.training_data.message import Message

    from sahaya.nlu.entities import CatalogueEntityMapper

    mapper = CatalogueEntityMapper()
    found = []
    for text, path, intent in nlu_examples(training_dir):
        if not intent or intent == "emergency":
            continue
        message = Message(data={"text": text, "intent": {"name": intent, "confidence": 1.0}})
        mapper.process([message])
        if message.get("intent")["name"] == "emergency":
            words = [text[start:end] for start, end, _ in mapper.emergency.find(text, listed_words=True)]
            found.append(f"{path.relative_to(training_dir)}: {intent} line {text!r} is an emergency by "
                         f"{', '.join(repr(w) for w in words)} (data/emergency_words.yml)")
    return found


def main(domain_path: Path = DOMAIN_PATH) -> int:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    problems = catalogue().problems() + response_problems(domain)
    problems += heldout_leaks() + heldout_leaks(heldout_dir=BLIND_DIR)
    problems += scattered_intents()
    if not domain_fields.is_current():
        problems.append("domain.yml: catalogue fields changed; run `python -m sahaya.domain_fields`")
    for problem in problems:
        print(f"✗ {problem}")
    for warning in emergency_word_clashes():
        print(f"⚠ {warning}")
    services = len(catalogue().services)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogue or the domain")
        return 1
    print(f"catalogue: {len(catalogue().departments)} departments, {services} services; "
          f"domain: {len(domain.get('responses') or {})} responses, all in te/hi/en")
    return 0


if __name__ == "__main__":
    sys.exit(main())
