"""The application form's start on real rasa-sdk trackers: what a first message fills up front."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionStartApplication, choice_mentioned
from sahaya.catalogue import catalogue

CATEGORY = catalogue().fields["grievance_category"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("मुझे शिकायत दर्ज करनी है, स्ट्रीट लाइट खराब है", "street_light"),
        ("మా వీధిలో వీధి దీపాలు వెలగడం లేదు", "street_light"),
        ("gali ki batti kharab hai", "street_light"),
        ("naali jam hai badbu aa rahi hai", "drainage"),
        ("kulayi neellu raavatledu", "water_supply"),
        ("రోడ్డు మీద గుంతలు పడ్డాయి", "roads"),
        ("officer ne rishwat maangi", "corruption"),
        ("I want to file a complaint", None),
        ("a complaint about the batting order", None),  # "batti" must be the whole word
    ],
)
def test_a_complaint_names_its_category_in_any_script(text, expected):
    choice = choice_mentioned(CATEGORY, text)
    assert (choice.code if choice else None) == expected


def start(text: str, intent: str, domain) -> dict:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}
    tracker = Tracker("919876543210", {"language": "hi"}, latest, [], False, None, {}, "action_listen")
    events = ActionStartApplication().run(CollectingDispatcher(), tracker, domain)
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_described_complaint_fills_its_type_and_details(domain):
    slots = start("हमारी गली की स्ट्रीट लाइट दस दिन से बंद है", "file_grievance", domain)
    assert slots["service"] == "public_grievance"
    assert slots["grievance_category"] == "street_light"
    assert slots["grievance_description"] == "हमारी गली की स्ट्रीट लाइट दस दिन से बंद है"


def test_a_bare_complaint_leaves_the_questions_to_the_form(domain):
    slots = start("शिकायत दर्ज करनी है", "file_grievance", domain)
    assert slots["grievance_category"] is None and slots["grievance_description"] is None
