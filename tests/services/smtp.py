"""A local SMTP server for tests: the real protocol, on loopback, in a thread.

The mail backend under test talks SMTP to it exactly as it would to a relay, so a
test sees what a relay would receive — and can make the server refuse, to prove
that a transient failure is retried, without patching any function.
"""

from __future__ import annotations

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

    async def handle_DATA(
        self, smtp: SMTP, session: Session, envelope: Envelope
    ) -> str:
        with self.server.lock:
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
