"""Settings shared by every environment.

Every value comes from the environment (django-environ); the defaults here are the
embedded ones that ``core.settings.dev`` runs on. Production overrides what must
never have a default (secrets, hosts). Reference:
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Core -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-" + "x" * 40)
# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
AUTH_USER_MODEL = "users.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # django.contrib.admin, with django-otp's second factor (users/admin_site.py).
    "users.admin_config.AccountsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_yasg",
    "graphene_django",
    "django_otp",
    "users",
    "graphql_api",
    "rest_api",
    "tasks",
    "core",  # vendored static files (core/vendor.py) and management commands
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: even answers made by later middleware are no-store.
    "core.cache_control.NoStoreMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS, so a browser can read the 413 it gets.
    "core.request_limits.RequestSizeLimitMiddleware",
    # Django's browser-session middleware, skipped on /api/v1/ and /graphql/,
    # where only the Authorization header authenticates (core/browser_middleware.py).
    # CSRF stays Django's own, on every path (check --deploy looks for it; on the
    # API it only reads a cookie, and every view there is exempt).
    "core.browser_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.browser_middleware.AuthenticationMiddleware",
    # Marks a Django (admin) session verified by a second factor.
    "core.browser_middleware.OTPMiddleware",
    "core.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view's database outage is a JSON 503 (REST and GraphQL catch their own).
    "core.database_outage.DatabaseOutageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/accounts
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A persistent connection that died (the server restarted) is replaced at the
# start of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Seconds a connection attempt may take: an unreachable server (a failover,
    # a dropped route) makes requests fail fast with 503, not hang a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent writes (runserver is threaded):
    # WAL lets readers and the writer proceed together; IMMEDIATE takes the
    # write lock when a transaction begins, so two transactions never both read
    # and then deadlock on upgrading to a write (SQLite's instant "database is
    # locked"); and a writer waits up to ``timeout`` seconds for the lock.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# --- Redis: cache, rate-limit counters, Celery broker ---------------------------
# REDIS_URL, e.g. redis://127.0.0.1:6379/0, names the server; each use gets a
# database of its own on it (the number in REDIS_URL is replaced), so that a
# cache.clear() (FLUSHDB) can touch neither the rate-limit counters nor queued
# tasks. Each can also be pointed elsewhere with its own URL. Without REDIS_URL:
# local-memory caches and eager in-process tasks.
REDIS_URL = env("REDIS_URL", default="")


def _redis_database(url: str, number: int) -> str:
    """``url`` with its database number replaced by ``number``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def _cache(url: str, prefix: str) -> dict:
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": prefix,
        }
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHE_REDIS_URL = env(
    "CACHE_REDIS_URL",
    default=_redis_database(REDIS_URL, env.int("REDIS_CACHE_DB", default=0))
    if REDIS_URL
    else "",
)
RATELIMIT_REDIS_URL = env(
    "RATELIMIT_REDIS_URL",
    default=_redis_database(REDIS_URL, env.int("REDIS_RATELIMIT_DB", default=1))
    if REDIS_URL
    else "",
)
CACHES = {
    "default": _cache(CACHE_REDIS_URL, env("CACHE_KEY_PREFIX", default="accounts")),
    # Counters must outlive a cache flush, or a flush would reset every budget.
    "ratelimit": _cache(RATELIMIT_REDIS_URL, "accounts-ratelimit"),
}

