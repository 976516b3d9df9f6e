"""djoser + simplejwt as its docs set them up: ``/auth/users/me/``, ``/auth/jwt/*``.

Refresh tokens rotate and the old one is blacklisted (simplejwt's
``token_blacklist`` app), the closest stock match to the project's rotation.
The user list is DRF's page-number pagination (a COUNT per page), as usual.
"""

from datetime import timedelta

from peers.common import *  # noqa: F403

INSTALLED_APPS = [
    *STOCK_APPS,  # noqa: F405
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "djoser",
]
MIDDLEWARE = STOCK_MIDDLEWARE  # noqa: F405
ROOT_URLCONF = "peers.djoser_peer.urls"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication"
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SIMPLE_JWT = {
    "AUTH_HEADER_TYPES": ("Bearer",),
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=2),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
DJOSER = {"HIDE_USERS": True}
