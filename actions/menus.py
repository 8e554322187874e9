"""Numbered menus: every navigation intent first updates the `menu` slot
(action_navigate), then action_show_menu renders it. Rendering in a separate
action means a language chosen this turn is already in the slot, so Rasa's
conditional responses answer in it."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker, ValidationAction
from rasa_sdk.events import (
    ActionExecuted,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa_sdk.executor import CollectingDispatcher

from actions import menu_state
from actions.i18n import LANGUAGES, language_of, response_text
from sahaya.catalogue import Service, catalogue
from sahaya.nlu.numbers import parse_choice
from sahaya.nlu.text import MAX_NLU_CHARS, has_content

LANGUAGE_NAMES = {"te": "తెలుగు", "hi": "हिंदी", "en": "English"}
# Intents worth offering in "Did you mean …?" (each has utter_intent_label_<name>).
OFFERABLE_INTENTS = (
    "apply_service", "service_info", "check_status", "download_certificate",
    "pay_bill", "file_grievance", "change_language", "human_handoff",
    "emergency", "help", "greet",
)  # the main menu is always offered as the last option
# A romanized message this long and this sure of its language is a clear switch.
CLEAR_SWITCH_WORDS = 4
CLEAR_SWITCH_CONFIDENCE = 0.85


def entity_value(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def detected_language(tracker: Tracker) -> str | None:
    language = tracker.latest_message.get("language_detected")
    return language if language in LANGUAGES else None


def language_for_message(tracker: Tracker) -> str | None:
    """The language this message asks for: an explicit change_language always;
    the detected one on first contact or when the citizen clearly switches."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    chosen = entity_value(tracker, "language")
    if intent == "change_language" and chosen in LANGUAGES:
        return chosen
    current = tracker.get_slot("language")
    detected = detected_language(tracker)
    if not detected or detected == current:
        return None
    if current is None:
        return detected
    if detected == "en":
        # English words are everyone's loanwords: "what documents do I need"
        # from a Telugu speaker is not a request for English replies.
        return None
    text = tracker.latest_message.get("text") or ""
    confidence = tracker.latest_message.get("language_confidence") or 0.0
    if len(text.split()) >= CLEAR_SWITCH_WORDS and confidence >= CLEAR_SWITCH_CONFIDENCE:
        return detected
    return None


def is_first_contact(tracker: Tracker) -> bool:
    return not any(event.get("event") == "bot" for event in tracker.events)


