"""The human messages of input rules, written once for every surface.

A rule that refuses input names its message here, so GraphQL and REST (and
the admin) show the same words for the same failure.
"""

from __future__ import annotations


def too_long(limit: int) -> str:
    """Say that a text must be at most ``limit`` characters long."""
    return f"Use at most {limit} characters."


EMAIL_REQUIRED = "An email address is required."
EMAIL_INVALID = "Enter a valid email address."


def email_invalid(reason: str) -> str:
    """Say that an address is refused, and why (``users.email_address``'s reason)."""
    return f"{EMAIL_INVALID} {reason}"


PASSWORD_REQUIRED = "A password is required."  # noqa: S105 (a message)
NOT_TEXT = "Must be text."
AUTHENTICATION_REQUIRED = (
    "Authentication required: send a valid access token "
    "as 'Authorization: Bearer <token>'."
)
