"""Tell the citizen about status changes and payments through Rasa.

Each change writes an outbox row in its own transaction, so a notification
exists exactly when the change does. A background thread posts due rows to
`POST {rasa}/conversations/{phone}/trigger_intent?output_channel=latest`.
Failures back off exponentially (2 s doubling, capped at 10 min) and are
retried forever while Rasa is down or answers 5xx; only a request Rasa keeps
refusing as malformed (4xx, 5 times) is set aside as `dead` for an operator.
Rows are claimed with a conditional update, so several backend processes can
share one outbox.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

import requests
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from .clock import utcnow
from .models import OutboxMessage

log = logging.getLogger(__name__)

APPLICATION_UPDATE = "EXTERNAL_application_update"
PAYMENT_RECEIVED = "EXTERNAL_payment_received"
GRIEVANCE_UPDATE = "EXTERNAL_grievance_update"

BASE_DELAY = 2.0
MAX_DELAY = 600.0
CLAIM_SECONDS = 60
MAX_REFUSALS = 5


def enqueue(session: Session, conversation_id: str, intent: str, entities: dict[str, object]) -> OutboxMessage:
    message = OutboxMessage(
        conversation_id=conversation_id,
        intent=intent,
        entities={k: v for k, v in entities.items() if v is not None},
        status="pending",
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.info["outbox_dirty"] = True
    return message


def backoff_delay(attempts: int, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    return min(cap, base * (2 ** max(0, attempts - 1)))


Sender = Callable[[str, dict], tuple[int, str]]


class Notifier:
    def __init__(
        self,
        session_factory: sessionmaker,
        rasa_url: str,
        token: str = "",
        send: Sender | None = None,
        poll_seconds: float = 2.0,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
        batch: int = 20,
    ) -> None:
        self.session_factory = session_factory
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.poll_seconds = poll_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.batch = batch
        self._http = requests.Session()
        self._send = send or self._post
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- transport --------------------------------------------------------------
    def url_for(self, conversation_id: str) -> str:
        url = (
            f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}"
            "/trigger_intent?output_channel=latest"
        )
        if self.token:
            url += f"&token={quote(self.token, safe='')}"
        return url

    def _post(self, url: str, body: dict) -> tuple[int, str]:
        """(status, error); status 0 means no answer at all."""
        try:
            response = self._http.post(url, json=body, timeout=5)
        except requests.RequestException as exc:
            return 0, f"{type(exc).__name__}: {exc}"[:500]
        return response.status_code, "" if response.ok else response.text[:500]

    # -- delivery ---------------------------------------------------------------
    def _claim(self, now: datetime) -> list:
        with self.session_factory() as session:
            due = (
                session.execute(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.next_attempt_at <= now,
                        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(self.batch)
                )
                .scalars()
                .all()
            )
            claimed = []
            for message_id in due:
                result = session.execute(
                    update(OutboxMessage)
                    .where(
                        and_(
                            OutboxMessage.id == message_id,
                            OutboxMessage.status == "pending",
                            or_(
                                OutboxMessage.claimed_until.is_(None),
                                OutboxMessage.claimed_until < now,
                            ),
                        )
                    )
                    .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    claimed.append(message_id)
            rows = (
                session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)))
                .scalars()
                .all()
                if claimed
                else []
            )
            work = [(m.id, m.conversation_id, m.intent, dict(m.entities), m.attempts) for m in rows]
            session.commit()
        return work

    def deliver_due(self, now: datetime | None = None) -> int:
        """Send every due message once; returns how many Rasa accepted."""
        now = now or utcnow()
        delivered = 0
        for message_id, conversation_id, intent, entities, attempts in self._claim(now):
            status, error = self._send(
                self.url_for(conversation_id), {"name": intent, "entities": entities}
            )
            attempts += 1
            values: dict[str, object] = {"attempts": attempts, "claimed_until": None}
            if 200 <= status < 300:
                values.update(status="sent", sent_at=utcnow(), last_error=None)
                delivered += 1
            else:
                refused = 400 <= status < 500 and status not in (408, 409, 423, 429)
                values["last_error"] = f"{status or 'no answer'}: {error}"[:1000]
                if refused and attempts >= MAX_REFUSALS:
                    values["status"] = "dead"
                    log.error("Rasa refused %s for a conversation %d times; set aside", intent, attempts)
                else:
                    delay = backoff_delay(attempts, self.base_delay, self.max_delay)
                    delay *= 1 + random.random() * 0.2
                    values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
                    log.warning("notification %s not delivered (%s); retry in %.0f s",
                                message_id, values["last_error"][:80], delay)
            with self.session_factory() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
        return delivered

    # -- background thread ------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sahaya-notifier", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # keep the loop alive through database hiccups
                log.exception("notification delivery pass failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
