"""Top-level routes: the two API surfaces, their docs, admin and health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import health

urlpatterns = [
    path("graphql/", include("graphql_api.urls")),
    path("api/", include("rest_api.urls")),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# API paths answer JSON even for unknown routes and crashes (never an HTML page).
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
