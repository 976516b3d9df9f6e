"""A local stand-in for Sentry's ingest endpoint: the real protocol, on loopback.

The SDK under test is configured with ``http://public@127.0.0.1:<port>/1`` and
posts envelopes to ``/api/1/envelope/`` exactly as it would to sentry.io
(gzip-compressed when it compresses). The server keeps each decompressed body,
so a test can search the raw bytes the SDK sent, and parses the envelope
format (https://develop.sentry.dev/sdk/data-model/envelopes/): a header line,
then items, each an item header line and a payload of ``length`` bytes (or up
to the next newline when the header gives no length).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Item:
    """One envelope item: its header and its payload bytes."""

    header: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        return str(self.header.get("type", ""))

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Envelope:
    """What the SDK posted once: the decompressed body and its parsed items."""

    raw: bytes
    header: dict[str, Any]
    items: list[Item] = field(default_factory=list)

    def events(self, item_type: str = "event") -> list[dict[str, Any]]:
        """The payloads of the items of ``item_type`` ("event", "transaction")."""
        return [item.json() for item in self.items if item.type == item_type]


def parse_envelope(raw: bytes) -> Envelope:
    """Split an envelope into its header and items; raise ValueError if malformed."""
    header_line, _, rest = raw.partition(b"\n")
    envelope = Envelope(raw=raw, header=json.loads(header_line))
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_line)
        length = item_header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:]
            if len(payload) != length:
                raise ValueError("an item is shorter than its length")
            rest = rest.removeprefix(b"\n")
        envelope.items.append(Item(item_header, payload))
    return envelope


def _decode(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding in ("", "identity"):
        return body
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != f"/api/{self.server.project}/envelope":
            self.send_error(404)
            return
        try:
            raw = _decode(body, self.headers.get("Content-Encoding", ""))
            envelope = parse_envelope(raw)
        except (ValueError, OSError) as exc:
            self.server.owner.rejected.append(repr(exc))
            self.send_error(400)
            return
        self.server.owner.add(envelope)
        answer = json.dumps({"id": envelope.header.get("event_id")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeSentry
    project: str


class FakeSentry:
    """Collect every envelope posted to ``127.0.0.1:<port>/api/1/envelope/``."""

    project = "1"

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.envelopes: list[Envelope] = []
        self.rejected: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._server.project = self.project
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/{self.project}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, envelope: Envelope) -> None:
        with self._condition:
            self.envelopes.append(envelope)
            self._condition.notify_all()

    def wait_for_events(
        self,
        matches: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = 30.0,
        item_type: str = "event",
    ) -> list[Envelope]:
        """Envelopes holding an item that ``matches``; wait until ``count`` came."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = [
                    envelope
                    for envelope in self.envelopes
                    if any(matches(event) for event in envelope.events(item_type))
                ]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    break
                self._condition.wait(left)
        assert len(found) >= count, (
            f"{len(found)} of {count} Sentry event(s) arrived; "
            f"rejected: {self.rejected}; "
            f"all: {[e.events() for e in self.envelopes]!r}"[:4000]
        )
        return found
