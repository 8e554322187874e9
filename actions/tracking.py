"""Where is my application, and my certificate: only ever the citizen's own
(the backend answers "not found" for another phone number)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import menu_state
from actions.application import sender_phone
from actions.backend_client import BackendError, BackendUnavailable
from actions.clients import backend
from actions.i18n import indian_date, language_of, response_text, rupees
from actions.menus import entity_value
from sahaya.catalogue import catalogue

MAX_LISTED = 9


def service_name(code: str, language: str) -> str:
    service = catalogue().service(code or "")
    return service.name[language] if service else code


def status_label(domain: dict[str, Any], status: str, language: str) -> str:
    try:
        return response_text(domain, f"utter_status_label_{status}", language)
    except KeyError:
        return status


def grievance_status_label(domain: dict[str, Any], status: str, language: str) -> str:
    try:
        return response_text(domain, f"utter_grievance_label_{status}", language)
    except KeyError:
        return status


def fee_due(dispatcher: CollectingDispatcher, tracker: Tracker, application: dict[str, Any]) -> list[EventType]:
    """An unpaid fee holds the application back (the officer cannot approve
    it): say so and, outside a form, send the payment link again."""
    if not application.get("fee") or application.get("fee_paid") or \
            application.get("status") not in ("submitted", "under_verification"):
        return []
    if tracker.active_loop.get("name"):
        dispatcher.utter_message(response="utter_application_fee_due", fee=rupees(application["fee"]))
        return []
    dispatcher.utter_message(response="utter_application_fee_due_link", fee=rupees(application["fee"]))
    return [
        SlotSet("service", application["service"]),
        SlotSet("payment_reference", application["id"]),
        FollowupAction("action_pay"),
    ]


class _ApplicationAction(Action, ABC):
    """Finds the application meant: an id in the message, the one picked from
    the list, or the citizen's only one; otherwise lists theirs to pick from."""

    purpose = "status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        phone = sender_phone(tracker)
        ticket = entity_value(tracker, "ticket_id")
        if ticket and self.purpose == "status":
            return self._grievance(dispatcher, tracker, domain, ticket)
        application_id = entity_value(tracker, "application_id") or self._picked(tracker)
        try:
            if application_id:
                application = backend().application(application_id, phone)
                return self.answer(dispatcher, tracker, domain, application)
            applications = backend().applications(phone)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return []
        except BackendError as failure:
            if failure.code == "not_found":
                dispatcher.utter_message(response="utter_application_not_found", application_id=application_id or "")
                return [SlotSet("application_id", None)]
            dispatcher.utter_message(response="utter_backend_error")
            return []
        if not applications:
            dispatcher.utter_message(response="utter_no_applications")
            return []
        if len(applications) == 1:
            return self.answer(dispatcher, tracker, domain, applications[0])
        return self._list(dispatcher, tracker, domain, applications[:MAX_LISTED])

    @staticmethod
    def _picked(tracker: Tracker) -> str | None:
        # Set by action_navigate when the citizen picks from the list.
        last = tracker.get_slot("application_id")
        state = tracker.get_slot("menu") or {}
        return last if state.get("picked") == last else None

    def _list(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, applications: list[dict[str, Any]]) -> list[EventType]:
        language = language_of(tracker)
        options = [f"app:{a['id']}" for a in applications]
        lines = [
            f"{i}. {a['id']} — {service_name(a.get('service', ''), language)} ({status_label(domain, a.get('status', ''), language)})"
            for i, a in enumerate(applications, start=1)
        ]
        buttons = [{"title": a["id"], "payload": f'/menu_select{{"number":"{i}"}}'} for i, a in enumerate(applications, start=1)]
        dispatcher.utter_message(response="utter_pick_application", options="\n".join(lines), buttons=buttons)
        return [SlotSet("menu", menu_state.new_state("my_apps", options=options, purpose=self.purpose))]

    def _grievance(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, ticket: str) -> list[EventType]:
        try:
            grievance = backend().grievance(ticket, sender_phone(tracker))
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return []
        except BackendError:
            dispatcher.utter_message(response="utter_grievance_not_found", ticket_id=ticket)
            return []
        dispatcher.utter_message(
            response="utter_grievance_status",
            ticket_id=ticket,
            status=grievance_status_label(domain, grievance.get("status", ""), language_of(tracker)),
        )
        return []

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, application: dict[str, Any]) -> list[EventType]:
        """Reply about one application."""


class ActionCheckStatus(_ApplicationAction):
    purpose = "status"

    def name(self) -> str:
        return "action_check_status"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, application: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        status = application.get("status", "")
        history = application.get("history") or []
        remarks = next((h.get("remarks") for h in reversed(history) if h.get("remarks")), "") or ""
        dispatcher.utter_message(
            response=f"utter_application_status_{status}" if status in ("rejected", "certificate_issued") else "utter_application_status",
            application_id=application["id"],
            service=service_name(application.get("service", ""), language),
            status=status_label(domain, status, language),
            date=indian_date(application.get("expected_date", "")),
            remarks=remarks,
        )
        return [SlotSet("application_id", application["id"])] + fee_due(dispatcher, tracker, application)


class ActionSendCertificate(_ApplicationAction):
    """Sends the signed PDF as a document; otherwise says where it stands."""

    purpose = "certificate"

    def name(self) -> str:
        return "action_send_certificate"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, application: dict[str, Any]) -> list[EventType]:
        language = language_of(tracker)
        status = application.get("status", "")
        service = service_name(application.get("service", ""), language)
        if status != "certificate_issued":
            dispatcher.utter_message(
                response="utter_certificate_not_ready",
                application_id=application["id"],
                service=service,
                status=status_label(domain, status, language),
                date=indian_date(application.get("expected_date", "")),
            )
            return [SlotSet("application_id", application["id"])] + fee_due(dispatcher, tracker, application)
        url = backend().certificate_url(application["id"], sender_phone(tracker))
        dispatcher.utter_message(
            response="utter_certificate_caption",
            application_id=application["id"],
            service=service,
            custom={
                "type": "document",
                "url": url,
                "filename": f"{application['id']}.pdf",
                "mime_type": "application/pdf",
            },
        )
        return [SlotSet("application_id", application["id"])]
