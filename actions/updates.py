"""Updates the backend pushes (trigger_intent with an external intent),
sent in the citizen's language without them asking."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.i18n import language_of, rupees
from actions.menus import entity_value
from actions.tracking import grievance_status_label, service_name

KNOWN_STATUSES = ("submitted", "under_verification", "approved", "rejected", "certificate_issued")


class ActionNotifyApplicationUpdate(Action):
    def name(self) -> str:
        return "action_notify_application_update"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        status = entity_value(tracker, "status") or ""
        application_id = entity_value(tracker, "application_id") or ""
        dispatcher.utter_message(
            response=f"utter_update_{status}" if status in KNOWN_STATUSES else "utter_update_submitted",
            application_id=application_id,
            service=service_name(entity_value(tracker, "service") or "", language_of(tracker)),
            remarks=entity_value(tracker, "remarks") or "",
        )
        return [SlotSet("application_id", application_id)] if application_id else []


class ActionNotifyPayment(Action):
    def name(self) -> str:
        return "action_notify_payment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_payment_received",
            amount=rupees(entity_value(tracker, "amount") or ""),
            reference=entity_value(tracker, "reference") or "",
            service=service_name(entity_value(tracker, "service") or "", language_of(tracker)),
            payment_id=entity_value(tracker, "payment_id") or "",
        )
        return []


class ActionNotifyGrievanceUpdate(Action):
    def name(self) -> str:
        return "action_notify_grievance_update"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_update_grievance",
            ticket_id=entity_value(tracker, "ticket_id") or "",
            status=grievance_status_label(domain, entity_value(tracker, "status") or "open", language_of(tracker)),
            remarks=entity_value(tracker, "remarks") or "",
        )
        return []