# --- Celery ---------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    default=_redis_database(REDIS_URL, env.int("REDIS_BROKER_DB", default=2))
    if REDIS_URL
    else "memory://",
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged once it has run, and given back if its worker dies, so a
# worker killed mid-delivery loses nothing (the outbox row stops a second send).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_IMPORTS = ["tasks.emails", "tasks.outbox", "tasks.maintenance"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead broker must not hang a publish (the outbox row waits for the relay);
# a message unacknowledged this long (its worker vanished) is handed out again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TIMEZONE = "UTC"
# --- Outbox (users/outbox.py, tasks/outbox.py) ------------------------------------
# Seconds a published message may go undelivered before the relay publishes it
# again (a Redis without persistence that restarts forgets its queue); each
# re-publish doubles it, up to OUTBOX_REPUBLISH_BACKOFF_MAX.
OUTBOX_DELIVERY_TIMEOUT = env.int("OUTBOX_DELIVERY_TIMEOUT", default=120)
OUTBOX_REPUBLISH_BACKOFF_MAX = env.int("OUTBOX_REPUBLISH_BACKOFF_MAX", default=3600)
# Seconds the relay leaves a new row to its own after-commit publish.
OUTBOX_PUBLISH_GRACE = env.int("OUTBOX_PUBLISH_GRACE", default=10)
OUTBOX_RELAY_INTERVAL = env.int("OUTBOX_RELAY_INTERVAL", default=30)
OUTBOX_RELAY_BATCH_SIZE = env.int("OUTBOX_RELAY_BATCH_SIZE", default=200)
# Delivery attempts (SMTP 4xx, network errors) before a message is marked
# failed; retries wait base * 2^n seconds with full jitter, capped.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_RETRY_BACKOFF = env.int("OUTBOX_RETRY_BACKOFF", default=2)
OUTBOX_RETRY_BACKOFF_MAX = env.int("OUTBOX_RETRY_BACKOFF_MAX", default=600)
# /readyz/ answers 503 when the oldest undelivered message is older than this
# many seconds, or more than OUTBOX_READY_MAX_PENDING wait (0 turns a check off).
OUTBOX_READY_MAX_AGE = env.int("OUTBOX_READY_MAX_AGE", default=900)
OUTBOX_READY_MAX_PENDING = env.int("OUTBOX_READY_MAX_PENDING", default=10_000)

# --- Retention and the beat schedule (tasks/maintenance.py) ------------------------
# Seconds rows are kept once finished: sessions after expiry or revocation,
# outbox messages after delivery. Failed messages are kept until handled.
SESSION_RETENTION = env.int("SESSION_RETENTION", default=30 * 24 * 3600)
OUTBOX_RETENTION = env.int("OUTBOX_RETENTION", default=7 * 24 * 3600)
PURGE_BATCH_SIZE = env.int("PURGE_BATCH_SIZE", default=1000)
PURGE_BATCH_PAUSE = env.float("PURGE_BATCH_PAUSE", default=0.05)
# One entry per periodic job. A purge is the maintenance task with the name of a
# retention policy (users/retention.py); stagger them so they do not coincide.
# https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "tasks.outbox.relay",
        "schedule": OUTBOX_RELAY_INTERVAL,
        # A relay queued while no worker ran is stale by the next one.
        "options": {"expires": OUTBOX_RELAY_INTERVAL},
    },
    "purge-sessions": {
        "task": "tasks.maintenance.purge",
        "schedule": crontab(minute=17),
        "args": ("sessions",),
        "options": {"expires": 3600},
    },
    "purge-outbox": {
        "task": "tasks.maintenance.purge",
        "schedule": crontab(minute=47),
        "args": ("outbox",),
        "options": {"expires": 3600},
    },
    "purge-action-links": {
        "task": "tasks.maintenance.purge",
        "schedule": crontab(minute=32),
        "args": ("action_links",),
        "options": {"expires": 3600},
    },
    "purge-security-events": {
        "task": "tasks.maintenance.purge",
        "schedule": crontab(minute=2),
        "args": ("security_events",),
        "options": {"expires": 3600},
    },
}

