"""WSGI entry point used by gunicorn (`core.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

from core.warmup import warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.production")

application = get_wsgi_application()
# Before gunicorn forks (preload_app) or before this worker serves (no preload).
warm_up()
