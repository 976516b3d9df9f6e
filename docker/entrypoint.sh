#!/usr/bin/env bash
# Entrypoint of the one image behind web, worker and beat.
#
# Waits until PostgreSQL (and Redis, when REDIS_URL is set) accept connections, so
# that migrations and the first requests do not race a database that is still
# starting, then replaces itself with the command (exec) so the command gets the
# signals Docker sends and its exit status is the container's.
#
#   WAIT_FOR_SERVICES=0            skip the wait (one-off commands, external probes)
#   WAIT_FOR_SERVICES_ATTEMPTS=30  tries per service before giving up (exit 1)
#   WAIT_FOR_SERVICES_INTERVAL=2   seconds between tries
set -euo pipefail

if [[ "${WAIT_FOR_SERVICES:-1}" != "0" ]]; then
    python - <<'PY'
import os
import sys
import time

attempts = int(os.environ.get("WAIT_FOR_SERVICES_ATTEMPTS", "30"))
interval = float(os.environ.get("WAIT_FOR_SERVICES_INTERVAL", "2"))
# libpq understands only its own URI parameters; django-environ adds others.
LIBPQ_PARAMS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "options"}


def say(message):
    print("entrypoint: " + message, file=sys.stderr, flush=True)


def wait(name, probe):
    for attempt in range(1, attempts + 1):
        try:
            probe()
        except Exception as exc:  # any failure only means "not yet"
            # The class and first line only: never the URL, which holds the password.
            detail = (str(exc).strip().splitlines() or [""])[0][:200]
            say(f"{name} not ready ({type(exc).__name__}: {detail}) [{attempt}/{attempts}]")
            if attempt < attempts:
                time.sleep(interval)
        else:
            say(f"{name} is ready")
            return
    say(f"gave up waiting for {name}")
    sys.exit(1)


def postgres():
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    query = urlencode([(k, v) for k, v in parse_qsl(url.query) if k in LIBPQ_PARAMS])
    conninfo = urlunsplit(("postgresql", url.netloc, url.path, query, ""))
    psycopg.connect(conninfo, connect_timeout=3).close()


def redis():
    import redis

    client = redis.Redis.from_url(
        os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3
    )
    try:
        client.ping()
    finally:
        client.close()


database_url = os.environ.get("DATABASE_URL", "")
scheme = database_url.partition("://")[0]
if scheme in {"postgres", "postgresql", "pgsql", "psql", "postgis"}:
    wait("PostgreSQL", postgres)
elif database_url:
    say(f"not waiting for a {scheme} database")
if os.environ.get("REDIS_URL"):
    wait("Redis", redis)
PY
fi

exec "$@"
