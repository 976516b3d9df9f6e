"""Local development: works with no environment at all.

SQLite, local-memory cache, eager in-process Celery tasks and console email,
unless DATABASE_URL / REDIS_URL / EMAIL_URL say otherwise.
"""

import os

os.environ.setdefault("DEBUG", "true")

from core.settings.base import *

GRAPHIQL_ENABLED = env.bool("GRAPHIQL_ENABLED", default=True)
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=True)
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS",
    default=["http://localhost:3000", "http://127.0.0.1:3000"],
)

# The worker and beat run these settings too: with a DSN they report, scrubbed.
# The test settings never start the SDK (a DSN in a developer's shell stays out).
from core.sentry import init_sentry  # noqa: E402

init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE)
