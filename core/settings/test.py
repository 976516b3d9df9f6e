"""Settings for the test suite.

The suite's plugin (``tests/services``) starts throwaway PostgreSQL and Redis
servers on loopback and exports DATABASE_URL / REDIS_URL before this module is
imported, so tests run against the same engines as production.
"""

import os

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from core.settings.base import *

SECRET_KEY = "test-secret-key-" + "t" * 48
SIMPLE_JWT["SIGNING_KEY"] = env("JWT_SIGNING_KEY", default=SECRET_KEY)
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Real Argon2, with test-sized cost parameters so thousands of hashes stay fast.
PASSWORD_HASHERS = [
    "tests.hashers.FastArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
DATABASES["default"]["CONN_MAX_AGE"] = 0
GRAPHIQL_ENABLED = True
GRAPHQL_INTROSPECTION = True
FRONTEND_URL = "https://app.example.test"
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", MEDIA_ROOT)
CORS_ALLOWED_ORIGINS = ["https://app.example.test"]
LOGGING["root"]["level"] = "WARNING"
