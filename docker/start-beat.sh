#!/usr/bin/env bash
# Celery beat: enqueues the periodic tasks. Run exactly one, or every task is
# enqueued once per beat process.
#
#   CELERY_BEAT_SCHEDULE_FILE  where beat remembers the last run times. The code
#                              directory is read-only for the image's user, so the
#                              default is in /tmp: a new container forgets them and
#                              may run an interval task once early.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

exec celery --app core beat \
    --loglevel "${LOG_LEVEL:-INFO}" \
    --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" \
    "$@"
