"""Resolve who is calling: the client address through trusted proxies, and the agent.

``X-Forwarded-For`` is written by whoever sends the request, so only the entries
appended by proxies we run can be believed. Each trusted proxy appends the address
it received the connection from, so with ``NUM_TRUSTED_PROXIES = N`` the N-th
entry from the right is the one the outermost trusted proxy saw; everything to its
left is client-supplied and ignored. With ``N = 0`` the header is ignored entirely,
or anyone could pick their own address and escape the per-IP rate limits.

A value that is not an IP address never falls through to a neighbouring entry
(that one would be attacker-chosen); it falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest

from users.meta import RequestMeta

USER_AGENT_MAX_LENGTH = 512
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# "203.0.113.7:51234": an IPv4 address with a port, as some proxies write it.
_IPV4_WITH_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$")
# "[2001:db8::1]" or "[2001:db8::1]:443".
_BRACKETED_IPV6 = re.compile(r"^\[([^\]]+)\](?::(\d{1,5}))?$")


def client_ip(request: HttpRequest) -> str | None:
    """Return the caller's address, or None when not even REMOTE_ADDR is valid."""
    meta = request.META
    remote = parse_ip(meta.get("REMOTE_ADDR"))
    trusted = _trusted_proxies()
    if trusted == 0:
        return remote
    # Empty entries stay in: a malformed header must not shift which entry is read.
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < trusted:
        return remote
    return parse_ip(forwarded[-trusted]) or remote


def request_meta(request: HttpRequest) -> RequestMeta:
    """Build what a service may know about the request (address and agent only)."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not isinstance(agent, str):
        agent = ""
    # PostgreSQL text refuses NUL, and control characters only serve log forging.
    agent = _CONTROL_CHARS.sub("", agent)[:USER_AGENT_MAX_LENGTH]
    return RequestMeta(ip_address=client_ip(request), user_agent=agent)


def parse_ip(value: object) -> str | None:
    """Return ``value`` as a canonical address, or None if it is not one.

    Accepts the spellings proxies use (a port after IPv4, brackets around IPv6, an
    IPv6 zone) and reports IPv4-mapped IPv6 as plain IPv4, so one client has one
    spelling in rate-limit keys and session records.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    match = _BRACKETED_IPV6.match(text) or _IPV4_WITH_PORT.match(text)
    if match:
        if match.group(2) and int(match.group(2)) > 65535:
            return None
        text = match.group(1)
    text = text.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


def _trusted_proxies() -> int:
    try:
        count = int(getattr(settings, "NUM_TRUSTED_PROXIES", 0))
    except (TypeError, ValueError):
        return 0
    return max(count, 0)
