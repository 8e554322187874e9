"""Field validators shared by POST /validate and the application endpoint.

Each validator takes the citizen's raw text and returns the normalised value or
raises ValidationFailure(code, message, params). Digits may be typed in Telugu
or Devanagari; they are folded to ASCII first.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from sahaya.catalogue import Field

from .clock import today_ist

NAME_MIN, NAME_MAX = 2, 80
TEXT_MAX = 500
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATE_FORMAT_HINT = "DD-MM-YYYY"


class ValidationFailure(Exception):
    def __init__(self, code: str, message: str, params: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params or {}


# --- helpers -------------------------------------------------------------------

def fold_digits(text: str) -> str:
    """Telugu (౦-౯), Devanagari (०-९) and other decimal digits to ASCII."""
    out = []
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            try:
                out.append(str(unicodedata.decimal(ch)))
                continue
            except ValueError:
                pass
        out.append(ch)
    return "".join(out)


def _clean(value: str) -> str:
    # Drop control characters but keep ZWJ/ZWNJ (Cf), which Indic text uses.
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc" or ch in "\n\t").strip()


# --- Verhoeff (the Aadhaar check digit) ----------------------------------------

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# Row i is the permutation (1 5 7 6 2 8 3 0 9 4) applied i times.
_SIGMA = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = [tuple(range(10))]
for _ in range(7):
    _P.append(tuple(_SIGMA[d] for d in _P[-1]))
_P = tuple(_P)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_valid(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_check_digit(digits: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


# --- validators ----------------------------------------------------------------

def validate_aadhaar(value: str) -> str:
    raw = fold_digits(_clean(value))
    digits = re.sub(r"[\s-]", "", raw)
    if not digits.isdigit() or not digits.isascii():
        raise ValidationFailure(
            "aadhaar_invalid", "Aadhaar must contain only digits", {"reason": "characters"}
        )
    if len(digits) != 12:
        raise ValidationFailure(
            "aadhaar_length",
            f"Aadhaar has 12 digits, got {len(digits)}",
            {"expected": 12, "got": len(digits)},
        )
    if digits[0] in "01":
        raise ValidationFailure(
            "aadhaar_invalid", "Aadhaar never starts with 0 or 1", {"reason": "first_digit"}
        )
    if not verhoeff_valid(digits):
        raise ValidationFailure("aadhaar_checksum", "Aadhaar check digit does not match", {})
    return digits


def mask_aadhaar(digits: str) -> str:
    return f"XXXX XXXX {digits[-4:]}"


def aadhaar_hash(key: str, digits: str) -> str:
    """Keyed hash so the same Aadhaar can be matched without storing it."""
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


def validate_mobile(value: str) -> str:
    raw = fold_digits(_clean(value))
    digits = re.sub(r"[\s\-()]", "", raw)
    digits = digits.removeprefix("+")
    if not digits.isdigit() or not digits.isascii():
        raise ValidationFailure(
            "mobile_invalid",
            "a mobile number has only digits",
            {"reason": "characters", "expected": 10},
        )
    if len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValidationFailure(
            "mobile_invalid",
            f"an Indian mobile number has 10 digits, got {len(digits)}",
            {"reason": "length", "expected": 10, "got": len(digits)},
        )
    if digits[0] not in "6789":
        raise ValidationFailure(
            "mobile_invalid",
            "an Indian mobile number starts with 6, 7, 8 or 9",
            {"reason": "prefix", "expected": 10, "got": 10},
        )
    return digits


def validate_pincode(value: str) -> str:
    digits = re.sub(r"\s", "", fold_digits(_clean(value)))
    if not re.fullmatch(r"[1-9][0-9]{5}", digits):
        raise ValidationFailure(
            "pincode_invalid",
            "a PIN code has 6 digits and does not start with 0",
            {"expected": 6, "got": sum(ch.isdigit() for ch in digits)},
        )
    return digits


_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})")
# "15 August 1990", "15-aug-1990", "August 15, 1990", "15 ఆగస్టు 1990", "15 अगस्त 1990":
# people write the month's name more often than its number.
_NAMED_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[-/., ]*([^\W\d_][\w\u0900-\u097F\u0C00-\u0C7F]*)[-/., ]*(\d{4})")
_NAMED_MDY = re.compile(r"([^\W\d_][\w\u0900-\u097F\u0C00-\u0C7F]*)[-/., ]*(\d{1,2})(?:st|nd|rd|th)?[-/., ]+(\d{4})")
MONTH_NAMES = {
    1: ["january", "jan", "janvari", "जनवरी", "జనవరి"],
    2: ["february", "feb", "farvari", "februari", "फरवरी", "फ़रवरी", "ఫిబ్రవరి"],
    3: ["march", "mar", "मार्च", "మార్చి", "మార్చ్"],
    4: ["april", "apr", "aprail", "अप्रैल", "ఏప్రిల్", "ఎప్రిల్"],
    5: ["may", "mai", "मई", "మే"],
    6: ["june", "jun", "joon", "जून", "జూన్"],
    7: ["july", "jul", "julai", "जुलाई", "జూలై", "జులై"],
    8: ["august", "aug", "agast", "agastu", "अगस्त", "ఆగస్టు", "ఆగష్టు", "ఆగస్ట్"],
    9: ["september", "sep", "sept", "sitambar", "सितंबर", "सितम्बर", "సెప్టెంబర్", "సెప్టెంబరు"],
    10: ["october", "oct", "aktubar", "aktoobar", "अक्टूबर", "अक्तूबर", "అక్టోబర్", "అక్టోబరు"],
    11: ["november", "nov", "navambar", "नवंबर", "नवम्बर", "నవంబర్", "నవంబరు"],
    12: ["december", "dec", "disambar", "दिसंबर", "दिसम्बर", "డిసెంబర్", "డిసెంబరు"],
}
_MONTHS = {name: number for number, names in MONTH_NAMES.items() for name in names}


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a whole-text date in any accepted form, else None."""
    m = _ISO.fullmatch(text)
    if m:
        return tuple(int(g) for g in m.groups())
    m = _DMY.fullmatch(text)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        return y, mo, d
    m = _NAMED_DMY.fullmatch(text)
    if m and m.group(2).lower() in _MONTHS:
        return int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))
    m = _NAMED_MDY.fullmatch(text)
    if m and m.group(1).lower() in _MONTHS:
        return int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))
    return None


