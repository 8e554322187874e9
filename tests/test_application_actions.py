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


DISTRICT = catalogue().fields["district"]


def ask_district(domain, page_slot=None, language="en") -> dict:
    from actions.application import ASK_ACTIONS

    slots = {"language": language, "choice_page": page_slot}
    tracker = Tracker("919876543210", slots, {"text": "", "intent": {}, "entities": []}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ASK_ACTIONS["district"]().run(dispatcher, tracker, domain)
    return dispatcher.messages[0]


def answer_district(domain, text: str, page_slot=None) -> dict:
    import asyncio

    from actions.application import ValidateApplicationForm

    latest = {"text": text, "intent": {"name": "menu_select", "confidence": 1.0},
              "entities": [{"entity": "number", "value": text}]}
    tracker = Tracker("919876543210", {"language": "en", "choice_page": page_slot}, latest, [], False, None,
                      {"name": "application_form"}, "action_listen")
    form = ValidateApplicationForm()
    return asyncio.run(form.validate_field(DISTRICT, text, CollectingDispatcher(), tracker, domain))


def test_a_long_choice_list_pages_eight_at_a_time(domain):
    assert len(DISTRICT.choices) > 10
    first = ask_district(domain)
    assert len(first["buttons"]) == 9 and first["buttons"][-1]["title"] == "More ▶"
    more = answer_district(domain, "9")
    assert more == {"district": None, "choice_page": {"field": "district", "page": 1}}
    second = ask_district(domain, more["choice_page"])
    titles = [b["title"] for b in second["buttons"]]
    assert titles[0] == DISTRICT.choices[8].name["en"] and titles[-1] == "◀ Previous"
    # "2" on the second page is the tenth district, and does not count as a wrong answer
    picked = answer_district(domain, "2", more["choice_page"])
    assert picked["district"] == DISTRICT.choices[9].code and picked["choice_page"] is None


def test_a_paged_choice_question_speaks_the_citizens_language(domain):
    assert ask_district(domain, language="te")["buttons"][-1]["title"] == "మరిన్ని ▶"


@pytest.mark.parametrize(
    "intent, evidence, interrupts",
    [("stop", 0.0, False), ("stop", 1.0, True), ("check_status", 0.0, False), ("emergency", 0.0, True)],
)
def test_a_guessed_intent_does_not_interrupt_the_form(intent, evidence, interrupts):
    from actions.application import is_interruption

    latest = {"text": "Rekha Rani", "intent": {"name": intent, "confidence": 0.85}, "entities": [],
              "intent_evidence": evidence}
    tracker = Tracker("919876543210", {"requested_slot": "applicant_name"}, latest, [], False, None,
                      {"name": "application_form"}, "action_listen")
    assert is_interruption(tracker) is interrupts


@pytest.mark.parametrize("text, slot, interrupts", [
    ("skip", "supporting_document", False), ("తర్వాత", "supporting_document", False),
    ("skip", "applicant_name", True), ("stop", "supporting_document", True),
])
def test_skip_at_an_upload_is_an_answer_not_stop(text, slot, interrupts):
    from actions.application import is_interruption

    latest = {"text": text, "intent": {"name": "stop", "confidence": 0.99}, "entities": [], "intent_evidence": 1.0}
    tracker = Tracker("919876543210", {"requested_slot": slot}, latest, [], False, None,
                      {"name": "application_form"}, "action_listen")
    assert is_interruption(tracker) is interrupts


def fee_due_events(application: dict, active_loop: dict) -> tuple[list, list]:
    from actions.tracking import fee_due

    tracker = Tracker("919876543210", {"language": "te"}, {"text": "", "intent": {}, "entities": []}, [], False,
                      None, active_loop, "action_listen")
    dispatcher = CollectingDispatcher()
    events = fee_due(dispatcher, tracker, application)
    return [m["response"] for m in dispatcher.messages], events


UNPAID = {"id": "APP-2026-000007", "service": "income_certificate", "status": "under_verification",
          "fee": 45, "fee_paid": False}


def test_an_unpaid_fee_is_named_and_its_link_sent_again():
    said, events = fee_due_events(UNPAID, {})
    assert said == ["utter_application_fee_due_link"]
    assert {"event": "followup", "timestamp": None, "name": "action_pay"} in events
    assert {"event": "slot", "timestamp": None, "name": "payment_reference", "value": UNPAID["id"]} in events


def test_inside_a_form_the_fee_is_named_but_the_form_goes_on():
    said, events = fee_due_events(UNPAID, {"name": "application_form"})
    assert said == ["utter_application_fee_due"] and events == []


@pytest.mark.parametrize("change", [{"fee_paid": True}, {"fee": 0}, {"status": "rejected"}])
def test_nothing_is_said_when_no_fee_holds_it_back(change):
    assert fee_due_events({**UNPAID, **change}, {}) == ([], [])
