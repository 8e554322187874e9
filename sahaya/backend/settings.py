"""Every backend setting, read from the environment in one place.

The defaults make `make run` work on a laptop with nothing else installed
(SQLite file and a signing key under var/). Production sets at least
SAHAYA_DATABASE_URL, SAHAYA_OFFICER_KEY, SAHAYA_PAYMENT_SECRET, SAHAYA_PII_KEY,
SAHAYA_SIGNING_KEY_PATH and SAHAYA_PUBLIC_URL.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

from sahaya.catalogue import PROJECT_ROOT

VAR_DIR = PROJECT_ROOT / "var"

DEV_OFFICER_KEY = "officer-dev-key"
DEV_PAYMENT_SECRET = "payment-dev-secret"
DEV_PII_KEY = "pii-dev-key"

log = logging.getLogger(__name__)


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{VAR_DIR / 'backend.db'}"
    officer_key: str = DEV_OFFICER_KEY
    signing_key_path: Path = VAR_DIR / "signing_key.pem"
    public_url: str = "http://localhost:8000"
    rasa_url: str = "http://localhost:5005"
    # Rasa's `--auth-token`, sent as ?token= when set.
    rasa_token: str = ""
    payment_secret: str = DEV_PAYMENT_SECRET
    upi_vpa: str = "sahaya.demo@upi"
    upi_payee_name: str = "Sahaya Demo"
    # HMAC key for the Aadhaar hash and for expiring certificate download links.
    pii_key: str = DEV_PII_KEY
    host: str = "127.0.0.1"
    port: int = 8000
    font_dir: Path = Path("/usr/share/fonts/truetype/noto")
    # Subset fonts are cached here (built once from font_dir).
    cache_dir: Path = VAR_DIR / "cache"
    catalogue_path: Path | None = None
    # Run Alembic `upgrade head` when the app starts (off when a deploy step does it).
    auto_migrate: bool = True
    seed_demo: bool = True
    # Deliver notifications to Rasa from a background thread of this process.
    notify: bool = True
    darshan_capacity: int = 100
    max_upload_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ.get
        base = cls()
        values = {
            "database_url": env("SAHAYA_DATABASE_URL") or base.database_url,
            "officer_key": env("SAHAYA_OFFICER_KEY") or base.officer_key,
            "signing_key_path": Path(env("SAHAYA_SIGNING_KEY_PATH") or base.signing_key_path),
            "public_url": (env("SAHAYA_PUBLIC_URL") or base.public_url).rstrip("/"),
            "rasa_url": (env("SAHAYA_RASA_URL") or base.rasa_url).rstrip("/"),
            "rasa_token": env("SAHAYA_RASA_TOKEN") or "",
            "payment_secret": env("SAHAYA_PAYMENT_SECRET") or base.payment_secret,
            "upi_vpa": env("SAHAYA_UPI_VPA") or base.upi_vpa,
            "upi_payee_name": env("SAHAYA_UPI_PAYEE_NAME") or base.upi_payee_name,
            "pii_key": env("SAHAYA_PII_KEY") or base.pii_key,
            "host": env("SAHAYA_BACKEND_HOST") or base.host,
            "port": int(env("SAHAYA_BACKEND_PORT") or base.port),
            "font_dir": Path(env("SAHAYA_FONT_DIR") or base.font_dir),
            "cache_dir": Path(env("SAHAYA_CACHE_DIR") or base.cache_dir),
            "catalogue_path": Path(env("SAHAYA_CATALOGUE")) if env("SAHAYA_CATALOGUE") else None,
            "auto_migrate": _flag("SAHAYA_AUTO_MIGRATE", True),
            "seed_demo": _flag("SAHAYA_SEED_DEMO", True),
            "notify": _flag("SAHAYA_NOTIFY", True),
            "darshan_capacity": int(env("SAHAYA_DARSHAN_CAPACITY") or base.darshan_capacity),
        }
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def warn_about_dev_secrets(self) -> None:
        dev = [
            name
            for name, value, default in (
                ("SAHAYA_OFFICER_KEY", self.officer_key, DEV_OFFICER_KEY),
                ("SAHAYA_PAYMENT_SECRET", self.payment_secret, DEV_PAYMENT_SECRET),
                ("SAHAYA_PII_KEY", self.pii_key, DEV_PII_KEY),
            )
            if value == default
        ]
        if dev:
            log.warning("development defaults in use for %s; set them in production", ", ".join(dev))