def looks_like_date(value: str) -> bool:
    """True when the whole text is one date ("12 March 1985"): an answer, not a menu pick."""
    return _date_parts(re.sub(r"\s+", " ", fold_digits(_clean(value)))) is not None


def parse_date(value: str, check_range: bool = True) -> date:
    text = re.sub(r"\s+", " ", fold_digits(_clean(value)))
    parts = _date_parts(text)
    if not parts:
        raise ValidationFailure(
            "date_invalid", f"write the date as {DATE_FORMAT_HINT}", {"format": DATE_FORMAT_HINT}
        )
    y, mo, d = parts
    try:
        parsed = date(y, mo, d)
    except ValueError:
        raise ValidationFailure(
            "date_invalid", "no such date", {"format": DATE_FORMAT_HINT}
        ) from None
    if check_range and not (DATE_MIN <= parsed <= DATE_MAX):
        raise ValidationFailure(
            "date_invalid",
            f"dates must be between {DATE_MIN} and {DATE_MAX}",
            {"format": DATE_FORMAT_HINT, "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )
    return parsed


def validate_date(value: str) -> str:
    return parse_date(value).isoformat()


def validate_past_date(value: str, today: date | None = None) -> str:
    parsed = parse_date(value, check_range=False)
    today = today or today_ist()
    if parsed > today:
        raise ValidationFailure(
            "date_in_future", "this date cannot be in the future", {"today": today.isoformat()}
        )
    return parse_date(value).isoformat()


_NAME_RANGES = (
    (0x0C00, 0x0C7F),  # Telugu
    (0x0900, 0x097F),  # Devanagari
    (0xA8E0, 0xA8FF),  # Devanagari Extended
    (0x0041, 0x005A),
    (0x0061, 0x007A),
    (0x00C0, 0x024F),  # Latin-1 letters, Latin Extended-A/B
)


def _name_char_ok(ch: str) -> bool:
    if ch in " .\u200c\u200d":
        return True
    cp = ord(ch)
    if not any(lo <= cp <= hi for lo, hi in _NAME_RANGES):
        return False
    # letters and combining vowel signs / virama, not digits or dandas
    return unicodedata.category(ch)[0] in ("L", "M")


def validate_name(value: str) -> str:
    name = re.sub(r"\s+", " ", _clean(value))
    bad = sorted({ch for ch in name if not _name_char_ok(ch)})
    if bad:
        raise ValidationFailure(
            "name_invalid",
            "a name has only letters (Telugu, Devanagari or Latin), spaces and dots",
            {"reason": "characters"},
        )
    letters = len(name)
    if not (NAME_MIN <= letters <= NAME_MAX) or not any(
        unicodedata.category(ch)[0] == "L" for ch in name
    ):
        raise ValidationFailure(
            "name_invalid",
            f"a name has {NAME_MIN} to {NAME_MAX} characters",
            {"reason": "length", "min": NAME_MIN, "max": NAME_MAX, "got": letters},
        )
    return name


def validate_text(value: str, max_length: int = TEXT_MAX) -> str:
    text = _clean(value)
    if not text:
        raise ValidationFailure("text_empty", "this answer cannot be empty", {})
    if len(text) > max_length:
        raise ValidationFailure(
            "text_too_long",
            f"at most {max_length} characters",
            {"max": max_length, "got": len(text)},
        )
    return text


def validate_number(value: str) -> str:
    text = re.sub(r"[\s,]", "", fold_digits(_clean(value)))
    if not re.fullmatch(r"[0-9]{1,15}", text):
        raise ValidationFailure("number_invalid", "write a whole number using digits", {})
    return str(int(text))


def validate_amount(value: str) -> str:
    text = fold_digits(_clean(value))
    text = re.sub(r"(?i)^(₹|rs\.?|inr)\s*", "", text)
    text = re.sub(r"[\s,]", "", text)
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,2})?", text):
        raise ValidationFailure(
            "amount_invalid", "write an amount in rupees, e.g. 120000 or 1500.50", {"max_decimals": 2}
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a number
        raise ValidationFailure("amount_invalid", "not an amount", {}) from None
    if amount == amount.to_integral_value():
        return str(int(amount))
    return f"{amount:.2f}"


def validate_consumer_number(value: str) -> str:
    text = re.sub(r"[\s\-/]", "", fold_digits(_clean(value))).upper()
    if not re.fullmatch(r"[A-Z0-9]{4,20}", text):
        raise ValidationFailure(
            "consumer_number_invalid",
            "4 to 20 letters or digits",
            {"min": 4, "max": 20},
        )
    return text


def validate_document(value: str) -> str:
    """A reference to a document the citizen sent (media id, file name or sha256)."""
    try:
        return validate_text(value)
    except ValidationFailure as exc:
        raise ValidationFailure("document_invalid", "send the document as a file", exc.params) from None


def validate_choice(value: str, field: Field | None) -> str:
    if field is None or not field.choices:
        raise ValidationFailure(
            "choice_unknown_field", "a choice needs the field it belongs to", {}
        )
    text = fold_digits(_clean(value))
    key = text.casefold()
    for choice in field.choices:
        if key == choice.code.casefold():
            return choice.code
        if any(key == (n or "").strip().casefold() for n in choice.name.values()):
            return choice.code
    if text.isdigit() and 1 <= int(text) <= len(field.choices):
        return field.choices[int(text) - 1].code
    raise ValidationFailure(
        "choice_invalid",
        "pick one of the listed options",
        {"choices": [c.code for c in field.choices]},
    )


_SIMPLE: dict[str, Callable[[str], str]] = {
    "name": validate_name,
    "aadhaar": validate_aadhaar,
    "mobile": validate_mobile,
    "pincode": validate_pincode,
    "date": validate_date,
    "past_date": validate_past_date,
    "text": validate_text,
    "number": validate_number,
    "amount": validate_amount,
    "document": validate_document,
    "consumer_number": validate_consumer_number,
}

FIELD_TYPES = tuple(_SIMPLE) + ("choice",)


def validate_value(field_type: str, value: str, field: Field | None = None) -> str:
    """Validate one answer; `field` is needed for choices."""
    if not isinstance(value, str):
        raise ValidationFailure("validation", "value must be text", {})
    if len(value) > 2000:
        raise ValidationFailure("text_too_long", "answer too long", {"max": 2000, "got": len(value)})
    if field_type == "choice":
        return validate_choice(value, field)
    validator = _SIMPLE.get(field_type)
    if validator is None:
        raise ValidationFailure(
            "unknown_field_type", f"unknown field type {field_type!r}", {"types": list(FIELD_TYPES)}
        )
    return validator(value)
