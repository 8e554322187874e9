"""The menu actions on real rasa-sdk trackers: what they set and what they say."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import menu_state
from actions.menus import ActionAskAffirmation, ActionNavigate, ActionShowMenu, ValidateSlotMappings
from sahaya.catalogue import catalogue


def tracker(text: str, intent: str, entities=None, slots=None, events=None, **message) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [], **message}
    return Tracker("919876543210", slots or {}, latest, events or [], False, None, {}, "action_listen")


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_number_picks_from_the_menu_shown_last(domain):
    main = menu_state.with_options(menu_state.new_state("main"), catalogue())
    t = tracker("1", "menu_select", [{"entity": "number", "value": "1"}], {"language": "te", "menu": main})
    state = slot_events(ActionNavigate().run(CollectingDispatcher(), t, domain))["menu"]
    assert state["level"] == "department" and state["department"] == catalogue().departments[0].code

    dispatcher = CollectingDispatcher()
    shown = slot_events(ActionShowMenu().run(dispatcher, tracker("1", "menu_select", slots={"language": "te", "menu": state}), domain))["menu"]
    message = dispatcher.messages[0]
    assert message["response"] == "utter_department_menu"
    assert catalogue().departments[0].name["te"] == message["department"]
    first_service = catalogue().departments[0].services[0]
    assert f"1. {first_service.name['te']}" in message["options"]
    assert message["buttons"][0]["payload"] == '/menu_select{"number":"1"}'
    assert shown["options"][0] == f"svc:{first_service.code}"


def test_a_number_outside_the_menu_says_which_numbers_work(domain):
    state = menu_state.with_options(menu_state.new_state("service", service="income_certificate"), catalogue())
    t = tracker("9", "menu_select", [{"entity": "number", "value": "9"}], {"language": "hi", "menu": state})
    new = slot_events(ActionNavigate().run(CollectingDispatcher(), t, domain))["menu"]
    assert new["notice"] == {"name": "invalid_option", "max": 4}
    dispatcher = CollectingDispatcher()
    ActionShowMenu().run(dispatcher, tracker("9", "menu_select", slots={"language": "hi", "menu": new}), domain)
    assert dispatcher.messages[0] == {**dispatcher.messages[0], "response": "utter_invalid_option", "max": 4}
    assert dispatcher.messages[1]["response"] == "utter_service_menu"


def test_zero_and_back(domain):
    state = menu_state.new_state("service", service="income_certificate", department="revenue")
    back = slot_events(ActionNavigate().run(CollectingDispatcher(), tracker("#", "go_back", slots={"menu": state}), domain))
    assert back["menu"]["level"] == "department"
    zero = slot_events(ActionNavigate().run(CollectingDispatcher(), tracker("0", "main_menu", slots={"menu": state}), domain))
    assert zero["menu"]["level"] == "main"


def test_emoji_gets_a_readable_reply(domain):
    events = ActionNavigate().run(CollectingDispatcher(), tracker("😀", "out_of_scope"), domain)
    assert slot_events(events)["menu"]["notice"] == {"name": "no_text"}


def test_a_name_sent_with_no_question_asked_says_where_it_goes(domain):
    state = slot_events(ActionNavigate().run(CollectingDispatcher(), tracker("Venkat Reddy", "inform"), domain))["menu"]
    assert state["notice"] == {"name": "answer_without_question"}
    dispatcher = CollectingDispatcher()
    ActionShowMenu().run(dispatcher, tracker("Venkat Reddy", "inform", slots={"language": "te", "menu": state}), domain)
    assert dispatcher.messages[0]["response"] == "utter_answer_without_question"


def test_did_you_mean_offers_the_top_two_intents_and_the_menu(domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "service_info", "confidence": 0.4},
               {"name": "apply_service", "confidence": 0.3}, {"name": "greet", "confidence": 0.1}]
    t = tracker("income certificate?", "nlu_fallback", [{"entity": "service", "value": "income_certificate"}],
                {"language": "en"}, intent_ranking=ranking)
    dispatcher = CollectingDispatcher()
    state = slot_events(ActionAskAffirmation().run(dispatcher, t, domain))["menu"]
    assert state["options"] == [
        'say:/service_info{"service":"income_certificate"}',
        'say:/apply_service{"service":"income_certificate"}',
        "nav:main",
    ]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]][-1] == "/main_menu"


def test_a_number_after_did_you_mean_picks_what_was_offered(domain):
    # Rasa's two-stage fallback reverts the turn that showed "Did you mean …?",
    # and with it the menu slot; "2" still picks the second option shown.
    main = menu_state.with_options(menu_state.new_state("main"), catalogue())
    offered = menu_state.new_state("did_you_mean", options=["say:/pay_bill", "say:/file_grievance", "nav:main"])
    events = [
        {"event": "slot", "name": "menu", "value": main},
        {"event": "user", "text": "blah blah"},
        {"event": "slot", "name": "menu", "value": offered},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "2"},
        {"event": "rewind"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "2"},
    ]
    t = tracker("2", "menu_select", [{"entity": "number", "value": "2"}], {"language": "en", "menu": main}, events)
    navigated = ActionNavigate().run(CollectingDispatcher(), t, domain)
    replayed = [e["parse_data"]["intent"]["name"] for e in navigated if e.get("event") == "user"]
    assert replayed == ["file_grievance"]
    # Without a revert the slot is the menu on screen.
    t = tracker("2", "menu_select", [{"entity": "number", "value": "2"}], {"language": "en", "menu": main}, events[:1])
    state = slot_events(ActionNavigate().run(CollectingDispatcher(), t, domain))["menu"]
    assert state["level"] == "department"


def test_language_comes_from_the_first_message_and_a_clear_switch_only():
    extract = ValidateSlotMappings().extract_language
    first = tracker("నమస్కారం", "greet", language_detected="te", language_confidence=1.0)
    assert asyncio.run(extract(CollectingDispatcher(), first, {})) == {"language": "te"}
    english_question = tracker("what documents do I need", "service_info", slots={"language": "te"},
                               language_detected="en", language_confidence=0.99)
    assert asyncio.run(extract(CollectingDispatcher(), english_question, {})) == {}
    asked = tracker("English please", "change_language", [{"entity": "language", "value": "en"}], {"language": "te"})
    assert asyncio.run(extract(CollectingDispatcher(), asked, {})) == {"language": "en"}
