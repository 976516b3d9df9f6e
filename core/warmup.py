"""Warm the application up before gunicorn forks its workers.

``core.wsgi`` calls :func:`warm_up` once the WSGI handler exists. Under
gunicorn's ``preload_app`` (on in ``docker/gunicorn.conf.py``) that happens once,
in the master, so every worker forked from it, including those that replace a
recycled worker, starts warm: the URLconf and every view module imported, the
GraphQL schema built, the password hashers and Argon2's C library loaded. A cold
worker used to spend its first requests importing (p99 went from ~77 ms to about
2 s whenever workers recycled; see ``bench/README.md``). Without preload the
same work runs in each worker before it accepts a request.

Nothing here may leave a socket open in the master: a forked child would share
it with its siblings and two workers would interleave their bytes on one
PostgreSQL connection. So the warm-up opens none, and closes the database
connections anyway (:func:`close_connections_before_fork`, also run by
gunicorn's ``pre_fork`` hook). Redis clients need no such care: redis-py's
connection pools notice a fork (they record the creating pid) and start afresh.
"""

from __future__ import annotations

import gc
from importlib import import_module


def warm_up() -> None:
    """Import and build what the first request would, then get ready to fork."""
    from django.contrib.auth.hashers import get_hashers
    from django.urls import get_resolver, reverse

    # Importing every URLconf imports every view module (REST, GraphQL, admin);
    # reverse() also builds the resolver's lookup tables.
    get_resolver().url_patterns  # noqa: B018 - the import is the point
    reverse("healthz")

    from graphene_django.settings import graphene_settings

    # graphene builds the graphql-core schema lazily, on the first request.
    graphene_settings.SCHEMA.graphql_schema  # noqa: B018

    from rest_framework.settings import api_settings

    # DRF imports the classes its settings name on first use.
    for name in (
        "DEFAULT_AUTHENTICATION_CLASSES",
        "DEFAULT_PERMISSION_CLASSES",
        "DEFAULT_RENDERER_CLASSES",
        "DEFAULT_PARSER_CLASSES",
        "DEFAULT_THROTTLE_CLASSES",
    ):
        getattr(api_settings, name)

    # Every hasher instantiated and its library (argon2-cffi's C binding)
    # imported, as its first check would; nothing is hashed.
    for hasher in get_hashers():
        library = getattr(hasher, "library", None)
        if library:
            import_module(library[1] if isinstance(library, tuple) else library)

    close_connections_before_fork()
    # Objects made so far live for the process's life: moving them out of the
    # collector's generations keeps a collection in a worker from touching (and
    # so un-sharing) the pages the workers inherited from the master.
    gc.collect()
    gc.freeze()


def close_connections_before_fork() -> None:
    """Close every database connection this process holds (idempotent)."""
    from django.db import connections

    connections.close_all()
