"""Texts that actions assemble (menu labels, fees) come from the domain's
responses like every other reply, picked by the citizen's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

LANGUAGES = ("te", "hi", "en")
DEFAULT_LANGUAGE = "en"


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def response_text(domain: dict[str, Any], name: str, language: str, **values: Any) -> str:
    """The text of response `name` for `language`, with {placeholders} filled.

    Same choice Rasa's NLG makes for the `language` slot: the variation
    conditioned on the language, else the one without a condition.
    """
    variations = (domain.get("responses") or {}).get(name) or []
    chosen: dict[str, Any] | None = None
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            chosen = variation
            break
        if not conditions and chosen is None:
            chosen = variation
    if chosen is None:
        raise KeyError(f"response {name!r} has no text for {language!r}")
    text = chosen.get("text", "")
    return text.format(**values) if values else text


def rupees(amount: Any) -> str:
    """₹45 not ₹45.0; paise only when there are some (₹1,234.50)."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def indian_date(value: Any) -> str:
    """2026-12-03 → 03-12-2026, the way dates are written on Indian forms."""
    text = str(value or "")
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}-{text[5:7]}-{text[:4]}"
    return text
