"""Text helpers shared by the NLU components and the actions.

`normalize` cleans what citizens type (NFC, zero-width characters, Indic
digits); `skeleton` maps a word in Telugu, Devanagari or Latin letters to one
script-independent key, so "इनकम", "ఇన్కమ్" and "income" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Tuple

from indic_transliteration import sanscript

# A word in any of the three scripts, vowel signs and viramas included.
WORD = re.compile(r"[\w\u0900-\u097F\u0C00-\u0C7F]+")
# ZWNJ/ZWJ change nothing a reader sees but give "పెన్షన్‌" two spellings.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_DIGITS = {}
for _zero in (0x0C66, 0x0966):  # Telugu ౦, Devanagari ०
    for _i in range(10):
        _DIGITS[_zero + _i] = str(_i)

TELUGU = "te"
DEVANAGARI = "hi"
LATIN = "latin"

# Everything the NLU sees is cut to this; a 10,000-character paste is not a request.
MAX_NLU_CHARS = 1000


def normalize(text: str) -> str:
    """NFC, no zero-width characters, ASCII digits, single spaces."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.translate(_INVISIBLE).translate(_DIGITS)
    return re.sub(r"\s+", " ", text).strip()


def normalize_with_offsets(text: str) -> Tuple[str, List[int]]:
    """Like `normalize`, also returning where each original offset lands.

    Training examples carry entity offsets; they must survive the clean-up.
    """
    text = unicodedata.normalize("NFC", text or "")
    out: List[str] = []
    mapping: List[int] = []
    previous_space = True  # drops leading spaces
    for ch in text:
        mapping.append(len(out))
        if ord(ch) in _INVISIBLE:
            continue
        ch = _DIGITS.get(ord(ch), ch)
        if ch.isspace():
            if previous_space:
                continue
            ch = " "
            previous_space = True
        else:
            previous_space = False
        out.append(ch)
    mapping.append(len(out))
    result = "".join(out)
    stripped = result.rstrip()
    mapping = [min(m, len(stripped)) for m in mapping]
    return stripped, mapping


def script_of(char: str) -> str | None:
    code = ord(char)
    if 0x0C00 <= code <= 0x0C7F:
        return TELUGU
    if 0x0900 <= code <= 0x097F:
        return DEVANAGARI
    if char.isascii() and char.isalpha():
        return LATIN
    return None


def dominant_script(text: str) -> str | None:
    """The script most letters of `text` are in (None if it has no letters)."""
    counts = {TELUGU: 0, DEVANAGARI: 0, LATIN: 0}
    for ch in text:
        script = script_of(ch)
        if script:
            counts[script] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def indic_script(text: str) -> str | None:
    """Telugu or Devanagari if the text has any of it: "నాకు caste certificate
    కావాలి" is Telugu, however many English words it borrows."""
    telugu = sum(1 for ch in text if script_of(ch) == TELUGU)
    devanagari = sum(1 for ch in text if script_of(ch) == DEVANAGARI)
    if not telugu and not devanagari:
        return None
    return TELUGU if telugu >= devanagari else DEVANAGARI


def has_content(text: str) -> bool:
    """True if the text has a letter or digit in any script (not only emoji)."""
    return any(ch.isalnum() or script_of(ch) for ch in text or "")


# Sounds romanization spells many ways fold to one letter. Order matters.
_LATIN_FOLDS = [
    (r"ch", "C"),  # keep "ch" apart from hard c
    (r"c(?=[eiy])", "s"),
    (r"ck", "k"),
    (r"c", "k"),
    (r"C", "c"),
    (r"ph", "f"),
    (r"tio(?=n)", "sh"),  # "ration" is spoken "rashan"
    (r"([kgjtdpbs])h", r"\1"),  # aspirates and sh: kh, gh, th, dh, bh, sh
    (r"q", "k"),
    (r"x", "ks"),
    (r"w", "v"),
    (r"z", "j"),
]
_VOWELS = set("aeiouy")


@lru_cache(maxsize=50_000)
def skeleton(word: str) -> str:
    """Script-independent key of one word: consonant skeleton of its sound.

    Native script goes through Harvard-Kyoto; its inherent "a" (इनकम →
    "inakama") then disappears with the other vowels, so it meets "income".
    """
    word = normalize(word)
    script = dominant_script(word)
    if script in (TELUGU, DEVANAGARI):
        # Harvard-Kyoto has no letter for the English "o" of "office".
        word = word.replace("ऑ", "ओ").replace("ॉ", "ो")
        word = sanscript.transliterate(
            word, sanscript.TELUGU if script == TELUGU else sanscript.DEVANAGARI,
            sanscript.HK,
        )
        # Anusvara sounds as m before p/b/m ("संपत्ति" = sampatti) and at the end
        # of a Telugu word ("పత్రం" = patram), as n elsewhere ("में" = mein);
        # z is HK's palatal s.
        word = re.sub(r"M(?=[pbm])", "m", word)
        if script == TELUGU:
            word = re.sub(r"M$", "m", word)
        word = word.replace("M", "n").replace("z", "s").replace("S", "s")
        word = unicodedata.normalize("NFD", word)
        word = "".join(ch for ch in word if not unicodedata.combining(ch))
        # HK's c is always the "ch" of चाहिए, never the hard c of "card".
        word = word.lower().replace("ch", "C").replace("c", "C")
    else:
        word = word.lower()
    for pattern, replacement in _LATIN_FOLDS:
        word = re.sub(pattern, replacement, word)
    word = "".join(ch for ch in word if ch.isascii() and ch.isalnum())
    if not word:
        return ""
    if word.isdigit():
        return word
    head, rest = word[0], word[1:]
    consonants = [ch for ch in rest if ch not in _VOWELS and ch != "h"]
    collapsed: List[str] = []
    for ch in consonants:
        if not collapsed or collapsed[-1] != ch:
            collapsed.append(ch)
    return head + "".join(collapsed)


def skeleton_phrase(text: str, skip: frozenset = frozenset()) -> str:
    """Skeleton of each word, space-joined: the key for matching phrases.
    Words in `skip` (fillers such as "ki", "of") are left out."""
    return " ".join(filter(None, (skeleton(w) for w in WORD.findall(normalize(text)) if w.lower() not in skip)))
