"""Gunicorn settings, all overridable from the environment.

Used by ``docker/start-web.sh`` in the image and by anyone running
``gunicorn -c docker/gunicorn.conf.py core.wsgi:application`` on a host. Gunicorn
reads the module-level names below; anything it does not know is ignored silently,
which is why ``tests/deploy`` checks every public name against gunicorn's settings.
Reference: https://docs.gunicorn.org/en/stable/settings.html
"""

import os


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    """Read an integer, failing at boot with the variable's name rather than later."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def _cpu_count() -> int:
    # The affinity mask is what a container's cpuset actually allows; cpu_count()
    # reports the host's cores.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _default_workers() -> int:
    # 2 x cores + 1 suits sync workers waiting on PostgreSQL; the cap keeps a big
    # host from opening more database connections than PostgreSQL allows.
    cap = _env_int("GUNICORN_MAX_WORKERS", 8, minimum=1)
    return min(2 * _cpu_count() + 1, cap)


# --- Socket ---------------------------------------------------------------------
bind = [f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"]
backlog = _env_int("GUNICORN_BACKLOG", 2048, minimum=1)

# --- Workers --------------------------------------------------------------------
workers = _env_int("WEB_CONCURRENCY", 0, minimum=0) or _default_workers()
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)
# More than one thread switches gunicorn to the gthread worker on its own.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# The heartbeat file is touched constantly; on a disk-backed /tmp (Docker's
# overlayfs) that can stall a worker, so use tmpfs when the host has it.
_SHM = "/dev/shm"  # noqa: S108 (tmpfs, not a shared temp dir)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK) else None
# Recycle workers now and then so a slow leak never grows unbounded. The jitter
# is half the limit: each worker draws its own limit in [20000, 30000], so at
# the ~700 req/s two workers serve here, recycles land seconds to minutes
# apart, never in the same second (with 1000 +/- 100 both went at once, every
# 3 s, and came back cold: -23 % throughput, p99 near 2 s; bench/README.md).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 10000)
# Load and warm the app once in the master (core/warmup.py), then fork: a new
# worker, including one replacing a recycled worker, serves warm at once and
# shares the master's pages. The code is read at master start, so a deploy
# restarts the master (a new container) rather than sending HUP.
preload_app = _env_bool("GUNICORN_PRELOAD", True)


def pre_fork(server, worker):
    """Close the master's database connections before each fork (preload only).

    A child must never inherit a socket its siblings also hold; see
    core/warmup.py. Without preload the master has not imported Django at all.
    """
    import sys

    if "django.db" in sys.modules and "core.warmup" in sys.modules:
        from core.warmup import close_connections_before_fork

        close_connections_before_fork()


# --- Timeouts (nginx's proxy_read_timeout is longer, so gunicorn decides) --------
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
# The request line may be as long as nginx lets through (its 8k header buffers):
# gunicorn's own default, 4094 bytes, would refuse a longer one with an HTML 414
# that the proxy passes on, where the API promises JSON errors. nginx answers a
# longer line itself, in the JSON error shape (docker/nginx/default.conf.template).
limit_request_line = 8190

# --- Proxy ----------------------------------------------------------------------
# Addresses whose X-Forwarded-Proto gunicorn believes. Django makes its own
# decision (SECURE_PROXY_SSL_HEADER, NUM_TRUSTED_PROXIES); this only keeps
# gunicorn's view of the scheme consistent with it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Logging: both streams to the container's stdout/stderr ----------------------
# GUNICORN_ACCESS_LOG= (empty) turns it off when nginx's access log is enough.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Client, request line, status, size, duration; no Authorization or Cookie header.
access_log_format = '%(h)s "%({x-forwarded-for}i)s" "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
proc_name = os.environ.get("GUNICORN_PROC_NAME", "accounts-api")

# --- Control socket (gunicornc) -------------------------------------------------
# Off unless a path is given: the default lives in $HOME, which the image's
# non-root user cannot write, and two servers on one host would share it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