# --- Passwords ------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
# Argon2id sized for a 2-core server (users/hashers.py); first, so hashes made
# with other parameters (Django's defaults) or PBKDF2 are upgraded at login.
PASSWORD_HASHERS = [
    "users.hashers.ProjectArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": _VALIDATORS + "UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {
        "NAME": _VALIDATORS + "MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
# Reset and verification links expire after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
EMAIL_VERIFICATION_TIMEOUT = env.int(
    "EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 3600
)
# Seconds a single-use account-action link (users/action_links.py) stays valid,
# per action: "cancel this email change" lives long enough for an owner who
# reads mail weekly to undo a takeover.
ACCOUNT_ACTION_LINK_MAX_AGE = {
    "default": env.int("ACCOUNT_ACTION_LINK_MAX_AGE", default=7 * 24 * 3600),
    "cancel_email_change": env.int(
        "EMAIL_CHANGE_CANCEL_TIMEOUT", default=7 * 24 * 3600
    ),
    # The "this wasn't me" link of a new sign-in notice.
    "report_unrecognized_login": env.int(
        "UNRECOGNIZED_LOGIN_LINK_TIMEOUT", default=7 * 24 * 3600
    ),
}

# --- Tokens ---------------------------------------------------------------------
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
JWT_ALGORITHM = env("JWT_ALGORITHM", default="HS256")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        seconds=env.int("JWT_ACCESS_TOKEN_LIFETIME", default=5 * 60)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env.int("JWT_REFRESH_TOKEN_LIFETIME", default=7 * 24 * 3600)
    ),
    "ALGORITHM": JWT_ALGORITHM,
    # HS*: the signing key is the secret; RS*/ES*: a PEM private key, and the
    # public one in JWT_VERIFYING_KEY.
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "VERIFYING_KEY": env("JWT_VERIFYING_KEY", default="") or None,
    "AUDIENCE": env("JWT_AUDIENCE", default="") or None,
    "ISSUER": env("JWT_ISSUER", default="") or None,
    "LEEWAY": 0,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION and UPDATE_LAST_LOGIN are
    # read only by simplejwt's own views and serializers, which are not used:
    # rotation and reuse detection are users/tokens.py's, on the Session rows.
}
# A session (one login's chain of refresh tokens) ends this long after the login,
# however often it is refreshed: then the user logs in again (ASVS 3.3.2 asks for
# at most 30 days). Each refresh token's expiry is capped at that end.
SESSION_ABSOLUTE_LIFETIME = timedelta(
    seconds=env.int("SESSION_ABSOLUTE_LIFETIME", default=30 * 24 * 3600)
)
# A refresh token retired by rotation that comes back within this interval is a
# second tab (or a retry) racing the first refresh, not theft: it answers with the
# session's current pair. Later, it revokes the session (TOKEN_REUSED). 0 = never.
REFRESH_TOKEN_REUSE_INTERVAL = timedelta(
    seconds=env.int("REFRESH_TOKEN_REUSE_INTERVAL", default=10)
)

