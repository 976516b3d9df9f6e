"""Stock graphene-django + django-graphql-jwt, as their quick-starts wire them.

``GraphQLView`` behind django-graphql-jwt's middleware and backend; ``tokenAuth``
and ``refreshToken`` are the library's own mutations (refresh is stateless, as
the library ships it); the user list is a ``DjangoConnectionField``.
"""

from datetime import timedelta

from peers.common import *  # noqa: F403

INSTALLED_APPS = [*STOCK_APPS, "graphene_django"]  # noqa: F405
MIDDLEWARE = STOCK_MIDDLEWARE  # noqa: F405
ROOT_URLCONF = "peers.graphene_peer.urls"
GRAPHENE = {
    "SCHEMA": "peers.graphene_peer.schema.schema",
    "MIDDLEWARE": ["graphql_jwt.middleware.JSONWebTokenMiddleware"],
}
AUTHENTICATION_BACKENDS = [
    "graphql_jwt.backends.JSONWebTokenBackend",
    "django.contrib.auth.backends.ModelBackend",
]
GRAPHQL_JWT = {
    "JWT_EXPIRATION_DELTA": timedelta(hours=2),
    "JWT_AUTH_HEADER_PREFIX": "Bearer",
}
