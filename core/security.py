"""Response headers that Django's SecurityMiddleware does not set.

A Content-Security-Policy on every response: API answers (JSON) get the strictest
policy (nothing may load, nothing may frame them); HTML pages (GraphiQL, Swagger
UI, ReDoc, the admin) get one that lets exactly those tools work: their scripts
come from this origin or, for GraphiQL, from jsDelivr with subresource integrity.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

_CDN = "https://cdn.jsdelivr.net"
HTML_POLICY = "; ".join(
    [
        "default-src 'self'",
        # GraphiQL boots from an inline script; Swagger UI and ReDoc from static files.
        f"script-src 'self' 'unsafe-inline' {_CDN}",
        f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com",
        f"font-src 'self' data: {_CDN} https://fonts.gstatic.com",
        "img-src 'self' data: blob: https:",
        "connect-src 'self'",
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
