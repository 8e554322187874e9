"""What a citizen came for, in Telugu, Hindi and English, over the REST channel
against the real backend: menus, applying, approval, the update, the signed
PDF, paying a bill, a complaint, a booking, interruptions, wrong input, an
outage, and no Aadhaar number left behind anywhere."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from tests.conversations.conftest import OFFICER_KEY, payment_id_in, texts

AADHAAR = "234567890124"  # a valid (Verhoeff) test number
APP_ID = re.compile(r"APP-\d{4}-\d{6}")

# Answers for every field a service may ask, per language.
ANSWERS = {
    "te": {
        "applicant_name": "రమేష్ కుమార్", "father_name": "సురేష్ కుమార్", "relationship": "1",
        "aadhaar": "2345 6789 0124", "district": "ఐదు", "address": "ఇం.నం. 4-12, గాంధీ నగర్, విజయవాడ",
        "pincode": "520003", "annual_income": "120000", "purpose": "చదువు కోసం", "supporting_document": "తర్వాత",
        "mobile": "9876543210",
    },
    "hi": {
        "applicant_name": "सीता देवी", "father_name": "राम प्रसाद", "relationship": "दो",
        "aadhaar": AADHAAR, "district": "2", "address": "मकान 12, गांधी नगर, विशाखापत्तनम",
        "pincode": "530001", "annual_income": "90000", "purpose": "छात्रवृत्ति के लिए", "supporting_document": "बाद में",
        "mobile": "9876543210",
    },
    "en": {
        "applicant_name": "Anil Reddy", "father_name": "Venkat Reddy", "relationship": "first",
        "aadhaar": AADHAAR, "district": "4", "address": "Door 7-1, MG Road, Guntur",
        "pincode": "522001", "annual_income": "150000", "purpose": "Scholarship", "supporting_document": "skip",
        "mobile": "9876543210",
    },
}
START = {
    "te": "naaku income certificate kavali",
    "hi": "मुझे आय प्रमाण पत्र चाहिए",
    "en": "I want to apply for an income certificate",
}
SEND_CERTIFICATE = {"te": "నా సర్టిఫికెట్ పంపండి", "hi": "mera certificate bhejo", "en": "send my certificate"}
UPDATE_WORD = {"te": "సిద్ధం", "hi": "तैयार", "en": "ready"}
RECEIPT_WORD = {"te": "రసీదు", "hi": "रसीद", "en": "Receipt"}
TELUGU, DEVANAGARI = re.compile("[\u0c00-\u0c7f]"), re.compile("[\u0900-\u097f]")


def in_language(text: str, language: str) -> bool:
    if language == "te":
        return bool(TELUGU.search(text))
    if language == "hi":
        return bool(DEVANAGARI.search(text))
    return not TELUGU.search(text) and not DEVANAGARI.search(text)


def fill_form(stack, sender: str, answers: dict, limit: int = 20) -> list:
    """Answer whatever the form asks until it stops asking."""
    replies: list = []
    asked: list = []
    for _ in range(limit):
        slot = stack.slot(sender, "requested_slot")
        if not slot:
            return replies
        assert slot in answers, f"no test answer for {slot}"
        asked.append(slot)
        replies = stack.say(sender, answers[slot])
    raise AssertionError(f"the form never finished: asked {asked}; last reply {texts(replies)!r}")


def wait_for_bot_text(stack, sender: str, needle: str, seconds: float = 30) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        for event in reversed(stack.tracker(sender)["events"]):
            if event["event"] == "bot" and needle in (event.get("text") or ""):
                return event["text"]
        time.sleep(0.5)
    raise AssertionError(f"no bot message containing {needle!r}")


@pytest.mark.parametrize(
    "language, hello, pick_language, department, service, information",
    [
        ("te", "నమస్కారం", "ఒకటి", "okati", "మొదటిది", "రెండు"),
        ("hi", "नमस्ते", "दो", "पहला", "ek", "दूसरा"),
        ("en", "Hi", '/menu_select{"number":"3"}', "first", "1", "second"),
    ],
)
def test_hi_department_service_information(stack, language, hello, pick_language, department, service, information):
    sender = f"menu-{language}"
    replies = texts(stack.say(sender, hello))
    assert "1. తెలుగు" in replies and "2. हिंदी" in replies and "3. English" in replies
    assert stack.slot(sender, "language") == language  # pre-selected from the script
    main = texts(stack.say(sender, pick_language))
    assert stack.slot(sender, "language") == language and in_language(main, language)
    assert in_language(texts(stack.say(sender, department)), language)
    texts(stack.say(sender, service))
    assert stack.slot(sender, "service") == "income_certificate"
    info = texts(stack.say(sender, information))
    assert "₹45" in info and in_language(info, language)
    assert {"te": "పత్రాలు", "hi": "दस्तावेज़", "en": "Documents"}[language] in info


def test_back_menu_paging_and_wrong_numbers(stack):
    sender = "paging-en"
    stack.say(sender, "hello")
    stack.say(sender, "3")  # English
    main = texts(stack.say(sender, "menu"))
    more = re.search(r"(\d+)\. More", main)
    assert more, main
    page2 = texts(stack.say(sender, more.group(1)))
    assert "Previous" in page2
    assert "Please choose 1–" in texts(stack.say(sender, "42"))
    assert "department" in texts(stack.say(sender, "0")).lower()
    dept = texts(stack.say(sender, "1"))
    assert "# = back" in dept and "which service" in dept
    service = texts(stack.say(sender, "1"))
    assert "What would you like to do?" in service
    assert "which service" in texts(stack.say(sender, "#"))  # up to the department
    assert "Which department do you need?" in texts(stack.say(sender, "#"))  # up to the main menu


@pytest.mark.parametrize("language", ["te", "hi", "en"])
def test_apply_approve_update_and_certificate(stack, language):
    sender = f"91987654000{['te', 'hi', 'en'].index(language)}"
    first = texts(stack.say(sender, START[language]))
    assert in_language(first, language), first
    assert stack.slot(sender, "service") == "income_certificate"
    review = texts(fill_form(stack, sender, ANSWERS[language]))
    assert "XXXX XXXX 0124" in review and AADHAAR not in review
    replies = stack.say(sender, "1")
    submitted = texts(replies)
    application_id = APP_ID.search(submitted).group(0)
    assert stack.slot(sender, "application_id") == application_id
    assert in_language(submitted, language)

    # The ₹45 fee comes first (the officer cannot approve before it);
    # then the officer approves and the citizen hears about it unasked.
    stack.officer("verify", application_id)
    unpaid = requests.post(f"{stack.backend_url}/officer/applications/{application_id}/approve",
                           headers={"X-Officer-Key": OFFICER_KEY}, timeout=30)
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == "fee_unpaid"
    stack.pay(payment_id_in(replies))
    wait_for_bot_text(stack, sender, RECEIPT_WORD[language])
    stack.officer("approve", application_id, remarks="verified")
    update = wait_for_bot_text(stack, sender, application_id)
    assert in_language(update, language)
    wait_for_bot_text(stack, sender, UPDATE_WORD[language])

    replies = stack.say(sender, SEND_CERTIFICATE[language])
    document = next(r["custom"] for r in replies if r.get("custom"))
    assert document["type"] == "document" and document["filename"] == f"{application_id}.pdf"
    pdf = requests.get(document["url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_citizen_sees_nothing(stack):
    owner = "919876500601"
    stack.say(owner, START["en"])
    fill_form(stack, owner, ANSWERS["en"])
    application_id = APP_ID.search(texts(stack.say(owner, "1"))).group(0)
    reply = texts(stack.say("919876500602", f"status of {application_id}"))
    assert "couldn't find" in reply and "Anil" not in reply
    # The owner hears that the unpaid fee holds it back, with the link again.
    own = texts(stack.say(owner, f"status of {application_id}"))
    assert "₹45 fee" in own and "upi://pay?" in own, own


def test_pay_electricity_bill_and_confirmation(stack):
    sender = "919876500603"
    stack.say(sender, "hi")
    stack.say(sender, "3")
    asked = texts(stack.say(sender, "I want to pay my electricity bill"))
    assert stack.slot(sender, "service") == "electricity_bill", asked
    bill = texts(stack.say(sender, "1234567890"))
    assert "₹1,432.50" in bill and "Due date" in bill
    replies = stack.say(sender, "1")
    link = texts(replies)
    assert "upi://pay?" in link and any(r.get("image") for r in replies)
    payment_id = payment_id_in(replies)
    for _ in range(2):  # the gateway retries; the citizen is told once
        stack.pay(payment_id)
    wait_for_bot_text(stack, sender, "received")
    events = stack.tracker(sender)["events"]
    assert sum("Payment of ₹" in (e.get("text") or "") for e in events if e["event"] == "bot") == 1


def test_grievance_filed_and_checked_in_hindi(stack):
    sender = "919876500604"
    stack.say(sender, "नमस्ते")
    stack.say(sender, "2")
    stack.say(sender, "मुझे शिकायत दर्ज करनी है, स्ट्रीट लाइट खराब है")
    assert stack.slot(sender, "service") == "public_grievance"
    # What the first message said is not asked again.
    assert stack.slot(sender, "grievance_category") == "street_light"
    assert stack.slot(sender, "requested_slot") == "grievance_photo"
    answers = {
        "grievance_category": "1",
        "grievance_description": "हमारी गली की स्ट्रीट लाइट दस दिन से बंद है",
        "grievance_photo": "बाद में",
        "grievance_location": "बाद में",
    }
    review = texts(fill_form(stack, sender, answers))
    assert "स्ट्रीट लाइट" in review
    filed = texts(stack.say(sender, "1"))
    ticket = re.search(r"GRV-\d{4}-\d{6}", filed).group(0)
    status = texts(stack.say(sender, f"{ticket} की स्थिति क्या है"))
    assert ticket in status and "स्थिति" in status


def test_darshan_booking(stack):
    sender = "919876500605"
    stack.say(sender, "hi")
    stack.say(sender, "3")
    stack.say(sender, "book temple darshan")
    assert stack.slot(sender, "service") == "temple_darshan"
    review = texts(fill_form(stack, sender, {"temple": "1", "darshan_date": "15-01-2027", "darshan_slot": "1", "persons": "2"}))
    assert "2" in review
    booked = texts(stack.say(sender, "1"))
    assert "booked" in booked


def test_interruptions_keep_what_was_entered(stack):
    sender = "919876500606"
    stack.say(sender, "hi")
    stack.say(sender, "3")
    stack.say(sender, START["en"])
    stack.say(sender, ANSWERS["en"]["applicant_name"]) if stack.slot(sender, "requested_slot") == "applicant_name" else None
    asked = stack.slot(sender, "requested_slot")
    fee = texts(stack.say(sender, "what is the fee for this"))
    assert "₹45" in fee and stack.slot(sender, "requested_slot") == asked
    texts(stack.say(sender, "stop"))
    assert stack.slot(sender, "requested_slot") is None
    assert stack.slot(sender, "applicant_name") == "Anil Reddy"
    resumed = texts(stack.say(sender, "continue"))
    assert stack.slot(sender, "requested_slot") == asked, resumed
    # Switching language mid-form: the next question follows in Hindi.
    switched = texts(stack.say(sender, "हिंदी में बात करो"))
    assert stack.slot(sender, "language") == "hi" and DEVANAGARI.search(switched)


def test_wrong_input_gets_a_clear_reply(stack):
    sender = "919876500607"
    stack.say(sender, "hi")
    stack.say(sender, "3")
    stack.say(sender, START["en"])
    for slot in ("applicant_name", "relationship", "father_name"):
        if stack.slot(sender, "requested_slot") == slot:
            stack.say(sender, ANSWERS["en"][slot])
    assert stack.slot(sender, "requested_slot") == "aadhaar"
    assert "12 digits; you sent 11" in texts(stack.say(sender, "2345 6789 012"))
    assert "isn't valid" in texts(stack.say(sender, "234567890123"))
    assert stack.slot(sender, "requested_slot") == "aadhaar"
    for odd in ["😀👍", "   ", "x" * 10_000]:
        assert texts(stack.say(sender, odd)).strip()


def test_backend_outage_keeps_the_form_and_submits_once(stack):
    sender = "919876500608"
    stack.say(sender, "hi")
    stack.say(sender, "3")
    stack.say(sender, START["en"])
    fill_form(stack, sender, ANSWERS["en"])
    stack.stop_backend()
    try:
        down = texts(stack.say(sender, "1"))
        assert "kept all your details" in down
        assert stack.slot(sender, "applicant_name") == "Anil Reddy"
    finally:
        stack.start_backend()
    again = texts(stack.say(sender, "try again"))
    assert APP_ID.search(again), again
    texts(stack.say(sender, "try again"))  # a second retry files nothing new
    mine = requests.get(f"{stack.backend_url}/applications", params={"phone": sender}, timeout=30).json()
    assert len(mine["applications"]) == 1


def test_no_full_aadhaar_in_tracker_store_logs_or_replies(stack):
    # Runs after the journeys above (pytest keeps file order).
    for path in [stack.tmp / "tracker.db", *stack.logs.values()]:
        data = path.read_bytes()
        for spelling in (AADHAAR, "2345 6789 0124"):
            assert spelling.encode() not in data, f"{spelling} found in {path.name}"
    for sender in ("919876540000", "919876540001", "919876540002"):
        for event in stack.tracker(sender)["events"]:
            assert AADHAAR not in json.dumps(event, ensure_ascii=False)
