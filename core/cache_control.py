"""``Cache-Control: no-store`` on every answer that may carry a token or account data.

RFC 6749 §5.1 requires it on token responses, and an account's profile,
sessions or activity have no business in a shared cache, a browser's back-forward
cache or a CDN either. One middleware, outermost, so it also covers answers
produced before any view runs (413, 415, CORS preflights, errors): every
``/api/v1/`` answer and every ``/graphql/`` answer (a ``GET`` may run a query).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from core.api_paths import API_PREFIXES


class NoStoreMiddleware:
    """Mark API answers as never to be stored by any cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(API_PREFIXES):
            # max-age=0, no-cache, no-store, must-revalidate, private + Expires.
            add_never_cache_headers(response)
            response.headers.setdefault("Pragma", "no-cache")
        return response
