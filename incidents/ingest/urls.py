"""Canonical URLs: the natural key of a piece of coverage (``Coverage.url``).

Variants of one article's address map to one URL: scheme and host lower-cased, the
default port, fragment and tracking parameters (``utm_*``, ``fbclid``, ``gclid`` …)
dropped, the remaining query parameters sorted, no trailing slash on a path (the root is
always ``/``). Normalisation and the list of trackers are courlan's (it comes with
trafilatura); this module adds the fragment and trailing-slash rules and the check that
the result is a URL the model accepts.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import courlan
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

#: ``Coverage.url`` and ``Source.url`` hold at most this many characters.
URL_MAX = 500

_validate = URLValidator(schemes=["http", "https"])


def url_canonical(url: str) -> str:
    """The canonical form of ``url``; ``ValidationError`` on ``url`` if it is not an
    http(s) URL of at most ``URL_MAX`` characters (before or after normalising)."""
    raw = url.strip()
    if len(raw) > URL_MAX * 4:
        raise ValidationError({"url": f"The URL is longer than {URL_MAX} characters."})
    _check(raw)
    try:
        normalised = courlan.normalize_url(raw, strict=False, trailing_slash=False)
    except ValueError:
        raise ValidationError({"url": "Enter a valid http or https URL."}) from None
    parts = urlsplit(normalised)
    path = parts.path.rstrip("/") or "/"
    canonical = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    _check(canonical)
    if len(canonical) > URL_MAX:
        raise ValidationError({"url": f"The URL is longer than {URL_MAX} characters."})
    return canonical


def url_host(url: str) -> str:
    """The host of ``url`` without ``www.`` (``""`` for none)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _check(url: str) -> None:
    if "\x00" in url:
        raise ValidationError({"url": "May not contain NUL characters."})
    try:
        _validate(url)
    except ValidationError:
        raise ValidationError({"url": "Enter a valid http or https URL."}) from None
