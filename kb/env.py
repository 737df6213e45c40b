"""Typed helpers for reading ``KB_*`` environment variables.

Every setting of the project is read through these, in ``kb/settings.py`` only.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME``, or from the file ``NAME_FILE`` names (Docker/systemd
    credentials, a file of mode 0600): its content, surrounding whitespace stripped.
    Setting both is an error; so is a ``NAME_FILE`` that cannot be read or is empty."""
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "").strip()
    if not path:
        return value or default
    if value:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    try:
        with open(path, encoding="utf-8") as handle:
            secret = handle.read().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{name}_FILE={path!r} cannot be read: {exc.strerror or exc}") from exc
    if not secret:
        raise ImproperlyConfigured(f"{name}_FILE={path!r} is empty.")
    return secret


def email_url_mailer(url: str) -> dict[str, Any]:
    """A ``MAILERS`` entry for Django's SMTP backend from ``smtp://user:pass@host:port``:
    ``smtps://`` for implicit TLS (port 465 by default), ``?tls=1`` for STARTTLS (587 by
    default), otherwise port 25; ``?timeout=S`` (default 10 seconds). User and password
    are percent-decoded."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(
            "KB_EMAIL_URL must look like smtp://user:password@host:port (or smtps://…, "
            "or ?tls=1 for STARTTLS).")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps"
    use_tls = query.get("tls", "").strip().lower() in _TRUE
    if use_ssl and use_tls:
        raise ImproperlyConfigured("KB_EMAIL_URL: smtps:// (TLS) and ?tls=1 (STARTTLS) "
                                   "cannot both be used.")
    try:
        port = parts.port or (465 if use_ssl else 587 if use_tls else 25)
        timeout = int(query.get("timeout", "10"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"KB_EMAIL_URL: {exc}") from exc
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname,
            "port": port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": timeout,
        },
    }
