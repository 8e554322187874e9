"""What a request needs: settings, catalogue, database, keys, renderer, notifier."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from sahaya.catalogue import Catalogue, load_catalogue
from sahaya.catalogue import catalogue as shared_catalogue

from .certificates import CertificateRenderer
from .db import make_engine, make_session_factory
from .notifications import Notifier
from .settings import Settings
from .signing import Signer


@dataclass
class Backend:
    settings: Settings
    catalogue: Catalogue
    engine: Engine
    sessions: sessionmaker
    signer: Signer
    renderer: CertificateRenderer
    notifier: Notifier

    @classmethod
    def build(cls, settings: Settings, catalogue: Catalogue | None = None) -> Backend:
        if catalogue is None:
            catalogue = (
                load_catalogue(settings.catalogue_path)
                if settings.catalogue_path
                else shared_catalogue()
            )
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        notifier = Notifier(sessions, settings.rasa_url, settings.rasa_token)

        @event.listens_for(sessions, "after_commit")
        def _wake_notifier(session) -> None:
            if session.info.pop("outbox_dirty", False):
                notifier.wake()

        @event.listens_for(sessions, "after_rollback")
        def _forget(session) -> None:
            session.info.pop("outbox_dirty", None)

        return cls(
            settings=settings,
            catalogue=catalogue,
            engine=engine,
            sessions=sessions,
            signer=Signer.load_or_create(settings.signing_key_path),
            renderer=CertificateRenderer(settings.font_dir, settings.cache_dir),
            notifier=notifier,
        )

    def close(self) -> None:
        self.notifier.stop()
        self.engine.dispose()
