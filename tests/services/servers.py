"""Throwaway PostgreSQL and Redis servers on loopback.

PostgreSQL refuses to run as root, so when the suite runs as root (CI, containers)
the cluster is created and started as the unprivileged ``postgres`` user (or the
user named in TEST_PG_USER); on a laptop it runs as whoever runs the tests.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    """A server binary is missing or the server did not come up."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise ServiceUnavailable(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _find_binary(name: str, hint: str) -> str:
    # TEST_PG_BINDIR picks one PostgreSQL major where several are installed
    # (CI uses docker-compose.yml's).
    bindir = os.environ.get("TEST_PG_BINDIR")
    if bindir and name in {"initdb", "pg_ctl"}:
        if not (Path(bindir) / name).exists():
            raise ServiceUnavailable(f"TEST_PG_BINDIR={bindir} has no '{name}'")
        return str(Path(bindir) / name)
    found = shutil.which(name)
    if found:
        return found
    for pattern in (
        f"/usr/lib/postgresql/*/bin/{name}",
        f"/usr/sbin/{name}",
        f"/usr/local/sbin/{name}",
    ):
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[-1]
    raise ServiceUnavailable(f"'{name}' not found. {hint}")


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, trust auth on 127.0.0.1."""

    port: int = field(default_factory=free_port)
    base_dir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="accounts-pg-"))
    )

    def __post_init__(self) -> None:
        hint = "Install PostgreSQL: sudo apt-get install -y postgresql"
        self.initdb = _find_binary("initdb", hint)
        self.pg_ctl = _find_binary("pg_ctl", hint)
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgres.log"
        self._run_as: str | None = None
        if os.geteuid() == 0:
            self._run_as = os.environ.get("TEST_PG_USER", "postgres")
            try:
                account = pwd.getpwnam(self._run_as)
            except KeyError as exc:
                raise ServiceUnavailable(
                    f"running as root and there is no '{self._run_as}' user to run "
                    "PostgreSQL as; create one or set TEST_PG_USER"
                ) from exc
            os.chown(self.base_dir, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            list(args),
            user=self._run_as,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.base_dir,
        )
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise ServiceUnavailable(
                f"{' '.join(args[:2])} failed: {result.stderr or result.stdout}\n{log}"
            )

    def start(self) -> None:
        if not self.data_dir.exists():
            self._run(
                self.initdb, "-D", str(self.data_dir), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
            )  # fmt: skip
        options = " ".join(
            [
                f"-p {self.port}",
                "-h 127.0.0.1",
                f"-k {self.base_dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run(
            self.pg_ctl, "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def halt(self) -> None:
        """Stop the server, keeping its data, so that ``start`` brings it back.

        ``fast`` shutdown: every client connection is ended, as when a database
        restarts under traffic.
        """
        self._run(self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        if self.data_dir.exists():
            subprocess.run(
                [self.pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop"],
                user=self._run_as,
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)


@dataclass
class RedisServer:
    """A redis-server process with no persistence, on 127.0.0.1."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.binary = _find_binary(
            "redis-server", "Install Redis: sudo apt-get install -y redis-server"
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--protected-mode", "yes", "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
