#!/usr/bin/env bash
# Web process: apply migrations, then serve with gunicorn (docker/gunicorn.conf.py).
#
#   RUN_MIGRATIONS=1  migrate before serving (default). With several web replicas,
#                     let one of them (or a one-off job) migrate and set 0 elsewhere:
#                     concurrent `migrate` runs are not locked against each other.
#   COLLECTSTATIC=0   the image already holds the collected files; set 1 when
#                     STATIC_ROOT is a volume shared with nginx that must follow
#                     the image on upgrades (docker-compose.yml does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${RUN_MIGRATIONS:-1}" == "1" ]]; then
    python manage.py migrate --noinput
fi
if [[ "${COLLECTSTATIC:-0}" == "1" ]]; then
    python manage.py collectstatic --noinput --verbosity 0
fi

exec gunicorn --config docker/gunicorn.conf.py "$@" core.wsgi:application
