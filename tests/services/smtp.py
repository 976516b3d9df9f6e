"""A local SMTP server for tests: the real protocol, on loopback, in a thread.

The mail backend under test talks SMTP to it exactly as it would to a relay, so a
test sees what a relay would receive — and can make the server refuse, to prove
that a transient failure is retried, without patching any function.
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def _free_port() -> int:
    # aiosmtpd connects to its own port to check it started, so port 0 will not do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: FakeSMTPServer) -> None:
        self.server = server

    async def handle_RCPT(
        self,
        smtp: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept any recipient; stall first when told to (a slow relay)."""
        with self.server.lock:
            stall = self.server.stalls_left > 0
            if stall:
                self.server.stalls_left -= 1
                self.server.stalled += 1
        if stall:
            # Mid-conversation: no DATA yet, so a client that dies here has
            # delivered nothing, as with a real relay.
            await asyncio.sleep(self.server.stall_seconds)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(
        self, smtp: SMTP, session: Session, envelope: Envelope
    ) -> str:
        with self.server.lock:
            if time.monotonic() < self.server.refuse_until:
                self.server.refused += 1
                return "421 Service not available, try again later"
            if self.server.refusals_left > 0:
                self.server.refusals_left -= 1
                self.server.refused += 1
                return "421 Service not available, try again later"
            message = email.message_from_bytes(
                envelope.content, policy=email.policy.default
            )
            self.server.messages.append(message)
        return "250 Message accepted for delivery"


class FakeSMTPServer:
    """Collect every message delivered to ``127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.refusals_left = 0
        self.refused = 0
        self.refuse_until = 0.0
        self.stalls_left = 0
        self.stalled = 0
        self.stall_seconds = 0.0
        self.port = _free_port()
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port
        )

    @property
    def url(self) -> str:
        """An ``EMAIL_URL`` for django-environ pointing here."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.refusals_left = 0
            self.refused = 0
            self.refuse_until = 0.0
            self.stalls_left = 0
            self.stalled = 0

    def refuse_for(self, seconds: float) -> None:
        """Answer every delivery with a transient 421 for ``seconds``."""
        with self.lock:
            self.refuse_until = time.monotonic() + seconds

    def stall_next(self, count: int, seconds: float) -> None:
        """Hold the next ``count`` conversations ``seconds`` before accepting RCPT."""
        with self.lock:
            self.stalls_left = count
            self.stall_seconds = seconds

    def wait_until_stalled(self, count: int = 1, timeout: float = 30.0) -> None:
        """Return once ``count`` conversations are (or were) held at RCPT."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.stalled >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"no delivery reached the SMTP server in {timeout}s")

    def copies_by_message_id(self) -> collections.Counter[str]:
        """How many times each Message-ID arrived (a duplicate shows as 2+)."""
        with self.lock:
            return collections.Counter(str(m["Message-ID"]) for m in self.messages)

    def refuse_next(self, count: int) -> None:
        """Answer the next ``count`` deliveries with a transient 421."""
        with self.lock:
            self.refusals_left = count

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Return once ``count`` messages arrived; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} message(s) within {timeout}s, got {len(self.messages)}"
        )
