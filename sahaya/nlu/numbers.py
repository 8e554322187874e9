"""Numbers as citizens write them: digits in any script, number words and
ordinals in Telugu, Hindi and English (data/number_words.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

from sahaya.nlu.text import WORD, dominant_script, normalize, skeleton

NUMBER_WORDS_PATH = Path(__file__).resolve().parents[2] / "data" / "number_words.yml"

# "2nd", "3rd", "#2": digits with an ordinal suffix or sign still mean the digit.
_DIGITS = re.compile(r"^(\d{1,3})(?:st|nd|rd|th|va|vaa|vi|ava|o|వ|వది)?$")


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int
    value: int
    text: str


@lru_cache(maxsize=1)
def _tables() -> tuple[Dict[str, int], Dict[tuple, int]]:
    raw = yaml.safe_load(NUMBER_WORDS_PATH.read_text(encoding="utf-8")) or {}
    exact: Dict[str, int] = {}
    by_sound: Dict[tuple, int] = {}
    for value, words in raw.items():
        for word in words:
            word = normalize(str(word)).lower()
            exact[word] = int(value)
            key = skeleton(word)
            # A sound shared by two numbers is not evidence for either.
            # Two-letter sounds ("br" of baara) collide with ordinary words ("baar").
            if key and len(key) > 2:
                for length in range(len(word) - 1, len(word) + 3):
                    # A respelling is about as long as the word and in its script:
                    # "rendoo" is rendu, but "sevayein"/"सेवाएं" (skeleton svn) is not seven.
                    slot = (key, dominant_script(word), length)
                    by_sound[slot] = -1 if by_sound.get(slot, int(value)) != int(value) else int(value)
    return exact, {k: v for k, v in by_sound.items() if v > 0}


def find_numbers(text: str, by_sound: bool = True) -> List[NumberMention]:
    """Every number mention in `text`, offsets in the normalized text.

    `by_sound` also accepts unlisted spellings whose skeleton matches a listed
    word ("rendoo"); callers turn it off where ordinary words could collide.
    """
    exact, sounds = _tables()
    text = normalize(text)
    found: List[NumberMention] = []
    for match in WORD.finditer(text):
        word = match.group(0).lower()
        value: int | None = None
        digits = _DIGITS.match(word)
        if digits:
            value = int(digits.group(1))
        elif word in exact:
            value = exact[word]
        elif by_sound and len(word) > 3:
            value = sounds.get((skeleton(word), dominant_script(word), len(word)))
        if value is not None:
            found.append(NumberMention(match.start(), match.end(), value, match.group(0)))
    return found


def parse_choice(text: str) -> int | None:
    """The one number a short answer picks ("2", "రెండు", "the second one").

    None when the answer has no number or several different ones.
    """
    mentions = find_numbers(text)
    values = {m.value for m in mentions}
    if len(values) == 1:
        return values.pop()
    return None
