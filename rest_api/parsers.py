"""Request body parsers hardened against input that crashes the standard ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as _JSONParser

from core import json_input


class JSONParser(_JSONParser):
    """DRF's JSON parser through ``core.json_input``, as ``/graphql/`` reads JSON.

    ``json`` raises RecursionError (not ValueError) for a body of ``[[[[...``, so
    a few kilobytes would otherwise crash the request; anything nested deeper
    than ``JSON_MAX_DEPTH`` is a 400 on both surfaces.
    """

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return json_input.loads(stream.read())
        except json_input.JSONInputError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
