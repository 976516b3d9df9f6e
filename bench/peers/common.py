"""Settings every throwaway peer shares: production-like, same database server.

Each peer is what a team would get from the library's own quick-start, in
production mode: ``DEBUG`` off, Django's stock middleware, a PostgreSQL database
(its own, on the bench's server) with persistent connections like the project's.
Passwords use Argon2 with the project's parameters (passed in by the harness), so
a login compares the frameworks, not two hash costs.
"""

from __future__ import annotations

import os

import environ
from django.contrib.auth.hashers import Argon2PasswordHasher

env = environ.Env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

STOCK_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
STOCK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
PASSWORD_HASHERS = ["peers.common.ProjectArgon2PasswordHasher"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}


class ProjectArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at the cost the project uses (the harness reads and passes it)."""

    time_cost = int(os.environ.get("BENCH_ARGON2_TIME_COST", "2"))
    memory_cost = int(os.environ.get("BENCH_ARGON2_MEMORY_COST", "102400"))
    parallelism = int(os.environ.get("BENCH_ARGON2_PARALLELISM", "8"))