class ValidateSlotMappings(ValidationAction):
    """Runs after every message, before any other action: so the whole turn,
    form questions included, already answers in the language it set."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        language = language_for_message(tracker)
        return {"language": language} if language else {}


def current_state(tracker: Tracker) -> dict[str, Any]:
    """The menu on the citizen's screen.

    A reply to "Did you mean …?" that is not a fallback ends Rasa's two-stage
    fallback, which reverts the turn, the `menu` slot set by
    action_default_ask_affirmation included; the citizen's "2" still means
    the second option they were shown, so that menu comes back from the events.
    """
    reverted = False
    for event in reversed(tracker.events):
        if event.get("event") == "rewind":
            reverted = True
        elif event.get("event") == "slot" and event.get("name") == "menu":
            value = event.get("value")
            if reverted and isinstance(value, dict) and value.get("level") == "did_you_mean":
                return dict(value)
            break
    state = tracker.get_slot("menu")
    return dict(state) if isinstance(state, dict) else menu_state.new_state("main")


def fee_text(domain: dict[str, Any], service: Service, language: str) -> str:
    if service.kind == "payment":
        return response_text(domain, "utter_label_fee_bill", language)
    if service.fee == 0:
        return response_text(domain, "utter_label_free", language)
    return response_text(domain, "utter_label_rupees", language, amount=service.fee)


def days_text(domain: dict[str, Any], service: Service, language: str) -> str:
    if service.days == 0:
        return response_text(domain, "utter_label_days_instant", language)
    return response_text(domain, "utter_label_days", language, days=service.days)


def option_label(option: str, domain: dict[str, Any], language: str) -> str:
    kind, _, value = option.partition(":")
    cat = catalogue()
    if kind == "lang":
        return LANGUAGE_NAMES[value]
    if kind == "dept":
        department = cat.department(value)
        return department.name[language] if department else value
    if kind == "svc":
        service = cat.service(value)
        return service.name[language] if service else value
    if kind == "act":
        return response_text(domain, f"utter_label_{value}", language)
    if kind == "nav":
        return response_text(domain, f"utter_label_{value}", language)
    if kind == "say":
        intent = value.lstrip("/").split("{", 1)[0]
        return response_text(domain, f"utter_intent_label_{intent}", language)
    if kind == "do":
        return response_text(domain, f"utter_label_{value}", language)
    if kind == "edit":
        field = cat.fields.get(value)
        name = field.label[language] if field else value
        return response_text(domain, "utter_label_change", language, field=name)
    if kind == "app":
        return value
    return option


def apply_label(service: Service | None) -> str:
    """Apply / Pay / Book, by what kind of service it is."""
    if service and service.kind == "payment":
        return "pay"
    if service and service.kind == "booking":
        return "book"
    return "apply"


def render_options(
    options: list[str], domain: dict[str, Any], language: str, service: Service | None = None
) -> tuple[str, list[dict[str, str]]]:
    lines, buttons = [], []
    for number, option in enumerate(options, start=1):
        if option == "act:apply":
            label = response_text(domain, f"utter_label_{apply_label(service)}", language)
        else:
            label = option_label(option, domain, language)
        lines.append(f"{number}. {label}")
        buttons.append({"title": label, "payload": f'/menu_select{{"number":"{number}"}}'})
    return "\n".join(lines), buttons


class ActionNavigate(Action):
    """Works out where the citizen wants to go; action_show_menu shows it."""

    def name(self) -> str:
        return "action_navigate"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        cat = catalogue()
        events: list[EventType] = []
        first_contact = is_first_contact(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        state = current_state(tracker)
        state.pop("notice", None)

        if not has_content(text) and intent not in ("go_back", "main_menu"):  # "#" is back
            state["notice"] = {"name": "no_text"}
        elif intent == "greet":
            state = menu_state.new_state("language" if first_contact else "main", welcome=True)
        elif intent == "main_menu":
            state = menu_state.new_state("main")
        elif intent == "go_back":
            state = menu_state.parent(state, cat)
        elif intent == "menu_select":
            return events + self._select(tracker, state, text)
        elif intent == "change_language":
            # action_validate_slot_mappings has already switched the slot.
            if entity_value(tracker, "language") in LANGUAGES:
                state["notice"] = {"name": "language_changed"}
            else:
                state = menu_state.new_state("language")
        elif intent == "stop":
            state = menu_state.new_state("main", notice={"name": "stopped"})
        elif intent == "help":
            state = menu_state.new_state("main", notice={"name": "help"})
        elif intent == "service_info":
            state = self._service_info(tracker, state)
            if tracker.active_loop.get("name"):
                state["in_form"] = True  # answer, then the form asks its question again
        elif intent == "nlu_fallback":
            state["notice"] = {"name": "not_understood"}
        elif intent == "inform":
            # A name or an address with no question asked: say where it goes.
            state["notice"] = {"name": "answer_without_question"}
        else:  # out_of_scope, affirm or deny with nothing to confirm
            state["notice"] = {"name": "out_of_scope"}
        if len(text) >= MAX_NLU_CHARS:
            state["notice"] = {"name": "too_long"}
        return events + [SlotSet("menu", state)]

    def _select(self, tracker: Tracker, state: dict[str, Any], text: str) -> list[EventType]:
        cat = catalogue()
        number_text = entity_value(tracker, "number")
        number = int(number_text) if number_text and number_text.isdigit() else parse_choice(text)
        if number == 0:
            return [SlotSet("menu", menu_state.new_state("main"))]
        option = menu_state.option_for_number(state, number) if number is not None else None
        if option is None:
            count = len(state.get("options") or []) or len(menu_state.options_for(state, cat))
            state["notice"] = {"name": "invalid_option", "max": count}
            return [SlotSet("menu", state)]
        kind, _, value = option.partition(":")
        if kind == "lang":
            return [SlotSet("language", value), SlotSet("menu", menu_state.choose(state, option, cat))]
        if kind == "act" and value in ("apply", "status"):
            follow = "action_start_application" if value == "apply" else "action_check_status"
            return [SlotSet("service", state.get("service")), FollowupAction(follow)]
        if kind == "say":
            return replay_as_user(value)
        if kind == "do":  # confirm a summary, pay a bill, retry a submit
            follow = {"submit": "action_submit_application", "pay": "action_pay"}[value]
            return [FollowupAction(follow)]
        if kind == "edit":  # "2 to change the name": ask that one field again
            return [SlotSet(value, None), FollowupAction("application_form")]
        if kind == "app":  # an application picked from the citizen's own list
            follow = "action_send_certificate" if state.get("purpose") == "certificate" else "action_check_status"
            picked = {**state, "picked": value}
            return [SlotSet("application_id", value), SlotSet("menu", picked), FollowupAction(follow)]
        new = menu_state.choose(state, option, cat)
        events: list[EventType] = [SlotSet("menu", new)]
        if new.get("service"):
            events.append(SlotSet("service", new["service"]))
        return events

    @staticmethod
    def _service_info(tracker: Tracker, state: dict[str, Any]) -> dict[str, Any]:
        code = entity_value(tracker, "service") or state.get("service") or tracker.get_slot("service")
        service = catalogue().service(code or "")
        if not service:
            return menu_state.new_state("main", notice={"name": "which_service"})
        topic = entity_value(tracker, "info_topic")
        return menu_state.new_state(
            "info",
            service=service.code,
            department=service.department,
            topic=topic if topic in ("documents", "fee", "days", "eligibility") else None,
        )


def replay_as_user(payload: str) -> list[EventType]:
    """Replace the citizen's last message with the intent they picked."""
    name, _, raw = payload.lstrip("/").partition("{")
    entities = json.loads("{" + raw) if raw else {}
    parse_data = {
        "intent": {"name": name, "confidence": 1.0},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        "text": payload,
    }
    return [UserUtteranceReverted(), ActionExecuted("action_listen"), UserUttered(payload, parse_data)]


