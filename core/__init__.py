"""Project package: settings, URLs, the Celery app, health checks."""

from core.celery import app as celery_app

__all__ = ("celery_app",)
