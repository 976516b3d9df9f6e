"""Decode a JSON request body the same way on every surface, bounded in depth.

``json`` raises ``RecursionError`` (not ``ValueError``) for ``[[[[...`` nested
past the interpreter's limit, and a value nested just under it still reaches
code that recurses over it (variable coercion, serializers, logging). No API
input nests more than a few levels, so anything deeper than
``settings.JSON_MAX_DEPTH`` is refused as malformed, whichever surface read it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings


class JSONInputError(ValueError):
    """The body is not JSON, or nests deeper than the limit."""


def loads(data: bytes | str, *, max_depth: int | None = None) -> Any:
    """Decode ``data`` (UTF-8 if bytes) or raise ``JSONInputError``."""
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise JSONInputError(f"The JSON nests deeper than {limit} levels.") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise JSONInputError("The body is not valid JSON.") from exc
    if depth_exceeds(value, limit):
        raise JSONInputError(f"The JSON nests deeper than {limit} levels.")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python-only


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` arrays/objects (iteratively)."""
    if not isinstance(value, dict | list):
        return False
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        children = current.values() if isinstance(current, dict) else current
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