# --- Two-factor authentication (users/mfa.py) -----------------------------------
# Fernet keys, newest first, that encrypt TOTP secrets at rest (comma-separated;
# generate with `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Empty: derived from SECRET_KEY (and its
# fallbacks). Rotation: docs/security.md, `manage.py rotate_mfa_keys`.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
# Staff must have TOTP on before staff fields, endpoints and /admin/ serve them.
# Off here and in dev; on by default in production settings.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)
# The MFA token of a password step: lifetime (seconds) and wrong codes it survives.
MFA_TOKEN_LIFETIME = env.int("MFA_TOKEN_LIFETIME", default=5 * 60)
MFA_TOKEN_MAX_ATTEMPTS = env.int("MFA_TOKEN_MAX_ATTEMPTS", default=5)
MFA_RECOVERY_CODE_COUNT = 10
# https://django-otp-official.readthedocs.io/en/stable/overview.html#settings
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Accounts")
OTP_TOTP_SYNC = True
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Email ----------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.com:587 ; default: console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP conversation may stall; Django's default is to wait forever,
# which would hold a worker (and an outbox row lock) hostage to a dead relay.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Accounts <no-reply@localhost>")
# Links in emails point at the frontend, which calls the API with the token.
FRONTEND_URL = env("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

# --- Security activity (users.events) -------------------------------------------
# Events older than this many days are purged by the beat schedule.
SECURITY_EVENT_RETENTION_DAYS = env.int("SECURITY_EVENT_RETENTION_DAYS", default=180)

# --- HTTP edges -----------------------------------------------------------------
# JSON bodies over 1 MB are refused (413); nginx's client_max_body_size agrees.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# JSON bodies (both surfaces, core/json_input.py) nesting deeper are a 400.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
AVATAR_MAX_BYTES = 5 * 1024 * 1024
# Room for multipart framing above an avatar; bodies declaring more than
# AVATAR_MAX_BYTES + this are refused (413) before they are read. nginx: 6m.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024
AVATAR_MAX_PIXELS_SIDE = 4096
# How many proxies in front of the app append to X-Forwarded-For (nginx: 1).
NUM_TRUSTED_PROXIES = env.int("NUM_TRUSTED_PROXIES", default=0)

# https://github.com/adamchainz/django-cors-headers#configuration
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = False
CORS_PREFLIGHT_MAX_AGE = 86400
CORS_URLS_REGEX = r"^/(api|graphql)/.*$"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Rate limits (users/ratelimits.py) -------------------------------------------
# Per operation, buckets written "<rate> <key>" (key: ip, email or user), e.g.
# RATE_LIMITS='{"login": ["5/m ip", "10/m email"]}'. Unlisted operations keep the
# defaults in users/ratelimits.py; an empty list turns an operation's limits off.
RATE_LIMITS = env.json("RATE_LIMITS", default={})
# Operations refused (503 SERVICE_UNAVAILABLE) while Redis is unreachable, on top
# of every operation that checks a password or a second factor (always refused:
# users.ratelimits.CREDENTIAL_CHECKS); the rest is allowed through.
RATE_LIMIT_FAIL_CLOSED = {"register", "password_reset_request"}
# Device tokens (users/devices.py): seconds one stays valid after its last login.
DEVICE_TOKEN_LIFETIME = env.int("DEVICE_TOKEN_LIFETIME", default=365 * 24 * 3600)
# https://django-ratelimit.readthedocs.io/en/stable/settings.html
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "ratelimit"

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- I18N / time ----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API surfaces ---------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
# Secure by default: every view needs the Bearer token unless it opts out
# (rest_api.views.PublicAPIView). JSON in and out; one exception handler.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_api.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Rate limits live in the services (users/ratelimits.py), for both surfaces.
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": (
        "rest_api.negotiation.FallbackContentNegotiation"
    ),
    "EXCEPTION_HANDLER": "rest_api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# https://drf-yasg.readthedocs.io/en/stable/settings.html
