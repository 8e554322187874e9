"""Record readable chat transcripts of Sahaya's main journeys in Telugu, Hindi
and English against the real stack (backend, action server, Rasa) on free
ports, with all state in a temporary directory.

    PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python scripts/transcripts.py \
        --model /tmp/sahaya-snapshot.tar.gz --out docs/transcripts.md

Flows per language: (a) income certificate applied by free text, approved by
the officer, the unasked update, the PDF; (b) an electricity bill paid and the
signed gateway callback; (c) a grievance filed and its status checked.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

import requests

import tests.conversations.conftest as harness
from tests.conversations.conftest import BIN, PAYMENT_ID, ROOT, Stack, texts
from tests.conversations.test_citizen_journeys import (
    AADHAAR,
    ANSWERS,
    APP_ID,
    SEND_CERTIFICATE,
    START,
    UPDATE_WORD,
    fill_form,
)

LANGUAGES = {"te": "Telugu", "hi": "Hindi", "en": "English"}
PAY_BILL = {"te": "కరెంట్ బిల్లు కట్టాలి", "hi": "मुझे बिजली का बिल भरना है", "en": "I want to pay my electricity bill"}
CONSUMER = {"te": "9876543210", "hi": "1234567890", "en": "1234567890"}
COMPLAINT = {
    "te": "మా వీధిలో వీధి దీపాలు వెలగడం లేదు, ఫిర్యాదు చేయాలి",
    "hi": "मुझे शिकायत दर्ज करनी है, स्ट्रीट लाइट खराब है",
    "en": "I want to file a complaint, the street light in our lane is not working",
}
GRIEVANCE = {
    "te": {"grievance_description": "మా వీధిలో పది రోజులుగా వీధి దీపాలు వెలగడం లేదు"},
    "hi": {"grievance_description": "हमारी गली की स्ट्रीट लाइट दस दिन से बंद है"},
    "en": {"grievance_description": "The street lights in our lane have been off for ten days"},
}
STATUS = {"te": "{} స్థితి ఏమిటి?", "hi": "{} की स्थिति क्या है", "en": "what is the status of {}"}
AADHAAR_LIKE = re.compile(r"\b\d{4} ?\d{4} ?(\d{4})\b")


def mask(text: str) -> str:
    return AADHAAR_LIKE.sub(r"XXXX XXXX \1", text)


def event_replies(event: dict) -> list[dict]:
    """A tracker bot event as the REST channel would have sent it."""
    data = event.get("data") or {}
    replies = [{"text": event.get("text"), "buttons": data.get("buttons")}] if event.get("text") else []
    return replies + [{key: data[key]} for key in ("image", "custom") if data.get(key)]


def reply_lines(replies: list[dict]) -> list[str]:
    lines: list[str] = []
    for i, reply in enumerate(replies):
        custom = reply.get("custom")
        if custom and custom.get("type") == "document":
            caption = custom.get("caption") or (replies[i - 1].get("text") if i else None)
            if caption and lines and lines[-1].startswith("sahaya: ") and i and replies[i - 1].get("text") == caption:
                lines.pop()  # the caption travels as the text just before the document
            lines.append(f"sahaya: (document: {custom.get('filename')}, caption {caption!r}, url {custom.get('url')})")
        elif custom:
            lines.append(f"sahaya: (custom: {json.dumps(custom, ensure_ascii=False)})")
        if reply.get("image"):
            lines.append(f"sahaya: (image: {reply['image']})")
        if reply.get("text"):
            lines.append("sahaya: " + reply["text"].replace("\n", "\n        "))
        lines += [f"        [{n}] {b.get('title')}" for n, b in enumerate(reply.get("buttons") or [], 1)]
    return lines


class RecordingStack(Stack):
    """The test harness's stack, writing every turn down."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.lines: list[str] = []

    def note(self, who: str, text: str) -> None:
        self.lines.append(f"{who}: {text}")

    def say(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        self.note("citizen", mask(message))
        replies = super().say(sender, message, metadata)
        self.lines += reply_lines(replies)
        return replies

    def mark(self, sender: str) -> int:
        return len(self.tracker(sender)["events"])

    def unasked(self, sender: str, since: int, needle: str = "", seconds: float = 60) -> str:
        """Wait (as wait_for_bot_text does) for a pushed bot message containing `needle`; record all new ones."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            bots = [e for e in self.tracker(sender)["events"][since:] if e["event"] == "bot"]
            found = next((e["text"] for e in bots if needle in (e.get("text") or "")), None)
            if found is not None:
                time.sleep(1)  # let a straggler from the same change arrive
                bots = [e for e in self.tracker(sender)["events"][since:] if e["event"] == "bot"]
                self.lines += ["(pushed to the citizen, unasked)"] + reply_lines([r for e in bots for r in event_replies(e)])
                return found
            time.sleep(0.5)
        raise AssertionError(f"no pushed bot message containing {needle!r} within {seconds} s")


def pay(stack: RecordingStack, payment_id: str, sender: str) -> None:
    response = stack.pay(payment_id, gateway_ref=f"UTR{sender[-4:]}")
    stack.note("gateway", f"payment callback {payment_id} status=success, signed (HTTP {response.status_code})")


def income_certificate(stack: RecordingStack, language: str, sender: str) -> None:
    stack.say(sender, START[language])
    fill_form(stack, sender, ANSWERS[language])
    submitted = texts(stack.say(sender, "1"))
    application_id = APP_ID.search(submitted).group(0)
    since = stack.mark(sender)
    stack.officer("verify", application_id)
    stack.note("officer", f"verify {application_id}")
    pay(stack, PAYMENT_ID.search(submitted).group(1), sender)  # no approval before the fee
    stack.officer("approve", application_id, remarks="verified")
    stack.note("officer", f"approve {application_id} (remarks: verified)")
    stack.unasked(sender, since, UPDATE_WORD[language])
    replies = stack.say(sender, SEND_CERTIFICATE[language])
    document = next(r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "document")
    pdf = requests.get(document["url"], timeout=30)
    stack.note("check", f"GET {document['filename']}: HTTP {pdf.status_code}, {len(pdf.content):,} bytes, "
                        f"{pdf.headers.get('content-type')}, starts with %PDF: {pdf.content.startswith(b'%PDF')}")


def electricity_bill(stack: RecordingStack, language: str, sender: str) -> None:
    # Only two seeded electricity accounts are unpaid: mark them unpaid again for each language.
    subprocess.run([str(BIN / "python"), "-m", "sahaya.backend.cli", "seed", "--reset"],
                   cwd=ROOT, env=stack.env, check=True, capture_output=True)
    stack.say(sender, PAY_BILL[language])
    fill_form(stack, sender, {"consumer_number": CONSUMER[language]})
    payment_id = re.search(r"PAY-\d{4}-\d{6}", texts(stack.say(sender, "1"))).group(0)
    since = stack.mark(sender)
    pay(stack, payment_id, sender)
    stack.unasked(sender, since)


def grievance(stack: RecordingStack, language: str, sender: str) -> None:
    later = ANSWERS[language]["supporting_document"]
    answers = {"grievance_category": "1", "grievance_photo": later, "grievance_location": later, **GRIEVANCE[language]}
    stack.say(sender, COMPLAINT[language])
    fill_form(stack, sender, answers)
    ticket = re.search(r"GRV-\d{4}-\d{6}", texts(stack.say(sender, "1"))).group(0)
    stack.say(sender, STATUS[language].format(ticket))


FLOWS = [("(a) Income certificate: apply, approval, update, PDF", income_certificate),
         ("(b) Electricity bill: pay, gateway callback, confirmation", electricity_bill),
         ("(c) Grievance: file, check status", grievance)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/sahaya.tar.gz", help="trained model (default %(default)s)")
    parser.add_argument("--out", default="docs/transcripts.md", help="Markdown file to write (default %(default)s)")
    args = parser.parse_args()
    harness.MODEL = Path(args.model).resolve()
    digest = hashlib.sha256(harness.MODEL.read_bytes()).hexdigest()[:12]
    started, tmp = time.time(), Path(tempfile.mkdtemp(prefix="sahaya-transcripts-"))
    stack, failures, sections = RecordingStack(tmp), [], []
    try:
        stack.start()
        for f, (title, flow) in enumerate(FLOWS, 1):
            for n, language in enumerate(LANGUAGES, 1):
                sender = f"9199000000{f}{n}"
                stack.lines = []
                try:
                    flow(stack, language, sender)
                except Exception as error:  # keep going: a transcript of the failure is the point
                    failures.append(f"{title} [{language}]: {error!r}")
                    stack.note("FAILED", f"{type(error).__name__}: {error}")
                    traceback.print_exc()
                sections.append((language, title, sender, stack.lines))
    finally:
        stack.stop()
    seconds = time.time() - started
    command = "PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python scripts/transcripts.py " + " ".join(sys.argv[1:])
    out = [
        "# Sahaya chat transcripts", "",
        f"Generated {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `scripts/transcripts.py` against the real stack "
        "(backend on SQLite, action server, Rasa REST channel) on free ports:", "",
        f"    {command}", "",
        f"Model `{args.model}` (sha256 {digest}…); run took {seconds:.0f} s. Aadhaar numbers typed by the citizen are "
        "shown masked. `officer:` and `gateway:` lines are backend API calls made by the script; "
        "`check:` lines are the script's own observations.", "",
    ]
    if failures:
        out += ["**Failed flows:**", ""] + [f"- {failure}" for failure in failures] + [""]
    for language, name in LANGUAGES.items():
        out += [f"## {name} ({language})", ""]
        for lang, title, sender, lines in sections:
            if lang == language:
                out += [f"### {title}", "", f"Sender `{sender}`.", "", "```text", *lines, "```", ""]
    document = "\n".join(out)
    assert AADHAAR not in document.replace(" ", ""), "an unmasked Aadhaar number reached the transcript"
    Path(args.out).write_text(document)
    print(f"wrote {args.out} in {seconds:.0f} s; {len(failures)} failed flow(s)")
    if failures:
        print(f"stack logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
