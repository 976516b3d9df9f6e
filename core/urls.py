"""Top-level routes: the index, the two API surfaces, their docs, admin, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import health, index, views
from core.admin_login import admin_login, admin_url_prefix

urlpatterns = [
    path("", index.index, name="index"),
    # Browsers ask every site for one; an empty answer keeps their consoles clean.
    path("favicon.ico", views.no_favicon, name="favicon"),
    path("graphql/", include("graphql_api.urls")),
    path("api/", include("rest_api.urls")),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    # Before the admin's own routes: the login answers 429 when a budget is spent.
    path(f"{admin_url_prefix()}login/", admin_login, name="admin-login"),
    path(admin_url_prefix(), admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# API paths answer JSON even for unknown routes, crashes and requests Django refuses
# before routing (a Host outside ALLOWED_HOSTS, too many fields): never HTML.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
