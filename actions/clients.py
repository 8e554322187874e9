"""The one backend client the actions share. Tests swap it with `use_backend`."""

from __future__ import annotations

from typing import Optional

from actions.backend_client import BackendClient

_backend: Optional[BackendClient] = None


def backend() -> BackendClient:
    global _backend
    if _backend is None:
        _backend = BackendClient()
    return _backend


def use_backend(client: Optional[BackendClient]) -> None:
    global _backend
    _backend = client
