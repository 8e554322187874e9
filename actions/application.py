"""Applying for a service: `application_form` asks the chosen service's fields
from the catalogue, checks each answer with the backend's validators, shows a
summary with numbered edits, and submits exactly once (idempotency key)."""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import menu_state
from actions.backend_client import BackendError, BackendUnavailable
from actions.clients import backend
from actions.i18n import indian_date, language_of, response_text
from actions.media import MediaUnavailable, fetch_media
from actions.menus import days_text, entity_value, fee_text, render_options
from sahaya.catalogue import Field, Service, catalogue
from sahaya.nlu.entities import GRIEVANCE_SERVICE
from sahaya.nlu.numbers import parse_choice
from sahaya.nlu.text import normalize, skeleton_phrase
from sahaya.privacy import mask_aadhaar, seal, unseal

MAX_TRIES = 3
DEFAULT_SLOT = "morning"  # when a booking service asks no time slot
SKIPPED = "skipped"
# Answers that mean "skip this upload for now", in te/hi/en.
SKIP_WORDS = {"skip", "skip for now", "later", "baad mein", "baad me", "बाद में", "छोड़ें", "తర్వాత", "tarvata", "taruvata", "వద్దు ఇప్పుడు", "స్కిప్"}


def sender_phone(tracker: Tracker) -> str:
    """The citizen's phone number: WhatsApp's sender id is the number."""
    return tracker.sender_id


def current_service(tracker: Tracker) -> Service | None:
    return catalogue().service(tracker.get_slot("service") or "")


def field_slots() -> list[str]:
    return list(catalogue().fields)


def display_value(field: Field, value: Any, language: str, domain: dict[str, Any]) -> str:
    if value is None:
        return "—"
    if field.type == "aadhaar":
        return mask_aadhaar(unseal(value))
    if field.type == "choice":
        choice = field.choice(value)
        return choice.name[language] if choice else str(value)
    if field.type == "document":
        key = "utter_label_skipped" if value == SKIPPED else "utter_label_attached"
        return response_text(domain, key, language)
    if value == SKIPPED:
        return response_text(domain, "utter_label_not_given", language)
    return str(value)


# Longer first messages are not taken as a complaint's details; the form asks.
MAX_DESCRIPTION_UP_FRONT = 500


def reset_fields(keep: dict[str, Any] | None = None) -> list[EventType]:
    keep = keep or {}
    return [SlotSet(code, keep.get(code)) for code in field_slots()] + [
        SlotSet("form_failures", 0), SlotSet("choice_page", None)]


def choice_page(tracker: Tracker, field: Field) -> int:
    state = tracker.get_slot("choice_page") or {}
    return int(state.get("page", 0)) if isinstance(state, dict) and state.get("field") == field.code else 0


def choice_options(field: Field, page: int) -> list[str]:
    """The choice codes one page of the question numbers, paged like the menus
    ("nav:more" / "nav:prev"), so a WhatsApp list never holds more than 10 rows."""
    return menu_state.paged([c.code for c in field.choices], page)


