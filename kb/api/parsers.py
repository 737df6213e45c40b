"""The API's JSON body parser: bodies of at most ``MAX_BODY_BYTES`` nested at most
``MAX_DEPTH`` deep, refused with a 400 in the API's error shape otherwise.

Python's ``json`` module recurses once per level of nesting: a body nested 100,000
deep would overflow the stack (a ``RecursionError``, so a 500) before any validation
ran. The depth is measured first, in one pass over the brackets outside strings, and
nothing deeper than the API's schemas need (a few levels) is ever decoded.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

#: Largest JSON body a write may send (1 MiB).
MAX_BODY_BYTES = 1024 * 1024
#: Deepest nesting of arrays and objects a body may have.
MAX_DEPTH = 32

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (brackets inside strings ignored)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    """``JSONParser`` with a size and a depth limit (``ParseError``: a 400)."""

    max_bytes = MAX_BODY_BYTES
    max_depth = MAX_DEPTH

    def parse(self, stream: IO[Any], media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        request = parser_context.get("request")
        declared = getattr(request, "META", {}).get("CONTENT_LENGTH") if request else None
        try:
            if declared and int(declared) > self.max_bytes:
                raise ParseError(self._too_large())
        except ValueError:
            raise ParseError("Malformed Content-Length header.") from None
        raw = stream.read(self.max_bytes + 1) if stream is not None else b""
        if len(raw) > self.max_bytes:
            raise ParseError(self._too_large())
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        depth = json_depth(text)
        if depth > self.max_depth:
            raise ParseError(
                f"The JSON body is nested {depth} levels deep; at most {self.max_depth}."
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None

    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_bytes // 1024} KiB."


#: What the API's views parse (also DRF's ``DEFAULT_PARSER_CLASSES``).
PARSER_CLASSES = [LimitedJSONParser]

