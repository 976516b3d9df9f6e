"""Production: secrets and hosts have no defaults, transport security is on.

Refuses to start (ImproperlyConfigured) without SECRET_KEY and ALLOWED_HOSTS.
https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
"""

from core.settings.base import *
from core.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable")
SIMPLE_JWT["SIGNING_KEY"] = env("JWT_SIGNING_KEY", default=SECRET_KEY)

# TLS terminates at nginx (or a load balancer) in front of gunicorn.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The header alone enrols nothing; submitting the domain to the list is manual.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Trust no X-Forwarded-For entry unless told how many proxies append one: a
# gunicorn reached directly (it binds 0.0.0.0 in the image) would otherwise let
# a client pick its own address and escape every per-IP budget. The bundled
# compose file sets 1 for its nginx.
NUM_TRUSTED_PROXIES = env.int("NUM_TRUSTED_PROXIES", default=0)

MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

GRAPHIQL_ENABLED = env.bool("GRAPHIQL_ENABLED", default=False)
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=False)
LOG_JSON = env.bool("LOG_JSON", default=True)
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_JSON else "plain"

from core.sentry import init_sentry  # noqa: E402

init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE)
