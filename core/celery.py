"""The Celery application shared by the web process, the worker and beat.

Configuration comes from Django settings under the ``CELERY_`` namespace, so the
embedded dev defaults (eager tasks) and production (Redis broker) differ only in
environment variables.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.dev")

app = Celery("core")
app.config_from_object("django.conf:settings", namespace="CELERY")