class ActionShowMenu(Action):
    """Shows what the `menu` slot says: notices, welcome, then the menu."""

    def name(self) -> str:
        return "action_show_menu"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        cat = catalogue()
        language = language_of(tracker)
        state = current_state(tracker)
        notice = state.pop("notice", None)
        welcome = state.pop("welcome", False)
        in_form = state.pop("in_form", False)
        state = menu_state.with_options(state, cat)

        if notice:
            name = notice.get("name")
            dispatcher.utter_message(response=f"utter_{name}", **{k: v for k, v in notice.items() if k != "name"})
        if welcome and state["level"] != "language":
            dispatcher.utter_message(response="utter_welcome")

        service = cat.service(state.get("service") or "")
        options_text, buttons = render_options(state["options"], domain, language, service)
        level = state["level"]
        if level == "language":
            dispatcher.utter_message(response="utter_choose_language", options=options_text, buttons=buttons)
        elif level == "department":
            department = cat.department(state.get("department") or "")
            name = department.name[language] if department else ""
            dispatcher.utter_message(response="utter_department_menu", department=name, options=options_text, buttons=buttons)
        elif level == "service" and service:
            dispatcher.utter_message(
                response="utter_service_menu",
                service=service.name[language],
                fee=fee_text(domain, service, language),
                days=days_text(domain, service, language),
                options=options_text,
                buttons=buttons,
            )
        elif level == "info" and service:
            topic = state.get("topic")
            if in_form:
                options_text, buttons = response_text(domain, "utter_form_continue_hint", language), []
            dispatcher.utter_message(
                response=f"utter_service_info_{topic}" if topic else "utter_service_info",
                service=service.name[language],
                documents="\n".join(f"• {d}" for d in service.documents.get(language, [])),
                fee=fee_text(domain, service, language),
                days=days_text(domain, service, language),
                eligibility=service.eligibility.get(language, ""),
                options=options_text,
                buttons=buttons,
            )
        elif level == "did_you_mean":
            dispatcher.utter_message(response="utter_did_you_mean", options=options_text, buttons=buttons)
        elif level == "kind":
            dispatcher.utter_message(response="utter_payment_menu", options=options_text, buttons=buttons)
        elif level in ("review", "retry", "bill", "my_apps"):
            dispatcher.utter_message(response="utter_pick_option", options=options_text, buttons=buttons[:10])
        else:
            if level != "main":  # a level with nothing to show falls back to the main menu
                state = menu_state.with_options(menu_state.new_state("main"), cat)
                options_text, buttons = render_options(state["options"], domain, language)
            dispatcher.utter_message(response="utter_main_menu", options=options_text, buttons=buttons)
        return [SlotSet("menu", state)]


class ActionAskAffirmation(Action):
    """Rasa's two-stage fallback asks "Did you mean …?" through this action:
    the top two intents as numbered options, and the main menu as a way out."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker)
        if len(tracker.latest_message.get("text") or "") >= MAX_NLU_CHARS:
            dispatcher.utter_message(response="utter_too_long")
        ranking = tracker.latest_message.get("intent_ranking") or []
        entities = {
            e["entity"]: e["value"]
            for e in tracker.latest_message.get("entities") or []
            if e.get("entity") in ("service", "application_id", "language")
        }
        suffix = json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else ""
        candidates = [r["name"] for r in ranking if r.get("name") in OFFERABLE_INTENTS][:2]
        options = [f"say:/{name}{suffix}" for name in candidates] + ["nav:main"]
        state = menu_state.new_state("did_you_mean", options=options)
        options_text, _ = render_options(options, domain, language)
        buttons = [
            {"title": option_label(o, domain, language), "payload": o[4:] if o.startswith("say:") else "/main_menu"}
            for o in options
        ]
        dispatcher.utter_message(response="utter_did_you_mean", options=options_text, buttons=buttons)
        return [SlotSet("menu", state)]


class ActionSessionStart(Action):
    """A new session keeps the citizen's language (financial-demo's pattern)."""

    def name(self) -> str:
        return "action_session_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        language = tracker.get_slot("language")
        if language in LANGUAGES:
            events.append(SlotSet("language", language))
        return events + [ActionExecuted("action_listen")]

