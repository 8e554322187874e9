"""The one backend client the actions share. Tests swap it with `use_backend`."""

from __future__ import annotations

from actions.backend_client import BackendClient

_backend: BackendClient | None = None


def backend() -> BackendClient:
    global _backend
    if _backend is None:
        _backend = BackendClient()
    return _backend


def use_backend(client: BackendClient | None) -> None:
    global _backend
    _backend = client
