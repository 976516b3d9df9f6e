"""Response headers that Django's SecurityMiddleware does not set.

A Content-Security-Policy on every response: API answers (JSON) get the strictest
policy (nothing may load, nothing may frame them); HTML pages (GraphiQL, Swagger
UI, ReDoc, the admin) get one that lets exactly those tools work with nothing
but this origin: every script is a static file (no inline script, no eval).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

HTML_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Every page's scripts are static files of this origin: no inline script,
        # no eval, no CDN (GraphiQL's files are vendored, graphql_api.graphiql).
        "script-src 'self'",
        # Swagger UI, ReDoc (styled-components) and insQ inject <style> elements at
        # run time; an injected style cannot run script, so only styles keep
        # 'unsafe-inline'.
        "style-src 'self' 'unsafe-inline'",
        # GraphiQL's stylesheet embeds its fonts as data: URIs.
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        # ReDoc searches in a web worker it starts from a blob: URL.
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Add CSP and Permissions-Policy unless a view chose its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        response.headers.setdefault(
            "Content-Security-Policy", HTML_POLICY if is_html else API_POLICY
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
