"""Content negotiation that never refuses to answer.

The API speaks JSON only. A client sending ``Accept: text/html`` or
``?format=xml`` still gets JSON (its error included) rather than DRF's 406 or
404, which would otherwise be the one failure not in the shared error body.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class FallbackContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Http404):
            first = next(iter(renderers))
            return first, first.media_type