class ActionStartApplication(Action):
    """Apply for the service named (or chosen in the menu): new draft, then the form."""

    def name(self) -> str:
        return "action_start_application"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        cat = catalogue()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "file_grievance":
            code = GRIEVANCE_SERVICE
        elif intent == "pay_bill":
            code = entity_value(tracker, "service")  # never a certificate picked earlier
        else:
            code = entity_value(tracker, "service") or tracker.get_slot("service")
        service = cat.service(code or "")
        if service is None and intent == "pay_bill":
            state = menu_state.new_state("kind", kind="payment")  # which bill?
            return [SlotSet("menu", state), FollowupAction("action_show_menu")]
        if service is None:
            state = menu_state.new_state("main", notice={"name": "which_service_apply"})
            return [SlotSet("menu", state), FollowupAction("action_show_menu")]
        if service.kind == "information":
            state = menu_state.new_state("info", service=service.code, department=service.department)
            return [SlotSet("service", service.code), SlotSet("menu", state), FollowupAction("action_show_menu")]

        events: list[EventType] = [SlotSet("service", service.code)]
        same_draft = tracker.get_slot("draft_service") == service.code and tracker.get_slot("draft_id")
        given = self._given_up_front(tracker, service)
        if same_draft:
            events += [SlotSet(code, value) for code, value in given.items()]
        else:
            events += reset_fields(given)
            events += [SlotSet("draft_id", str(uuid.uuid4())), SlotSet("draft_service", service.code)]
            phone = "".join(ch for ch in sender_phone(tracker) if ch.isdigit())
            if "mobile" in service.fields and re.fullmatch(r"(91)?[6-9]\d{9}", phone) and not given.get("mobile"):
                events.append(SlotSet("mobile", phone[-10:]))
        start = {"payment": "utter_payment_start", "grievance": "utter_grievance_start", "booking": "utter_booking_start"}
        dispatcher.utter_message(
            response=start.get(service.kind, "utter_application_start"),
            service=service.name[language_of(tracker)],
            fee=fee_text(domain, service, language_of(tracker)),
            days=days_text(domain, service, language_of(tracker)),
        )
        return events + [FollowupAction("application_form")]

    @staticmethod
    def _given_up_front(tracker: Tracker, service: Service) -> dict[str, Any]:
        """"naaku income certificate kavali, naa peru Ramesh": the name is taken;
        "the street light in our lane is broken": the complaint's type and details are."""
        given: dict[str, Any] = {}
        text = normalize(tracker.latest_message.get("text") or "")
        for code in service.fields:
            field = catalogue().fields[code]
            if field.type == "choice" and any(c.keywords for c in field.choices):
                choice = choice_mentioned(field, text)
                if choice:
                    given[code] = choice.code
        if given and "grievance_description" in service.fields and len(text) <= MAX_DESCRIPTION_UP_FRONT:
            given["grievance_description"] = text  # the form's validator checks it like a typed answer
        name = entity_value(tracker, "person_name")
        if not name or "applicant_name" not in service.fields:
            return given
        try:
            given["applicant_name"] = backend().validate("name", name, field="applicant_name")
        except BackendError:
            pass  # not a name after all; the form will ask
        except BackendUnavailable:
            given["applicant_name"] = name  # checked again at submit
        return given


def choice_mentioned(field: Field, text: str) -> Any:
    """The choice whose keyword the text contains, in any script ("बत्ती", "batti").
    Keyword words of three or more sound letters also match as prefixes ("దీపాలు" ~ "దీపం")."""
    words = skeleton_phrase(text).split()
    for choice in field.choices:
        for keyword in choice.keywords:
            key = skeleton_phrase(keyword).split()
            for start in range(len(words) - len(key) + 1):
                window = words[start : start + len(key)]
                if key and all(w == k or (len(k) >= 3 and w.startswith(k)) for w, k in zip(window, key)):
                    return choice
    return None


