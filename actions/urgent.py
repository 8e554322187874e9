"""An officer, please: record the request and say when to expect a call."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.application import sender_phone
from actions.backend_client import BackendError, BackendUnavailable
from actions.clients import backend
from actions.i18n import language_of


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            request = backend().request_handoff(
                sender_phone(tracker),
                language_of(tracker),
                tracker.latest_message.get("text") or "",
                tracker.get_slot("service"),
            )
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        dispatcher.utter_message(
            response="utter_handoff_recorded",
            ticket_id=request.get("ticket_id", ""),
            hours=request.get("reply_within_hours", 24),
        )
        return []