# The Bearer scheme is declared once and required per operation (only where the
# view needs a token), so Swagger UI's "Authorize" sends it exactly there.
SWAGGER_SETTINGS = {
    "DEFAULT_INFO": "rest_api.docs.INFO",
    "DEFAULT_AUTO_SCHEMA_CLASS": "rest_api.docs.AutoSchema",
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Type `Bearer <access token>`.",
        }
    },
    "SECURITY_REQUIREMENTS": [],
    "USE_SESSION_AUTH": False,
    "PERSIST_AUTH": False,
    "DEEP_LINKING": True,
}
GRAPHIQL_ENABLED = env.bool("GRAPHIQL_ENABLED", default=DEBUG)
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=DEBUG)
# Document limits (graphql_api/validation.py, docs/graphql.md "Limits"); each
# refusal is QUERY_TOO_COMPLEX. Validation costs time linear in the document.
GRAPHQL_MAX_QUERY_BYTES = env.int("GRAPHQL_MAX_QUERY_BYTES", default=10_000)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=1_000)
GRAPHQL_MAX_COMMENTS = env.int("GRAPHQL_MAX_COMMENTS", default=100)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
# Fields selected, every fragment counted each time it is spread.
GRAPHQL_MAX_FIELDS = env.int("GRAPHQL_MAX_FIELDS", default=400)
# Times one response name may be selected in one selection set, fragments merged
# in (graphql-core compares such fields pairwise).
GRAPHQL_MAX_FIELD_REPEATS = env.int("GRAPHQL_MAX_FIELD_REPEATS", default=20)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
GRAPHQL_MAX_DIRECTIVES_PER_FIELD = env.int(
    "GRAPHQL_MAX_DIRECTIVES_PER_FIELD", default=3
)
GRAPHQL_MAX_DIRECTIVES = env.int("GRAPHQL_MAX_DIRECTIVES", default=30)
# Parsed + validated documents kept per process (graphql_api/documents.py).
GRAPHQL_DOCUMENT_CACHE_SIZE = env.int("GRAPHQL_DOCUMENT_CACHE_SIZE", default=512)
GRAPHQL_DOCUMENT_CACHE_CHARS = env.int(
    "GRAPHQL_DOCUMENT_CACHE_CHARS", default=2_000_000
)
# Apollo persisted queries (graphql_api/persisted.py): slots in the cache, expiry.
GRAPHQL_APQ_SLOTS = env.int("GRAPHQL_APQ_SLOTS", default=4096)
GRAPHQL_APQ_TIMEOUT = env.int("GRAPHQL_APQ_TIMEOUT", default=7 * 24 * 3600)

# --- Observability --------------------------------------------------------------
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="development")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=False)
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line for log shippers, ``extra=`` fields included.
        # https://nhairs.github.io/python-json-logger/latest/
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- GraphQL surface (graphql_api) ----------------------------------------------
# https://docs.graphene-python.org/projects/django/en/latest/settings/
GRAPHENE: dict[str, Any] = {
    "SCHEMA": "graphql_api.schema.schema",
    # graphene-django's `manage.py graphql_schema` (make schema) writes the
    # committed SDL here; tests/graphql/test_schema_snapshot.py checks for drift.
    "SCHEMA_OUTPUT": str(BASE_DIR / "graphql_api" / "schema.graphql"),
    "GRAPHIQL_HEADER_EDITOR_ENABLED": True,
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "ATOMIC_MUTATIONS": False,  # services own their transactions
}
# django-graphql-jwt decodes the same tokens as every surface, through users.tokens.
# https://django-graphql-jwt.domake.io/settings.html
GRAPHQL_JWT = {
    "JWT_AUTH_HEADER_PREFIX": "Bearer",
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_DECODE_HANDLER": "graphql_api.auth.jwt_decode",
    "JWT_PAYLOAD_GET_USERNAME_HANDLER": "graphql_api.auth.jwt_payload_identity",
    "JWT_GET_USER_BY_NATURAL_KEY_HANDLER": "graphql_api.auth.jwt_user_from_claims",
    # Never a token in an argument; its cookie helpers are never wired (no
    # jwt_cookie view decorator, no JSONWebTokenMiddleware, no backend).
    "JWT_ALLOW_ARGUMENT": False,
}
# One backend: passwords typed anywhere (the admin's login form included) are
# checked by the services, on the API's login budgets. No backend reads the
# Authorization header, so a Bearer token never logs anyone into a Django
# session (core/auth_backends.py); nor does any backend read a JWT cookie
# (django-graphql-jwt's JSONWebTokenBackend is not installed).
AUTHENTICATION_BACKENDS = ["core.auth_backends.AccountBackend"]
# The admin's URL prefix (cookiecutter-django's DJANGO_ADMIN_URL): move it off
# the well-known /admin/ to keep scanners away; it still needs staff + password.
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")
# Django sessions exist for the admin only: 8 hours, not Django's 14 days.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
