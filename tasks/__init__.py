"""Celery tasks: take ids, load, call a service or send an email."""