class ValidateApplicationForm(FormValidationAction):
    """One validator for every catalogue field, by the field's type."""

    def name(self) -> str:
        return "validate_application_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        service = current_service(tracker)
        return list(service.fields) if service else []

    def __getattr__(self, name: str) -> Any:
        # extract_<field> and validate_<field> for every catalogue field, without a method each.
        prefix, _, code = name.partition("_")
        field = catalogue().fields.get(code)
        if field is not None and prefix == "validate":

            async def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
                return await self.validate_field(field, value, dispatcher, tracker, domain)

            return validate
        if field is not None and prefix == "extract":

            async def extract(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
                return self.extract_field(field, tracker)

            return extract
        raise AttributeError(name)

    @staticmethod
    def extract_field(field: Field, tracker: Tracker) -> dict[str, Any]:
        """The message is the answer to the question asked, unless it is
        clearly something else ("what is the fee?", "stop", "Telugu please"):
        then the form steps aside and the rules answer it."""
        if tracker.get_slot("requested_slot") != field.code or is_interruption(tracker):
            return {}
        metadata = tracker.latest_message.get("metadata") or {}
        text = tracker.latest_message.get("text") or ""
        if not text and (metadata.get("media") or metadata.get("location")):
            text = "[media]"
        return {field.code: text}

    async def validate_field(
        self, field: Field, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, str) and value.startswith("sealed:"):
            return {field.code: value}  # already checked in an earlier turn
        language = language_of(tracker)
        text = normalize(str(value or ""))
        error: dict[str, Any] | None = None
        accepted: str | None = None
        if field.type == "choice":
            accepted, error = self._choice(field, tracker, text)
        elif field.type == "document":
            accepted, error = self._document(field, tracker, text)
        elif field.type == "location":
            accepted, error = self._location(tracker, text)
        else:
            try:
                accepted = backend().validate(field.type, text, field=field.code)
            except BackendError as failure:
                error = {"code": failure.code, **failure.params}
            except BackendUnavailable:
                # Keep the answer; the backend checks everything again at submit.
                dispatcher.utter_message(response="utter_validation_deferred")
                accepted = text
            if accepted is not None and field.type == "aadhaar":
                accepted = seal(accepted)
        if error is None:
            return {field.code: accepted, "form_failures": 0, "choice_page": None}
        if error["code"] == "page":
            # "More" / "Previous": not a wrong answer; the form asks again on that page.
            return {field.code: None, "choice_page": {"field": field.code, "page": error["page"]}}
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        self._explain(dispatcher, domain, language, field, error)
        if failures >= MAX_TRIES:
            dispatcher.utter_message(response="utter_form_stuck")
            failures = 0
        return {field.code: None, "form_failures": failures}

    @staticmethod
    def _explain(dispatcher: CollectingDispatcher, domain: DomainDict, language: str, field: Field, error: dict[str, Any]) -> None:
        code = error.get("code", "invalid")
        name = f"utter_error_{code}"
        values = {k: v for k, v in error.items() if k != "code"}
        values.setdefault("example", field.example.get(language, ""))
        try:
            response_text(domain, name, language, **values)
        except (KeyError, IndexError):
            name, values = "utter_error_invalid", {"example": field.example.get(language, "")}
        dispatcher.utter_message(response=name, **values)

    @staticmethod
    def _choice(field: Field, tracker: Tracker, text: str) -> tuple[str | None, dict[str, Any] | None]:
        if field.choice(text):
            return text, None  # a code, filled up front from the first message
        page = choice_page(tracker, field)
        options = choice_options(field, page)
        number_text = entity_value(tracker, "number")
        number = int(number_text) if number_text and number_text.isdigit() else parse_choice(text)
        if number is not None and 1 <= number <= len(options):
            option = options[number - 1]
            if option in ("nav:more", "nav:prev"):
                return None, {"code": "page", "page": page + (1 if option == "nav:more" else -1)}
            return option, None
        key = skeleton_phrase(text)
        for choice in field.choices:  # a name is understood on any page
            if key and any(key == skeleton_phrase(n) for n in choice.name.values()):
                return choice.code, None
        return None, {"code": "choice", "max": len(options)}

    @staticmethod
    def _document(field: Field, tracker: Tracker, text: str) -> tuple[str | None, dict[str, Any] | None]:
        media = (tracker.latest_message.get("metadata") or {}).get("media") or {}
        if media.get("url") or media.get("id"):
            return str(media.get("url") or f"whatsapp:{media['id']}"), None
        service = current_service(tracker)
        if text.lower() in SKIP_WORDS and service and service.documents_optional:
            return SKIPPED, None
        return None, {"code": "document_missing"}


    @staticmethod
    def _location(tracker: Tracker, text: str) -> tuple[str | None, dict[str, Any] | None]:
        location = (tracker.latest_message.get("metadata") or {}).get("location") or {}
        if "latitude" in location and "longitude" in location:
            return f"{float(location['latitude']):.6f},{float(location['longitude']):.6f}", None
        if text.lower() in SKIP_WORDS:
            return SKIPPED, None
        if len(text) >= 3:
            return text[:200], None  # a landmark or area in words
        return None, {"code": "location_missing"}


# Intents that interrupt a form when NLU is sure; service_info also needs what
# is asked about (documents, fee, days, eligibility), since answers like
# "for my scholarship" look like questions about a service.
INTERRUPTIONS = {
    "stop", "main_menu", "go_back", "change_language", "check_status", "download_certificate",
    "emergency", "help", "human_handoff", "resume", "service_info",
}
INTERRUPTION_CONFIDENCE = 0.8


def is_interruption(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") not in INTERRUPTIONS or (intent.get("confidence") or 0) < INTERRUPTION_CONFIDENCE:
        return False
    # No word of the message in that intent's training examples: the classifier
    # is guessing ("Rekha Rani" as stop), so it is the answer. Emergencies always interrupt.
    if intent["name"] != "emergency" and tracker.latest_message.get("intent_evidence", 1.0) == 0:
        return False
    field = catalogue().fields.get(tracker.get_slot("requested_slot") or "")
    text = (tracker.latest_message.get("text") or "").strip().lower()
    if field and field.type in ("document", "location") and text in SKIP_WORDS:
        return False  # "skip" at an upload is the answer "not now", not "stop"
    if intent["name"] == "service_info":
        return entity_value(tracker, "info_topic") is not None
    return True


class ActionAskField(Action, ABC):
    """`action_ask_<field>`: the catalogue's question in the citizen's language,
    with an example of a good answer, or numbered choices."""

    @property
    @abstractmethod
    def field_code(self) -> str:
        """The catalogue field this action asks for."""

    def name(self) -> str:
        return f"action_ask_{self.field_code}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        field = catalogue().fields[self.field_code]
        question = field.question[language]
        if field.type == "choice":
            titles = [
                response_text(domain, f"utter_label_{option[4:]}", language) if option.startswith("nav:")
                else field.choice(option).name[language]
                for option in choice_options(field, choice_page(tracker, field))
            ]
            lines = "\n".join(f"{i}. {title}" for i, title in enumerate(titles, start=1))
            buttons = [
                {"title": title, "payload": f'/menu_select{{"number":"{i}"}}'}
                for i, title in enumerate(titles, start=1)
            ]
            dispatcher.utter_message(response="utter_ask_choice", question=question, options=lines, buttons=buttons)
        elif field.type == "document":
            service = current_service(tracker)
            optional = bool(service and service.documents_optional)
            if field.lists_service_documents and service and service.documents.get(language):
                # Say which papers: "send the documents" alone leaves a citizen guessing.
                question += "\n" + "\n".join(f"• {d}" for d in service.documents[language])
            dispatcher.utter_message(
                response="utter_ask_document_optional" if optional else "utter_ask_document", question=question
            )
        else:
            dispatcher.utter_message(response="utter_ask_field", question=question, example=field.example[language])
        return []


# One ask action per catalogue field, so a trainer adds fields without Python.
ASK_ACTIONS = {
    code: type(f"ActionAsk_{code}", (ActionAskField,), {"field_code": code}) for code in catalogue().fields
}


class ActionReviewApplication(Action):
    """After the last answer: the summary with numbered edits, or the bill."""

    def name(self) -> str:
        return "action_review_application"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = current_service(tracker)
        if service is None:
            return [FollowupAction("action_show_menu")]
        if service.kind == "payment":
            return [FollowupAction("action_show_bill")]
        language = language_of(tracker)
        cat = catalogue()
        lines = []
        for code in service.fields:
            field = cat.fields[code]
            label = field.label[language]
            lines.append(f"• {label}: {display_value(field, tracker.get_slot(code), language, domain)}")
        options = ["do:submit"] + [f"edit:{code}" for code in service.fields] + ["nav:main"]
        options_text, buttons = render_options(options, domain, language)
        dispatcher.utter_message(
            response="utter_review_application",
            service=service.name[language],
            summary="\n".join(lines),
            options=options_text,
            buttons=buttons[:3],
        )
        return [SlotSet("menu", menu_state.new_state("review", service=service.code, options=options))]


def collected_fields(tracker: Tracker, service: Service) -> dict[str, Any]:
    fields = {}
    for code in service.fields:
        value = tracker.get_slot(code)
        if catalogue().fields[code].type == "document":
            continue  # uploaded separately, after the application exists
        if value == SKIPPED:
            continue
        fields[code] = unseal(value) if isinstance(value, str) else value
    return fields


class ActionSubmitApplication(Action):
    """Files the application (or booking) once: the draft id is the idempotency
    key, so "try again" after an outage can never file it twice."""

    def name(self) -> str:
        return "action_submit_application"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = current_service(tracker)
        draft_id = tracker.get_slot("draft_id")
        if service is None or not draft_id:
            dispatcher.utter_message(response="utter_nothing_to_submit")
            return [FollowupAction("action_show_menu")]
        language = language_of(tracker)
        phone = sender_phone(tracker)
        fields = collected_fields(tracker, service)
        try:
            if service.kind == "booking":
                result = backend().book_darshan(
                    phone,
                    fields.get("temple", ""),
                    fields.get("darshan_date", ""),
                    fields.get("darshan_slot") or DEFAULT_SLOT,
                    int(fields.get("persons") or 1),
                    idempotency_key=draft_id,
                )
            elif service.kind == "grievance":
                result = file_grievance(tracker, service, phone, draft_id)
            else:
                result = backend().submit_application(service.code, phone, language, fields, idempotency_key=draft_id)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down_kept")
            state = menu_state.new_state("retry", service=service.code, options=["do:submit", "nav:main"])
            options_text, buttons = render_options(state["options"], domain, language)
            dispatcher.utter_message(response="utter_pick_option", options=options_text, buttons=buttons)
            return [SlotSet("menu", state)]
        except BackendError as failure:
            field = failure.params.get("field")
            if field in service.fields:
                dispatcher.utter_message(response="utter_field_needs_fix", field=catalogue().fields[field].question[language])
                return [SlotSet(field, None), FollowupAction("application_form")]
            dispatcher.utter_message(response="utter_backend_error")
            return [SlotSet("menu", menu_state.new_state("main")), FollowupAction("action_show_menu")]

        if service.kind == "booking":
            dispatcher.utter_message(
                response="utter_booking_confirmed",
                booking_id=result.get("booking_id", ""),
                service=service.name[language],
            )
            reference = result.get("booking_id", "")
        elif service.kind == "grievance":
            reference = result.get("ticket_id", "")
            dispatcher.utter_message(response="utter_grievance_filed", ticket_id=reference)
        else:
            reference = result["id"]
            self._upload_documents(tracker, service, reference, phone)
            dispatcher.utter_message(
                response="utter_application_submitted",
                application_id=reference,
                service=service.name[language],
                fee=fee_text(domain, service, language),
                date=indian_date(result.get("expected_date", "")),
            )
        events: list[EventType] = reset_fields() + [
            SlotSet("draft_id", None),
            SlotSet("draft_service", None),
            SlotSet("menu", menu_state.new_state("main")),
        ]
        if service.kind in ("certificate", "application"):
            events.append(SlotSet("application_id", reference))
        if service.fee > 0:
            # The fee is paid like a bill, against the application or booking.
            events += [SlotSet("payment_reference", reference), FollowupAction("action_pay")]
        return events

    @staticmethod
    def _upload_documents(tracker: Tracker, service: Service, application_id: str, phone: str) -> None:
        for code in service.fields:
            if catalogue().fields[code].type != "document":
                continue
            reference = tracker.get_slot(code)
            if reference and reference != SKIPPED:
                try:
                    content, filename, content_type = fetch_media(reference)
                    backend().upload_document(application_id, phone, content, filename, content_type)
                except (BackendError, BackendUnavailable, MediaUnavailable):
                    pass  # the application stands; the officer asks for the document


def file_grievance(tracker: Tracker, service: Service, phone: str, draft_id: str) -> dict[str, Any]:
    """A complaint: category, words, and the photo and place if given."""
    photo = tracker.get_slot("grievance_photo")
    photo_sha256 = None
    if photo and photo != SKIPPED:
        try:
            content, filename, content_type = fetch_media(photo)
            photo_sha256 = backend().upload_grievance_photo(phone, content, filename, content_type).get("sha256")
        except (BackendError, MediaUnavailable):
            photo_sha256 = None  # the complaint matters more than its photo
    latitude = longitude = None
    place = tracker.get_slot("grievance_location") or ""
    description = str(tracker.get_slot("grievance_description") or "")
    if place and place != SKIPPED:
        try:
            latitude, longitude = (float(x) for x in place.split(","))
        except ValueError:
            description = f"{description}\n📍 {place}"
    return backend().file_grievance(
        phone,
        tracker.get_slot("grievance_category") or "other",
        description,
        photo_sha256=photo_sha256,
        latitude=latitude,
        longitude=longitude,
        idempotency_key=draft_id,
    )


class ActionPauseForm(Action):
    """"stop", "menu", "#" inside a form: put it aside, keep every answer."""

    def name(self) -> str:
        return "action_pause_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "stop":
            dispatcher.utter_message(response="utter_form_paused")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionResumeForm(Action):
    """"continue" / "try again": back to where the citizen stopped."""

    def name(self) -> str:
        return "action_resume_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = current_service(tracker)
        state = tracker.get_slot("menu") or {}
        if state.get("level") == "retry":
            return [FollowupAction("action_submit_application")]
        if service and tracker.get_slot("draft_id") and tracker.get_slot("draft_service") == service.code:
            dispatcher.utter_message(response="utter_form_resumed", service=service.name[language_of(tracker)])
            return [FollowupAction("application_form")]
        dispatcher.utter_message(response="utter_nothing_to_resume")
        return [SlotSet("menu", menu_state.new_state("main")), FollowupAction("action_show_menu")]
