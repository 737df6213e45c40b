"""Search backends behind one narrow interface (``base.SearchBackend``):
``whoosh`` (the embedded default) and ``postgres``; ``KB_SEARCH_BACKEND`` picks one."""

from __future__ import annotations

from django.conf import settings

from kb.search.backends.base import SearchBackend

_instances: dict[tuple[str, str], SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (or ``name``), one instance per process and index location.

    Read at call time, not import time, so tests and commands can switch backends."""
    name = name or settings.KB_SEARCH_BACKEND
    timeout = float(getattr(settings, "KB_SEARCH_LOCK_TIMEOUT", 30))
    if name == "whoosh":
        from kb.search.backends.whoosh import WhooshBackend

        location = str(settings.KB_SEARCH_INDEX_DIR)
        backend = _instances.get((name, location))
        if backend is None or backend.lock_timeout != timeout:  # type: ignore[attr-defined]
            backend = _instances[(name, location)] = WhooshBackend(
                settings.KB_SEARCH_INDEX_DIR, lock_timeout=timeout)
        return backend
    if name == "postgres":
        from kb.search.backends.postgres import PostgresBackend

        return PostgresBackend(lock_timeout=timeout)
    raise ValueError(f"unknown search backend {name!r}: use whoosh or postgres")
