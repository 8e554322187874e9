"""Entities resolved against the catalogue and normalised to their contract
values (docs/architecture.md): service codes, APP-YYYY-NNNNNN ids, numbers
as digit strings, languages as te/hi/en."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from sahaya.backend.validators import looks_like_date
from sahaya.catalogue import catalogue
from sahaya.nlu.numbers import find_numbers
from sahaya.nlu.text import WORD, has_content, normalize, skeleton, skeleton_phrase

EXTRACTOR = "CatalogueEntityMapper"
INFO_TOPICS_PATH = Path(__file__).resolve().parents[2] / "data" / "info_topics.yml"
EMERGENCY_WORDS_PATH = Path(__file__).resolve().parents[2] / "data" / "emergency_words.yml"
SERVICE_NAME_WORDS_PATH = Path(__file__).resolve().parents[2] / "data" / "service_name_words.yml"
GRIEVANCE_SERVICE = "public_grievance"

_APPLICATION_ID = re.compile(r"(?i)\bapp[\s\-_/.]*(\d{4})[\s\-_/.]*(\d{1,6})\b")
_TICKET_ID = re.compile(r"(?i)\bgrv[\s\-_/.]*(\d{4})[\s\-_/.]*(\d{1,6})\b")

LANGUAGE_NAMES = {
    "te": ["telugu", "telgu", "tel", "తెలుగు", "तेलुगु", "తెలుగులో", "telugulo"],
    "hi": ["hindi", "हिंदी", "हिन्दी", "హిందీ", "हिंदी में", "hindilo", "హిందీలో"],
    "en": ["english", "inglish", "angrezi", "angreji", "अंग्रेज़ी", "अंग्रेजी", "इंग्लिश", "ఇంగ్లీష్", "ఇంగ్లీషు", "englishlo", "ఇంగ్లీషులో"],
}
MENU_SHORTCUTS = {"0": "main_menu", "#": "go_back", "menu": "main_menu", "back": "go_back"}
# Words around a bare number that still make it a menu pick ("option 3").
MENU_FILLERS = {
    "option", "number", "no", "num", "the", "one", "please", "pls", "plz", "select",
    "choose", "wala", "vala", "waala", "vaala", "wali", "nambar", "namber",
    "ఆప్షన్", "నంబర్", "నెంబర్", "ది", "అది", "ఇది", "ఎంచుకుంటా",
    "नंबर", "ऑप्शन", "वाला", "वाली", "विकल्प", "नं",
}


# "in Hindi", "to Telugu", "Telugu please", "inglish lo", "हिंदी में": the language asked for.
_ASK_BEFORE = {"in", "to", "into"}
_ASK_AFTER = {"lo", "లో", "mein", "me", "में", "please", "pls", "plz", "pl"}


def asked_language(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """Of two languages named ("English is hard for me, switch to Hindi"), keep
    the one asked for: the other is the one the citizen cannot read."""
    named = [e for e in entities if e.get("entity") == "language"]
    if len({e["value"] for e in named}) < 2:
        return entities
    words = list(WORD.finditer(text))

    def asked(entity: Dict[str, Any]) -> bool:
        start, end = entity.get("start", -1), entity.get("end", -1)
        inside = [w for w in words if w.start() < end and w.end() > start]
        before = [w.group(0).lower() for w in words if w.end() <= start][-1:]
        after = [w.group(0).lower() for w in words if w.start() >= end][:1]
        suffixed = bool(inside) and inside[-1].group(0).lower().endswith(("lo", "లో"))
        return suffixed or bool(set(before) & _ASK_BEFORE) or bool(set(after) & _ASK_AFTER)

    chosen = {e["value"] for e in named if asked(e)}
    if len(chosen) != 1:
        return entities
    return [e for e in entities if e.get("entity") != "language" or e["value"] in chosen]


# Spoken ids: "a p p two zero two six zero zero one one one one", "ఏపీపీ 2025 067890".
_APP_WORDS = {"app", "ఏపీపీ", "ఎపిపి", "ఏపిపి", "एपीपी", "ऐप"}
_DIGIT_WORDS = {
    **dict.fromkeys(["zero", "oh", "o", "shunya", "sunna", "సున్నా", "शून्य", "जीरो", "ज़ीरो", "జీరో"], "0"),
    **dict.fromkeys(["one", "ek", "okati", "ఒకటి", "एक", "వన్"], "1"),
    **dict.fromkeys(["two", "do", "rendu", "రెండు", "दो", "టూ"], "2"),
    **dict.fromkeys(["three", "teen", "moodu", "mudu", "మూడు", "तीन", "త్రీ"], "3"),
    **dict.fromkeys(["four", "char", "chaar", "naalugu", "nalugu", "నాలుగు", "चार", "ఫోర్"], "4"),
    **dict.fromkeys(["five", "paanch", "panch", "aidu", "ఐదు", "पांच", "पाँच", "ఫైవ్"], "5"),
    **dict.fromkeys(["six", "chhe", "che", "aaru", "ఆరు", "छह", "సిక్స్"], "6"),
    **dict.fromkeys(["seven", "saat", "eedu", "ఏడు", "सात", "సెవెన్"], "7"),
    **dict.fromkeys(["eight", "aath", "enimidi", "ఎనిమిది", "आठ", "ఎయిట్"], "8"),
    **dict.fromkeys(["nine", "nau", "tommidi", "తొమ్మిది", "नौ", "నైన్"], "9"),
}


# The year said as a number: "twenty twenty five", "two thousand twenty six",
# "दो हज़ार पच्चीस", "రెండు వేల ఇరవై ఐదు". Speech-to-text writes it this way.
_THOUSAND_WORDS = {"thousand", "hazaar", "hazar", "hajar", "हज़ार", "हजार", "vela", "velu", "వేల", "వేలు"}
_TWO_THOUSAND = {"రెండువేల", "రెండువేలు", "renduvela"}  # written as one word
_TENS_WORDS = {
    **dict.fromkeys(["twenty", "iravai", "iruvai", "ఇరవై", "ఇరువై", "बीस", "bees", "bis"], 20),
    **dict.fromkeys(["thirty", "muppai", "muppay", "ముప్పై", "ముప్ఫై", "तीस", "tees", "tis"], 30),
}
# Hindi says 21–29 as one word each.
_HINDI_YEARS = {
    21: ["इक्कीस", "ikkis", "ikkees"], 22: ["बाईस", "bais", "baees"], 23: ["तेईस", "teis", "teees"],
    24: ["चौबीस", "chaubis", "chaubees", "chobis"], 25: ["पच्चीस", "पचीस", "pachchis", "pachis", "pachees", "pacchis"],
    26: ["छब्बीस", "chhabbis", "chabbis", "chhabees"], 27: ["सत्ताईस", "sattais", "sattaees"],
    28: ["अट्ठाईस", "अठाईस", "atthais", "athais"], 29: ["उनतीस", "untis", "unatees"],
}
_ONE_WORD_TAILS = {word: value for value, words in _HINDI_YEARS.items() for word in words}


def _spoken_year(tokens: list[str], i: int) -> tuple[str, int] | None:
    """A year 2000–2099 said as a number at tokens[i:], as ("2025", index after it)."""
    if i < len(tokens) and tokens[i] in _TWO_THOUSAND:
        i += 1
    elif i + 1 < len(tokens) and _DIGIT_WORDS.get(tokens[i]) == "2" and tokens[i + 1] in _THOUSAND_WORDS:
        i += 2
    elif i < len(tokens) and tokens[i] in ("twenty", "ట్వెంటీ"):  # "twenty twenty five"
        i += 1
    else:
        return None
    if i < len(tokens) and tokens[i] == "and":
        i += 1
    if i < len(tokens) and tokens[i] in _ONE_WORD_TAILS:
        return f"20{_ONE_WORD_TAILS[tokens[i]]:02d}", i + 1
    if i < len(tokens) and tokens[i] in _TENS_WORDS:
        tens = _TENS_WORDS[tokens[i]]
        unit = _DIGIT_WORDS.get(tokens[i + 1], "") if i + 1 < len(tokens) else ""
        if unit and unit != "0":
            return f"20{tens + int(unit):02d}", i + 2
        return f"20{tens:02d}", i + 1
    return None


def spoken_application_id(text: str) -> tuple[str, int, int] | None:
    """An application id said aloud, as (APP-YYYY-NNNNNN, start, end)."""
    words = list(WORD.finditer(normalize(text)))
    tokens = [w.group(0).lower() for w in words]
    i = 0
    while i < len(words):
        word = tokens[i]
        start_index = i
        if word in ("a", "ए") and tokens[i + 1 : i + 3] in (["p", "p"], ["पी", "पी"]):
            i += 3
        elif word in _APP_WORDS:
            i += 1
        else:
            i += 1
            continue
        digits, end, repeat = "", None, 1
        year = _spoken_year(tokens, i)
        if year is not None:
            digits, i = year
            end = words[i - 1].end()
        while i < len(words):
            token = tokens[i]
            if token in ("double", "डबल", "డబుల్"):
                repeat = 2
            elif token.isdigit() or token in _DIGIT_WORDS:
                digits += (token if token.isdigit() else _DIGIT_WORDS[token]) * repeat
                repeat, end = 1, words[i].end()
            else:
                break
            i += 1
        if 5 <= len(digits) <= 10 and end is not None:  # a year alone (4 digits) is no id
            return f"APP-{digits[:4]}-{int(digits[4:]):06d}", words[start_index].start(), end
    return None


def normalize_application_id(text: str) -> str | None:
    """'app 2025 123', 'APP2025000123', 'app-2025-000123' → 'APP-2025-000123'."""
    match = _APPLICATION_ID.search(normalize(text))
    if not match:
        return None
    return f"APP-{match.group(1)}-{int(match.group(2)):06d}"


def _build_index(names: Dict[str, List[str]], skip: frozenset = frozenset()) -> Dict[str, str]:
    index: Dict[str, str] = {}
    for code, phrases in names.items():
        for phrase in phrases:
            key = skeleton_phrase(phrase, skip)
            if key:
                index.setdefault(key, code)
    return index


@lru_cache(maxsize=1)
def service_name_words() -> Tuple[frozenset, List[List[str]], frozenset]:
    """(filler words, groups of words for one kind of document, words matched only
    as spelt): data/service_name_words.yml."""
    raw = yaml.safe_load(SERVICE_NAME_WORDS_PATH.read_text(encoding="utf-8")) or {}
    fillers = frozenset(str(w).lower() for words in (raw.get("fillers") or {}).values() for w in words)
    kinds = [[str(w).lower() for w in words] for words in (raw.get("kinds") or {}).values()]
    spelt_only = frozenset(str(w).lower() for w in raw.get("spelt_only") or [])
    return fillers, kinds, spelt_only


def service_names() -> Dict[str, List[str]]:
    """Every catalogue name and alias of each service code."""
    return {code: list(service.name.values()) + service.aliases for code, service in catalogue().services.items()}


def kind_variants(phrase: str, kinds: List[List[str]]) -> List[str]:
    """"OBC certificate" → "OBC praman patra", "OBC सर्टिफिकेट", …: the same name
    ending in another word for its kind of document."""
    text = normalize(phrase).lower()
    for words in kinds:
        for word in words:
            if text.endswith(" " + word):
                stem = text[: -len(word)]
                if len(skeleton_phrase(stem).replace(" ", "")) < 3:
                    return []  # "ec": its sound is the Hindi "ek"
                return [stem + other for other in words if other != word]
    return []


def service_index() -> Dict[str, str]:
    """Skeleton of every catalogue name and alias (and their kind variants) →
    service code; fillers skipped. The catalogue's own names come first, so a
    made-up variant never takes a name from another service."""
    fillers, kinds, _ = service_name_words()
    names = service_names()
    index = _build_index(names, fillers)
    made = {code: [v for p in phrases for v in kind_variants(p, kinds)] for code, phrases in names.items()}
    for key, code in _build_index(made, fillers).items():
        index.setdefault(key, code)
    return index


@lru_cache(maxsize=1)
def info_topic_words() -> Dict[str, List[str]]:
    raw = yaml.safe_load(INFO_TOPICS_PATH.read_text(encoding="utf-8")) or {}
    return {topic: [str(word) for word in words] for topic, words in raw.items()}


@lru_cache(maxsize=1)
def emergency_words() -> Tuple[List[str], frozenset]:
    """(danger words and phrases, everyday words that only count as spelt): data/emergency_words.yml."""
    raw = yaml.safe_load(EMERGENCY_WORDS_PATH.read_text(encoding="utf-8")) or {}
    spelt_only = frozenset(str(word).lower() for word in raw.pop("spelt_only", None) or [])
    return [str(word) for words in raw.values() for word in words], spelt_only


class PhraseMatcher:
    """Finds known phrases in text by their skeletons, longest first."""

    def __init__(
        self, index: Dict[str, str], phrases: Iterable[str] = (), skip: frozenset = frozenset(),
        spelt_only: frozenset = frozenset(),
    ) -> None:
        self.index = index
        self.skip = skip  # filler words, left out of the index's keys too
        self.words = {p.strip().lower() for p in phrases}
        self.short_words = {p for p in self.words if len(skeleton_phrase(p)) <= 2}
        # Common short words match only as spelt in a name: English "is" sounds
        # like "ईसी" (EC), and "is my certificate" names no EC.
        self.spelt_only = spelt_only
        self.parts = {w.lower() for p in self.words for w in WORD.findall(p)}
        self.longest = max((len(k.split()) for k in index), default=0)

    def lookup(self, value: str, cutoff: float | None = 0.8) -> str | None:
        """The code a phrase names: exactly by sound, else (with a cutoff) the closest."""
        key = skeleton_phrase(value, self.skip)
        if not key:
            return None
        if key in self.index:
            # A sound this short ("dl") must be the very word: "DL", not "dal".
            if len(key) <= 2 and value.strip().lower() not in self.short_words:
                return None
            return self.index[key]
        if cutoff is None:
            return None
        close = difflib.get_close_matches(key, list(self.index), n=1, cutoff=cutoff)
        return self.index[close[0]] if close else None

    def find(self, text: str, shortest: int = 4, listed_words: bool = False) -> List[Tuple[int, int, str]]:
        """Known phrases in `text`; one word alone must have a skeleton of
        `shortest` letters, or be a listed short word itself ("DL"), or with
        `listed_words` any listed word as spelt ("kharcha", not "patra" for पात्र)."""
        words = [
            (m.start(), m.end(), skeleton(m.group(0)), m.group(0).lower())
            for m in WORD.finditer(text)
            if m.group(0).lower() not in self.skip and skeleton(m.group(0))
        ]
        literal = self.words if listed_words else self.short_words
        found: List[Tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                key = " ".join(w[2] for w in words[i : i + size])
                if key not in self.index:
                    continue
                # One short word alone ("bl") is too weak to name a service.
                strong = size > 1 or len(key) >= shortest or words[i][3] in literal
                spelt = all(w[3] not in self.spelt_only or w[3] in self.parts for w in words[i : i + size])
                if strong and spelt:
                    found.append((words[i][0], words[i + size - 1][1], self.index[key]))
                    i += size
                    break
            else:
                i += 1
        return found


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class CatalogueEntityMapper(GraphComponent):
    """Runs after the classifiers: maps `service` spans to catalogue codes (and finds
    catalogue names the CRF missed), extracts `application_id` and `number` by
    rule, maps `language` to te/hi/en, and treats a bare number as a menu pick."""

    def __init__(self) -> None:
        services = catalogue().services.values()
        fillers, _, spelt_only = service_name_words()
        self.services = PhraseMatcher(
            service_index(), [p for s in services for p in [*s.name.values(), *s.aliases]],
            skip=fillers, spelt_only=spelt_only,
        )
        self.languages = PhraseMatcher(_build_index(LANGUAGE_NAMES), [p for ps in LANGUAGE_NAMES.values() for p in ps])
        danger, everyday = emergency_words()
        self.emergency = PhraseMatcher(_build_index({"emergency": danger}), danger, spelt_only=everyday)
        topics = info_topic_words()
        self.topics = PhraseMatcher(_build_index(topics), [p for ps in topics.values() for p in ps])
        self.topic_codes = set(topics)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogueEntityMapper:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                self._process_one(message, text)
        return messages

    def _process_one(self, message: Message, text: str) -> None:
        shortcut = MENU_SHORTCUTS.get(text.strip().lower())
        if shortcut:
            # "0" is the main menu and "#" goes back, in every menu and form.
            self._force_intent(message, shortcut)
            message.set(ENTITIES, [], add_to_output=True)
            return
        if not has_content(text):
            # Emoji, a sticker's placeholder, punctuation: nothing to classify.
            self._force_intent(message, "out_of_scope")
            message.set(ENTITIES, [], add_to_output=True)
            return
        intent = (message.get(INTENT) or {}).get("name")  # the classifier's; _numbers may still change it
        entities = message.get(ENTITIES) or []
        kept: List[Dict[str, Any]] = []
        unsure: List[Dict[str, Any]] = []
        for entity in entities:
            name = entity.get("entity")
            if name in ("application_id", "number"):
                continue  # found by rule below, more reliably than by the CRF
            if name == "service":
                code = self.services.lookup(str(entity.get("value", "")), cutoff=None)
                if not code:
                    unsure.append(entity)
                    continue
                entity = {**entity, "value": code}
            if name == "info_topic":
                # The CRF returns the words ("how long", "कितने दिन"); the bot needs the topic.
                topic = self._topic(str(entity.get("value", "")))
                if not topic:
                    continue
                entity = {**entity, "value": topic}
            if name == "language":
                code = self.languages.lookup(str(entity.get("value", "")), cutoff=0.7)
                if not code:
                    continue
                entity = {**entity, "value": code}
            kept.append(entity)

        phrases = self.services.find(text)
        if any(e["entity"] == "service" for e in kept):
            # The CRF's span "DL" inside the catalogue's "DL renewal": the longer name wins.
            kept = [self._longest_name(e, phrases, text) for e in kept]
        else:
            # A catalogue name in the text beats a guess from the CRF's span.
            for start, end, code in phrases:
                kept.append(self._entity("service", code, text, start, end))
        if not any(e["entity"] == "service" for e in kept):
            for entity in unsure:
                code = self.services.lookup(str(entity.get("value", "")), cutoff=0.85)
                if code:
                    kept.append({**entity, "value": code})
        if intent == "file_grievance":
            # The intent itself names the grievance service; its contract has no entities.
            kept = [e for e in kept if not (e["entity"] == "service" and e["value"] == GRIEVANCE_SERVICE)]
        if intent == "service_info" and not any(e["entity"] == "info_topic" for e in kept):
            # A question the CRF found no topic span in: "kitne din lagenge" still asks about days.
            for start, end, topic in self.topics.find(text, listed_words=True)[:1]:
                kept.append(self._entity("info_topic", topic, text, start, end))
        if intent == "change_language" and not any(e["entity"] == "language" for e in kept):
            for start, end, code in self.languages.find(text, listed_words=True):
                kept.append(self._entity("language", code, text, start, end))
        kept = asked_language(kept, text)

        for match in _TICKET_ID.finditer(text):
            value = f"GRV-{match.group(1)}-{int(match.group(2)):06d}"
            kept.append(self._entity("ticket_id", value, text, match.start(), match.end()))
        spoken = spoken_application_id(text)  # also "app 2025 099 100", split by a pause
        if spoken:
            kept.append(self._entity("application_id", spoken[0], text, spoken[1], spoken[2]))
        else:
            for match in _APPLICATION_ID.finditer(text):
                value = f"APP-{match.group(1)}-{int(match.group(2)):06d}"
                kept.append(self._entity("application_id", value, text, match.start(), match.end()))

        if looks_like_date(text):
            # "12 మార్చి 1985" answers a form's date question; its numbers pick nothing.
            if intent == "menu_select":
                self._force_intent(message, "inform")
        else:
            self._numbers(message, text, kept)
        message.set(ENTITIES, kept, add_to_output=True)
        if intent != "emergency" and not any(e["entity"] == "service" for e in kept):
            if self.emergency.find(text, listed_words=True):
                # "ఎవరో కత్తితో బెదిరిస్తున్నారు": the numbers now, whatever the classifier guessed.
                self._force_intent(message, "emergency")

    def _longest_name(self, entity: Dict[str, Any], phrases: List[Tuple[int, int, str]], text: str) -> Dict[str, Any]:
        if entity["entity"] != "service" or "start" not in entity:
            return entity
        for start, end, code in phrases:
            overlaps = start < entity["end"] and entity["start"] < end
            if overlaps and end - start > entity["end"] - entity["start"] and code != entity["value"]:
                return self._entity("service", code, text, start, end)
        return entity

    def _topic(self, span: str) -> str | None:
        if span in self.topic_codes:
            return span
        found = self.topics.find(span, shortest=3)
        return found[0][2] if found else self.topics.lookup(span, cutoff=0.85)

    def _numbers(self, message: Message, text: str, kept: List[Dict[str, Any]]) -> None:
        intent = message.get(INTENT) or {}
        mentions = find_numbers(text, by_sound=intent.get("name") == "menu_select")
        if len(mentions) > 1:
            # "the fourth one": "one" is a filler next to another number.
            mentions = [m for m in mentions if m.text.lower() != "one"] or mentions
        if not mentions:
            return
        words = [w.lower() for w in WORD.findall(text)]
        number_words = {m.text.lower() for m in mentions}
        bare = len({m.value for m in mentions}) == 1 and all(
            w in number_words or w in MENU_FILLERS for w in words
        )
        if bare:
            # "2", "రెండు", "option 3": always a menu pick, whatever the classifier thought.
            self._force_intent(message, "menu_select")
        elif intent.get("name") != "menu_select":
            return
        for m in mentions[:1] if bare else mentions:
            kept.append(self._entity("number", str(m.value), text, m.start, m.end))

    @staticmethod
    def _force_intent(message: Message, name: str) -> None:
        # The rest drop to 0 so FallbackClassifier's ambiguity check stays quiet.
        ranking = [
            {**r, "confidence": 0.0} for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name
        ]
        top = {"name": name, "confidence": 1.0}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)

    @staticmethod
    def _entity(name: str, value: str, text: str, start: int, end: int) -> Dict[str, Any]:
        return {
            "entity": name,
            "value": value,
            "start": start,
            "end": end,
            "confidence_entity": 1.0,
            "extractor": EXTRACTOR,
        }
