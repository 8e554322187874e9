"""Bills and fees: look the bill up, show amount and due date, then a UPI
payment link and its QR code. The confirmation arrives later from the
backend's payment callback (actions/updates.py)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import menu_state
from actions.application import current_service, sender_phone
from actions.backend_client import BackendError, BackendUnavailable
from actions.clients import backend
from actions.i18n import indian_date, language_of, rupees
from actions.menus import render_options


class ActionShowBill(Action):
    def name(self) -> str:
        return "action_show_bill"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = current_service(tracker)
        if service is None or not service.fields:
            return [FollowupAction("action_show_menu")]
        number_field = service.fields[0]
        number = tracker.get_slot(number_field)
        language = language_of(tracker)
        try:
            bill = backend().bill(service.code, number)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return []
        except BackendError as failure:
            if failure.code == "already_paid":
                dispatcher.utter_message(response="utter_bill_already_paid", number=number)
                return [SlotSet(number_field, None)]
            dispatcher.utter_message(response="utter_bill_not_found", number=number)
            # Ask for the number again; the form keeps everything else.
            return [SlotSet(number_field, None), FollowupAction("application_form")]
        if bill.get("status") == "paid":
            dispatcher.utter_message(response="utter_bill_already_paid", number=number)
            return [SlotSet(number_field, None)]
        options = ["do:pay", "nav:main"]
        options_text, buttons = render_options(options, domain, language)
        dispatcher.utter_message(
            response="utter_bill",
            service=service.name[language],
            number=number,
            name=bill.get("name", ""),
            amount=rupees(bill.get("amount", "")),
            due_date=indian_date(bill.get("due_date", "")),
            options=options_text,
            buttons=buttons,
        )
        return [
            SlotSet("payment_reference", number),
            SlotSet(number_field, None),
            SlotSet("menu", menu_state.new_state("bill", service=service.code, options=options)),
        ]


class ActionPay(Action):
    """A UPI link and QR for the bill or the application fee in `payment_reference`."""

    def name(self) -> str:
        return "action_pay"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        service = current_service(tracker)
        reference = tracker.get_slot("payment_reference")
        if service is None or not reference:
            return [FollowupAction("action_show_menu")]
        try:
            payment = backend().create_payment(sender_phone(tracker), service.code, reference)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_backend_down")
            return []
        except BackendError as failure:
            name = "utter_bill_already_paid" if failure.code == "already_paid" else "utter_backend_error"
            dispatcher.utter_message(response=name, number=reference)
            return [SlotSet("payment_reference", None)]
        dispatcher.utter_message(
            response="utter_payment_link",
            amount=rupees(payment.get("amount", "")),
            link=payment.get("upi_link", ""),
            image=payment.get("qr_url"),
        )
        return [SlotSet("payment_reference", None), SlotSet("menu", menu_state.new_state("main"))]
