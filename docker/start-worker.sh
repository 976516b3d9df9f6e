#!/usr/bin/env bash
# Celery worker: emails and clean-up tasks. Extra arguments go to celery, e.g.
# `start-worker.sh --queues emails`.
#
#   CELERY_WORKER_CONCURRENCY  processes (celery's default: one per CPU)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

args=(--app core worker --loglevel "${LOG_LEVEL:-INFO}")
if [[ -n "${CELERY_WORKER_CONCURRENCY:-}" ]]; then
    args+=(--concurrency "${CELERY_WORKER_CONCURRENCY}")
fi

exec celery "${args[@]}" "$@"
