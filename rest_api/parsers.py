"""Request body parsers hardened against input that crashes the standard ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as _JSONParser


class JSONParser(_JSONParser):
    """DRF's JSON parser, but deeply nested input is a 400, not a 500.

    ``json`` raises RecursionError (not ValueError) for a body of ``[[[[...``, so
    a few kilobytes would otherwise crash the request.
    """

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
