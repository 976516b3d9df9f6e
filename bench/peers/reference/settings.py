"""The reference: the least an authenticated Django JSON view can do.

No middleware, no framework: PyJWT decodes the project's own access token and one
query loads the user by primary key from the project's table. Plus a bare JSON
view (no auth, no database) for the ceiling of Django under gunicorn here.
"""

from peers.common import *  # noqa: F403

INSTALLED_APPS = ["django.contrib.contenttypes", "peers.reference"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "peers.reference.urls"
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY")  # noqa: F405
